"""obskit discover: a starter catalog from a live cluster, merged into an existing one."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from obskit.cli import EXIT_ENV, EXIT_INPUT, app
from obskit.cli.common import fail, load_or_exit


@app.command()
def discover(
    context: str = typer.Option(None, "--context", help="kubeconfig context (default: current)."),
    namespace: list[str] = typer.Option(
        [], "--namespace", "-n", help="Namespace to scan (repeat); default: all but kube-*."
    ),
    team_label: list[str] = typer.Option(
        [],
        "--team-label",
        help="Label naming a workload's team (repeat; first found wins). "
        "Default: team, then app.kubernetes.io/part-of.",
    ),
    default_team: str = typer.Option(
        "unassigned", "--default-team", help="Team of workloads without a team label."
    ),
    out: Path = typer.Option(
        None, "--out", "-o", help="Catalog file or directory to create or merge into."
    ),
    write: bool = typer.Option(
        False, "--write", help="Apply the additions to an existing --out catalog."
    ),
    kubeconfig: str = typer.Option(
        None, "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)."
    ),
    catalog_name: str = typer.Option(
        None, "--catalog-name", help="metadata.name of a new catalog (default: the context)."
    ),
    prometheus: str = typer.Option(
        None,
        "--prometheus",
        "-p",
        help="Discover from a live Prometheus instead of a cluster: one service per job, preset "
        "detected from its series, selector, availability and latency SLOs at real buckets.",
    ),
    token_env: str = typer.Option("", "--token-env", help="--prometheus: bearer token env var."),
    token_file: Path | None = typer.Option(
        None, "--token-file", help="--prometheus: bearer token file."
    ),
    ca_file: Path | None = typer.Option(None, "--ca-file", help="--prometheus: CA bundle."),
    timeout: float = typer.Option(30.0, "--timeout", help="--prometheus: seconds per request."),
) -> None:
    """Read Deployments, StatefulSets, DaemonSets and Services (or, with --prometheus, the
    jobs of a live Prometheus); write or extend a catalog."""
    from obskit.catalog.errors import CatalogError
    from obskit.discover.cluster import DiscoveryError, read_cluster
    from obskit.discover.mapping import DEFAULT_TEAM_LABELS, team_name
    from obskit.discover.mapping import discover as map_workloads
    from obskit.discover.merge import (
        MergeError,
        apply_text,
        check_result,
        make_plan,
        new_catalog_text,
    )

    if write and out is None:
        fail("--write needs --out: the catalog to merge into", EXIT_INPUT)
    if team_name(default_team) != default_team:
        fail(f"--default-team {default_team!r} is not a valid team name ([a-z0-9-])", EXIT_INPUT)
    if prometheus is not None:
        if context or kubeconfig or team_label:
            fail("--prometheus reads no cluster: drop --context, --kubeconfig, --team-label", 2)
        if not prometheus.startswith(("http://", "https://")):
            fail(f"--prometheus {prometheus}: use an http:// or https:// URL", EXIT_INPUT)
    existing = load_or_exit(str(out)) if out is not None and out.exists() else None
    to_stderr = out is None
    say = (lambda m: typer.echo(m, err=True)) if to_stderr else typer.echo
    header = None
    if prometheus is not None:
        found, source = _from_prometheus(
            prometheus, existing, namespace, default_team, token_env, token_file, ca_file, timeout
        )
        say(source.summary)
        for line in source.lines:
            say(line)
        context_name = source.name
        plan = make_plan(found, existing, None)
        plan.unseen = []  # a server shows jobs, not every service of the catalog
        from obskit.discover.merge import PROMETHEUS_HEADER_COMMENT

        header = PROMETHEUS_HEADER_COMMENT
    else:
        try:
            snap = read_cluster(context, namespace, kubeconfig)
        except DiscoveryError as exc:
            fail(str(exc), EXIT_ENV)
        found = map_workloads(snap, tuple(team_label) or DEFAULT_TEAM_LABELS, default_team)
        plan = make_plan(found, existing, tuple(namespace) or None)
        scope = ", ".join(namespace) if namespace else "all namespaces but kube-*"
        say(f"discovered {len(found)} workloads in {scope} (context {snap.context or '?'})")
        for note in snap.notes:
            say(f"! {note}")
        context_name = snap.context
    _report(plan, say)
    try:
        if existing is None:
            if not plan.added:
                say(
                    "nothing to write: " + ("no jobs found" if prometheus else "no workloads found")
                )
                return
            name = catalog_name or team_name(context_name or "") or "discovered"
            cluster = None if prometheus is not None else context_name
            text = (
                new_catalog_text(plan, name, cluster, header)
                if header
                else new_catalog_text(plan, name, cluster)
            )
            check_result(None, None, text)
            if out is None:
                sys.stdout.write(text)
                return
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
            say(f"wrote {out}: {len(plan.added)} services, {len(plan.new_teams)} teams")
            return
        if not plan.changes:
            say(f"{out}: nothing to add")
            return
        target, text = apply_text(out, plan)
        check_result(out, target, text)
    except MergeError as exc:
        fail(str(exc), EXIT_INPUT)
    except CatalogError as exc:
        sys.stderr.write(exc.render() + "\n")
        fail("the merged catalog would not be valid; nothing was written", EXIT_INPUT)
    summary = f"{len(plan.added)} services, {len(plan.new_teams)} teams"
    if not write:
        say(f"would add {summary} to {target}: pass --write to apply")
        return
    from obskit.render.output import atomic_write

    atomic_write(target, text.encode("utf-8"))
    say(f"added {summary} to {target}")


class _Source:
    def __init__(self, summary: str, lines: list[str], name: str) -> None:
        self.summary, self.lines, self.name = summary, lines, name


def _from_prometheus(
    url: str,
    existing,
    namespaces: list[str],
    team: str,
    token_env: str,
    token_file: Path | None,
    ca_file: Path | None,
    timeout: float,
):
    """The jobs of a live Prometheus as discovered services (and what to report)."""
    from urllib.parse import urlparse

    from obskit.detect import catalog_presets
    from obskit.discover.prometheus import discover_prometheus
    from obskit.preview.auth import AuthError, resolve_credentials
    from obskit.preview.connection import Server, ServerError, Transport

    if timeout <= 0:
        fail("--timeout must be positive", EXIT_INPUT)
    if ca_file is not None and not ca_file.is_file():
        fail(f"--ca-file {ca_file}: no such file", EXIT_INPUT)
    try:
        credentials = resolve_credentials(
            token_env=token_env or None, token_file=token_file, user=None, password_env=None
        )
    except AuthError as exc:
        fail(str(exc), EXIT_INPUT)
    presets = catalog_presets(existing) if existing is not None else []
    try:
        with Server(Transport(url, credentials, ca_file=ca_file, timeout=timeout)) as server:
            found = discover_prometheus(server, presets, namespaces, team)
    except ServerError as exc:
        fail(str(exc), EXIT_ENV)
    lines = [f"! {n}" for n in found.notes]
    lines += [f"- skipped job {s.job}: {s.reason}" for s in found.skipped]
    summary = (
        f"discovered {len(found.services)} services from the jobs on {url} "
        f"({len(found.skipped)} infrastructure jobs skipped)"
    )
    host = urlparse(url).hostname or ""
    name = "discovered" if host in ("127.0.0.1", "localhost", "") else host.split(".")[0]
    return found.services, _Source(summary, lines, name)


def _report(plan, say) -> None:
    for team, reason in plan.new_teams:
        say(f"+ team {team} ({reason})")
    for d in plan.added:
        say(f"+ service {d.name}: {d.ref}, team {d.team}, preset {d.preset} ({d.preset_reason})")
        for slo in d.slos:
            at = f" at {slo['threshold']}" if "threshold" in slo else ""
            say(f"  slo {slo['name']}: {slo['objective']}%{at}")
        for note in d.notes:
            say(f"  ! {note}")
    for _d, name, diffs in plan.kept:
        if diffs:
            say(f"= service {name}: in the catalog, kept as written; differs: {'; '.join(diffs)}")
    for d, reason in plan.skipped:
        say(f"- skipped {d.ref}: {reason}")
    for name in plan.unseen:
        say(f"? service {name}: in the catalog, no matching workload in the cluster")
