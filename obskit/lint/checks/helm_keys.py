"""Helm values that set keys the pinned chart does not have (a typo is silently ignored by Helm)."""

from __future__ import annotations

from collections.abc import Iterable

import yaml

from obskit.lint.base import Finding, LintContext

NAME = "helm-unknown-key"
DESCRIPTION = (
    "Every key set in helm-values/<environment>/[<cluster>/]<chart>.yaml must exist in the "
    "pinned chart's defaults (key index in obskit/data/chart-keys/; free-form maps excepted). "
    "Helm ignores unknown keys, so `prometheusSpec.retension` would silently keep the "
    "default retention."
)


def run(ctx: LintContext) -> Iterable[Finding]:
    from obskit.renderers.helm.keyindex import available, unknown_key_messages

    charts = available()
    for path, data in sorted(ctx.files.items()):
        parts = path.split("/")
        # helm-values/<env>/<chart>.yaml and per-cluster helm-values/<env>/<cluster>/<chart>.yaml
        if len(parts) not in (3, 4) or parts[0] != "helm-values" or not path.endswith(".yaml"):
            continue
        chart = parts[-1].removesuffix(".yaml")
        if chart not in charts:
            continue
        try:
            values = yaml.safe_load(data) or {}
        except yaml.YAMLError as exc:  # a broken file is a finding, never a traceback
            yield Finding(NAME, path, "", chart, f"not valid YAML: {' '.join(str(exc).split())}")
            continue
        if not isinstance(values, dict):
            yield Finding(NAME, path, "", chart, "not a mapping of values")
            continue
        for message in unknown_key_messages(chart, values):
            yield Finding(NAME, path, "", chart, message)
