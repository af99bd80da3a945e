"""obskit: one service catalog in, a reviewed observability stack out.

Library API::

    import obskit
    catalog = obskit.load_catalog("catalog.yaml")
    outcome = obskit.render(catalog, "out/")          # or check=True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Catalog", "CatalogError", "__version__", "load_catalog", "render"]

if TYPE_CHECKING:
    from obskit.catalog import Catalog, CatalogError, load_catalog
    from obskit.render.pipeline import render


def __getattr__(name: str) -> Any:
    """Import lazily so `obskit --help` stays fast."""
    if name in ("Catalog", "CatalogError", "load_catalog"):
        import obskit.catalog as catalog

        return getattr(catalog, name)
    if name == "render":
        from obskit.render.pipeline import render

        return render
    raise AttributeError(f"module 'obskit' has no attribute {name!r}")
