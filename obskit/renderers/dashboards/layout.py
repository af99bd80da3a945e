"""Grid layout: rows of panels placed left to right on Grafana's 24-column grid.

Panel ids are assigned in layout order (1, 2, ...), so they are stable for a given catalog,
and no two gridPos boxes overlap by construction (each line starts below the previous one).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import grafanalib.core as G

from obskit.renderers.dashboards.normalize import normalize_panel

GRID_WIDTH = 24
ROW_HEIGHT = 1
DEFAULT_HEIGHT = 8


@cache
def _row_shape() -> dict[str, Any]:
    """The normalised JSON of a grafanalib row (title, place and id are filled in)."""
    return normalize_panel(G.RowPanel(title=""))


class Grid:
    """Accumulates rows and panels with their gridPos and ids."""

    def __init__(self) -> None:
        self.panels: list[Any] = []
        self._y = 0
        self._next_id = 1

    def _put(self, panel: Any, h: int, w: int, x: int) -> None:
        """Place and number ``panel``: a panel's JSON dict (obskit's factories) or a
        grafanalib panel (plugins)."""
        if isinstance(panel, dict):
            panel["gridPos"] = {"h": h, "w": w, "x": x, "y": self._y}
            panel["id"] = self._next_id
        else:
            panel.gridPos = G.GridPos(h=h, w=w, x=x, y=self._y)
            panel.id = self._next_id
        self._next_id += 1
        self.panels.append(panel)

    def row(self, title: str) -> None:
        """An (expanded) row header across the whole width."""
        self._put({**_row_shape(), "title": title, "panels": []}, ROW_HEIGHT, GRID_WIDTH, 0)
        self._y += ROW_HEIGHT

    def line(self, panels: Sequence[Any], height: int = DEFAULT_HEIGHT) -> None:
        """Panels side by side sharing the width equally (the last one takes the rest)."""
        if not panels:
            return
        width = GRID_WIDTH // len(panels)
        self.place(
            [
                (p, width if i < len(panels) - 1 else GRID_WIDTH - width * i, height)
                for i, p in enumerate(panels)
            ]
        )

    def place(self, items: Sequence[tuple[Any, int, int]]) -> None:
        """Panels with explicit (width, height), wrapping to a new line when the row is full."""
        x = 0
        line_height = 0
        for panel, width, height in items:
            width = max(1, min(GRID_WIDTH, int(width)))
            height = max(1, int(height))
            if x + width > GRID_WIDTH:
                self._y += line_height
                x, line_height = 0, 0
            self._put(panel, height, width, x)
            x += width
            line_height = max(line_height, height)
        self._y += line_height
