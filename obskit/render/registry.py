"""The renderer registry: what each output kind is and where its code lives.

A renderer turns a validated :class:`~obskit.catalog.model.Catalog` into *units*: a unit is a
small, independent piece of output (one service's dashboard, the overviews, one environment's
Helm values) with a fingerprint of everything it is made from. The pipeline renders unit by
unit, so output streams to disk without holding the whole tree in memory, and a unit whose
fingerprint and files are unchanged is not rendered again.
"""

from __future__ import annotations

import hashlib
import importlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from obskit.catalog.model import Catalog, ResolvedService

#: ``{relative posix path: file bytes}``
Files = Mapping[str, bytes]


@dataclass(frozen=True, slots=True)
class RenderUnit:
    """One independently rendered piece of output.

    ``key`` is unique within the renderer (``service/checkout``, ``overview``); ``inputs`` is
    every byte the output depends on (the pipeline adds the code version); ``produce``
    returns the unit's files; ``cost`` estimates its time in milliseconds, so the largest
    work goes out to the cores first (a service's dashboard: 1).
    """

    key: str
    inputs: bytes
    produce: Callable[[], Files]
    cost: int = 1


class Renderer(Protocol):
    """What every renderer module exposes as ``RENDERER``."""

    #: the name used by ``--only`` and in the manifest
    name: str
    #: top-level output folders it writes (for docs and pruning scope)
    folders: tuple[str, ...]

    def units(self, catalog: Catalog) -> Iterable[RenderUnit]:
        """The units of output for this catalog, in a stable order."""
        ...


#: name -> "module:attribute"; modules are imported only when their renderer runs
REGISTRY: dict[str, str] = {
    "dashboards": "obskit.renderers.dashboards:RENDERER",
    "alerts": "obskit.renderers.alerts:RENDERER",
    "helm": "obskit.renderers.helm:RENDERER",
    "manifests": "obskit.renderers.manifests:RENDERER",
}
RENDERER_NAMES: tuple[str, ...] = tuple(REGISTRY)


def load_renderer(name: str) -> Renderer:
    """Import and return one registered renderer."""
    module_name, attr = REGISTRY[name].split(":")
    return getattr(importlib.import_module(module_name), attr)


#: each renderer's units for one catalog, while :func:`units_session` is open: the manifests
#: renderer wraps the dashboards' and alerts' units, and takes these very objects instead of
#: a second copy of each (30,000 fewer at 10,000 services); None outside a session
_UNITS: dict[str, tuple[Catalog, list[RenderUnit]]] | None = None


@contextmanager
def units_session() -> Iterator[None]:
    """Within it, :func:`renderer_units` builds each renderer's units once per catalog."""
    global _UNITS
    previous, _UNITS = _UNITS, {}
    try:
        yield
    finally:
        _UNITS = previous


def renderer_units(name: str, catalog: Catalog) -> list[RenderUnit]:
    """``load_renderer(name).units(catalog)``, shared within a :func:`units_session`."""
    if _UNITS is None:
        return list(load_renderer(name).units(catalog))
    hit = _UNITS.get(name)
    if hit is not None and hit[0] is catalog:
        return hit[1]
    units = list(load_renderer(name).units(catalog))
    _UNITS[name] = (catalog, units)
    return units


#: recently produced units of the render in progress: ``(renderer, key, sha256(inputs))
#: -> files``; small and bounded; None outside :func:`render_session`
_RECENT: OrderedDict[tuple[str, str, bytes], Files] | None = None
_RECENT_SIZE = 16


@contextmanager
def render_session() -> Iterator[None]:
    """Within one render, :func:`shared_produce` may reuse a unit's output; never across."""
    global _RECENT
    previous, _RECENT = _RECENT, OrderedDict()
    try:
        yield
    finally:
        _RECENT = previous


def shared_produce(renderer: str, unit: RenderUnit) -> Files:
    """``unit.produce()``, reusing the result when the same unit was just produced.

    The manifests renderer wraps the dashboards' and alerts' output of a service; the pipeline
    runs units ordered by key, so a service's dashboards and alerts units were produced right
    before its manifests unit and are served from here instead of being rendered twice. Only
    a few results are kept, so output still streams.
    """
    if _RECENT is None:
        return dict(unit.produce())
    memo_key = (renderer, unit.key, hashlib.sha256(unit.inputs).digest())
    files = _RECENT.get(memo_key)
    if files is not None:
        _RECENT.move_to_end(memo_key)
        return dict(files)  # a copy: callers may change their mapping
    files = dict(unit.produce())
    _RECENT[memo_key] = files
    while len(_RECENT) > _RECENT_SIZE:
        _RECENT.popitem(last=False)
    return dict(files)


def affinities(work: list[tuple[str, RenderUnit]]) -> list[tuple[bytes | None, int]]:
    """Each unit's affinity token and estimated cost, for producing ``work`` on several
    cores: units with one token share work best done once per process (the services of an
    alert class), so they are produced together. A renderer with an ``affinity(units)``
    method gives its units' pairs; other units have no token and their own ``cost``."""
    by_renderer: dict[str, list[int]] = {}
    for i, (name, _) in enumerate(work):
        by_renderer.setdefault(name, []).append(i)
    pairs: list[tuple[bytes | None, int]] = [(None, unit.cost) for _, unit in work]
    for name, indices in by_renderer.items():
        hook = getattr(load_renderer(name), "affinity", None) if name in REGISTRY else None
        if hook is not None:
            for i, pair in zip(indices, hook([work[i][1] for i in indices]), strict=True):
                pairs[i] = pair
    return pairs


def catalog_inputs(catalog: Catalog) -> bytes:
    """The whole catalog as fingerprint input (for units that read all of it): a digest.

    Hashed service by service: the catalog's JSON at 10,000 services is ~17 MiB, and units
    hold their inputs for the whole render.
    """
    h = hashlib.sha256(catalog.model_dump_json(exclude={"sources", "services"}).encode())
    for service in catalog.services:
        h.update(b"\0" + service.model_dump_json().encode())
    return h.digest()


def service_inputs(catalog: Catalog, service: ResolvedService, *extra: str) -> bytes:
    """Fingerprint input for a unit made from one service (plus catalog metadata and team)."""
    h = hashlib.sha256()
    h.update(catalog.metadata.model_dump_json().encode())
    h.update(service.model_dump_json().encode())
    h.update(catalog.team(service.team).model_dump_json().encode())
    for item in extra:
        h.update(b"\0" + item.encode())
    return h.digest()
