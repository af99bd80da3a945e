"""Stand-ins for the dashboards and alerts renderers, shaped like their real output.

The manifests renderer reads those renderers through the registry; until they land (and to
test edge cases such as an oversized dashboard) the tests inject these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from obskit.catalog.model import Catalog
from obskit.render import registry
from obskit.render.registry import RenderUnit, catalog_inputs, service_inputs
from obskit.render.serialize import dump_json, dump_yaml


def dashboard(uid: str, title: str, tags: list[str], panels: int = 3) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": tags,
        "schemaVersion": 39,
        "timezone": "browser",
        "panels": [
            {
                "id": i + 1,
                "type": "timeseries",
                "title": f"Panel {i}",
                "gridPos": {"h": 8, "w": 12, "x": 0, "y": i * 8},
                "targets": [{"expr": f'sum(rate(http_requests_total{{job="{uid}"}}[5m])) * {i}'}],
            }
            for i in range(panels)
        ],
    }


def rule_file(service: str, team: str) -> dict[str, Any]:
    return {
        "groups": [
            {
                "name": f"{service}-slo-recording",
                "interval": "30s",
                "rules": [
                    {
                        "record": "slo:sli_error:ratio_rate5m",
                        "expr": f'sum(rate(http_requests_total{{job="{service}",code=~"5.."}}[5m]))'
                        f' / sum(rate(http_requests_total{{job="{service}"}}[5m]))',
                        "labels": {"service": service, "slo": "availability"},
                    }
                ],
            },
            {
                "name": f"{service}-alerts",
                "rules": [
                    {
                        "alert": "ErrorBudgetBurn",
                        "expr": f'slo:sli_error:ratio_rate5m{{service="{service}"}} > 14.4 * 0.001',
                        "for": "2m",
                        "labels": {"service": service, "team": team, "severity": "critical"},
                        "annotations": {
                            "summary": f"{service} burns its error budget",
                            "description": "Value: {{ $value | humanizePercentage }}",
                        },
                    }
                ],
            },
        ]
    }


@dataclass
class FakeDashboards:
    name: str = "dashboards"
    folders: tuple[str, ...] = ("dashboards",)
    #: extra files per service unit: {service: {path: bytes}}
    extra: dict[str, dict[str, bytes]] = field(default_factory=dict)
    salt: str = ""

    def units(self, catalog: Catalog):
        for svc in catalog.services:
            files = {
                f"dashboards/{svc.name}.json": dump_json(
                    dashboard(f"obskit-{svc.name}", svc.name.title(), ["obskit", svc.team])
                ),
                **self.extra.get(svc.name, {}),
            }
            yield RenderUnit(
                f"service/{svc.name}",
                service_inputs(catalog, svc, self.salt),
                lambda files=files: files,
            )
        overview = {
            "dashboards/overview/fleet.json": dump_json(dashboard("fleet", "Fleet", ["obskit"])),
            **{
                f"dashboards/overview/team-{t.name}.json": dump_json(
                    dashboard(f"team-{t.name}", f"Team {t.name}", ["obskit", t.name])
                )
                for t in catalog.teams
            },
        }
        yield RenderUnit("overview", catalog_inputs(catalog), lambda: overview)


@dataclass
class FakeAlerts:
    name: str = "alerts"
    folders: tuple[str, ...] = ("alerts",)

    def units(self, catalog: Catalog):
        for svc in catalog.services:
            files = {f"alerts/tests/{svc.name}.test.yaml": b"rule_files: [x]\ntests: []\n"}
            if svc.metrics.preset != "none" or svc.alerts:
                files[f"alerts/{svc.name}.rules.yaml"] = dump_yaml(rule_file(svc.name, svc.team))
            else:
                files[f"alerts/{svc.name}.rules.yaml"] = dump_yaml({"groups": []})
            yield RenderUnit(f"service/{svc.name}", service_inputs(catalog, svc), lambda f=files: f)
        meta = {"alerts/obskit-meta.rules.yaml": dump_yaml(rule_file("obskit", "platform"))}
        yield RenderUnit("meta", catalog_inputs(catalog), lambda: meta)


def install(monkeypatch, dashboards=None, alerts=None) -> None:
    """Make ``registry.load_renderer`` return the fakes for dashboards and alerts."""
    real = registry.load_renderer
    fakes = {"dashboards": dashboards or FakeDashboards(), "alerts": alerts or FakeAlerts()}
    monkeypatch.setattr(registry, "load_renderer", lambda name: fakes.get(name) or real(name))
