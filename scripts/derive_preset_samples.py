"""Derive obskit/data/preset-samples.json from expositions recorded from the real libraries.

Usage: python scripts/derive_preset_samples.py [--check] [RECORDED_DIR]

``RECORDED_DIR`` (default ``tests/conformance/recorded``) holds ``<preset>--<library>.prom``
files written by ``scripts/record_expositions.py`` (a real app, real library, scraped). For
each file of a built-in preset this picks the label sets of one successful and one failed
request series (with traffic, a handler that counts in SLIs) and of a histogram series, and
drops the labels the scrape adds (``job``, ``instance``) and empty ones. Generated promtool
tests read these label sets (``obskit.catalog.samples``). ``--check`` exits 1 when the
committed file differs from what the recordings give.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from obskit.catalog.presets import PRESETS, Preset

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "obskit" / "data" / "preset-samples.json"
DROP = {"job", "instance"}


def _samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    out = []
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = {k: v for k, v in s.labels.items() if k not in DROP and v != ""}
            out.append((s.name, labels, float(s.value)))
    return out


def _pick(
    series: list[tuple[str, dict[str, str], float]], name: str, keep
) -> dict[str, str] | None:
    """The busiest series named ``name`` that ``keep`` accepts (ties: sorted label text)."""
    found = [(v, labels) for n, labels, v in series if n == name and v > 0 and keep(labels)]
    if not found:
        return None
    found.sort(key=lambda item: (-item[0], json.dumps(item[1], sort_keys=True)))
    return dict(sorted(found[0][1].items()))


def derive_one(preset: Preset, library: str, path: Path) -> dict:
    text = path.read_text()
    series = _samples(text)
    status = preset.status_label

    def ok(labels: dict[str, str]) -> bool:
        value = labels.get(status)
        return value is not None and preset.is_success(value) and preset.counts(labels)

    def error(labels: dict[str, str]) -> bool:
        value = labels.get(status)
        return value is not None and preset.is_error(value) and preset.counts(labels)

    ok_labels = _pick(series, preset.requests, ok)
    err_labels = _pick(series, preset.requests, error)
    if ok_labels is None or err_labels is None:
        raise SystemExit(
            f"{path}: no {'successful' if ok_labels is None else 'failed'} {preset.requests} "
            f"series with traffic fits preset {preset.name} (status label {status})"
        )
    histogram: dict[str, str] = {}
    if preset.has_histogram:

        def fast_ok(labels: dict[str, str]) -> bool:
            return preset.counts(labels) and (status not in labels or ok(labels))

        histogram = _pick(series, preset.histogram_count, fast_ok) or {}
    first = text.splitlines()[:2]
    versions = next((line[2:] for line in first if line.startswith("# versions:")), "")
    return {
        "library": library,
        "ok": ok_labels,
        "error": err_labels,
        "histogram": histogram,
        "source": f"tests/conformance/recorded/{path.name}"
        + (f" ({versions.removeprefix('versions: ')})" if versions else ""),
    }


def derive(recorded: Path) -> dict:
    presets: dict[str, list[dict]] = {}
    for path in sorted(recorded.glob("*.prom")):
        name, _, library = path.stem.partition("--")
        if name not in PRESETS or library == "documented":
            continue
        presets.setdefault(name, []).append(derive_one(PRESETS[name], library, path))
    return {
        "generated_by": "scripts/derive_preset_samples.py from tests/conformance/recorded/",
        "presets": presets,
    }


def render(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recorded", nargs="?", default=str(ROOT / "tests/conformance/recorded"))
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    text = render(derive(Path(args.recorded)))
    if args.check:
        current = OUT.read_text() if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is stale: run python scripts/derive_preset_samples.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
