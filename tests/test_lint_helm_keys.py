"""The helm-unknown-key lint check over rendered Helm values."""

from __future__ import annotations

import yaml

from obskit.lint import load_checks, run_checks
from obskit.lint.base import LintContext, context_from_catalog


def test_example_values_have_no_unknown_keys(example_catalog):
    findings = run_checks(context_from_catalog(example_catalog), load_checks(["helm-unknown-key"]))
    assert findings == []


def test_a_typo_in_rendered_values_is_found_with_a_suggestion(example_catalog):
    ctx = context_from_catalog(example_catalog)
    path = "helm-values/production/kube-prometheus-stack.yaml"
    values = yaml.safe_load(ctx.files[path])
    spec = values["prometheus"]["prometheusSpec"]
    spec["retension"] = spec.pop("retention")
    files = {**ctx.files, path: yaml.safe_dump(values).encode()}
    findings = run_checks(LintContext(example_catalog, files), load_checks(["helm-unknown-key"]))
    assert [f.path for f in findings] == [path]
    assert "`prometheus.prometheusSpec.retension`: no such key in kube-prometheus-stack 88.5.3" in (
        findings[0].message
    )
    assert "did you mean `retention`?" in findings[0].message
