"""Derive obskit/data/grafana/dashboard_keys.json from the pinned Grafana dashboard schema.

The dashboards renderer's normaliser keeps only the keys Grafana's current dashboard model
allows (the schema says ``additionalProperties: false`` for these objects), so the schema is
never loaded at render time. Run from the repository root:

    python scripts/derive_grafana_keys.py [../shared/reference/grafana/dashboard.jsonschema.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA = REPO.parent / "shared" / "reference" / "grafana" / "dashboard.jsonschema.json"
OUT = REPO / "obskit" / "data" / "grafana" / "dashboard_keys.json"


def derive(schema: dict) -> dict:
    """``{definition: sorted property names}`` of every closed object, plus schemaVersion."""
    definitions = schema["definitions"]
    closed = {
        name: sorted(d["properties"])
        for name, d in sorted(definitions.items())
        if isinstance(d, dict) and d.get("additionalProperties") is False and "properties" in d
    }
    version = definitions["Dashboard"]["properties"]["schemaVersion"]["default"]
    return {"schemaVersion": version, "closedObjects": closed}


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SCHEMA
    data = derive(json.loads(path.read_text()))
    data["source"] = "grafana/grafana-foundation-sdk v0.0.18 jsonschema/dashboard.jsonschema.json"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
