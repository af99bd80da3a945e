"""CPU per service of the manifests renderer alone (its dashboards and alerts input made first).

    .venv/bin/python benchmarks/manifests_per_service.py CATALOG [N]

Produces the upstream units of the first N services (default 300), then times (process CPU)
the manifests units of those services with the upstream files served from memory.
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
        keys = {u.key for u in units}
        files = {
            (name, u.key): dict(u.produce())
            for name in ("dashboards", "alerts")
            for u in renderer_units(name, catalog)
            if u.key in keys
        }
        registry.shared_produce = lambda name, unit: dict(files[(name, unit.key)])
        units[0].produce()  # imports, one-time setup
        start = time.process_time()
        for unit in units:
            unit.produce()
        return (time.process_time() - start) / len(units)


if __name__ == "__main__":
    per = main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300)
    print(f"manifests: {per * 1000:.3f} ms CPU per service")
