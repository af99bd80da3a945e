"""Metric presets: what an instrumentation library exports, as data.

A preset names the request counter, the label that carries the status and the values that
mark an error, the latency histogram and its unit, the default selector, and the label whose
values are the exporter's own endpoints (``/metrics``, health checks), which never count in an
SLI. The built-in presets below were checked against the real libraries
(``tests/conformance/``); a catalog may declare its own (``presets:``, same fields, optionally
``extends`` a built-in one) and a service may override single fields
(``metrics.overrides``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from obskit.catalog.base import LABEL_NAME_RE, METRIC_NAME_RE, NAME_RE, Duration, Model
from obskit.catalog.durations import parse_duration

MetricName = Annotated[str, Field(pattern=METRIC_NAME_RE)]
LabelName = Annotated[str, Field(pattern=LABEL_NAME_RE)]

#: requests to these handlers are the exporter's own or probes: never part of an SLI
DEFAULT_EXCLUDED_HANDLERS: tuple[str, ...] = (
    "/metrics",
    "/health.*",
    "/livez",
    "/readyz",
    "/ready",
    "/live",
)
#: selector templates: ``{service}`` and ``{namespace}`` are replaced per service
DEFAULT_SELECTOR = {"job": "{service}", "namespace": "{namespace}"}


class TestValues(Model):
    """Status label values for generated promtool tests: one success, one error."""

    ok: Annotated[str, Field(min_length=1)]
    error: Annotated[str, Field(min_length=1)]


class PresetFields(Model):
    """Every field of a preset, all optional: a service's ``metrics.overrides``."""

    description: str | None = None
    #: the instrumentation library (and version) the preset was checked against
    library: str | None = None
    #: counter with one increment per request (a histogram's ``_count`` is fine)
    requests: MetricName | None = None
    #: label holding the response status
    status_label: LabelName | None = None
    #: RE2 regex (fully anchored, ``(?i)`` for case-insensitive) of the error status values
    error_regex: Annotated[str, Field(min_length=1)] | None = None
    #: RE2 regex every status value has (``[1-5][0-9][0-9]``): preview checks live values
    status_shape: Annotated[str, Field(min_length=1)] | None = None
    #: ``http`` (status classes 1xx..5xx on dashboards) or ``grpc`` (status names)
    protocol: Literal["http", "grpc"] | None = None
    #: latency histogram base name (without ``_bucket``); none: no latency SLOs
    histogram: MetricName | None = None
    #: unit of the histogram's ``le`` bounds
    unit: Literal["seconds", "milliseconds"] | None = None
    #: default histogram bucket bounds (durations) the library exports
    buckets: list[Duration] | None = None
    #: bounds only some of the preset's libraries write by default, or that a documented
    #: configuration adds: accepted as thresholds, flagged by ``obskit lint``
    other_buckets: list[Duration] | None = None
    #: default selector; values may use ``{service}`` and ``{namespace}``
    selector: dict[LabelName, str] | None = None
    #: matchers always added to every query (istio: ``reporter: destination``)
    matchers: dict[LabelName, str] | None = None
    #: label naming the handler / route / path (its exporter and probe values are excluded)
    handler_label: LabelName | None = None
    #: regexes of handler values that never count in an SLI
    exclude_handlers: list[Annotated[str, Field(min_length=1)]] | None = None
    #: status values for generated tests (default: picked from the error regex)
    test_values: TestValues | None = None

    @field_validator("error_regex", "status_shape")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        from obskit.promql import regex_problem

        problem = regex_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("exclude_handlers")
    @classmethod
    def _regexes(cls, value: list[str] | None) -> list[str] | None:
        from obskit.promql import regex_problem

        for regex in value or []:
            problem = regex_problem(regex)
            if problem:
                raise ValueError(f"{regex!r}: {problem}")
        return value

    @field_validator("selector", "matchers")
    @classmethod
    def _selector_values(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return check_selector_values(value)


class PresetDefinition(PresetFields):
    """A catalog's own preset (``presets:``): a name, then fields or ``extends``."""

    name: Annotated[str, Field(pattern=NAME_RE, max_length=63)]
    #: a built-in or earlier catalog preset whose fields this one starts from
    extends: str | None = None


class Preset(Model):
    """A complete preset: what every query, test and check reads."""

    name: str
    description: str = ""
    library: str = ""
    requests: str
    status_label: str
    error_regex: str
    status_shape: str = ".+"
    protocol: Literal["http", "grpc"] = "http"
    histogram_base: str | None = Field(default=None, alias="histogram")
    unit_name: Literal["seconds", "milliseconds"] = Field(default="seconds", alias="unit")
    buckets: tuple[str, ...] = ()
    other_buckets: tuple[str, ...] = ()
    selector: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SELECTOR))
    matchers: dict[str, str] = Field(default_factory=dict)
    handler_label: str | None = None
    exclude_handlers: tuple[str, ...] = ()
    test_values: TestValues | None = None
    #: the built-in preset this one extends (its recorded library labels feed the tests)
    builtin: str | None = None

    # --- derived names ---------------------------------------------------------------
    @property
    def error_label(self) -> str:
        """The label the error regex applies to (the status label)."""
        return self.status_label

    @property
    def has_histogram(self) -> bool:
        return self.histogram_base is not None

    @property
    def histogram(self) -> str:
        """The histogram's ``_bucket`` series."""
        return f"{self.histogram_base}_bucket"

    @property
    def histogram_count(self) -> str:
        return f"{self.histogram_base}_count"

    @property
    def histogram_sum(self) -> str:
        return f"{self.histogram_base}_sum"

    @property
    def unit(self) -> str:
        """``s`` or ``ms``: the unit of the ``le`` bounds."""
        return "ms" if self.unit_name == "milliseconds" else "s"

    @property
    def buckets_seconds(self) -> tuple[float, ...]:
        """The bounds every library of the preset writes by default, in seconds."""
        return tuple(sorted(parse_duration(b) for b in self.buckets))

    @property
    def other_buckets_seconds(self) -> tuple[float, ...]:
        """Bounds that exist only with some libraries or a documented configuration."""
        return tuple(sorted(parse_duration(b) for b in self.other_buckets))

    @property
    def fixed_matchers(self) -> tuple[tuple[str, str, str], ...]:
        """``(label, op, value)`` of the always-added matchers."""
        return tuple((label, *split_matcher(value)) for label, value in self.matchers.items())

    @property
    def selector_labels(self) -> tuple[tuple[str, str], ...]:
        """``(label, "name"|"namespace")`` for selector labels that are pure templates."""
        out = []
        for label, template in self.selector.items():
            if template == "{service}":
                out.append((label, "name"))
            elif template == "{namespace}":
                out.append((label, "namespace"))
        return tuple(out)

    def default_selector(self, service: str, namespace: str) -> dict[str, str]:
        """The default label matchers of a service using this preset."""
        return {
            label: template.replace("{service}", service).replace("{namespace}", namespace)
            for label, template in self.selector.items()
        }

    # --- judging what a library writes ----------------------------------------------
    # One place decides whether a status value is an error, has the preset's shape, is a
    # success, and whether a handler counts: detection, the derived test samples and the
    # conformance tests all ask here, so they cannot disagree.
    def is_error(self, value: str) -> bool:
        """The error regex matches ``value`` whole (Prometheus anchors regex matchers)."""
        return _compiled(self.error_regex, 0).fullmatch(value) is not None

    def has_status_shape(self, value: str) -> bool:
        """``value`` has the preset's ``status_shape`` (ignoring case when the error regex
        does: gRPC's ``Internal`` and ``INTERNAL`` are one shape)."""
        return (
            _compiled(_strip_flags(self.status_shape), self._case_flags).fullmatch(value)
            is not None
        )

    def is_success(self, value: str) -> bool:
        """A successful request: the preset's shape, not an error, ``2xx`` or ``OK``."""
        return self.has_status_shape(value) and not self.is_error(value) and value[:1] in "2O"

    def misses_by_case(self, value: str) -> bool:
        """An error the case-sensitive error regex misses (``INTERNAL`` vs ``Internal``)."""
        if self._case_flags:
            return False
        return not self.is_error(value) and bool(
            _compiled(self.error_regex, re.IGNORECASE).fullmatch(value)
        )

    def excludes_handler(self, handler: str) -> bool:
        """``handler`` is the exporter's own endpoint or a probe (never in an SLI)."""
        return any(_compiled(p, 0).fullmatch(handler) for p in self.exclude_handlers)

    def counts(self, labels: dict[str, str]) -> bool:
        """A series with ``labels`` counts in the SLIs (its handler is not excluded)."""
        handler = labels.get(self.handler_label or "")
        return handler is None or not self.excludes_handler(handler)

    @property
    def _case_flags(self) -> int:
        return re.IGNORECASE if self.error_regex.startswith("(?i)") else 0

    def with_fields(self, fields: PresetFields, name: str | None = None) -> Preset:
        """This preset with the fields set in ``fields`` replaced."""
        data = self.model_dump(by_alias=True)
        for key in fields.model_fields_set:
            value = getattr(fields, key)
            if value is None or key not in PresetFields.model_fields:
                continue
            alias = PresetFields.model_fields[key].alias or key
            data[alias] = value.model_dump() if isinstance(value, Model) else value
        if name is not None:
            data["name"] = name
            data["builtin"] = self.builtin or self.name
        return Preset.model_validate(data)


