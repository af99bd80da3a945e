"""Grid layout: rows of panels placed left to right on Grafana's 24-column grid.

Panel ids are assigned in layout order (1, 2, ...), so they are stable for a given catalog,
and no two gridPos boxes overlap by construction (each line starts below the previous one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grafanalib.core as G

GRID_WIDTH = 24
ROW_HEIGHT = 1
DEFAULT_HEIGHT = 8


class Grid:
    """Accumulates rows and panels with their gridPos and ids."""

    def __init__(self) -> None:
        self.panels: list[Any] = []
        self._y = 0
        self._next_id = 1

    def _claim_id(self, panel: Any) -> None:
        panel.id = self._next_id
        self._next_id += 1

    def row(self, title: str) -> None:
        """An (expanded) row header across the whole width."""
        row = G.RowPanel(title=title, gridPos=G.GridPos(h=ROW_HEIGHT, w=GRID_WIDTH, x=0, y=self._y))
        self._claim_id(row)
        self.panels.append(row)
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
            panel.gridPos = G.GridPos(h=height, w=width, x=x, y=self._y)
            self._claim_id(panel)
            self.panels.append(panel)
            x += width
            line_height = max(line_height, height)
        self._y += line_height
