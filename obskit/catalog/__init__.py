"""The service catalog: models, loading, validation and defaults."""

from obskit.catalog.errors import CatalogError, Problem
from obskit.catalog.loader import load_catalog
from obskit.catalog.model import Catalog, ResolvedService, ResolvedSlo

__all__ = ["Catalog", "CatalogError", "Problem", "ResolvedService", "ResolvedSlo", "load_catalog"]