@lru_cache(maxsize=256)
def _compiled(pattern: str, flags: int) -> re.Pattern[str]:
    return re.compile(pattern, flags)


def _strip_flags(regex: str) -> str:
    return regex[4:] if regex.startswith("(?i)") else regex


def check_selector_values(value: dict[str, str] | None) -> dict[str, str] | None:
    """Refuse ``~regex`` values Prometheus would refuse (a pydantic validator's body)."""
    from obskit.promql import selector_value_problem

    for label, text in (value or {}).items():
        if label.startswith("__"):
            raise ValueError(f"{label}: labels starting with __ are Prometheus' own")
        if any(ord(ch) < 32 for ch in text):
            raise ValueError(f"{label}: {text!r} has a control character (newline, tab)")
        problem = selector_value_problem(text)
        if problem:
            raise ValueError(f"{label}: {text!r}: {problem}")
    return value


def split_matcher(value: str) -> tuple[str, str]:
    """A selector value's operator and text: ``~a|b`` is ``=~``, ``!~a`` is ``!~``, else ``=``."""
    if value.startswith("!~"):
        return "!~", value[2:]
    if value.startswith("~"):
        return "=~", value[1:]
    return "=", value


_PROM_DEFAULT_BUCKETS = (
    "5ms 10ms 25ms 50ms 100ms 250ms 500ms 1s 2500ms 5s 10s"  # client_golang DefBuckets
)
_PY_DEFAULT_BUCKETS = (
    # prometheus_client's Histogram.DEFAULT_BUCKETS (used by flask and starlette exporters)
    "5ms 10ms 25ms 50ms 75ms 100ms 250ms 500ms 750ms 1s 2500ms 5s 7500ms 10s"
)
_HTTP_STATUS = "[1-5][0-9][0-9]"

