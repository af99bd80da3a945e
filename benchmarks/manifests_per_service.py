"""CPU per service of the manifests renderer alone (its dashboards and alerts input made first).

    .venv/bin/python benchmarks/manifests_per_service.py CATALOG [N]

For each of the first N services (default 300) its dashboards and alerts units are produced
(not timed), then its manifests unit is timed (process CPU), as a render runs them.
"""

from __future__ import annotations

import sys
import time

from obskit.catalog.loader import load_catalog
from obskit.render import registry
from obskit.render.registry import renderer_units, units_session


def main(path: str, n: int) -> float:
    catalog = load_catalog(path)
    with units_session():
        units = [u for u in renderer_units("manifests", catalog) if u.key.startswith("service/")]
        units = units[:n]
        upstream: dict[str, list] = {}
        for name in ("dashboards", "alerts"):
            for u in renderer_units(name, catalog):
                upstream.setdefault(u.key, []).append((name, u))
        files: dict[tuple[str, str], dict[str, bytes]] = {}
        registry.shared_produce = lambda name, unit: dict(files[(name, unit.key)])
        total = 0.0
        for i, unit in enumerate(units):
            files.clear()  # made right before, as in a render (the pipeline orders by key)
            for name, up in upstream.get(unit.key, []):
                files[(name, up.key)] = dict(up.produce())
            start = time.process_time()
            unit.produce()
            if i:  # the first pays imports and one-time setup
                total += time.process_time() - start
        return total / max(len(units) - 1, 1)


if __name__ == "__main__":
    per = main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300)
    print(f"manifests: {per * 1000:.3f} ms CPU per service")
