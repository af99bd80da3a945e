"""The `helm` renderer (placeholder until its issue lands): produces no files yet."""

from __future__ import annotations

from collections.abc import Iterable

from obskit.catalog.model import Catalog
from obskit.render.registry import RenderUnit


class _Renderer:
    name = "helm"
    folders = ("helm-values",)

    def units(self, catalog: Catalog) -> Iterable[RenderUnit]:
        return ()


RENDERER = _Renderer()
