"""obskit's render benchmark (issue targets in benchmarks/README.md).

    .venv/bin/python benchmarks/run.py [--sizes 100,1000,10000] [--runs 3] [--test-size 50]

For each size N it generates a synthetic catalog and measures, as medians of --runs runs of the
real `obskit` command in a child process (wall time, and the child's peak RSS from wait4):
full render into an empty folder (cold cache), re-render with nothing changed, `render
--check`, re-render after one service changed, and `obskit validate`. In the same run it
measures the floor: the very same rendered content (parsed back from the output folder)
dumped with orjson and libyaml's CSafeDumper into an empty folder, and prints obskit's full
render time as a ratio of it. With --test-size N it also times `obskit test` on N services:
cold (empty pass cache) and after one service's SLO changed (its rules and tests differ).
Results go to stdout as Markdown tables (each issue-18 target with the previous figure from
benchmarks/previous.json beside this run's) and to benchmarks/out/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_catalog import write as write_catalog

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
OBSKIT = [sys.executable, "-m", "obskit"]


#: CPU seconds (user + system) of the last measured run, its children included
LAST_CPU = [0.0]


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB, and exit code of one obskit run."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([*OBSKIT, *args], env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        LAST_CPU[0] = usage.ru_utime + usage.ru_stime
        if proc.returncode not in (0, 1):
            err.seek(0)
            raise SystemExit(f"obskit {' '.join(args)} failed:\n{err.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, proc.returncode


def tree_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and ".obskit" not in p.parts)


def floor_seconds(rendered: Path, runs: int) -> float:
    """Dump the same content with orjson / CSafeDumper into an empty folder (median)."""
    items = []
    for path in tree_files(rendered):
        rel = path.relative_to(rendered)
        if path.suffix == ".json":
            items.append((rel, "json", json.loads(path.read_bytes())))
        else:
            items.append(
                (rel, "yaml", list(yaml.load_all(path.read_bytes(), Loader=yaml.CSafeLoader)))
            )
    times = []
    for _ in range(runs):
        target = Path(tempfile.mkdtemp(prefix="obskit-floor-", dir=OUT))
        start = time.perf_counter()
        for rel, kind, data in items:
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if kind == "json":
                dest.write_bytes(
                    orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
                )
            else:
                dest.write_text(yaml.dump_all(data, Dumper=yaml.CSafeDumper, sort_keys=False))
        times.append(time.perf_counter() - start)
        shutil.rmtree(target)
    return statistics.median(times)


def in_child(*args: str) -> str:
    """Run this script's helper mode in a child process (keeps the parent's RSS small).

    A child's peak RSS (wait4) starts from its parent's size at fork time, so the parent
    never holds catalogs or rendered content itself.
    """
    proc = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return proc.stdout.strip()


def child_env() -> dict[str, str]:
    """The environment obskit runs in here: as an installed obskit runs, with its bytecode
    cached (a machine's ``PYTHONDONTWRITEBYTECODE`` would compile obskit's modules at every
    start of an editable install), and a fixed hash seed."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONHASHSEED": "0"}


