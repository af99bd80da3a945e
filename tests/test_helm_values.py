"""Helm values of the example catalog: files, known keys, schemas, secrets, comments, bytes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from obskit.renderers.helm import CENTRAL_CHARTS, CHARTS, render_all
from obskit.renderers.helm.keyindex import available, unknown_keys

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rendered(example_catalog) -> dict[str, bytes]:
    return render_all(example_catalog)


def _values_files(rendered: dict[str, bytes]):
    for path, data in rendered.items():
        parts = path.split("/")
        if len(parts) == 3:
            yield parts[1], parts[2][: -len(".yaml")], yaml.safe_load(data)


def test_one_file_per_chart_and_environment_plus_helmfile(rendered, example_catalog):
    expected = {
        f"helm-values/{env}/{chart}.yaml"
        for env in example_catalog.environments
        for chart in CHARTS
    } | {"helm-values/helmfile.yaml"}
    assert set(rendered) == expected
    assert set(example_catalog.environments) == {"staging", "production"}


def test_every_key_exists_in_the_pinned_chart(rendered):
    checked = 0
    for env, chart, values in _values_files(rendered):
        assert unknown_keys(chart, values) == [], f"{env}/{chart}"
        checked += 1
    assert checked == 16  # 8 charts (kubernetes-dashboard: access on) x 2 environments


def test_values_validate_against_chart_schemas_where_they_exist(rendered, shared_reference):
    """kube-prometheus-stack, kube-state-metrics, ECK, fluent and jaeger charts ship no
    values.schema.json (see the reference README); the test notices when one appears."""
    import jsonschema

    charts = shared_reference / "charts"
    with_schema = {c for c in CHARTS if (charts / c / "values.schema.json").is_file()}
    assert with_schema == set(), "a rendered chart now ships a schema: it is validated below"
    for _env, chart, values in _values_files(rendered):
        schema_file = charts / chart / "values.schema.json"
        if schema_file.is_file():
            jsonschema.validate(values, json.loads(schema_file.read_text()))


def test_alertmanager_config_matches_the_alertmanager_charts_config_schema(
    rendered, shared_reference
):
    """The standalone alertmanager chart's schema describes the same Alertmanager config."""
    import jsonschema

    chart_schema = json.loads(
        (shared_reference / "charts/alertmanager/values.schema.json").read_text()
    )
    # the `config` property, with the definitions its $refs point into
    schema = {**chart_schema["properties"]["config"], "definitions": chart_schema["definitions"]}
    validator = jsonschema.Draft7Validator(schema)
    checked = 0
    for _env, chart, values in _values_files(rendered):
        if chart == "kube-prometheus-stack":
            config = values["alertmanager"]["config"]
            assert list(validator.iter_errors(config)) == []
            checked += 1
            # and the schema is strict enough to notice broken receivers and routes
            assert list(validator.iter_errors({**config, "receivers": [{"nome": "x"}]}))
            assert list(validator.iter_errors({**config, "route": {"group_by": "service"}}))
    assert checked == 2


#: PagerDuty integration/routing keys (32 hex digits): in rendered files, never a legitimate value
HEX_KEY = re.compile(r"\b[a-f0-9]{32}\b")


def secret_findings(text: str) -> list[str]:
    """Inline secrets in a YAML text: the library's scan (obskit.catalog.secrets), plus keys."""
    from obskit.catalog.secrets import secret_lines

    found = [line for _, line, _ in secret_lines(text)]
    found += [
        line.strip()
        for line in text.splitlines()
        if HEX_KEY.search(line) and not line.lstrip().startswith("#")
    ]
    return found


def test_no_plaintext_secret_in_any_rendered_file(rendered):
    for path, data in rendered.items():
        assert secret_findings(data.decode()) == [], path


