"""Samples read per evaluation by the SLO-window (7d/28d/30d) error ratio, analytically.

    .venv/bin/python benchmarks/slo_window_samples.py [catalog.yaml] [--series 600]
        [--scrape 30s] [--eval 1m]

For every SLO of the catalog it takes the rule obskit renders for the SLO-window ratio
(``slo:sli_error:ratio_rate<window>``: ``sum_over_time`` of the recorded 5m rates) and the
raw form obskit writes for its shorter windows, at the SLO window (``rate(x[30d])`` over the
raw counters), and counts, per range selector in each expression, series x points in the
range: a recorded series (its name has a ``:``) is one series sampled every evaluation
interval; a raw selector is assumed to match ``--series`` series scraped every ``--scrape``.
It also counts what the two 5m recordings the recorded form needs read at each evaluation.
Computed, not measured: Prometheus reads exactly these samples (its query stats'
``totalQueryableSamples``), give or take one point per range at the edges.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from obskit import queries, slo_names
from obskit.catalog.durations import parse_duration
from obskit.catalog.loader import load_catalog
from obskit.renderers.alerts.slo_rules import period_ratio

#: Prometheus' default --query.max-samples
MAX_SAMPLES = 50_000_000
_RANGE = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\[(\d+[smhdw])\]")


def samples(expr: str, series: int, scrape: float, interval: float) -> int:
    """Samples the range selectors of ``expr`` read in one evaluation."""
    total = 0
    for name, _sel, rng in _RANGE.findall(expr):
        recorded = ":" in name
        step = interval if recorded else scrape
        total += (1 if recorded else series) * int(parse_duration(rng) // step)
    return total


def rows(catalog_path: Path, series: int, scrape: float, interval: float) -> list[tuple]:
    catalog = load_catalog(catalog_path)
    out = []
    for service in catalog.services:
        for slo in service.slos:
            if slo.sli is not None and slo.sli.histogram is None:
                continue  # custom query SLIs: the author's own series
            raw = queries.slo_error_ratio(service, slo, slo.window)
            recorded = period_ratio(service, slo)
            parts = queries.sli_parts(service, slo, "5m")
            feeding = queries.sli_error_rate(parts) + "\n" + parts.total
            out.append(
                (
                    f"{service.name}/{slo.name}",
                    slo.window,
                    samples(raw, series, scrape, interval),
                    samples(recorded, series, scrape, interval),
                    samples(feeding, series, scrape, interval),
                )
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalog", nargs="?", default="catalog.yaml")
    parser.add_argument("--series", type=int, default=600)
    parser.add_argument("--scrape", default="30s")
    parser.add_argument("--eval", default="1m")
    args = parser.parse_args(argv)
    scrape, interval = parse_duration(args.scrape), parse_duration(args.eval)
    table = rows(Path(args.catalog), args.series, scrape, interval)
    print(
        f"{args.series} series per raw selector, scrape {args.scrape}, "
        f"rule evaluation {args.eval}; {slo_names.SLI_ERRORS_RATE} and "
        f"{slo_names.SLI_EVENTS_RATE} recorded every evaluation\n"
    )
    print("| SLO | window | raw `rate(x[window])` | recorded (obskit) | + its 5m recordings |")
    print("|---|---|---|---|---|")
    for name, window, raw, rec, feed in table:
        flag = " (over the 50 M limit)" if raw > MAX_SAMPLES else ""
        print(f"| {name} | {window} | {raw:,}{flag} | {rec:,} | {feed:,} |")
    raw_sum = sum(r[2] for r in table)
    rec_sum = sum(r[3] + r[4] for r in table)
    print(f"\nall {len(table)} SLOs: raw {raw_sum:,}, recorded {rec_sum:,} samples per evaluation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
