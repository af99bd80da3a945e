#!/usr/bin/env python3
"""A local Prometheus with synthetic data for a catalog, to try `obskit preview` on.

    python scripts/preview_demo.py catalog.yaml --failing checkout

writes HOURS of request counters and latency histograms for every service of the catalog
(metric names, labels and buckets from each service's preset and selector), plus
kube-state-metrics and cAdvisor series of one healthy pod per workload; the ``--failing``
services have two outages (10% errors and a lost replica: 4h-3h ago and the last 45
minutes). It backfills
the data with ``promtool tsdb create-blocks-from openmetrics``, runs ``prometheus`` on
127.0.0.1:PORT until Ctrl-C, then removes its temp dir. See docs/preview.md.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from obskit.catalog.loader import load_catalog
from obskit.preview.demo import openmetrics


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalog")
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument("--hours", type=float, default=6.0)
    parser.add_argument("--failing", action="append", default=[], help="service with outages")
    args = parser.parse_args(argv)
    binary, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if not binary or not promtool:
        print("needs prometheus and promtool on PATH (apt-get install prometheus)", file=sys.stderr)
        return 3
    catalog = load_catalog(args.catalog)
    unknown = set(args.failing) - {s.name for s in catalog.services}
    if unknown:
        print(f"--failing: no such service: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    work = Path(tempfile.mkdtemp(prefix="obskit-demo-"))
    process = None
    try:
        source = work / "data.om"
        source.write_text(
            openmetrics(list(catalog.services), set(args.failing), time.time(), args.hours)
        )
        data = work / "data"
        subprocess.run(
            [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        config = work / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 15s}\n"
            "scrape_configs:\n"
            f"- job_name: prometheus\n  static_configs: [{{targets: ['127.0.0.1:{args.port}']}}]\n"
        )
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{args.port}",
                "--storage.tsdb.retention.time=15d",
                "--log.level=warn",
            ]
        )
        print(
            f"prometheus with {args.hours:g}h of synthetic data for {len(catalog.services)} "
            f"services at http://127.0.0.1:{args.port} (failing: "
            f"{', '.join(args.failing) or 'none'}); Ctrl-C to stop",
            flush=True,
        )
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
