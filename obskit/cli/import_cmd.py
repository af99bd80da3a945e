"""obskit import: OpenSLO, Sloth and Backstage files into a catalog (new or merged).

Exit codes: 0 imported (anything not mapped is listed on stderr); 1 with ``--strict`` when a
field was not mapped or a service already exists (nothing written); 2 bad input: a file that
is not YAML or not of the format, or a catalog that would not be valid (nothing written).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import typer

from obskit.cli import EXIT_FOUND, EXIT_INPUT, app
from obskit.cli.common import fail, load_or_exit

import_app = typer.Typer(
    help="Import OpenSLO, Sloth or Backstage files as catalog services and SLOs.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

FILES = typer.Argument(..., help="Files to import (multi-document YAML allowed).")
MERGE = typer.Option(
    None, "--merge", help="Catalog file or directory to add the services to (text-preserving)."
)
OUT = typer.Option(
    None, "--out", "-o", help="Write here (default: stdout; with --merge: the merged catalog)."
)
STRICT = typer.Option(False, "--strict", help="Exit 1, writing nothing, if anything is unmapped.")
NAME = typer.Option("imported", "--catalog-name", help="metadata.name of a new catalog.")


@import_app.command("sloth")
def import_sloth(
    files: list[Path] = FILES,
    merge: Path | None = MERGE,
    out: Path | None = OUT,
    strict: bool = STRICT,
    catalog_name: str = NAME,
) -> None:
    """Sloth prometheus/v1 and sloth.slok.dev/v1 PrometheusServiceLevel specs (AlertWindows
    documents among FILES set every SLO's burn windows)."""
    from obskit.adapters import sloth

    _run("sloth", sloth.import_documents, files, merge, out, strict, catalog_name)


@import_app.command("openslo")
def import_openslo(
    files: list[Path] = FILES,
    merge: Path | None = MERGE,
    out: Path | None = OUT,
    strict: bool = STRICT,
    catalog_name: str = NAME,
) -> None:
    """OpenSLO v1 Service, SLO and SLI documents (inline or referenced SLIs)."""
    from obskit.adapters import openslo

    _run("openslo", openslo.import_documents, files, merge, out, strict, catalog_name)


@import_app.command("backstage")
def import_backstage(
    files: list[Path] = FILES,
    merge: Path | None = MERGE,
    out: Path | None = OUT,
    strict: bool = STRICT,
    catalog_name: str = NAME,
) -> None:
    """Backstage catalog-info.yaml Components as services (spec.owner is the team)."""
    from obskit.adapters import backstage

    _run("backstage", backstage.import_documents, files, merge, out, strict, catalog_name)


def _run(
    kind: str,
    importer: Callable,
    files: list[Path],
    merge: Path | None,
    out: Path | None,
    strict: bool,
    catalog_name: str,
) -> None:
    from obskit.adapters.catalog_text import merge_into, new_catalog_text
    from obskit.adapters.source import InputError, read_documents
    from obskit.catalog.errors import CatalogError
    from obskit.discover.merge import MergeError, check_result, target_file

    try:
        docs = [doc for f in files for doc in read_documents(f)]
        imported = importer(docs)
    except InputError as exc:
        sys.stderr.write(str(exc) + f"\n{len(exc.problems)} problem(s); nothing was written.\n")
        raise typer.Exit(EXIT_INPUT) from None
    for item in sorted(set(imported.unmapped)):
        typer.echo(f"not imported: {item}", err=True)
    conflicts: list[str] = []
    try:
        display = str(out or "the imported catalog")
        if merge is None:
            text = new_catalog_text(imported, catalog_name, kind)
            target = out
            check_result(None, None, text) if imported.services else None
            added = [s["name"] for s in imported.services]
        else:
            if not merge.exists():
                fail(f"{merge}: no such catalog to merge into", EXIT_INPUT)
            existing = load_or_exit(str(merge))
            known = ({s.name for s in existing.services}, {t.name for t in existing.teams})
            source = target_file(merge)
            current = source.read_text(encoding="utf-8") if source.exists() else ""
            result = merge_into(current, imported, str(source), kind, known)
            text, added, conflicts = result.text, result.added, result.conflicts
            display = str(out or source)
            check_result(merge, source, text)
            target = out or source
    except MergeError as exc:
        fail(str(exc), EXIT_INPUT)
    except CatalogError as exc:
        for problem in exc.problems:  # name the file being written, not the check's copy
            typer.echo(str(dataclasses.replace(problem, file=display)), err=True)
        fail("the imported catalog would not be valid; nothing was written", EXIT_INPUT)
    for name in conflicts:
        typer.echo(f"conflict: service `{name}` is already in {merge}: kept as written", err=True)
    if strict and (imported.unmapped or conflicts):
        fail(
            f"{len(set(imported.unmapped))} field(s) not imported, {len(conflicts)} conflict(s) "
            "(--strict); nothing was written",
            EXIT_FOUND,
        )
    if not imported.services:
        fail("nothing could be imported (see the list above); nothing was written", EXIT_INPUT)
    if target is None:
        sys.stdout.write(text)
    else:
        from obskit.render.output import atomic_write

        atomic_write(target, text.encode("utf-8"))
    where = target or "stdout"
    typer.echo(
        f"imported {len(added)} service(s) to {where}; {len(set(imported.unmapped))} field(s) "
        f"not imported, {len(conflicts)} conflict(s)",
        err=True,
    )
