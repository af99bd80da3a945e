"""obskit preview: would the catalog's alerts fire now, and how noisy would they have been?"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from obskit.cli import EXIT_ENV, EXIT_INPUT, app
from obskit.cli.common import fail, load_or_exit, local_prometheus_binary

if TYPE_CHECKING:
    from obskit.catalog.model import Catalog

HELP = (
    "Check CATALOG's alerts against a real Prometheus before merging.\n\n"
    "For each service: a metric check (do the preset's metrics exist under the selector, does "
    "the counter carry the status label with values shaped like the preset's, do the latency "
    "thresholds match real `le` buckets, is kube-state-metrics data there for the workload), "
    "every alert evaluated now (recording-rule references expanded, `for` "
    "honoured), and a backtest over --since: how often and how long each alert would have "
    "fired.\n\n"
    "With --local --scrape HOST:PORT: start a throwaway local Prometheus with the service's "
    "rules scraping your running service, and show the alert states every few seconds until "
    "Ctrl-C.\n\n"
    "Credentials never go on the command line: --token-env / --password-env name environment "
    "variables, --token-file a file.\n\n"
    "Each request has one deadline, --timeout, for connecting, the answer and its body "
    "together; the whole run has --deadline (default 20 x --timeout). Answers are read up to "
    "OBSKIT_PREVIEW_MAX_RESPONSE_BYTES (default 64 MiB) and schema-checked.\n\n"
    "Exit codes: 0 no critical alert firing now and every metric check passed; 1 a critical "
    "alert is firing now or a metric check failed (e.g. the preset does not match what the "
    "service exports: the check names the preset that does); 2 bad "
    "input (catalog, options, unknown service); 3 the server is unreachable, failing, too "
    "slow or answers what is not the Prometheus API, an alert or check could not be "
    "evaluated, or the prometheus binary is missing (--local)."
)


#: the run's deadline without --deadline: this many --timeout
RUN_DEADLINE_FACTOR = 20


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _seconds(value: str, option: str) -> float:
    from obskit.catalog.durations import parse_duration

    if value in ("0", ""):
        return 0.0
    try:
        return parse_duration(value)
    except ValueError as exc:
        fail(f"{option}: {exc}", EXIT_INPUT)


@app.command(help=HELP)
def preview(
    catalog: str = typer.Argument(..., help="Catalog file or directory."),
    prometheus: str = typer.Option(
        "", "--prometheus", "-p", help="Prometheus base URL, e.g. http://localhost:9090."
    ),
    service: list[str] = typer.Option(
        [], "--service", "-s", help="Only this service (repeatable); default: all."
    ),
    since: str = typer.Option(
        "7d", "--since", help="Backtest range, e.g. 6h, 7d; 0 skips the backtest."
    ),
    step: str = typer.Option(
        "",
        "--step",
        help="Backtest resolution; default: the rule interval (coarser for long ranges).",
    ),
    output: OutputFormat = typer.Option(OutputFormat.table, "--output", help="table or json."),
    rules_dir: Path | None = typer.Option(
        None,
        "--rules",
        help="Use rule files already rendered under DIR/alerts/ instead of rendering CATALOG.",
    ),
    no_checks: bool = typer.Option(False, "--no-checks", help="Skip the metric check."),
    token_env: str = typer.Option("", "--token-env", help="Bearer token from this env var."),
    token_file: Path | None = typer.Option(None, "--token-file", help="Bearer token file."),
    user: str = typer.Option("", "--user", help="Basic-auth user (password: --password-env)."),
    password_env: str = typer.Option(
        "", "--password-env", help="Env var holding the basic-auth password."
    ),
    ca_file: Path | None = typer.Option(None, "--ca-file", help="CA bundle for https."),
    insecure: bool = typer.Option(
        False, "--insecure-skip-verify", help="Do not verify the server's TLS certificate."
    ),
    timeout: float = typer.Option(
        30.0, "--timeout", help="Seconds per request (connect, answer and body together)."
    ),
    deadline: float = typer.Option(
        0.0, "--deadline", help="Seconds for the whole run; default: 20 x --timeout."
    ),
    local: bool = typer.Option(
        False, "--local", help="Start a throwaway local Prometheus (needs --scrape)."
    ),
    scrape: str = typer.Option("", "--scrape", help="--local: HOST:PORT of your running service."),
    duration: str = typer.Option(
        "", "--duration", help="--local: stop after this long (default: until Ctrl-C)."
    ),
    refresh: str = typer.Option("5s", "--refresh", help="--local: refresh interval."),
) -> None:
    from obskit.preview.rules import RulesError, parse_rule_files

    cat = load_or_exit(catalog)
    known = [s.name for s in cat.services]
    for name in service:
        if name not in known:
            import difflib

            hint = difflib.get_close_matches(name, known, n=1)
            fail(
                f"--service {name}: no such service in the catalog"
                + (f' (did you mean "{hint[0]}"?)' if hint else ""),
                EXIT_INPUT,
            )
    selected = list(dict.fromkeys(service)) or known

    if local:
        _local(cat, selected, scrape, duration, refresh, rules_dir)
        return
    if not prometheus:
        fail("--prometheus URL is required (or --local --scrape HOST:PORT)", EXIT_INPUT)
    if not prometheus.startswith(("http://", "https://")):
        fail(f"--prometheus {prometheus}: use an http:// or https:// URL", EXIT_INPUT)
    if not 0 < timeout < 1e9:
        fail("--timeout must be a positive number of seconds", EXIT_INPUT)
    if not 0 <= deadline < 1e9:
        fail("--deadline must be a positive number of seconds", EXIT_INPUT)
    from obskit.preview.http import max_bytes_from_env

    try:
        max_bytes = max_bytes_from_env()
    except ValueError as exc:
        fail(str(exc), EXIT_INPUT)
    if ca_file is not None and not ca_file.is_file():
        fail(f"--ca-file {ca_file}: no such file", EXIT_INPUT)
    from obskit.preview.backtest import MAX_POINTS

    since_s = _seconds(since, "--since")
    step_s = _seconds(step, "--step") if step else None
    if step_s is not None and step_s <= 0:
        fail("--step must be a positive duration, e.g. 1m", EXIT_INPUT)
    if step_s is not None and since_s and since_s / step_s >= MAX_POINTS:
        fail(
            f"--step {step} over --since {since} is more than Prometheus' {MAX_POINTS} points "
            "per range query; use a larger --step",
            EXIT_INPUT,
        )

    from obskit.preview.auth import AuthError, resolve_credentials
    from obskit.preview.connection import Server, ServerError, Transport
    from obskit.preview.run import Options, run_preview

    try:
        credentials = resolve_credentials(
            token_env=token_env or None,
            token_file=token_file,
            user=user or None,
            password_env=password_env or None,
        )
        rules = parse_rule_files(_rule_files(cat, selected, rules_dir))
    except (AuthError, RulesError) as exc:
        fail(str(exc), EXIT_INPUT)

    transport = Transport(
        prometheus,
        credentials,
        ca_file=ca_file,
        verify=not insecure,
        timeout=timeout,
        max_response_bytes=max_bytes,
        run_seconds=deadline or RUN_DEADLINE_FACTOR * timeout,
    )
    progress = _progress() if output == OutputFormat.table and sys.stderr.isatty() else None
    try:
        with Server(transport) as server:
            result = run_preview(
                server,
                cat,
                rules,
                Options(since_seconds=since_s or None, step_seconds=step_s, checks=not no_checks),
                progress=progress or (lambda _: None),
            )
    except ServerError as exc:
        fail(str(exc), EXIT_ENV)
    finally:
        if progress is not None:
            progress("")
    from obskit.preview.output import dump, print_tables

    if output == OutputFormat.json:
        sys.stdout.buffer.write(dump(result))
        sys.stdout.flush()
    else:
        print_tables(result)
    errors = result.errors
    if errors:
        counts = [
            f"{n} {word}{'s' if n != 1 else ''}"
            for n, word in (
                (len(result.failed_alerts), "alert"),
                (len(result.errored_checks), "check"),
            )
            if n
        ]
        more = f" (+{len(errors) - 1} other errors)" if len(errors) > 1 else ""
        typer.echo(
            f"obskit: error: could not evaluate {' and '.join(counts)}: {errors[0]}{more}",
            err=True,
        )
    raise typer.Exit(result.exit_code)


def _rule_files(cat: Catalog, names: list[str], rules_dir: Path | None) -> dict[str, bytes]:
    """Each service's rule file: rendered in memory, or read from ``--rules DIR``."""
    from obskit.preview.rules import RulesError, rendered_rule_files, rule_files_from_dir

    try:
        if rules_dir:
            return rule_files_from_dir(rules_dir, names)
        return rendered_rule_files(cat, names)
    except RulesError as exc:
        fail(str(exc), EXIT_INPUT)


