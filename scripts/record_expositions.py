#!/usr/bin/env python3
"""Record what each instrumentation library really exposes on /metrics.

Starts every conformance app (tests/conformance/apps/, the same ones the conformance suite
runs), sends each a fixed set of requests, fetches /metrics and writes the exposition text
to tests/conformance/recorded/<preset>--<library>.prom with a header naming the library,
its versions and how it was recorded. Volatile lines are stripped so that re-recording gives
a stable diff: ``*_created`` samples, the ``process_``, ``python_`` and ``go_`` runtime
families, target_info's ``service_instance_id``; the app's random port is written as 8080.

    .venv/bin/python scripts/record_expositions.py [--only SERVICE ...] [--out DIR]

Apps that cannot run here (no Go toolchain) are reported and their files left as they are.
The ``*--documented.prom`` files (Micrometer, Istio, ingress-nginx) are written by hand from
the projects' documentation, not by this script.
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "conformance"))

import conformance_harness as h

#: the requests sent before the recorded scrape (route, count)
SEQUENCE = (("ok", 5), ("fail", 2), ("slow", 1), ("healthz", 1))
VOLATILE_PREFIXES = ("process_", "python_", "go_")
STABLE_PORT = "8080"

_NAME = re.compile(r"^(?:# (?:HELP|TYPE) )?([a-zA-Z_:][a-zA-Z0-9_:]*)")


def normalise(text: str, port: int) -> str:
    """Drop volatile families and samples; write the app's port as 8080."""
    out: list[str] = []
    for line in text.splitlines():
        m = _NAME.match(line)
        name = m.group(1) if m else ""
        if name.startswith(VOLATILE_PREFIXES) or name.endswith("_created"):
            continue
        if name == "target_info":
            line = re.sub(r'service_instance_id="[^"]*",?', "", line)
        line = line.replace(f"127.0.0.1:{port}", f"127.0.0.1:{STABLE_PORT}")
        line = line.replace(f'="{port}"', f'="{STABLE_PORT}"')
        out.append(line)
    return "\n".join(out).rstrip("\n") + "\n"


def header(spec: h.AppSpec) -> str:
    vers = ", ".join(f"{k} {v}" for k, v in h.versions(spec).items())
    runtime = f"Python {platform.python_version()}" if spec.lang == "python" else "Debian packages"
    source = f"tests/conformance/apps/{spec.lang}/{spec.source}"
    env = " ".join(f"{k}={v}" for k, v in spec.env)
    reqs = ", ".join(f"{route} x{n}" for route, n in SEQUENCE if not _skip(spec, route))
    lines = [
        f"# obskit conformance recording: preset {spec.preset}, library {spec.library}",
        f"# versions: {vers} ({runtime})",
        f"# app: {source}{f' with {env}' if env else ''}: {spec.description}",
        f"# recorded by scripts/record_expositions.py: requests {reqs}, one GET /metrics, "
        "then this GET /metrics",
        "# stripped: *_created samples, process_/python_/go_ families, target_info "
        f"service_instance_id; the app's port is written as {STABLE_PORT}; "
        "duration _sum values and cold-request bucket counts vary between recordings",
    ]
    return "\n".join(lines) + "\n"


def _skip(spec: h.AppSpec, route: str) -> bool:
    return spec.protocol == "grpc" and route == "healthz"


def record(app: h.RunningApp) -> str:
    for route, n in SEQUENCE:
        if _skip(app.spec, route):
            continue
        for _ in range(n):
            app.call(route)
    h.http_get(app.metrics_url)
    status, body = h.http_get(app.metrics_url)
    if status != 200:
        raise RuntimeError(f"{app.spec.service}: GET /metrics returned {status}")
    return header(app.spec) + normalise(body.decode(), app.port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="SERVICE", help="record these apps only")
    parser.add_argument("--out", type=Path, default=h.RECORDED_DIR, help="output folder")
    args = parser.parse_args(argv)
    specs = [s for s in h.APPS if not args.only or s.service in args.only]
    unknown = set(args.only or ()) - {s.service for s in h.APPS}
    if unknown:
        parser.error(f"unknown app {', '.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)
    problems = 0
    with tempfile.TemporaryDirectory(prefix="obskit-record-") as tmp:
        workdir = Path(tmp)
        built = h.build_go_apps(specs, workdir)
        binaries = {k: v for k, v in built.items() if isinstance(v, Path)}
        skipped = {k: v for k, v in built.items() if isinstance(v, str)}
        runnable = [s for s in specs if s.service not in skipped]
        apps, failed = h.start_apps(runnable, workdir, binaries)
        try:
            for service, reason in {**skipped, **failed}.items():
                print(f"skipped {service}: {reason.splitlines()[0]}", file=sys.stderr)
                problems += 1
            for spec in runnable:
                app = apps.get(spec.service)
                if app is None:
                    continue
                path = args.out / spec.recorded_name
                path.write_text(record(app))
                print(f"wrote {path}")
        finally:
            for app in apps.values():
                app.stop()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
