"""One Prometheus server: transport (TLS, deadlines, size cap, retries) over requests.

Every request has one deadline (``Transport.timeout``: connecting, the answer and its body
together) and a response size cap (:mod:`.http`); every answer is schema-checked
(:mod:`.api`). Every failure -- unreachable, TLS, too slow, too large, an HTTP error, an
answer that is not the Prometheus API -- becomes a :class:`ServerError` with one line of
text for the user.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from obskit.preview.api import ApiError, BadAnswer, HttpError, decode
from obskit.preview.auth import Credentials
from obskit.preview.http import (
    DEFAULT_MAX_BYTES,
    MAX_BYTES_ENV,
    Deadline,
    TooLarge,
    WatchedAdapter,
    fetch,
    format_bytes,
)

#: what to check on an HTTP error without the API's error text
HTTP_HINTS = {
    401: "; check the credentials",
    403: "; check the credentials",
    404: "; is the URL right?",
}
#: one result series: ``{"metric": {labels}, "value": [t, "v"]}`` or ``"values": [...]``
Series = dict[str, Any]


class ServerError(RuntimeError):
    """The server cannot be reached or did not answer a query (one line of text)."""


class Unreachable(ServerError):
    """No connection (refused, DNS, TLS): nothing else can work either."""


class RunDeadline(ServerError):
    """The whole run took longer than its deadline: nothing else is asked."""


class QueryFailed(ServerError):
    """One request failed (HTTP or API error, too slow, too large, a malformed answer);
    others may work."""


@dataclass(frozen=True)
class Transport:
    """How to reach the server."""

    url: str
    credentials: Credentials = field(default_factory=Credentials)
    #: a CA bundle to verify the server's certificate with
    ca_file: Path | None = None
    #: TLS verification (on unless explicitly disabled)
    verify: bool = True
    #: seconds per request, overall: connecting, the answer, its body and retries
    timeout: float = 30.0
    #: attempts on connection errors and 429/5xx answers (1 = no retry)
    attempts: int = 2
    #: bytes one answer may have (read as it arrives; larger answers are refused)
    max_response_bytes: int = DEFAULT_MAX_BYTES
    #: seconds for every request of this server together (None: no limit)
    run_seconds: float | None = None


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Server:
    """Queries one Prometheus (its HTTP API, through a :class:`requests.Session`)."""

    def __init__(self, transport: Transport) -> None:
        import requests
        from urllib3.util.retry import Retry

        if not transport.url.startswith(("http://", "https://")):
            raise ValueError(f"{transport.url}: the URL must start with http:// or https://")
        self.transport = transport
        self.url = transport.url.rstrip("/")
        self._run_deadline = (
            time.monotonic() + transport.run_seconds if transport.run_seconds else None
        )
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
            allowed_methods=("GET",),
            raise_on_status=False,
            # a server's Retry-After could hold the run for an hour: back off our own way
            respect_retry_after_header=False,
        )
        adapter = WatchedAdapter(max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self._session = session
        if not transport.verify:
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ----------------------------------------------------------------------

    def _deadline(self) -> tuple[float, bool]:
        """This request's deadline, and whether it is the run's."""
        own = time.monotonic() + self.transport.timeout
        if self._run_deadline is not None and self._run_deadline <= own:
            if self._run_deadline <= time.monotonic():
                raise self._run_over()
            return self._run_deadline, True
        return own, False

    def _run_over(self) -> RunDeadline:
        return RunDeadline(
            f"Prometheus at {self.url}: the preview did not finish within "
            f"{self.transport.run_seconds:g}s (--deadline); the server is slow or stalling: "
            "narrow --service or --since, or raise --deadline"
        )

    def _get(
        self, path: str, params: dict[str, str], what: str, result_types: tuple[str, ...] = ()
    ) -> Any:
        """GET ``/api/v1/<path>``: its checked ``data`` (or ``(resultType, result)``)."""
        deadline, is_run = self._deadline()
        with self._errors(what, is_run):
            answer = fetch(
                self._session,
                f"{self.url}/api/v1/{path}",
                deadline=deadline,
                max_bytes=self.transport.max_response_bytes,
                read_timeout=self.transport.timeout,
                params=params,
                headers=self.transport.credentials.headers,
                auth=self.transport.credentials.basic,
                # explicit: requests lets REQUESTS_CA_BUNDLE override the session's setting
                verify=self._session.verify,
            )
            return decode(answer, path, result_types)

    @contextmanager
    def _errors(self, what: str, is_run: bool) -> Iterator[None]:
        import requests

        where = f"Prometheus at {self.url}"
        try:
            yield
        except Deadline:
            if is_run:
                raise self._run_over() from None
            raise QueryFailed(
                f"{where}: no complete answer to the {what} within "
                f"{self.transport.timeout:g}s (--timeout); raise --timeout or narrow the query"
            ) from None
        except TooLarge as exc:
            size = f" (Content-Length {exc.declared})" if exc.declared is not None else ""
            raise QueryFailed(
                f"{where}: the answer to the {what} is larger than "
                f"{format_bytes(exc.limit)}{size}; narrow the query or raise {MAX_BYTES_ENV}"
            ) from None
        except HttpError as exc:
            hint = HTTP_HINTS.get(exc.status, "")
            raise QueryFailed(f"{where}: {what} failed: {_one_line(str(exc))}{hint}") from None
        except ApiError as exc:
            raise QueryFailed(f"{where}: {what} failed: {_one_line(str(exc))}") from None
        except BadAnswer as exc:
            raise QueryFailed(
                f"{where}: the answer to the {what} is not a Prometheus API answer: "
                f"{_one_line(str(exc))}; is the URL right?"
            ) from None
        except requests.exceptions.SSLError as exc:
            raise Unreachable(f"{where}: TLS error: {_ssl_reason(exc)}") from None
        except requests.exceptions.Timeout:
            raise QueryFailed(
                f"{where}: no answer to the {what} within {self.transport.timeout:g}s "
                "(--timeout); raise --timeout or narrow the query"
            ) from None
        except requests.exceptions.ChunkedEncodingError as exc:
            raise QueryFailed(
                f"{where}: the answer to the {what} was cut off: {_broken_reason(exc)}"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            dropped = _dropped_reason(exc)
            if dropped:
                raise QueryFailed(f"{where}: {dropped} during the {what}") from None
            raise Unreachable(f"{where} is unreachable: {_connection_reason(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise QueryFailed(f"{where}: {what} failed: {_one_line(str(exc))}") from None

    # -- queries ---------------------------------------------------------------------------

    def query(self, expr: str, at: datetime | None = None) -> list[Series]:
        """Instant query; the result vector (scalars come back as one unlabelled series)."""
        params = {"query": expr}
        if at:
            params["time"] = f"{at.timestamp():.3f}"
        kind, result = self._get("query", params, "query", ("vector", "scalar"))
        return [{"metric": {}, "value": result}] if kind == "scalar" else list(result)

    def query_range(self, expr: str, start: datetime, end: datetime, step: float) -> list[Series]:
        """Range query at ``step`` seconds; one entry per series with ``values``."""
        params = {
            "query": expr,
            "start": f"{start.timestamp():.3f}",
            "end": f"{end.timestamp():.3f}",
            "step": f"{step:g}s",
        }
        _, result = self._get("query_range", params, "range query", ("matrix",))
        return list(result)

    def api_get(self, path: str, **params: str) -> Any:
        """GET ``/api/v1/<path>`` and return its ``data`` (checked where :mod:`.api` knows
        the endpoint)."""
        return self._get(path, params, path)

    def ping(self) -> datetime:
        """The server's current time; :class:`ServerError` unless the query API answers."""
        result = self.query("time()")
        try:
            return datetime.fromtimestamp(float(result[0]["value"][0]), tz=UTC)
        except (IndexError, KeyError, TypeError, ValueError, OverflowError, OSError):
            raise QueryFailed(
                f"Prometheus at {self.url}: time() did not return a Prometheus API answer; "
                "is the URL right?"
            ) from None


def _broken_reason(exc: Exception) -> str:
    text = str(exc)
    if "IncompleteRead" in text or "InvalidChunkLength" in text:
        return "the connection closed before the body was complete"
    if "reset" in text.lower():
        return "the connection was reset"
    return _one_line(text, 160)


def _dropped_reason(exc: Exception) -> str | None:
    """A connection that was made and then dropped (not unreachable), else None."""
    text = str(exc)
    if "Connection reset by peer" in text or "ConnectionResetError" in text:
        return "the server reset the connection"
    if "RemoteDisconnected" in text or "closed connection without response" in text:
        return "the server closed the connection without an answer"
    if "BadStatusLine" in text or "got more than" in text or "line too long" in text:
        return "the server's answer is not HTTP"
    return None


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
