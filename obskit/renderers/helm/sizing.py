"""Per-environment sizes: the catalog's values over staging- or production-like defaults.

An environment is production-like when its ``profile`` says so or, without one, when its name
contains ``prod``/``production``/``prd``/``live`` as a word (``prod``, ``prod-eu-1``,
``production``); every other name (``staging``, ``dev``, ``qa``, ``default``) is staging-like.
The table is documented in docs/helm.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from obskit.catalog.model import Catalog, Environment, Resources

Profile = Literal["staging", "production"]
_PRODUCTION_NAME = re.compile(r"(^|[-_.])(prod|production|prd|live)([-_.]|\d|$)")


def _res(req_cpu: str, req_mem: str, lim_mem: str, lim_cpu: str | None = None) -> dict[str, Any]:
    limits = {"memory": lim_mem} | ({"cpu": lim_cpu} if lim_cpu else {})
    return {"requests": {"cpu": req_cpu, "memory": req_mem}, "limits": limits}


#: defaults per profile and component; CPU limits are left out on purpose (throttling hurts
#: latency more than it protects neighbours), memory limits are set (OOM is bounded).
DEFAULTS: dict[Profile, dict[str, dict[str, Any]]] = {
    "staging": {
        "prometheus": {
            "retention": "3d",
            "replicas": 1,
            "storage": "20Gi",
            "resources": _res("250m", "1Gi", "2Gi"),
        },
        "alertmanager": {
            "retention": "120h",
            "replicas": 1,
            "storage": "1Gi",
            "resources": _res("10m", "64Mi", "128Mi"),
        },
        "grafana": {"replicas": 1, "resources": _res("100m", "256Mi", "512Mi")},
        "elasticsearch": {
            "replicas": 1,
            "storage": "30Gi",
            "resources": _res("500m", "2Gi", "2Gi"),
        },
        "jaeger": {
            "replicas": 1,
            "resources": _res("100m", "256Mi", "512Mi"),
            "sampling_probability": 1.0,
        },
    },
    "production": {
        "prometheus": {
            "retention": "15d",
            "replicas": 2,
            "storage": "200Gi",
            "resources": _res("1", "8Gi", "16Gi"),
        },
        "alertmanager": {
            "retention": "120h",
            "replicas": 3,
            "storage": "5Gi",
            "resources": _res("50m", "128Mi", "256Mi"),
        },
        "grafana": {"replicas": 1, "resources": _res("250m", "512Mi", "1Gi")},
        "elasticsearch": {
            "replicas": 3,
            "storage": "500Gi",
            "resources": _res("2", "8Gi", "8Gi"),
        },
        "jaeger": {
            "replicas": 2,
            "resources": _res("500m", "1Gi", "2Gi"),
            "sampling_probability": 0.1,
        },
    },
}
COMPONENTS = ("prometheus", "alertmanager", "grafana", "elasticsearch", "jaeger")


@dataclass(frozen=True)
class Sizing:
    """What the values files of one environment are made from."""

    environment: str
    profile: Profile
    cluster: str
    managed: bool
    storage_class: str | None
    fluent_bit: bool
    #: component -> {retention?, replicas, storage?, resources, sampling_probability?}
    components: dict[str, dict[str, Any]]
    overrides: dict[str, dict[str, Any]]

    def __getitem__(self, component: str) -> dict[str, Any]:
        return self.components[component]


def profile_of(name: str, env: Environment) -> Profile:
    """The environment's size class (explicit, else guessed from its name)."""
    if env.profile:
        return env.profile
    return "production" if _PRODUCTION_NAME.search(name.lower()) else "staging"


def _merge_resources(default: dict[str, Any], given: Resources | None) -> dict[str, Any]:
    out = {k: dict(v) for k, v in default.items()}
    if given is None:
        return out
    for part in ("requests", "limits"):
        values = getattr(given, part)
        if values is not None:
            out.setdefault(part, {}).update(values.model_dump(exclude_none=True))
    return out


def _cluster(catalog: Catalog, name: str, env: Environment, profile: Profile) -> str:
    """The ``cluster`` external label: the environment's first cluster
    (:func:`obskit.catalog.clusters.resolved_clusters`)."""
    from obskit.catalog.clusters import resolved_clusters

    return resolved_clusters(name, env, catalog)[0].name


def sizing(catalog: Catalog, name: str) -> Sizing:
    """The resolved sizes of environment ``name`` of ``catalog``."""
    env = catalog.environments[name]
    profile = profile_of(name, env)
    components: dict[str, dict[str, Any]] = {}
    for component in COMPONENTS:
        merged = dict(DEFAULTS[profile][component])
        given = getattr(env, component)
        for field, value in given.model_dump(exclude_none=True).items():
            if field != "resources":
                merged[field] = value
        merged["resources"] = _merge_resources(merged["resources"], given.resources)
        components[component] = merged
    return Sizing(
        environment=name,
        profile=profile,
        cluster=_cluster(catalog, name, env, profile),
        managed=env.managed,
        storage_class=env.storage_class,
        fluent_bit=env.fluent_bit.enabled,
        components=components,
        overrides={k: dict(v) for k, v in env.overrides.items()},
    )
