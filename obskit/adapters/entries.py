"""Checks shared by the importers: names, queries and windows the catalog accepts."""

from __future__ import annotations

import re

from obskit.catalog.base import LABEL_NAME_RE, NAME_RE
from obskit.catalog.rules import RESERVED_ANNOTATIONS, RESERVED_LABELS, WINDOW_PLACEHOLDER
from obskit.promql import PromQLError, parse_promql

#: compliance windows the catalog takes (``slos[].window``)
WINDOWS = ("7d", "28d", "30d")
#: imported services' team when the source names none (declared in ``teams:``)
UNASSIGNED = "unassigned"


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a catalog service/SLO name (None: it can)."""
    if not isinstance(name, str) or not name:
        return "missing or not a string"
    if len(name) > 63 or not re.match(NAME_RE, name):
        return f"`{name}` is not a DNS-1123 label (lowercase letters, digits, `-`; max 63)"
    return None


def query_problem(query: object) -> str | None:
    """Why a Sloth-style SLI query cannot be a catalog custom SLI query (None: it can)."""
    if not isinstance(query, str) or not query.strip():
        return "missing or empty query"
    if WINDOW_PLACEHOLDER not in query:
        return "the query has no `{{.window}}` placeholder, so obskit cannot set its range"
    try:
        parse_promql(query.replace(WINDOW_PLACEHOLDER, "5m"))
    except PromQLError as exc:
        return f"not valid PromQL (Prometheus would refuse it): {str(exc).splitlines()[0]}"
    return None


def label_problem(name: str, value: object) -> str | None:
    """Why an SLO alert label cannot be imported (None: it can)."""
    if name in RESERVED_LABELS:
        return f"obskit sets the `{name}` label of its burn-rate alerts itself"
    if not re.fullmatch(LABEL_NAME_RE, name):
        return f"`{name}` is not a Prometheus label name"
    if not isinstance(value, str | int | float | bool) or str(value) == "":
        return "an empty or non-scalar label value"
    return None


def annotation_problem(name: str) -> str | None:
    """Why an SLO alert annotation cannot be imported (None: it can)."""
    if name in RESERVED_ANNOTATIONS:
        return f"obskit writes the `{name}` annotation of its burn-rate alerts itself"
    if not re.fullmatch(LABEL_NAME_RE, name):
        return f"`{name}` is not an annotation name"
    return None


def scalar(value: object) -> str:
    """A label/annotation value as the catalog's string (YAML may have read 0.2 or true)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


#: the catalog reserves this SLO name for latency SLOs with a ``threshold``
LATENCY = "latency"


def catalog_slo_name(name: str) -> tuple[str, str | None]:
    """``name`` as a catalog SLO name for a custom SLI, and why it was changed (or None)."""
    if name == LATENCY:
        return f"{LATENCY}-sli", (
            "an SLO named `latency` must have a threshold in the catalog (a preset latency "
            "SLO); this custom-SLI SLO is imported as `latency-sli`"
        )
    return name, None