def _progress() -> Callable[[str], None]:
    """A one-line progress indicator on stderr (table output on a terminal only)."""

    def show(text: str) -> None:
        sys.stderr.write("\r\033[K" + (f"querying {text} ..." if text else ""))
        sys.stderr.flush()

    return show


def _local(
    cat: Catalog,
    selected: list[str],
    scrape: str,
    duration: str,
    refresh: str,
    rules_dir: Path | None,
) -> None:
    from rich.console import Console

    from obskit.preview.local import LocalError, LocalOptions, run_local

    if len(selected) != 1:
        fail("--local previews one service: pass --service NAME", EXIT_INPUT)
    binary = local_prometheus_binary(scrape)
    refresh_s = _seconds(refresh, "--refresh") or 5.0
    duration_s = _seconds(duration, "--duration") if duration else None
    name = selected[0]
    files = _rule_files(cat, [name], rules_dir)
    if not files[name].strip():
        fail(f"{name}: no rules rendered for this service", EXIT_INPUT)
    options = LocalOptions(scrape=scrape, binary=binary, refresh=refresh_s, duration=duration_s)
    try:
        console = Console(highlight=False)
        if not console.is_terminal:
            console = Console(highlight=False, width=200)
        from obskit.detect import catalog_presets

        code = run_local(
            cat.service(name), files[name], options, console, presets=catalog_presets(cat)
        )
    except LocalError as exc:
        fail(str(exc), EXIT_ENV)
    raise typer.Exit(code)
