"""Dashboard identities: uid, folder, path and tags (no grafanalib import: cheap to use).

The manifests renderer packages each dashboard file as a ConfigMap; it reads the folder
(team) and uid from :func:`dashboard_refs` instead of parsing the JSON.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from obskit.catalog.model import Catalog, ResolvedService
from obskit.stack import OVERVIEW_FOLDER

#: Grafana's limit on uid length
MAX_UID = 40
#: overview kinds besides one per team
OVERVIEW_KINDS = ("fleet", "slos")


def _uid(text: str) -> str:
    """``text`` when short enough, else its head plus an 8-hex hash of the whole text."""
    if len(text) <= MAX_UID:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{text[: MAX_UID - 9].rstrip('-_')}-{digest}"


def dashboard_uid(catalog: Catalog, service: str) -> str:
    """Stable uid of a service dashboard: ``<catalog>-<service>`` (hashed when > 40 chars)."""
    return _uid(f"{catalog.metadata.name}-{service}")


def overview_uid(catalog: Catalog, kind: str) -> str:
    """Uid of an overview (``fleet``, ``slos``, ``team-<team>``).

    ``_`` never occurs in catalog or service names, so overview uids cannot collide with
    service uids.
    """
    return _uid(f"{catalog.metadata.name}_{kind}")


def dashboard_folder(catalog: Catalog, service: str | None) -> str:
    """Grafana folder of a dashboard: the service's team, or ``Overview`` for overviews.

    Looks the service up by name (linear); over many services use :func:`dashboard_refs`.
    """
    if service is None:
        return OVERVIEW_FOLDER
    return catalog.service(service).team


def service_path(service: str) -> str:
    return f"dashboards/{service}.json"


def overview_path(kind: str) -> str:
    return f"dashboards/overview/{kind}.json"


def overview_kinds(catalog: Catalog) -> tuple[str, ...]:
    """``fleet``, ``slos`` and ``team-<team>`` for every declared team."""
    return (*OVERVIEW_KINDS, *(f"team-{t.name}" for t in catalog.teams))


def service_link_template(catalog: Catalog, field: str = "${__data.fields.service}") -> str:
    """A Grafana data-link URL opening the dashboard of the service named in ``field``.

    Direct (``/d/<uid>``) when every service's uid is the untruncated ``<catalog>-<service>``;
    otherwise a dashboard search by the service's tags (exactly one match).
    """
    prefix = f"{catalog.metadata.name}-"
    if all(dashboard_uid(catalog, s.name) == prefix + s.name for s in catalog.services):
        return f"/d/{prefix}{field}?${{__url_time_range}}&${{cluster:queryparam}}"
    return f"/dashboards?tag={catalog.metadata.name}&tag=service%3A{field}"


def service_tags(catalog: Catalog, service: ResolvedService) -> list[str]:
    """Tags of a service dashboard: catalog, obskit, ``service:<name>``, ``team:<team>``."""
    return [catalog.metadata.name, "obskit", f"service:{service.name}", f"team:{service.team}"]


@dataclass(frozen=True)
class DashboardRef:
    """Where one rendered dashboard is and how Grafana identifies and files it."""

    path: str
    uid: str
    folder: str
    title: str


def dashboard_refs(catalog: Catalog) -> list[DashboardRef]:
    """Every dashboard the renderer writes for ``catalog`` (services, then overviews)."""
    refs = [
        DashboardRef(
            service_path(s.name),
            dashboard_uid(catalog, s.name),
            s.team,
            service_title(catalog, s.name),
        )
        for s in catalog.services
    ]
    refs.extend(
        DashboardRef(
            overview_path(k), overview_uid(catalog, k), OVERVIEW_FOLDER, overview_title(catalog, k)
        )
        for k in overview_kinds(catalog)
    )
    return refs


def service_title(catalog: Catalog, service: str) -> str:
    return f"{service} ({catalog.metadata.name})"


def overview_title(catalog: Catalog, kind: str) -> str:
    names = {"fleet": "Fleet overview", "slos": "SLO overview"}
    title = names.get(kind) or f"Team {kind.removeprefix('team-')}"
    return f"{title} ({catalog.metadata.name})"