def test_secret_scan_catches_an_inline_secret():
    leaks = [
        "api_url: https://hooks.slack.com/services/T000/B000/XXXX",
        "  routing_key: 0123456789abcdef0123456789abcdef",
        "    password changeme",
        "  password: hunter22",
        "    HTTP_Passwd hunter22",
        "      basicAuthPassword: s3cret",
        "  - api_url: https://example.com/hook",
    ]
    for leak in leaks:
        assert secret_findings(leak), leak
    fine = [
        "    password \"#{ENV['ES_PASSWORD']}\"",
        "    HTTP_Passwd ${ES_PASSWORD}",
        "      basicAuthPassword: ${ES_PASSWORD}",
        "  password: ${env:ES_PASSWORD}",
        "  api_url_file: /etc/alertmanager/secrets/alertmanager-slack/payments",
        "  # the password from Secret x",
    ]
    for line in fine:
        assert secret_findings(line) == [], line


def test_secrets_are_referenced_by_file_and_mounted(rendered):
    values = yaml.safe_load(rendered["helm-values/production/kube-prometheus-stack.yaml"])
    spec = values["alertmanager"]["alertmanagerSpec"]
    assert spec["secrets"] == ["alertmanager-pagerduty", "alertmanager-slack", "alertmanager-smtp"]
    files = re.findall(
        r"_file: (\S+)", rendered["helm-values/production/kube-prometheus-stack.yaml"].decode()
    )
    assert files
    for path in files:
        secret = path.split("/")[4]
        assert path.startswith("/etc/alertmanager/secrets/") and secret in spec["secrets"]


def test_helmfile_pins_the_reference_chart_versions(rendered, shared_reference):
    helmfile = yaml.safe_load(rendered["helm-values/helmfile.yaml"])
    repos = {r["name"] for r in helmfile["repositories"]}
    seen = set()
    for release in helmfile["releases"]:
        repo, chart = release["chart"].split("/")
        assert repo in repos
        meta = yaml.safe_load((shared_reference / "charts" / chart / "Chart.yaml").read_text())
        assert release["version"] == str(meta["version"]), chart
        assert release["namespace"] == "monitoring"
        seen.add(chart)
    assert seen == set(CHARTS)
    assert set(available()) == set(CHARTS) | set(CENTRAL_CHARTS)


def test_helmfile_has_one_release_set_per_environment_in_dependency_order(rendered):
    helmfile = yaml.safe_load(rendered["helm-values/helmfile.yaml"])
    by_env: dict[str, list[dict]] = {}
    for release in helmfile["releases"]:
        by_env.setdefault(release["labels"]["environment"], []).append(release)
        for path in release["values"]:
            assert f"helm-values/{path}" in rendered
    assert set(by_env) == {"staging", "production"}
    for releases in by_env.values():
        assert [r["name"] for r in releases].count("kube-prometheus-stack") == 1
        order = [f"{r['kubeContext']}/{r['namespace']}/{r['name']}" for r in releases]
        for index, release in enumerate(releases):
            for need in release.get("needs", []):
                assert need in order[:index], f"{release['name']} needs {need} installed before"
        names = {r["name"]: r for r in releases}
        assert names["fluentd"]["installed"] and not names["fluent-bit"]["installed"]
        assert "eck-operator" in names["eck-stack"]["needs"][0]
    contexts = {env: rs[0]["kubeContext"] for env, rs in by_env.items()}
    assert contexts == {"production": "prod-eu-1", "staging": "staging"}


def test_values_explain_themselves_with_comments(rendered):
    for path, data in rendered.items():
        lines = data.decode().splitlines()
        body_comments = [
            line for line in lines if line.lstrip().startswith("#") and line.startswith(" ")
        ]
        assert body_comments or path.endswith("helmfile.yaml"), f"{path} has no comments"
    kps = rendered["helm-values/staging/kube-prometheus-stack.yaml"].decode()
    assert re.search(r"# Managed control plane.*\n(?:\s+#.*\n)*\s+enabled: false", kps)


def test_rendering_is_byte_identical_across_hash_seeds(rendered):
    code = (
        "import hashlib,sys;from obskit.catalog.loader import load_catalog;"
        "from obskit.renderers.helm import render_all;"
        "files=render_all(load_catalog(sys.argv[1]));"
        "print(hashlib.sha256(b''.join(k.encode()+v for k,v in files.items())).hexdigest())"
    )
    digests = set()
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code, str(REPO / "catalog.yaml")],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        digests.add(out.stdout.strip())
    import hashlib

    digests.add(hashlib.sha256(b"".join(k.encode() + v for k, v in rendered.items())).hexdigest())
    assert len(digests) == 1