def bench(n: int, runs: int, floor_runs: int = 1) -> dict:
    catalog = OUT / f"catalog-{n}.yaml"
    in_child("--generate", str(n), str(catalog))
    changed = OUT / f"catalog-{n}-changed.yaml"
    original = catalog.read_text()
    victim = f"Synthetic service {n // 2}\n"
    assert victim in original
    changed.write_text(original.replace(victim, f"Synthetic service {n // 2}, changed\n", 1))
    out = OUT / f"render-{n}"
    cache = OUT / f"cache-{n}"
    env = {**child_env(), "OBSKIT_CACHE_DIR": str(cache)}
    results: dict[str, list[tuple[float, float]]] = {
        k: [] for k in ("full", "noop", "check", "one", "validate", "validate_warm", "validate_one")
    }
    full_cpu = []
    written_one = 0
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        wall, rss, _ = measure(["render", str(catalog), "--out", str(out), "-q"], env)
        results["full"].append((wall, rss))
        full_cpu.append(LAST_CPU[0])
        wall, rss, _ = measure(["render", str(catalog), "--out", str(out), "-q"], env)
        results["noop"].append((wall, rss))
        wall, rss, rc = measure(["render", str(catalog), "--out", str(out), "--check", "-q"], env)
        assert rc == 0, "check after render must pass"
        results["check"].append((wall, rss))
        before = {p: p.stat().st_mtime_ns for p in tree_files(out)}
        wall, rss, _ = measure(["render", str(changed), "--out", str(out), "-q"], env)
        results["one"].append((wall, rss))
        written_one = sum(1 for p in tree_files(out) if p.stat().st_mtime_ns != before.get(p))
        # validate one file as a user edits it: cold (no unit passed before), nothing
        # changed, one service changed (its cache is per catalog path)
        edited = OUT / f"catalog-{n}-edited.yaml"
        steps = (("validate", original), ("validate_warm", original), ("validate_one", None))
        for key, text in steps:
            edited.write_text(changed.read_text() if text is None else text)
            wall, rss, rc = measure(["validate", str(edited), "-q"], env)
            assert rc == 0, f"validate ({key}) failed"
            results[key].append((wall, rss))
    files = tree_files(out)
    total_bytes = sum(p.stat().st_size for p in files)
    floor = float(in_child("--floor", str(out), str(runs))) if floor_runs else float("nan")
    row = {
        "n": n,
        "files": len(files),
        "bytes": total_bytes,
        "floor_s": floor,
        "files_touched_one_change": written_one,
    }
    for key, values in results.items():
        row[f"{key}_s"] = statistics.median(v[0] for v in values)
        row[f"{key}_rss_mib"] = statistics.median(v[1] for v in values)
    row["full_cpu_s"] = statistics.median(full_cpu)
    row["full_over_floor"] = row["full_s"] / floor if floor else float("nan")
    return row


def bench_test(n: int) -> dict:
    """`obskit test` on n services: cold, then after one service's SLO changed."""
    catalog, changed = OUT / f"test-catalog-{n}.yaml", OUT / f"test-catalog-{n}-changed.yaml"
    in_child("--generate", str(n), str(catalog))
    in_child("--generate-changed", str(n), str(changed))
    out, cache = OUT / f"test-{n}", OUT / f"test-cache-{n}"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    env = {**child_env(), "OBSKIT_CACHE_DIR": str(cache)}
    row: dict = {"n": n}
    for key, cat in (("cold", catalog), ("warm", catalog), ("one", changed)):
        wall, rss, rc = measure(["test", str(cat), "--out", str(out)], env)
        assert rc == 0, f"obskit test ({key}) failed"
        row[f"{key}_s"], row[f"{key}_cpu_s"], row[f"{key}_rss_mib"] = wall, LAST_CPU[0], rss
    return row


