"""obskit test: render the alert rules and prove them with the real promtool."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from obskit.cli import EXIT_ENV, EXIT_FOUND, EXIT_INPUT, app
from obskit.cli.common import fail, load_or_exit


@app.command("test")
def test_rules(
    catalog: str = typer.Argument("catalog.yaml", help="Catalog file or directory."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Render into this folder (kept) instead of a temporary one."
    ),
    jobs: int = typer.Option(
        0, "--jobs", "-j", help="promtool processes run in parallel (default: CPU count)."
    ),
    no_cache: bool = typer.Option(
        False,
        "--no-cache",
        help="Run promtool for every service, ignoring stored passes (and storing none).",
    ),
    no_share: bool = typer.Option(
        False,
        "--no-share",
        help="Prove every service on its own, even when its files equal another's up to names.",
    ),
) -> None:
    """Run `promtool check rules` and `promtool test rules` for every service's alerts.

    A service whose rule file, test file and promtool version match an earlier pass is not
    run again (passes are kept in $OBSKIT_CACHE_DIR or ~/.cache/obskit; failures never are).
    Services whose files are another's up to their names (name, namespace, team, workload)
    share one proof, run on the files rendered with placeholder names (docs/testing.md).
    """
    from obskit.promtool import PromtoolMissing, find_promtool
    from obskit.promtool_dedupe import SharedProofs
    from obskit.promtool_run import prove
    from obskit.render.output import OutputError
    from obskit.render.pipeline import render

    try:
        promtool = find_promtool()
    except PromtoolMissing as exc:
        fail(str(exc), EXIT_ENV)
    cat = load_or_exit(catalog)
    with tempfile.TemporaryDirectory(prefix="obskit-test-") as tmp:
        root = out if out is not None else Path(tmp)
        try:
            outcome = render(cat, root, only=["alerts"], use_cache=out is not None)
        except OutputError as exc:
            fail(str(exc), EXIT_INPUT)
        if outcome.conflicts:
            fail(f"{root}: {len(outcome.conflicts)} file(s) in the way: {outcome.conflicts[0]}")
        alerts_dir = root / "alerts"
        names = [s.name for s in cat.services]
        shared = None if no_share else SharedProofs(cat, alerts_dir)
        results = prove(
            alerts_dir, names, promtool=promtool, jobs=jobs, use_cache=not no_cache, shared=shared
        )
    _report(results)
    if not all(r.ok for r in results):
        raise typer.Exit(EXIT_FOUND)


def _report(results: list) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    table = Table(title="promtool check rules / test rules")
    for col in ("service", "rules", "test groups", "check", "test", "seconds"):
        table.add_column(
            col, justify="right" if col in {"rules", "test groups", "seconds"} else "left"
        )
    for r in results:
        table.add_row(
            r.service,
            str(r.rules),
            str(r.tests),
            "[green]ok[/]" if r.check_ok else "[red]FAILED[/]",
            "[green]ok[/]" if r.test_ok else "[red]FAILED[/]",
            "cached" if r.cached else f"{r.seconds:.1f}",
        )
    console.print(table)
    for r in results:
        if not r.ok:
            console.print(f"[red]{r.service}[/]:")
            console.print(r.output, markup=False)
    failed = sum(not r.ok for r in results)
    rules = sum(r.rules for r in results)
    tests = sum(r.tests for r in results)
    cached = sum(r.cached for r in results)
    summary = f"{len(results)} services, {rules} rules, {tests} test groups: "
    summary += f"[red]{failed} failed[/]" if failed else "[green]all passed[/]"
    console.print(summary + f" ({cached} from the pass cache)")
