"""A tiny renderer for pipeline tests: one text file per service, one index file."""

from __future__ import annotations

from obskit.render.registry import RenderUnit, catalog_inputs, service_inputs

CALLS: list[str] = []


class FakeRenderer:
    name = "dashboards"
    folders = ("dashboards",)

    def units(self, catalog):
        for svc in catalog.services:

            def produce(svc=svc):
                CALLS.append(svc.name)
                return {
                    f"dashboards/{svc.name}.json": f'{{"service": "{svc.name}", '
                    f'"tier": "{svc.tier}"}}\n'.encode()
                }

            yield RenderUnit(f"service/{svc.name}", service_inputs(catalog, svc), produce)
        names = ",".join(s.name for s in catalog.services)
        yield RenderUnit(
            "overview",
            catalog_inputs(catalog),
            lambda: {"dashboards/overview/fleet.json": f'"{names}"\n'.encode()},
        )


RENDERER = FakeRenderer()
