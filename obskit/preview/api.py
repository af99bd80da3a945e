"""Prometheus HTTP API answers, schema-checked before anything reads them.

:func:`decode` turns an HTTP answer into the ``data`` of a successful API response, or
raises :class:`ApiError` (the server's own ``errorType: error``) or :class:`BadAnswer` (not
JSON, not the API's envelope, a ``resultType`` other than expected, a malformed result), each
with one line of text. What it returns has the checked shape, so callers may index it.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    TypeAdapter,
    ValidationError,
)

from obskit.preview.http import Answer

#: at most this many characters of a body are quoted in a message
SNIPPET = 120
#: how Prometheus writes a sample value (Go's strconv.FormatFloat, plus +Inf/-Inf/NaN)
_SAMPLE_VALUE = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf)|NaN")


class ApiError(Exception):
    """The server answered with the API's error envelope (its own text)."""


class HttpError(ApiError):
    """An HTTP error status without the API's error envelope (a proxy's page, a 404)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class BadAnswer(Exception):
    """The answer is not a well-formed Prometheus API response."""


def _sample_value(text: str) -> str:
    if not _SAMPLE_VALUE.fullmatch(text):
        raise ValueError(f"not a sample value: {text[:40]!r}")
    return text


#: unix seconds, within what a datetime can hold
Timestamp = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-6.2e10, le=2.5e11)]
SampleValue = Annotated[str, Field(strict=True), AfterValidator(_sample_value)]
Sample = tuple[Timestamp, SampleValue]
Labels = dict[StrictStr, StrictStr]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Envelope(_Model):
    status: Literal["success", "error"]
    data: Any = None
    errorType: StrictStr | None = None
    error: StrictStr | None = None


class VectorSeries(_Model):
    metric: Labels
    value: Sample


class MatrixSeries(_Model):
    metric: Labels
    values: list[Sample]


class Target(_Model):
    health: StrictStr = ""
    lastError: StrictStr = ""


class Targets(_Model):
    activeTargets: list[Target]


class ActiveAlert(_Model):
    activeAt: StrictStr = ""
    value: StrictStr = ""


class Rule(_Model):
    name: StrictStr
    state: StrictStr = "inactive"
    labels: Labels = {}
    alerts: list[ActiveAlert] = []


class Group(_Model):
    rules: list[Rule] = []


class Rules(_Model):
    groups: list[Group]


#: the ``result`` of each ``resultType``
RESULTS: dict[str, TypeAdapter[Any]] = {
    "vector": TypeAdapter(list[VectorSeries]),
    "matrix": TypeAdapter(list[MatrixSeries]),
    "scalar": TypeAdapter(Sample),
    "string": TypeAdapter(tuple[Timestamp, StrictStr]),
}
_NAMES = TypeAdapter(list[StrictStr] | None)
#: the ``data`` of other endpoints (by path; ``label/<name>/values`` as ``label/values``)
DATA: dict[str, TypeAdapter[Any]] = {
    "labels": _NAMES,
    "label/values": _NAMES,
    "status/flags": TypeAdapter(dict[str, StrictStr]),
    "status/runtimeinfo": TypeAdapter(dict[str, Any]),
    "targets": TypeAdapter(Targets),
    "rules": TypeAdapter(Rules),
}


def snippet(body: bytes) -> str:
    """The first bytes of a body, on one line (control characters escaped)."""
    text = body[: SNIPPET * 4].decode("utf-8", "replace")
    text = " ".join(text.split())
    text = text.encode("unicode_escape").decode("ascii")
    return repr(text[:SNIPPET] + ("..." if len(text) > SNIPPET else ""))


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out


def describe(exc: ValidationError, prefix: str) -> str:
    """The first problem of ``exc``: ``data.result[0].value[1]: not a sample value: 'x'``."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    where = _where((prefix, *first["loc"])) if prefix else _where(tuple(first["loc"]))
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] not in ("value_error", "missing") and "input" in first:
        message += f" (got {type(first['input']).__name__})"
    more = len(errors) - 1
    return f"{where}: {message[:1].lower()}{message[1:]}" + (f" (+{more} more)" if more else "")


def _json(answer: Answer) -> Any:
    what = f"HTTP {answer.status}"
    kind = f", {answer.content_type.split(';')[0].strip()}" if answer.content_type else ""
    try:
        return json.loads(answer.body)
    except RecursionError:
        raise BadAnswer(f"{what}: the JSON answer is nested too deeply") from None
    except ValueError:
        if not answer.body.strip():
            raise BadAnswer(f"{what} with an empty body{kind}") from None
        raise BadAnswer(f"{what}: the answer is not JSON{kind}: {snippet(answer.body)}") from None


def _envelope(answer: Answer) -> Envelope:
    doc = _json(answer)
    if not isinstance(doc, dict):
        raise BadAnswer(
            f"HTTP {answer.status}: the answer is a JSON {type(doc).__name__}, not the "
            f"Prometheus API's object: {snippet(answer.body)}"
        )
    try:
        return Envelope.model_validate(doc)
    except ValidationError as exc:
        raise BadAnswer(f"HTTP {answer.status}: {describe(exc, '')}") from None


def decode(answer: Answer, path: str, result_types: tuple[str, ...] = ()) -> Any:
    """The checked ``data`` of a successful answer to ``/api/v1/<path>``.

    ``result_types``: for queries, the ``resultType`` values accepted; the result is then
    returned as ``(resultType, result)``.
    """
    try:
        envelope = _envelope(answer)
    except BadAnswer:
        if answer.status >= 400:  # an error page of a proxy, a 404 text: name the status
            kind = answer.content_type.split(";")[0].strip() or "no content type"
            raise HttpError(
                f"HTTP {answer.status} ({kind}): {snippet(answer.body)}"
                if answer.body.strip()
                else f"HTTP {answer.status} with an empty body",
                answer.status,
            ) from None
        raise
    if envelope.status == "error" or answer.status >= 400:
        kind = envelope.errorType or "error"
        text = envelope.error or "no error text"
        raise ApiError(f"HTTP {answer.status}: {kind}: {' '.join(text.split())}")
    if not 200 <= answer.status < 300:
        raise BadAnswer(f"HTTP {answer.status} is not a Prometheus API answer")
    if result_types:
        return _result(envelope.data, result_types)
    adapter = DATA.get(re.sub(r"^label/[^/]+/values$", "label/values", path))
    if envelope.data is None and adapter is None:
        raise BadAnswer("data: field required")
    if adapter is None:
        return envelope.data
    try:
        adapter.validate_python(envelope.data)
    except ValidationError as exc:
        raise BadAnswer(describe(exc, "data")) from None
    return envelope.data


def _result(data: Any, accepted: tuple[str, ...]) -> tuple[str, Any]:
    if not isinstance(data, dict):
        got = "missing" if data is None else f"a JSON {type(data).__name__}"
        raise BadAnswer(f"data: {got}, not an object with resultType and result")
    kind = data.get("resultType")
    if kind not in accepted:
        want = " or ".join(accepted)
        got = "missing" if kind is None else repr(kind)
        raise BadAnswer(f"data.resultType is {got}; a query answers {want} here")
    if "result" not in data:
        raise BadAnswer(f"data.result: field required (resultType {kind})")
    try:
        RESULTS[kind].validate_python(data["result"])
    except ValidationError as exc:
        raise BadAnswer(f"{describe(exc, 'data.result')} (resultType {kind})") from None
    return kind, data["result"]