def test_wiring_matches_the_shared_stack_constants(rendered):
    from obskit import stack

    kps = yaml.safe_load(rendered["helm-values/production/kube-prometheus-stack.yaml"])
    spec = kps["prometheus"]["prometheusSpec"]
    for kind in ("rule", "serviceMonitor", "podMonitor"):
        assert spec[f"{kind}Selector"] == {"matchLabels": stack.MONITOR_SELECTOR_LABELS}
        assert spec[f"{kind}SelectorNilUsesHelmValues"] is False
        assert spec[f"{kind}NamespaceSelector"] == {}
    assert spec["externalLabels"] == {"cluster": "prod-eu-1", "environment": "production"}
    assert spec["retention"] == "15d" and spec["replicas"] == 2
    pvc = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert pvc["resources"]["requests"]["storage"] == "200Gi"
    dash = kps["grafana"]["sidecar"]["dashboards"]
    assert dash["label"] == stack.GRAFANA_DASHBOARD_LABEL
    assert dash["labelValue"] == stack.GRAFANA_DASHBOARD_LABEL_VALUE
    assert dash["folderAnnotation"] == stack.GRAFANA_FOLDER_ANNOTATION
    assert dash["provider"]["foldersFromFilesStructure"] is True
    assert kps["grafana"]["admin"]["existingSecret"]
    sources = {d["uid"]: d for d in kps["grafana"]["additionalDataSources"]}
    # the example has access on: one logs datasource per team (tests/test_access_grafana_logs)
    es = sources["elasticsearch-logs-payments"]
    assert es["jsonData"]["index"] == f"{stack.LOG_INDEX_PREFIX}-payments.*"
    assert es["jsonData"]["timeField"] == "@timestamp" and es["jsonData"]["logMessageField"]
    assert es["jsonData"]["dataLinks"][0]["datasourceUid"] == sources["jaeger"]["uid"]
    assert f"{stack.ELASTICSEARCH_NAME}-es-http" in es["url"]
    assert kps["kubeEtcd"]["enabled"] is False and kps["kubeScheduler"]["enabled"] is False

    eck = yaml.safe_load(rendered["helm-values/production/eck-stack.yaml"])
    assert eck["eck-elasticsearch"]["fullnameOverride"] == stack.ELASTICSEARCH_NAME
    assert eck["eck-kibana"]["elasticsearchRef"] == {"name": stack.ELASTICSEARCH_NAME}
    nodeset = eck["eck-elasticsearch"]["nodeSets"][0]
    assert nodeset["count"] == 3
    assert nodeset["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "500Gi"

    fluentd = rendered["helm-values/production/fluentd.yaml"].decode()
    assert f"host {stack.ELASTICSEARCH_NAME}-es-http." in fluentd
    assert "retry_forever true" in fluentd and "@type file" in fluentd
    # the example catalog has access on: per-team indices (docs/access.md, test_helm_log_routing)
    assert "logstash_prefix ${$.log_index}" in fluentd
    fluentd_values = yaml.safe_load(fluentd)
    ref = fluentd_values["env"][0]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": f"{stack.ELASTICSEARCH_NAME}-es-elastic-user", "key": "elastic"}

    jaeger = yaml.safe_load(rendered["helm-values/production/jaeger.yaml"])
    backend = jaeger["userconfig"]["extensions"]["jaeger_storage"]["backends"]["es_main"]
    assert backend["elasticsearch"]["auth"]["basic"]["password"] == "${env:ES_PASSWORD}"
    assert jaeger["jaeger"]["extraEnv"][0]["valueFrom"]["secretKeyRef"]["name"].endswith(
        "-es-elastic-user"
    )
    sampling = jaeger["userconfig"]["extensions"]["remote_sampling"]["file"]
    assert sampling["default_sampling_probability"] == 0.1

    ksm = yaml.safe_load(rendered["helm-values/production/kube-state-metrics.yaml"])
    assert ksm["metricLabelsAllowlist"] == kps["kube-state-metrics"]["metricLabelsAllowlist"]
    assert any(e.startswith("pods=[") and "team" in e for e in ksm["metricLabelsAllowlist"])
