"""Elasticsearch role mappings: each team's OIDC group gets its own logs role, nothing else.

An OIDC realm's users carry the IdP's groups claim in ``groups``; the role mapping API
(``PUT _security/role_mapping/<name>``) grants roles by rules over it. The file-based
``role_mapping.yml`` cannot express this (it maps LDAP/PKI distinguished names only), and
ECK's ``StackConfigPolicy`` needs an ECK Enterprise licence, so obskit delivers the mappings
as two plain objects a GitOps tool applies:

- ConfigMap ``obskit-elasticsearch-role-mappings``: one ``<mapping>.json`` per team, the
  request body ``{"enabled": true, "roles": ["obskit-logs-<team>"],
  "rules": {"field": {"groups": "<group>"}}}`` (with ``metadata.access.elasticsearchRealm``,
  ``{"all": [{"field": {"realm.name": "<realm>"}}, <that>]}``);
- Job ``obskit-es-role-mappings-<hash>``: curl PUTs every body (idempotent). The name carries
  a hash of the bodies and the script, so a changed mapping is a new Job (a Job's template
  is immutable) and an unchanged one is not re-run. The superuser password comes from ECK's
  Secret by reference and reaches curl on stdin (``-K -``), never in its arguments.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from obskit.catalog.model import Catalog
from obskit.renderers.access.logs import role_name
from obskit.renderers.access.scopes import team_group
from obskit.renderers.events.ownership import team_scopes
from obskit.renderers.helm.wiring import ES_PASSWORD_ENV, ES_URL, ES_USER, es_password_env
from obskit.renderers.manifests.objects import Serializer
from obskit.stack import STACK_NAMESPACE

CONFIGMAP = "obskit-elasticsearch-role-mappings"
JOB_PREFIX = "obskit-es-role-mappings"
MOUNT = "/mappings"
#: a small image with curl and a POSIX shell, pinned
IMAGE = "curlimages/curl:8.11.1"
ES_URL_ENV = "ES_URL"
SCRIPT = f"""\
for f in {MOUNT}/*.json; do
  name=$(basename "$f" .json)
  printf 'user = "{ES_USER}:%s"\\n' "${ES_PASSWORD_ENV}" | curl --silent --show-error \\
    --fail-with-body -K - -X PUT -H 'Content-Type: application/json' \\
    --data-binary "@$f" "${ES_URL_ENV}/_security/role_mapping/$name"
  echo
done
"""


def role_mappings(catalog: Catalog) -> dict[str, dict[str, Any]]:
    """``{mapping name: PUT body}`` for every team owning a service that names its group."""
    out: dict[str, dict[str, Any]] = {}
    access = catalog.metadata.access
    realm = access.elasticsearch_realm if access is not None else None
    for team in sorted(team_scopes(catalog)):
        group = team_group(catalog, team)
        if group is None:
            continue
        out[role_name(team)] = {
            "enabled": True,
            "metadata": {"obskit_team": team},
            "roles": [role_name(team)],
            "rules": _rules(group, realm),
        }
    return out


def _rules(group: str, realm: str | None) -> dict[str, Any]:
    """``groups`` equals the team's group (and, with a realm named, ``realm.name`` is it)."""
    by_group = {"field": {"groups": group}}
    if realm is None:
        return by_group
    return {"all": [{"field": {"realm.name": realm}}, by_group]}


def mapped_group(body: dict[str, Any]) -> str:
    """The group a rendered mapping body requires."""
    rules = body["rules"]
    fields = rules.get("all", [rules])
    (group,) = [f["field"]["groups"] for f in fields if "groups" in f["field"]]
    return group


def _files(catalog: Catalog) -> dict[str, str]:
    return {
        f"{name}.json": json.dumps(body, sort_keys=True, indent=2) + "\n"
        for name, body in role_mappings(catalog).items()
    }


def job_name(files: dict[str, str]) -> str:
    digest = hashlib.sha256(json.dumps([files, SCRIPT, IMAGE], sort_keys=True).encode())
    return f"{JOB_PREFIX}-{digest.hexdigest()[:10]}"


def mapping_objects(ser: Serializer, catalog: Catalog) -> list[dict[str, Any]]:
    """The ConfigMap of mapping bodies and the Job that PUTs them (none without a group)."""
    from kubernetes.client import (
        V1Capabilities,
        V1ConfigMap,
        V1ConfigMapVolumeSource,
        V1Container,
        V1EnvVar,
        V1Job,
        V1JobSpec,
        V1ObjectMeta,
        V1PodSecurityContext,
        V1PodSpec,
        V1PodTemplateSpec,
        V1SeccompProfile,
        V1SecurityContext,
        V1Volume,
        V1VolumeMount,
    )

    files = _files(catalog)
    if not files:
        return []
    configmap = V1ConfigMap(
        api_version="v1",
        kind="ConfigMap",
        metadata=V1ObjectMeta(name=CONFIGMAP, namespace=STACK_NAMESPACE),
        data=files,
    )
    env = [V1EnvVar(name=ES_URL_ENV, value=ES_URL), *es_password_env()]
    container = V1Container(
        name="put-role-mappings",
        image=IMAGE,
        command=["/bin/sh", "-ec", SCRIPT],
        env=env,
        volume_mounts=[V1VolumeMount(name="mappings", mount_path=MOUNT, read_only=True)],
        security_context=V1SecurityContext(
            allow_privilege_escalation=False,
            read_only_root_filesystem=True,
            capabilities=V1Capabilities(drop=["ALL"]),
        ),
    )
    pod = V1PodSpec(
        restart_policy="OnFailure",
        automount_service_account_token=False,
        security_context=V1PodSecurityContext(
            run_as_non_root=True,
            run_as_user=100,
            seccomp_profile=V1SeccompProfile(type="RuntimeDefault"),
        ),
        containers=[container],
        volumes=[V1Volume(name="mappings", config_map=V1ConfigMapVolumeSource(name=CONFIGMAP))],
    )
    labels = {"app.kubernetes.io/name": JOB_PREFIX}
    job = V1Job(
        api_version="batch/v1",
        kind="Job",
        metadata=V1ObjectMeta(name=job_name(files), namespace=STACK_NAMESPACE, labels=labels),
        spec=V1JobSpec(
            backoff_limit=10,
            template=V1PodTemplateSpec(metadata=V1ObjectMeta(labels=labels), spec=pod),
        ),
    )
    return [ser.data(configmap), ser.data(job)]
