"""jaeger (v2 chart): all-in-one with Elasticsearch trace storage through ``userconfig``."""

from __future__ import annotations

from typing import Any

from obskit.renderers.helm import wiring
from obskit.renderers.helm.commented import Values
from obskit.renderers.helm.sizing import Sizing

STORE = "es_main"


def userconfig(size: Sizing) -> dict[str, Any]:
    """The Jaeger v2 (OpenTelemetry Collector style) configuration."""
    es_nodes = size["elasticsearch"]["replicas"]
    return {
        "service": {
            "extensions": ["jaeger_storage", "jaeger_query", "remote_sampling", "healthcheckv2"],
            "pipelines": {
                "traces": {
                    "receivers": ["otlp"],
                    "processors": ["batch"],
                    "exporters": ["jaeger_storage_exporter"],
                }
            },
            "telemetry": {
                "resource": {"service.name": "jaeger"},
                "metrics": {
                    "level": "detailed",
                    "readers": [
                        {"pull": {"exporter": {"prometheus": {"host": "0.0.0.0", "port": 8888}}}}
                    ],
                },
            },
        },
        "extensions": {
            "healthcheckv2": {"use_v2": True, "http": {"endpoint": "0.0.0.0:13133"}},
            "jaeger_query": {"storage": {"traces": STORE}},
            "jaeger_storage": {
                "backends": {
                    STORE: {
                        "elasticsearch": {
                            "server_urls": [wiring.ES_URL],
                            "auth": {
                                "basic": {
                                    "username": wiring.ES_USER,
                                    "password": f"${{env:{wiring.ES_PASSWORD_ENV}}}",
                                }
                            },
                            "indices": {
                                kind: {"shards": 1, "replicas": min(1, es_nodes - 1)}
                                for kind in ("spans", "services", "dependencies")
                            },
                        }
                    }
                }
            },
            "remote_sampling": {
                "file": {
                    "default_sampling_probability": size["jaeger"]["sampling_probability"],
                },
                "http": {"endpoint": "0.0.0.0:5778"},
                "grpc": {"endpoint": "0.0.0.0:5779"},
            },
        },
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": "0.0.0.0:4317"},
                    "http": {"endpoint": "0.0.0.0:4318"},
                }
            }
        },
        "processors": {"batch": {}},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": STORE}},
    }


def build(size: Sizing) -> Values:
    """Values of the jaeger chart."""
    j = size["jaeger"]
    values = Values()
    config = userconfig(size)
    values.set(
        "userconfig",
        config,
        why=(
            "The whole Jaeger v2 configuration: OTLP in (4317 gRPC, 4318 HTTP), spans stored\n"
            f"in the ECK Elasticsearch ({wiring.ES_URL}, daily jaeger-span-* indices, replicas\n"
            "only when there is more than one ES node), the query UI on 16686 reading the\n"
            "same store, and remote sampling on 5778: SDKs that ask get\n"
            f"default_sampling_probability {j['sampling_probability']} ({size.profile} default)."
            "\nThe Elasticsearch password is ${env:"
            + wiring.ES_PASSWORD_ENV
            + "}, never written here."
        ),
    )
    values.set(
        "jaeger.replicas",
        j["replicas"],
        why="Stateless with Elasticsearch storage, so it can run more than one replica.",
    )
    values.set("jaeger.resources", j["resources"])
    values.set(
        "jaeger.extraEnv",
        wiring.es_password_env(),
        why=f"ECK's '{wiring.ES_USER}' password from Secret {wiring.ES_CREDENTIALS_SECRET}.",
    )
    values.set(
        "storage.type",
        "elasticsearch",
        why="Only used by the chart's optional ES maintenance jobs (all off).",
    )
    values.set("storage.elasticsearch.url", wiring.ES_URL)
    return values
