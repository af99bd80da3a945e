"""Shared CLI helpers: loading a catalog with friendly errors, consoles."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from obskit.catalog.model import Catalog


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear error line on stderr, then exit (never a traceback)."""
    typer.echo(f"obskit: error: {message}", err=True)
    raise typer.Exit(code)


def load_or_exit(path: str) -> Catalog:
    """Load a catalog, or print each problem and exit 2."""
    from obskit.catalog.errors import CatalogError
    from obskit.catalog.loader import load_catalog

    try:
        return load_catalog(path)
    except CatalogError as exc:
        sys.stderr.write(exc.render() + "\n")
        raise typer.Exit(2) from None


def local_prometheus_binary(scrape: str) -> str:
    """--local: check ``--scrape HOST:PORT`` (else exit 2) and find ``prometheus`` (else
    exit 3); its path."""
    import shutil

    from obskit.cli import EXIT_ENV, EXIT_INPUT

    host, _, port = scrape.rpartition(":")
    if not host or not port.isdigit():
        fail("--local needs --scrape HOST:PORT (your running service's metrics)", EXIT_INPUT)
    binary = shutil.which("prometheus")
    if not binary:
        fail("--local needs the prometheus binary on PATH (apt-get install prometheus)", EXIT_ENV)
    return binary
