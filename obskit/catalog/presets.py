"""Metric presets: the metric names a common instrumentation exports (catalog contract table)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    """What a preset's instrumentation exports, and how to select one service's series."""

    name: str
    #: request counter metric name (series counted per request)
    requests: str
    #: extra matchers always added to the request/histogram selectors (istio's reporter)
    fixed_matchers: tuple[tuple[str, str, str], ...]
    #: label and regex that mark an error request
    error_label: str
    error_regex: str
    #: label used to group requests into status classes on dashboards
    status_label: str
    #: histogram bucket series (``..._bucket``) and the unit of its ``le`` bounds
    histogram: str
    unit: str  # "s" or "ms"
    #: default selector labels: ``{label: "name"|"namespace"}`` (which service field fills it)
    selector_labels: tuple[tuple[str, str], ...]
    #: default histogram bucket bounds in seconds (what the instrumentation exports by default)
    buckets_seconds: tuple[float, ...] = field(default=())
    #: where the default buckets come from
    buckets_source: str = ""

    @property
    def histogram_count(self) -> str:
        """The histogram's ``_count`` series."""
        return self.histogram.removesuffix("_bucket") + "_count"

    @property
    def histogram_sum(self) -> str:
        """The histogram's ``_sum`` series."""
        return self.histogram.removesuffix("_bucket") + "_sum"

    def default_selector(self, service: str, namespace: str) -> dict[str, str]:
        """The default label matchers of a service using this preset."""
        values = {"name": service, "namespace": namespace}
        return {label: values[source] for label, source in self.selector_labels}


_PROM_DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_JOB_NS = (("job", "name"), ("namespace", "namespace"))

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="prometheus-http",
            requests="http_requests_total",
            fixed_matchers=(),
            error_label="code",
            error_regex="5..",
            status_label="code",
            histogram="http_request_duration_seconds_bucket",
            unit="s",
            selector_labels=_JOB_NS,
            buckets_seconds=_PROM_DEFAULT_BUCKETS,
            buckets_source="Prometheus client libraries' DefBuckets",
        ),
        Preset(
            name="otel-http",
            requests="http_server_request_duration_seconds_count",
            fixed_matchers=(),
            error_label="http_response_status_code",
            error_regex="5..",
            status_label="http_response_status_code",
            histogram="http_server_request_duration_seconds_bucket",
            unit="s",
            selector_labels=_JOB_NS,
            buckets_seconds=(
                0.005,
                0.01,
                0.025,
                0.05,
                0.075,
                0.1,
                0.25,
                0.5,
                0.75,
                1.0,
                2.5,
                5.0,
                7.5,
                10.0,
            ),
            buckets_source="OpenTelemetry semantic conventions, http.server.request.duration",
        ),
        Preset(
            name="grpc",
            requests="grpc_server_handled_total",
            fixed_matchers=(),
            error_label="grpc_code",
            error_regex="Unknown|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded",
            status_label="grpc_code",
            histogram="grpc_server_handling_seconds_bucket",
            unit="s",
            selector_labels=_JOB_NS,
            buckets_seconds=(
                0.001,
                0.005,
                0.01,
                0.025,
                0.05,
                0.1,
                0.25,
                0.3,
                0.5,
                0.6,
                1.0,
                2.5,
                3.0,
                5.0,
                6.0,
                10.0,
                30.0,
                60.0,
                120.0,
            ),
            buckets_source=(
                "DefBuckets merged with go-grpc-prometheus's documented "
                "WithHistogramBuckets example (0.001 ... 120)"
            ),
        ),
        Preset(
            name="micrometer",
            requests="http_server_requests_seconds_count",
            fixed_matchers=(),
            error_label="status",
            error_regex="5..",
            status_label="status",
            histogram="http_server_requests_seconds_bucket",
            unit="s",
            selector_labels=_JOB_NS,
            buckets_seconds=(
                0.001,
                0.005,
                0.01,
                0.025,
                0.05,
                0.1,
                0.2,
                0.25,
                0.3,
                0.4,
                0.5,
                0.75,
                1.0,
                1.5,
                2.0,
                2.5,
                3.0,
                5.0,
                10.0,
                30.0,
            ),
            buckets_source="common management.metrics.distribution.slo settings",
        ),
        Preset(
            name="istio",
            requests="istio_requests_total",
            fixed_matchers=(("reporter", "=", "destination"),),
            error_label="response_code",
            error_regex="5..",
            status_label="response_code",
            histogram="istio_request_duration_milliseconds_bucket",
            unit="ms",
            selector_labels=(
                ("destination_workload", "name"),
                ("destination_workload_namespace", "namespace"),
            ),
            buckets_seconds=(
                0.0005,
                0.001,
                0.005,
                0.01,
                0.025,
                0.05,
                0.1,
                0.25,
                0.5,
                1.0,
                2.5,
                5.0,
                10.0,
                30.0,
                60.0,
                300.0,
                600.0,
                1800.0,
                3600.0,
            ),
            buckets_source="Istio's default request duration buckets (milliseconds)",
        ),
        Preset(
            name="nginx-ingress",
            requests="nginx_ingress_controller_requests",
            fixed_matchers=(),
            error_label="status",
            error_regex="5..",
            status_label="status",
            histogram="nginx_ingress_controller_request_duration_seconds_bucket",
            unit="s",
            selector_labels=(("exported_service", "name"), ("exported_namespace", "namespace")),
            buckets_seconds=_PROM_DEFAULT_BUCKETS,
            buckets_source="ingress-nginx --time-buckets default",
        ),
    )
}

PRESET_NAMES: tuple[str, ...] = (*PRESETS, "none")


def format_le(bound_seconds: float, unit: str) -> str:
    """The ``le`` label value Prometheus client libraries write for a bound given in seconds.

    Go and Python clients format floats in their shortest round-trip form (``0.3``, ``1``,
    ``2.5``, ``+Inf``); istio writes milliseconds (``250``).
    """
    value = bound_seconds * 1000.0 if unit == "ms" else bound_seconds
    value = round(value, 9)
    if value == int(value):
        return str(int(value))
    return repr(value)
