"""One Prometheus server: transport (TLS, timeouts, retries) over prometheus-api-client.

Every failure -- unreachable, TLS, timeout, HTTP error, an answer that is not the Prometheus
API -- becomes a :class:`ServerError` with one line of text for the user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from obskit.preview.auth import Credentials

T = TypeVar("T")
#: one result series: ``{"metric": {labels}, "value": [t, "v"]}`` or ``"values": [...]``
Series = dict[str, Any]


class ServerError(RuntimeError):
    """The server cannot be reached or did not answer a query (one line of text)."""


class Unreachable(ServerError):
    """No connection (refused, DNS, TLS): nothing else can work either."""


class QueryFailed(ServerError):
    """One request failed (HTTP error, timeout, not the Prometheus API); others may work."""


@dataclass(frozen=True)
class Transport:
    """How to reach the server."""

    url: str
    credentials: Credentials = field(default_factory=Credentials)
    #: a CA bundle to verify the server's certificate with
    ca_file: Path | None = None
    #: TLS verification (on unless explicitly disabled)
    verify: bool = True
    #: seconds per request
    timeout: float = 30.0
    #: attempts on connection errors and 429/5xx answers (1 = no retry)
    attempts: int = 2


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Server:
    """Queries one Prometheus through :class:`prometheus_api_client.PrometheusConnect`."""

    def __init__(self, transport: Transport) -> None:
        import requests
        from prometheus_api_client import PrometheusConnect
        from urllib3.util.retry import Retry

        if not transport.url.startswith(("http://", "https://")):
            raise ValueError(f"{transport.url}: the URL must start with http:// or https://")
        self.transport = transport
        self.url = transport.url.rstrip("/")
        session = requests.Session()
        verify: bool | str = transport.verify
        if transport.verify and transport.ca_file:
            verify = str(transport.ca_file)
        session.verify = verify
        retry = Retry(
            total=max(transport.attempts - 1, 0),
            connect=max(transport.attempts - 1, 0),
            backoff_factor=0.2,
            status_forcelist=(429, 502, 503, 504),
            allowed_methods=("GET", "POST"),
            raise_on_status=False,
        )
        self._client = PrometheusConnect(
            url=self.url,
            headers=transport.credentials.headers or None,
            auth=transport.credentials.basic,
            disable_ssl=not transport.verify,
            retry=retry,
            session=session,
            timeout=transport.timeout,
        )
        self._session = session
        if not transport.verify:
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- error translation --------------------------------------------------------------

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        import requests
        from prometheus_api_client.exceptions import PrometheusApiClientException

        where = f"Prometheus at {self.url}"
        try:
            yield
        except requests.exceptions.SSLError as exc:
            raise Unreachable(f"{where}: TLS error: {_ssl_reason(exc)}") from None
        except requests.exceptions.Timeout:
            raise QueryFailed(
                f"{where}: no answer within {self.transport.timeout:g}s ({what}); "
                "raise --timeout or narrow the query"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            raise Unreachable(f"{where} is unreachable: {_connection_reason(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise QueryFailed(f"{where}: {_one_line(str(exc))}") from None
        except PrometheusApiClientException as exc:
            raise QueryFailed(f"{where}: {what} failed: {_api_reason(str(exc))}") from None
        except (ValueError, KeyError, TypeError) as exc:
            # JSON that is not the Prometheus API (a wrong URL, a login page)
            raise QueryFailed(
                f"{where}: {what} did not return a Prometheus API answer "
                f"({_one_line(str(exc), 120)}); is the URL right?"
            ) from None

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        with self._errors(what):
            return fn()

    # -- queries ---------------------------------------------------------------------------

    def query(self, expr: str, at: datetime | None = None) -> list[Series]:
        """Instant query; the result vector (scalars come back as one unlabelled series)."""
        params = {"time": f"{at.timestamp():.3f}"} if at else None
        result = self._call("query", lambda: self._client.custom_query(expr, params=params))
        return _as_vector(result)

    def query_range(self, expr: str, start: datetime, end: datetime, step: float) -> list[Series]:
        """Range query at ``step`` seconds; one entry per series with ``values``."""
        result = self._call(
            "range query",
            lambda: self._client.custom_query_range(expr, start, end, f"{step:g}s"),
        )
        return list(result or [])

    def api_get(self, path: str, **params: str) -> Any:
        """GET ``/api/v1/<path>`` and return its ``data``."""

        def get() -> Any:
            response = self._session.get(
                f"{self.url}/api/v1/{path}",
                params=params,
                headers=self.transport.credentials.headers,
                auth=self.transport.credentials.basic,
                timeout=self.transport.timeout,
                # explicit: requests lets REQUESTS_CA_BUNDLE override the session's setting
                verify=self._session.verify,
            )
            if response.status_code != 200:
                from prometheus_api_client.exceptions import PrometheusApiClientException

                raise PrometheusApiClientException(
                    f"HTTP Status Code {response.status_code} ({response.content!r})"
                )
            return response.json()["data"]

        return self._call(path, get)

    def ping(self) -> datetime:
        """The server's current time; :class:`ServerError` unless the query API answers."""
        result = self.query("time()")
        try:
            return datetime.fromtimestamp(float(result[0]["value"][0]), tz=UTC)
        except (IndexError, KeyError, TypeError, ValueError):
            raise QueryFailed(
                f"Prometheus at {self.url}: time() did not return a Prometheus API answer; "
                "is the URL right?"
            ) from None


def _as_vector(result: Any) -> list[Series]:
    if isinstance(result, list) and len(result) == 2 and not isinstance(result[0], dict):
        return [{"metric": {}, "value": result}]  # a scalar
    return list(result or [])


def _api_reason(text: str) -> str:
    """``HTTP Status Code 400 (b'{"error": ...}')`` -> ``HTTP 400: <error>``."""
    import json
    import re

    match = re.match(r"HTTP Status Code (\d+) \((b?)(['\"])(.*)\3\)$", text, re.S)
    if not match:
        return _one_line(text)
    code, body = match.group(1), match.group(4)
    try:
        data = json.loads(body.encode().decode("unicode_escape"))
        detail = data.get("error") or body
    except (ValueError, AttributeError):
        detail = body
    return f"HTTP {code}: {_one_line(detail, 200)}"


def _connection_reason(exc: Exception) -> str:
    text = str(exc)
    for needle, reason in (
        ("Connection refused", "connection refused"),
        ("Name or service not known", "unknown host"),
        ("nodename nor servname", "unknown host"),
        ("Temporary failure in name resolution", "unknown host"),
        ("No route to host", "no route to host"),
        ("Max retries exceeded", "no connection"),
    ):
        if needle in text:
            return reason
    return _one_line(text, 160)


def _ssl_reason(exc: Exception) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return (
            "certificate verify failed (pass --ca-file with the server's CA, or "
            "--insecure-skip-verify for a test server)"
        )
    if "WRONG_VERSION_NUMBER" in text:
        return "the server does not speak TLS (use http://)"
    return _one_line(text, 160)