_BUILTIN: tuple[dict[str, Any], ...] = (
    {
        "name": "prometheus-http",
        "description": "Prometheus client conventions: Go promhttp InstrumentHandlerCounter / "
        "InstrumentHandlerDuration, and clients that follow them",
        "library": "client_golang promhttp 1.x",
        "requests": "http_requests_total",
        "statusLabel": "code",
        "errorRegex": "5..",
        "statusShape": _HTTP_STATUS,
        "histogram": "http_request_duration_seconds",
        "buckets": _PROM_DEFAULT_BUCKETS.split(),
        "handlerLabel": "handler",
    },
    {
        "name": "fastapi-instrumentator",
        "description": "prometheus-fastapi-instrumentator defaults: status grouped as 2xx..5xx",
        "library": "prometheus-fastapi-instrumentator 8.1",
        "requests": "http_requests_total",
        "statusLabel": "status",
        "errorRegex": "5..",
        "statusShape": "[1-5]([0-9][0-9]|xx)",
        "histogram": "http_request_duration_seconds",
        "buckets": ["100ms", "500ms", "1s"],
        "handlerLabel": "handler",
    },
    {
        "name": "flask-exporter",
        "description": "prometheus-flask-exporter defaults (requests from the duration "
        "histogram, which carries the path label; flask_http_request_total has none)",
        "library": "prometheus-flask-exporter 0.23",
        "requests": "flask_http_request_duration_seconds_count",
        "statusLabel": "status",
        "errorRegex": "5..",
        "statusShape": _HTTP_STATUS,
        "histogram": "flask_http_request_duration_seconds",
        "buckets": _PY_DEFAULT_BUCKETS.split(),
        "handlerLabel": "path",
    },
    {
        "name": "starlette-exporter",
        "description": "starlette-exporter PrometheusMiddleware defaults",
        "library": "starlette-exporter 0.24",
        "requests": "starlette_requests_total",
        "statusLabel": "status_code",
        "errorRegex": "5..",
        "statusShape": _HTTP_STATUS,
        "histogram": "starlette_request_duration_seconds",
        "buckets": _PY_DEFAULT_BUCKETS.split(),
        "handlerLabel": "path",
    },
    {
        "name": "otel-http",
        "description": "OpenTelemetry stable HTTP semantic conventions (1.21+), exported to "
        "Prometheus: http.server.request.duration in seconds",
        "library": "OpenTelemetry Python 1.45 / instrumentation 0.66b1 with "
        "OTEL_SEMCONV_STABILITY_OPT_IN=http",
        "requests": "http_server_request_duration_seconds_count",
        "statusLabel": "http_response_status_code",
        "errorRegex": "5..",
        "statusShape": _HTTP_STATUS,
        "histogram": "http_server_request_duration_seconds",
        # the semantic conventions' advice: the same bounds as prometheus_client's
        "buckets": _PY_DEFAULT_BUCKETS.split(),
        "handlerLabel": "http_route",
    },
    {
        "name": "otel-http-legacy",
        "description": "OpenTelemetry HTTP semantic conventions before 1.21 (the Python "
        "instrumentations' default): http.server.duration in milliseconds",
        "library": "OpenTelemetry Python 1.45 / instrumentation 0.66b1, default",
        "requests": "http_server_duration_milliseconds_count",
        "statusLabel": "http_status_code",
        "errorRegex": "5..",
        "statusShape": _HTTP_STATUS,
        "histogram": "http_server_duration_milliseconds",
        "unit": "milliseconds",
        # the SDK's default explicit buckets (0, 5 ... 10000 ms)
        "buckets": ["0ms", *_PY_DEFAULT_BUCKETS.split()],
        "handlerLabel": "http_target",
    },
    {
        "name": "grpc",
        "description": "go-grpc-prometheus and py-grpc-prometheus: status codes matched "
        "case-insensitively (Go writes Internal, Python INTERNAL)",
        "library": "go-grpc-prometheus 1.2, py-grpc-prometheus 0.8",
        "requests": "grpc_server_handled_total",
        "statusLabel": "grpc_code",
        "errorRegex": "(?i)unknown|resource_?exhausted|internal|unavailable|data_?loss"
        "|deadline_?exceeded",
        "statusShape": "[A-Za-z_]+",
        "protocol": "grpc",
        "histogram": "grpc_server_handling_seconds",
        # both libraries write DefBuckets by default; Python adds 75ms/750ms/7.5s, and
        # go-grpc-prometheus's README configures WithHistogramBuckets(0.001 ... 120)
        "buckets": _PROM_DEFAULT_BUCKETS.split(),
        "otherBuckets": [
            "1ms",
            "75ms",
            "300ms",
            "600ms",
            "750ms",
            "3s",
            "6s",
            "7500ms",
            "9s",
            "20s",
            "30s",
            "60s",
            "90s",
            "120s",
        ],
    },
    {
        "name": "micrometer",
        "description": "Spring Boot Actuator / Micrometer http.server.requests",
        "library": "Micrometer 1.x (documented exposition; not run here)",
        "requests": "http_server_requests_seconds_count",
        "statusLabel": "status",
        "errorRegex": "5..",
        "statusShape": _HTTP_STATUS,
        "histogram": "http_server_requests_seconds",
        # common management.metrics.distribution.slo settings
        "buckets": [
            "1ms",
            "5ms",
            "10ms",
            "25ms",
            "50ms",
            "100ms",
            "200ms",
            "250ms",
            "300ms",
            "400ms",
            "500ms",
            "750ms",
            "1s",
            "1500ms",
            "2s",
            "2500ms",
            "3s",
            "5s",
            "10s",
            "30s",
        ],
        "handlerLabel": "uri",
        "excludeHandlers": ["/actuator/.*", *DEFAULT_EXCLUDED_HANDLERS],
    },
    {
        "name": "istio",
        "description": "Istio standard metrics, reported by the destination sidecar",
        "library": "Istio 1.2x (documented exposition; not run here)",
        "requests": "istio_requests_total",
        "statusLabel": "response_code",
        "errorRegex": "5..",
        "statusShape": "[0-9]+",
        "histogram": "istio_request_duration_milliseconds",
        "unit": "milliseconds",
        "buckets": [
            # Istio starts at 0.5ms, which no threshold duration can name
            "1ms",
            "5ms",
            "10ms",
            "25ms",
            "50ms",
            "100ms",
            "250ms",
            "500ms",
            "1s",
            "2500ms",
            "5s",
            "10s",
            "30s",
            "60s",
            "300s",
            "600s",
            "1800s",
            "3600s",
        ],
        "selector": {
            "destination_workload": "{service}",
            "destination_workload_namespace": "{namespace}",
        },
        "matchers": {"reporter": "destination"},
    },
    {
        "name": "nginx-ingress",
        "description": "ingress-nginx controller metrics (exported_* after the scrape)",
        "library": "ingress-nginx controller 1.x (documented exposition; not run here)",
        "requests": "nginx_ingress_controller_requests",
        "statusLabel": "status",
        "errorRegex": "5..",
        "statusShape": _HTTP_STATUS,
        "histogram": "nginx_ingress_controller_request_duration_seconds",
        "buckets": _PROM_DEFAULT_BUCKETS.split(),
        "selector": {"exported_service": "{service}", "exported_namespace": "{namespace}"},
    },
)


