"""obskit render: write (or --check) the rendered tree."""

from __future__ import annotations

from pathlib import Path

import typer

from obskit.cli import EXIT_ENV, EXIT_FOUND, EXIT_INPUT, app
from obskit.cli.common import fail, load_or_exit


@app.command()
def render(
    catalog: str = typer.Argument(..., help="Catalog file or directory."),
    out: Path = typer.Option(Path("."), "--out", "-o", help="Output folder."),
    check: bool = typer.Option(
        False, "--check", help="Write nothing; exit 1 if any file is missing, changed or stale."
    ),
    only: str = typer.Option(
        "", "--only", help="Comma-separated subset: dashboards,alerts,helm,manifests."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Render every unit again."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Print only problems."),
    dashboard_delivery: str = typer.Option(
        "",
        "--dashboard-delivery",
        help="sidecar or grafana-operator: overrides metadata.dashboards.delivery.",
    ),
) -> None:
    """Render dashboards, alerts, Helm values and manifests from CATALOG into --out."""
    from obskit.cli.report import print_outcome
    from obskit.render.errors import LockHeld, OutputError
    from obskit.render.pipeline import render as run_render

    cat = load_or_exit(catalog)
    if dashboard_delivery:
        cat = _with_delivery(cat, dashboard_delivery)
    try:
        outcome = run_render(
            cat, out, only=only.split(",") if only else None, check=check, use_cache=not no_cache
        )
    except OutputError as exc:
        fail(str(exc), EXIT_INPUT)
    except LockHeld as exc:
        fail(str(exc), EXIT_ENV)
    except OSError as exc:
        fail(f"cannot write {exc.filename or out}: {exc.strerror or exc}", EXIT_ENV)
    print_outcome(outcome, out, quiet=quiet)
    if outcome.conflicts:
        raise typer.Exit(EXIT_INPUT)
    if check and not outcome.current:
        raise typer.Exit(EXIT_FOUND)


def _with_delivery(cat, delivery: str):
    """The catalog with ``--dashboard-delivery`` applied (bad value: exit 2)."""
    import typing

    from obskit.catalog.model import DashboardDelivery, with_dashboard_delivery

    choices = typing.get_args(DashboardDelivery)
    if delivery not in choices:
        fail(
            f"--dashboard-delivery {delivery!r}: expected one of {', '.join(choices)}",
            EXIT_INPUT,
        )
    return with_dashboard_delivery(cat, delivery)
