"""Panel-layout preview: draw a rendered dashboard's gridPos boxes as an SVG.

    python scripts/dashboard_preview.py dashboards/checkout.json docs/img/checkout-layout.svg

Each panel is a box at its grid position (24 columns; one grid unit is 30 px high, as in
Grafana), labelled with its title, type and unit; rows are drawn as bars. No dependencies.
"""

from __future__ import annotations

import json
import sys
from html import escape
from pathlib import Path

COLUMN = 40  # px per grid column (960 px wide)
UNIT = 30  # px per grid unit
COLOURS = {
    "row": "#3d71d9",
    "timeseries": "#e8f0fe",
    "stat": "#e6f4ea",
    "table": "#fef7e0",
    "alertlist": "#fce8e6",
    "text": "#f1f3f4",
}


def svg(dashboard: dict) -> str:
    panels = dashboard["panels"]
    height = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels) * UNIT + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{24 * COLUMN}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="4" y="20" font-size="16" font-weight="bold">{escape(dashboard["title"])}'
        f" (uid {escape(dashboard['uid'])})</text>",
    ]
    for p in panels:
        g = p["gridPos"]
        x, y = g["x"] * COLUMN, g["y"] * UNIT + 30
        w, h = g["w"] * COLUMN, g["h"] * UNIT
        colour = COLOURS.get(p["type"], "#ffffff")
        out.append(
            f'<rect x="{x + 2}" y="{y + 2}" width="{w - 4}" height="{h - 4}" rx="4" '
            f'fill="{colour}" stroke="#5f6368"/>'
        )
        if p["type"] == "row":
            out.append(
                f'<text x="{x + 8}" y="{y + 20}" fill="#fff" font-weight="bold">'
                f"{escape(p['title'])}</text>"
            )
            continue
        unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit", "")
        out.append(f'<text x="{x + 8}" y="{y + 20}" font-weight="bold">{escape(p["title"])}</text>')
        out.append(
            f'<text x="{x + 8}" y="{y + 38}" fill="#5f6368">#{p["id"]} {p["type"]} · '
            f"{escape(unit)} · {len(p.get('targets', []))} queries</text>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> None:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(svg(json.loads(source.read_text())))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