def quick() -> dict:
    """`obskit --help` and `obskit validate catalog.yaml` (the example): cold (``--no-cache``,
    every unit rendered) and with nothing changed since a passing run; medians of 5."""
    cache = OUT / "cache-example"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**child_env(), "OBSKIT_CACHE_DIR": str(cache)}
    example = str(ROOT.parent / "catalog.yaml")
    validate = ["validate", example, "-q"]
    cold = statistics.median(measure([*validate, "--no-cache"], env)[0] for _ in range(5))
    measure(validate, env)  # a passing run fills the cache
    return {
        "help_s": statistics.median(measure(["--help"], env)[0] for _ in range(5)),
        "validate_example_s": cold,
        "validate_example_warm_s": statistics.median(measure(validate, env)[0] for _ in range(5)),
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def targets(rows: list[dict], test: dict | None, fast: dict) -> str:
    """Each issue-18 target: its limit, the previous figure and this run's."""
    prev = json.loads((ROOT / "previous.json").read_text())
    by_n = {r["n"]: r for r in rows}
    now: dict[str, float | None] = {k: None for k in prev["figures"]}
    if 1000 in by_n:
        a = by_n[1000]
        now.update(full_1000_s=a["full_s"], noop_1000_s=a["noop_s"], check_1000_s=a["check_s"])
        now.update(mib_1000=a["bytes"] / 2**20, full_1000_cpu_s=a["full_cpu_s"])
        if 10000 in by_n:
            now["rss_10000_over_1000"] = by_n[10000]["full_rss_mib"] / a["full_rss_mib"]
    if test:
        # linear scaling overstates a smaller N's figure: shared proofs grow with the number
        # of distinct services (84 in the synthetic catalog), not with N; measure at 1,000
        scale = 1000 / test["n"]
        now["test_cold_1000_s"] = test["cold_s"] * scale
        now["test_cold_1000_cpu_s"] = test["cold_cpu_s"] * scale
        # the one-changed figure is measured, not scaled: only the render part grows with N
        now["test_one_changed_1000_s"] = test["one_s"] if test["n"] >= 1000 else None
    now.update({k: fast[k] for k in ("help_s", "validate_example_s", "validate_example_warm_s")})
    lines = ["| target | limit | previous | now |", "|---|---|---|---|"]
    for key, (label, limit) in prev["targets"].items():
        before, after = prev["figures"].get(key), now.get(key)
        lines.append(f"| {label} | {limit} | {_fmt(before)} | {_fmt(after)} |")
    return "\n".join(lines)


def table(rows: list[dict]) -> str:
    head = (
        "| N | files | MiB written | full render s (RSS MiB) | floor s | full/floor | "
        "no-op s | --check s | one changed s (files touched) | "
        "validate s: cold / nothing changed / one changed |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['files']:,} | {r['bytes'] / 2**20:.1f} | {r['full_s']:.2f} "
            f"({r['full_rss_mib']:.0f}) | {r['floor_s']:.2f} | {r['full_over_floor']:.2f}x | "
            f"{r['noop_s']:.2f} | {r['check_s']:.2f} | {r['one_s']:.2f} "
            f"({r['files_touched_one_change']}) | {r['validate_s']:.2f} / "
            f"{r['validate_warm_s']:.2f} / {r['validate_one_s']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--generate", nargs=2, metavar=("N", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--floor", nargs=2, metavar=("DIR", "RUNS"), help=argparse.SUPPRESS)
    parser.add_argument("--generate-changed", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--no-floor", action="store_true", help="skip the floor measurement")
    parser.add_argument(
        "--test-size", type=int, default=0, help="also time `obskit test` on this many services"
    )
    args = parser.parse_args()
    if args.generate:
        write_catalog(int(args.generate[0]), Path(args.generate[1]))
        return
    if args.generate_changed:
        n, path = int(args.generate_changed[0]), Path(args.generate_changed[1])
        write_catalog(n, path, slo_changed=True)
        return
    if args.floor:
        print(floor_seconds(Path(args.floor[0]), int(args.floor[1])))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in (int(s) for s in args.sizes.split(",") if s.strip() and int(s)):
        row = bench(n, args.runs, 0 if args.no_floor else 1)
        rows.append(row)
        print(f"N={n}: {json.dumps(row)}", file=sys.stderr, flush=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"Machine: {machine}\n")
    print(table(rows))
    if len(rows) > 1:
        by_n = {r["n"]: r for r in rows}
        if 1000 in by_n and 10000 in by_n:
            a, b = by_n[1000], by_n[10000]
            print(
                f"\n10,000 / 1,000 full render time: {b['full_s'] / a['full_s']:.1f}x; "
                f"peak RSS: {b['full_rss_mib'] / a['full_rss_mib']:.2f}x"
            )
    test = bench_test(args.test_size) if args.test_size else None
    if test:
        print(
            f"\n`obskit test`, {test['n']} services: cold {test['cold_s']:.1f} s "
            f"(CPU {test['cold_cpu_s']:.1f} s), nothing changed {test['warm_s']:.1f} s, "
            f"one service's SLO changed {test['one_s']:.1f} s (CPU {test['one_cpu_s']:.1f} s)"
        )
    fast = quick()
    print("\n" + targets(rows, test, fast))
    (OUT / "results.json").write_text(
        json.dumps({"machine": machine, "rows": rows, "test": test, **fast}, indent=2)
    )


if __name__ == "__main__":
    main()
