"""obskit lint: our own checks over the rendered rules (obskit.lint)."""

from __future__ import annotations

import typer

from obskit.cli import EXIT_FOUND, app
from obskit.cli.common import fail, load_or_exit


@app.command()
def lint(
    catalog: str = typer.Argument("catalog.yaml", help="Catalog file or directory."),
    check: list[str] = typer.Option(
        [], "--check", "-c", help="Run only these checks (repeatable); default: all."
    ),
    list_checks: bool = typer.Option(False, "--list", help="List the checks and exit."),
) -> None:
    """Check what CATALOG renders: rules (duplicates, `for`, ranges, counters) and Helm keys."""
    from rich.console import Console
    from rich.markup import escape

    from obskit.lint import load_checks, run_checks
    from obskit.lint.base import context_from_catalog

    console = Console(highlight=False, soft_wrap=True)
    checks = load_checks()
    if list_checks:
        for c in checks:
            console.print(f"[bold]{c.NAME}[/]: {escape(c.DESCRIPTION)} (docs/lint/{c.NAME}.md)")
        return
    if check:
        known = {c.NAME for c in checks}
        unknown = sorted(set(check) - known)
        if unknown:
            fail(f"unknown check {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
        checks = [c for c in checks if c.NAME in check]
    findings = run_checks(context_from_catalog(load_or_exit(catalog)), checks)
    for f in findings:
        where = escape(f"{f.path} ({f.group}) {f.rule}: {f.message}")
        console.print(f"[red]{f.check}[/] {where}")
    names = ", ".join(c.NAME for c in checks)
    if findings:
        console.print(f"{len(findings)} finding(s) from {len(checks)} checks ({names})")
        raise typer.Exit(EXIT_FOUND)
    console.print(f"no findings from {len(checks)} checks ({names})")
