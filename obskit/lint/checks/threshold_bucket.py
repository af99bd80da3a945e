"""Latency thresholds at a bound the preset's libraries do not all write by default."""

from __future__ import annotations

from collections.abc import Iterable

from obskit import queries
from obskit.catalog.durations import format_duration
from obskit.catalog.presets import nearest_bounds
from obskit.lint.base import Finding, LintContext

NAME = "threshold-bucket"
DESCRIPTION = (
    "A latency SLO's threshold must be a bucket bound the service really exports. A preset "
    "accepts some bounds that only some of its libraries write by default, or that a "
    "documented configuration adds (gRPC's 300ms: go-grpc-prometheus writes it only with "
    "WithHistogramBuckets). Without such a bucket the latency SLI is empty and its alerts "
    "never fire. Declare the service's `metrics.buckets` to confirm it exports them."
)


def run(ctx: LintContext) -> Iterable[Finding]:
    if ctx.catalog is None:
        return
    for service in ctx.catalog.services:
        if not queries.has_metrics(service) or service.metrics.buckets_declared:
            continue
        preset = queries.preset_of(service)
        defaults = preset.buckets_seconds
        for slo in service.slos:
            t = slo.threshold_seconds
            if slo.sli is not None or t is None or any(abs(b - t) < 1e-9 for b in defaults):
                continue
            shown = " or ".join(format_duration(b) for b in nearest_bounds(defaults, t))
            yield Finding(
                NAME,
                f"alerts/{service.name}.rules.yaml",
                f"{service.name}-slo-{slo.name}",
                slo.name,
                f"{service.name} {slo.name}: {slo.threshold} is not a default bucket of preset "
                f"{preset.name} ({preset.library}); the latency SLI is empty unless the service "
                f"configures that bound: declare `metrics.buckets`, or use {shown}",
            )
