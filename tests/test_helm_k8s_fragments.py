"""Kubernetes objects embedded in the values (env, resources, volumes, PVC specs) are valid.

The charts copy these fragments verbatim into Pods, StatefulSets and PVCs; wrapping each in a
minimal object and validating it with kubernetes-validate (the Kubernetes OpenAPI schemas,
strict: unknown fields are errors) catches a misspelt ``secretKeyRef`` or ``accessModes``.
"""

from __future__ import annotations

import pytest
import yaml

from obskit.renderers.helm import render_all

kubernetes_validate = pytest.importorskip("kubernetes_validate")
VERSION = kubernetes_validate.latest_version()


@pytest.fixture(scope="module")
def values(example_catalog) -> dict[str, dict]:
    return {
        path.removeprefix("helm-values/production/").removesuffix(".yaml"): yaml.safe_load(data)
        for path, data in render_all(example_catalog).items()
        if path.startswith("helm-values/production/")
    }


def _pod(container: dict, volumes: list | None = None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "x"},
        "spec": {
            "containers": [{"name": "c", "image": "i", **container}],
            "volumes": volumes or [],
        },
    }


def _pvc(spec: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "x"},
        "spec": spec,
    }


def _validate(obj: dict) -> None:
    kubernetes_validate.validate(obj, VERSION, strict=True)


def test_fragments_are_valid_kubernetes(values):
    kps = values["kube-prometheus-stack"]
    prom = kps["prometheus"]["prometheusSpec"]
    am = kps["alertmanager"]["alertmanagerSpec"]
    objects = [
        _pvc(prom["storageSpec"]["volumeClaimTemplate"]["spec"]),
        _pvc(am["storage"]["volumeClaimTemplate"]["spec"]),
        _pod({"resources": prom["resources"]}),
        _pod({"resources": am["resources"]}),
        _pod({"resources": kps["grafana"]["resources"]}),
        _pod(
            {
                "env": [
                    {"name": name, "valueFrom": ref}
                    for name, ref in kps["grafana"]["envValueFrom"].items()
                ]
            }
        ),
        _pod({"env": values["fluentd"]["env"], "resources": values["fluentd"]["resources"]}),
        _pod(
            {
                "env": values["fluent-bit"]["env"],
                "volumeMounts": values["fluent-bit"]["daemonSetVolumeMounts"],
            },
            values["fluent-bit"]["daemonSetVolumes"],
        ),
        _pod({"env": values["jaeger"]["jaeger"]["extraEnv"]}),
        _pod({"resources": values["jaeger"]["jaeger"]["resources"]}),
        _pod({"resources": values["eck-operator"]["resources"]}),
    ]
    nodeset = values["eck-stack"]["eck-elasticsearch"]["nodeSets"][0]
    objects.append(_pvc(nodeset["volumeClaimTemplates"][0]["spec"]))
    objects.append(
        _pod({"resources": nodeset["podTemplate"]["spec"]["containers"][0]["resources"]})
    )
    for obj in objects:
        _validate(obj)


def test_the_check_notices_a_broken_fragment():
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(_pod({"env": [{"name": "X", "valueFrom": {"secretRef": {"name": "s"}}}]}))
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(_pvc({"accessMode": ["ReadWriteOnce"]}))
