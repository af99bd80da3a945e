"""Read a catalog file or directory, validate it against the v1 contract, apply defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError

from obskit.catalog.bounds import MAX_FILE_BYTES
from obskit.catalog.errors import CatalogError, Problem
from obskit.catalog.model import Catalog, CatalogDocument, Service
from obskit.catalog.overrides import catalog_problems
from obskit.catalog.rules import resolve
from obskit.catalog.schema_errors import problems_from_validation
from obskit.catalog.shared import Sharing
from obskit.catalog.yaml_source import SourceMap, load_yaml

CATALOG_SUFFIXES = (".yaml", ".yml")


@dataclass
class LoadedFile:
    """One catalog file: its validated document and where each field is.

    The raw data is not kept (at 10,000 services it is tens of MiB while the catalog is
    resolved): what the cross-file rules need of it, its top-level keys and the problems
    with what it would inject into rendered files, is taken before it is dropped.
    """

    path: str
    document: CatalogDocument
    smap: SourceMap
    #: the file's top-level keys (``metadata``, ``services``...)
    sections: frozenset[str]
    #: :func:`~obskit.catalog.overrides.catalog_problems` of the raw data
    injected: list[Problem]


def catalog_files(source: str | os.PathLike[str]) -> list[FsPath]:
    """The files a catalog path names: the file itself, or a directory's YAML files (sorted)."""
    path = FsPath(source)
    if path.is_dir():
        return sorted(
            p
            for p in path.iterdir()
            if p.suffix in CATALOG_SUFFIXES and p.is_file() and not p.name.startswith(".")
        )
    return [path]


def _display(path: FsPath) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def read_file(path: FsPath) -> tuple[LoadedFile | None, list[Problem]]:
    """Parse and schema-check one catalog file."""
    name = _display(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            return None, [
                Problem(
                    name,
                    0,
                    0,
                    "",
                    f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB: not a catalog file",
                    "split the catalog into a directory of files (one per team), or raise "
                    "OBSKIT_MAX_CATALOG_BYTES",
                )
            ]
        text = raw.decode("utf-8")
    except FileNotFoundError:
        return None, [Problem(name, 0, 0, "", "no such file", "give a catalog file or directory")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, 0, 0, "", f"cannot read the file: {exc}", "")]
    data, smap, problems = load_yaml(text, name)
    if data is None:
        return None, problems
    if not isinstance(data, dict):
        problems.append(
            smap.problem(
                (), "a catalog file must be a mapping", "start it with apiVersion: obskit/v1"
            )
        )
        return None, problems
    if not problems:
        quick = _by_service(data, smap)
        if quick is not None:
            document, injected = quick
            return LoadedFile(name, document, smap, frozenset(data), injected), problems
        data, smap, problems = load_yaml(text, name)  # its services were dropped: read again
    try:
        document = CatalogDocument.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, data, smap, CatalogDocument))
        return None, problems
    if problems:
        return None, problems
    injected = catalog_problems(data, smap)
    return LoadedFile(name, document, smap, frozenset(data), injected), problems


def _by_service(
    data: dict[str, Any], smap: SourceMap
) -> tuple[CatalogDocument, list[Problem]] | None:
    """The document validated service by service, each service's raw data dropped once its
    model is built (so the raw data and the models of a whole fleet are never held at once),
    and :func:`catalog_problems` of the raw data; None when anything is invalid (the caller
    validates the whole document again, which explains every problem).
    """
    services = data.get("services")
    if not isinstance(services, list):
        return None
    injected = catalog_problems(data, smap)
    models: list[Service] = []
    sharing = Sharing()
    try:
        for i, item in enumerate(services):
            models.append(sharing.tree(Service.model_validate(item)))
            services[i] = None
        document = CatalogDocument.model_validate({**data, "services": models})
    except ValidationError:
        return None
    return document, injected


def load_catalog(source: str | os.PathLike[str]) -> Catalog:
    """Load, validate and resolve a catalog; raises :class:`CatalogError` listing every problem."""
    files = catalog_files(source)
    if not files:
        raise CatalogError(
            [Problem(str(source), 0, 0, "", "no *.yaml or *.yml files in the directory", "")]
        )
    problems: list[Problem] = []
    loaded: list[LoadedFile] = []
    for path in files:
        file, found = read_file(path)
        problems.extend(found)
        if file:
            loaded.append(file)
    if problems:
        raise CatalogError(problems)
    catalog, problems = resolve(loaded)
    if problems or catalog is None:
        raise CatalogError(problems)
    return catalog