def _builtin(data: dict[str, Any]) -> Preset:
    data = {**data, "builtin": data["name"]}
    if "handlerLabel" in data and "excludeHandlers" not in data:
        data["excludeHandlers"] = list(DEFAULT_EXCLUDED_HANDLERS)
    return Preset.model_validate(data)


PRESETS: dict[str, Preset] = {p["name"]: _builtin(p) for p in _BUILTIN}

#: the built-in names a service may use (``none``: no request metrics)
PRESET_NAMES: tuple[str, ...] = (*PRESETS, "none")


def define(definition: PresetDefinition, known: dict[str, Preset]) -> Preset:
    """A catalog preset: its base (``extends``, else empty) with its own fields."""
    if definition.extends is not None:
        return known[definition.extends].with_fields(definition, name=definition.name)
    data: dict[str, Any] = {"name": definition.name}
    for key in definition.model_fields_set - {"name", "extends"}:
        value = getattr(definition, key)
        alias = PresetFields.model_fields[key].alias or key
        data[alias] = value.model_dump() if isinstance(value, Model) else value
    if "handlerLabel" in data and "excludeHandlers" not in data:
        data["excludeHandlers"] = list(DEFAULT_EXCLUDED_HANDLERS)
    return Preset.model_validate(data)


def missing_fields(definition: PresetDefinition) -> list[str]:
    """Required fields a preset without ``extends`` leaves out."""
    if definition.extends is not None:
        return []
    need = ("requests", "status_label", "error_regex")
    return [PresetFields.model_fields[f].alias or f for f in need if getattr(definition, f) is None]


def nearest_bounds(bounds: tuple[float, ...] | list[float], target: float) -> list[float]:
    """The nearest bound below ``target`` and the nearest above (those that exist)."""
    below = [b for b in bounds if b < target]
    above = [b for b in bounds if b > target]
    return [*(below[-1:] if below else []), *(above[:1] if above else [])]


def format_le(bound_seconds: float, unit: str) -> str:
    """The ``le`` label value Prometheus client libraries write for a bound given in seconds.

    Go clients format floats in their shortest round-trip form (``0.3``, ``1``, ``2.5``);
    istio writes milliseconds (``250``). Python clients write ``1.0``: queries match both.
    """
    value = bound_seconds * 1000.0 if unit == "ms" else bound_seconds
    value = round(value, 9)
    if value == int(value):
        return str(int(value))
    return repr(value)
