"""The catalog's JSON Schema, generated from the pydantic models so it never drifts."""

from __future__ import annotations

from typing import Any

from obskit.catalog.model import CatalogDocument


def catalog_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one catalog file, YAML (camelCase) field names."""
    schema = CatalogDocument.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "obskit service catalog v1"
    schema["description"] = (
        "One file of an obskit service catalog (a file, or one of a directory of files)."
    )
    return schema
