"""obskit report: static HTML pages of every dashboard with data, and a diff against a ref."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from obskit.cli import EXIT_ENV, EXIT_INPUT, app
from obskit.cli.common import fail, load_or_exit, local_prometheus_binary

if TYPE_CHECKING:
    from obskit.catalog.model import Catalog
    from obskit.preview.local import LocalOptions

HELP = (
    "Draw every panel of every service dashboard with data from a Prometheus into static, "
    "self-contained HTML pages (one per service, plus index.html) under --out.\n\n"
    "--prometheus URL queries a real server; --demo starts a throwaway local Prometheus with "
    "synthetic data generated for the catalog (needs prometheus and promtool); --local "
    "--scrape HOST:PORT scrapes your running service into a throwaway local Prometheus for "
    "--collect, then draws that (one service). Recorded series are expanded into their "
    "rules' expressions, so the server needs no obskit rules."
    "\n\n--base GIT_REF also renders the catalog as it is at that ref and writes the SLOs, "
    "alerts and dashboard panels added, removed, changed and renamed to report.md "
    "(PR-comment sized, with a PNG of each added or changed panel in panels/) and the index."
    "\n\nExit codes: 0 written; 2 bad input (catalog, options, --base); 3 the server is "
    "unreachable or failing, prometheus is missing (--demo, --local) or the --local target "
    "never came up."
)


@app.command(help=HELP)
def report(
    catalog: str = typer.Argument(..., help="Catalog file or directory."),
    prometheus: str = typer.Option("", "--prometheus", "-p", help="Prometheus base URL."),
    demo: bool = typer.Option(False, "--demo", help="Synthetic data in a local Prometheus."),
    local: bool = typer.Option(
        False, "--local", help="Scrape your running service (--scrape) into a local Prometheus."
    ),
    scrape: str = typer.Option("", "--scrape", help="--local: HOST:PORT of the metrics."),
    collect: str = typer.Option(
        "2m", "--collect", help="--local: scrape this long (after the target is up), then draw."
    ),
    scrape_interval: str = typer.Option(
        "5s", "--scrape-interval", help="--local: seconds between scrapes."
    ),
    since: str = typer.Option(
        "7d", "--since", help="Range drawn, e.g. 6h, 7d (--demo: at most 12h of data)."
    ),
    base: str = typer.Option("", "--base", help="Git ref to diff the catalog against."),
    service: list[str] = typer.Option([], "--service", "-s", help="Only this service."),
    out: Path = typer.Option(Path("report"), "--out", "-o", help="Output folder."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds per request."),
    failing: list[str] = typer.Option(
        [],
        "--failing",
        help="With --demo: give this service outages (repeatable); default: the first drawn "
        "service with metrics.",
    ),
    shared_js: bool = typer.Option(
        False,
        "--shared-js",
        help="Write plotly.js once (plotly.min.js beside the pages) instead of inlining it "
        "in every page: about 0.3 MB a page instead of 5 MB, but the pages need that file.",
    ),
    overviews: bool = typer.Option(
        False,
        "--overviews",
        help="Also draw the team, fleet and SLO overview dashboards (overview-<name>.html): "
        "their queries span every service.",
    ),
    images: bool = typer.Option(
        True,
        "--images/--no-images",
        help="--base: a PNG of each added or changed panel in panels/, shown in report.md "
        "(needs chromium).",
    ),
) -> None:
    from obskit.preview.connection import Server, ServerError, Transport
    from obskit.preview.demo import MAX_HOURS, DemoError, DemoPrometheus, failing_service
    from obskit.preview.local import LocalError
    from obskit.report.build import write_report
    from obskit.report.data import Window, window_until
    from obskit.report.local import collect as collect_local
    from obskit.report.page import DEMO_NOTE, LOCAL_NOTE

    if [bool(prometheus), demo, local].count(True) != 1:
        fail("give exactly one of --prometheus URL, --demo and --local --scrape", EXIT_INPUT)
    seconds = _positive(since, "--since")
    if out.exists() and not out.is_dir():
        fail(f"--out {out}: not a folder", EXIT_INPUT)
    cat = load_or_exit(catalog)
    for option, names in (("--service", service), ("--failing", failing)):
        unknown = sorted(set(names) - {s.name for s in cat.services})
        if unknown:
            fail(f"{option}: no such service: {', '.join(unknown)}", EXIT_INPUT)
    if failing and not demo:
        fail("--failing needs --demo", EXIT_INPUT)
    if scrape and not local:
        fail("--scrape needs --local", EXIT_INPUT)
    options = _local_options(cat, service, scrape, scrape_interval) if local else None
    collect_s = _positive(collect, "--collect")
    old = (base, _base_catalog(catalog, base)) if base else None
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        note = ""
        url = prometheus
        if demo:
            seconds = min(seconds, MAX_HOURS * 3600)
            # data for the services drawn only; the first of them with metrics fails
            pool = [s for s in cat.services if not service or s.name in service]
            outages = set(failing) or {failing_service(pool)}
            try:
                server_demo = stack.enter_context(DemoPrometheus(pool, outages, seconds / 3600))
            except DemoError as exc:
                fail(str(exc), EXIT_ENV)
            url = server_demo.url
            note = DEMO_NOTE.format(failing=", ".join(sorted(outages)))
        window = window_until(None, seconds)
        if options is not None:
            name = service[0] if service else cat.services[0].name
            typer.echo(f"scraping {options.scrape} as {name} for {collect}", err=True)
            try:
                collected = stack.enter_context(
                    collect_local(cat.service(name), options, collect_s)
                )
            except LocalError as exc:
                fail(str(exc), EXIT_ENV)
            url = collected.server.url
            typer.echo(f"local prometheus (pid {collected.pid}) at {url}: drawing", err=True)
            now = datetime.now(tz=UTC)
            window = Window(datetime.fromtimestamp(collected.since, tz=UTC), now, options.refresh)
            note = LOCAL_NOTE.format(target=options.scrape, name=name, seconds=window.seconds)
        try:
            server = stack.enter_context(Server(Transport(url, timeout=timeout)))
            server.ping()
            result = write_report(
                cat,
                server,
                window,
                out,
                services=service or None,
                base=old,
                note=note,
                shared_js=shared_js,
                images=images,
                overviews=overviews,
            )
        except ValueError as exc:
            fail(str(exc), EXIT_INPUT)
        except ServerError as exc:
            fail(str(exc), EXIT_ENV)
        except OSError as exc:
            fail(f"{exc.filename or out}: {exc.strerror or exc}", EXIT_INPUT)
    empty = sum(len(v) for v in result.empty.values())
    drawn = sum(result.drawn.values())
    typer.echo(
        f"wrote {out}/index.html and {len(result.pages)} service pages: {drawn} panels drawn, "
        f"{empty} without data ({time.monotonic() - started:.1f}s)"
    )


def _positive(text: str, option: str) -> float:
    from obskit.catalog.durations import parse_duration

    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        fail(f"{option}: {exc}", EXIT_INPUT)
    if seconds <= 0:
        fail(f"{option} must be positive", EXIT_INPUT)
    return seconds


def _local_options(cat: Catalog, service: list[str], scrape: str, interval: str) -> LocalOptions:
    """--local: one service, a HOST:PORT target and the prometheus binary (else exit 2/3)."""
    from obskit.preview.local import LocalOptions

    if len(set(service)) != 1 and len(cat.services) != 1:
        fail("--local draws one service: pass --service NAME", EXIT_INPUT)
    binary = local_prometheus_binary(scrape)
    return LocalOptions(
        scrape=scrape, binary=binary, refresh=_positive(interval, "--scrape-interval")
    )


def _base_catalog(catalog: str, base: str) -> Catalog:
    """The catalog as it is at git ref ``base`` (exit 2 when it cannot be read)."""
    from obskit.catalog.errors import CatalogError
    from obskit.catalog.loader import load_catalog
    from obskit.report.diff import BaseError, checkout_at

    try:
        with checkout_at(Path(catalog), base) as old_path:
            return load_catalog(old_path)
    except BaseError as exc:
        fail(str(exc), EXIT_INPUT)
    except CatalogError as exc:
        fail(f"--base {base}: the catalog there is invalid: {exc}", EXIT_INPUT)
