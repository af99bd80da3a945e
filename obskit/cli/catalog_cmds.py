"""Catalog commands: init, schema, validate."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from obskit.cli import app
from obskit.cli.common import fail, load_or_exit

SCHEMA_FILE = "catalog.schema.json"


@app.command()
def init(
    directory: Path = typer.Argument(Path("."), help="Folder to write catalog.yaml into."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing catalog.yaml."),
) -> None:
    """Write a starter catalog.yaml (and its JSON Schema for editor completion)."""
    from obskit.catalog.jsonschema import catalog_json_schema
    from obskit.catalog.starter import STARTER_CATALOG

    target = directory / "catalog.yaml"
    if target.exists() and not force:
        fail(f"{target} exists; pass --force to overwrite it")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / SCHEMA_FILE).write_text(json.dumps(catalog_json_schema(), indent=2) + "\n")
    target.write_text(STARTER_CATALOG.format(schema=SCHEMA_FILE))
    typer.echo(f"wrote {target} and {directory / SCHEMA_FILE}")
    typer.echo(f"next: obskit validate {target} && obskit render {target} --out {directory}")


@app.command()
def schema() -> None:
    """Print the catalog's JSON Schema (generated from the models)."""
    from obskit.catalog.jsonschema import catalog_json_schema

    typer.echo(json.dumps(catalog_json_schema(), indent=2, sort_keys=True))


@app.command()
def validate(
    catalog: str = typer.Argument(..., help="Catalog file or directory."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Print nothing when valid."),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Render every unit again, not only those that changed."
    ),
) -> None:
    """Check a catalog against the contract and print a short summary.

    Every unit is rendered in memory and discarded, so a catalog ``render`` would refuse
    (a Kubernetes name too long, a dashboard too big for its ConfigMap) is refused here too.
    Units that passed before with the same inputs and code are not rendered again
    ($OBSKIT_CACHE_DIR or ~/.cache/obskit; --no-cache renders all).
    """
    from obskit.render.errors import OutputError
    from obskit.render.pipeline import dry_render

    cat = load_or_exit(catalog)
    try:
        dry_render(cat, cache_name=None if no_cache else str(Path(catalog).resolve()))
    except OutputError as exc:
        fail(f"{catalog}: {exc}")
    if quiet:
        return
    slos = sum(len(s.slos) for s in cat.services)
    alerts = sum(len(s.alerts) for s in cat.services)
    envs = ", ".join(cat.environments)
    typer.echo(
        f"{catalog}: valid catalog `{cat.metadata.name}`: {len(cat.services)} services, "
        f"{len(cat.teams)} teams, {slos} SLOs, {alerts} hand-written alerts, "
        f"environments: {envs}"
    )
