"""Bounded HTTP for the Prometheus API: one deadline per request and a response size cap.

requests' ``timeout`` bounds each socket read, not the request: a server dripping a byte
every second never times out, and an endless body is read until memory runs out. Here
every request has one deadline for connecting, the headers, the body and retries together
(a watchdog thread shuts the request's sockets down when it passes), and the body is read
in chunks, counted against the cap as they arrive.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

#: the response size cap's environment variable (bytes)
MAX_BYTES_ENV = "OBSKIT_PREVIEW_MAX_RESPONSE_BYTES"
#: the default cap: far above any answer preview asks for (a 7-day range query of 100
#: series at 1m is about 30 MiB)
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
CHUNK = 64 * 1024
#: after its deadline, the watchdog shuts down new sockets of the request this often
_POLL = 0.05


class Deadline(Exception):
    """The request did not complete before its deadline."""


class TooLarge(Exception):
    """The response body is larger than the cap (``declared``: its Content-Length)."""

    def __init__(self, limit: int, declared: int | None = None) -> None:
        super().__init__(limit, declared)
        self.limit = limit
        self.declared = declared


@dataclass(frozen=True)
class Answer:
    """A complete HTTP response."""

    status: int
    content_type: str
    body: bytes


def max_bytes_from_env(environ: Mapping[str, str] = os.environ) -> int:
    """The cap from :data:`MAX_BYTES_ENV` (default 64 MiB); ValueError when it is not a
    positive integer."""
    text = environ.get(MAX_BYTES_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    if not text.isdigit() or int(text) <= 0:
        raise ValueError(f"{MAX_BYTES_ENV}={text!r}: give a positive number of bytes")
    return int(text)


def format_bytes(count: int) -> str:
    """``67108864`` -> ``64 MiB``; ``1500`` -> ``1500 bytes``."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"


class _Watch:
    """One request's deadline: when it passes, shut down every socket the request uses."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.expired = False
        self.done = threading.Event()
        self._connections: list[HTTPConnection] = []
        self._lock = threading.Lock()

    def add(self, connection: HTTPConnection) -> None:
        with self._lock:
            if not any(c is connection for c in self._connections):
                self._connections.append(connection)

    def run(self) -> None:
        if self.done.wait(max(0.0, self.deadline - time.monotonic())):
            return
        self.expired = True
        while True:  # a retry may open a new connection after the deadline: shut it too
            with self._lock:
                connections = list(self._connections)
            for connection in connections:
                _shutdown(connection)
            if self.done.wait(_POLL):
                return


def _shutdown(connection: HTTPConnection) -> None:
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        # the plain socket's shutdown, also for TLS: it wakes a blocked read at once
        with suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


_local = threading.local()


def _register(connection: HTTPConnection) -> None:
    watch: _Watch | None = getattr(_local, "watch", None)
    if watch is not None:
        watch.add(connection)


class _Watched:
    """Mixin: a connection registers with the request's watchdog before it connects or
    sends, so the overall deadline can shut its socket down."""

    def connect(self) -> None:
        _register(self)  # type: ignore[arg-type]
        super().connect()  # type: ignore[misc]

    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self)  # type: ignore[arg-type]
        super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _watched_pools(manager: Any) -> Any:
    pools = getattr(manager, "pool_classes_by_scheme", None)
    # plain and HTTP-proxy pools only (a SOCKS proxy has its own connection classes)
    if isinstance(manager, PoolManager) and pools == {
        "http": HTTPConnectionPool,
        "https": HTTPSConnectionPool,
    }:
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return manager


class WatchedAdapter(HTTPAdapter):
    """An adapter whose connections the deadline watchdog can shut down."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _watched_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        return _watched_pools(super().proxy_manager_for(proxy, **proxy_kwargs))


@contextmanager
def _watching(deadline: float) -> Iterator[_Watch]:
    watch = _Watch(deadline)
    previous = getattr(_local, "watch", None)
    _local.watch = watch
    thread = threading.Thread(target=watch.run, name="obskit-deadline", daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        watch.done.set()
        _local.watch = previous


def fetch(
    session: requests.Session,
    url: str,
    *,
    deadline: float,
    max_bytes: int,
    read_timeout: float,
    **kwargs: Any,
) -> Answer:
    """GET ``url`` completely by ``deadline`` (``time.monotonic()``), body at most
    ``max_bytes``: else :class:`Deadline` or :class:`TooLarge`; requests' own exceptions
    otherwise. ``kwargs`` go to ``session.get``."""
    with _watching(deadline) as watch:
        try:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Deadline
            per_read = min(read_timeout, remaining)
            with session.get(url, stream=True, timeout=(per_read, per_read), **kwargs) as resp:
                declared = resp.headers.get("Content-Length", "").strip()
                if declared.isdigit() and int(declared) > max_bytes:
                    raise TooLarge(max_bytes, int(declared))
                body = bytearray()
                for chunk in resp.iter_content(CHUNK):
                    body += chunk
                    if len(body) > max_bytes:
                        raise TooLarge(max_bytes)
                    if time.monotonic() >= deadline:
                        raise Deadline
                return Answer(resp.status_code, resp.headers.get("Content-Type", ""), bytes(body))
        except (Deadline, TooLarge):
            raise
        except Exception:
            if watch.expired:  # whatever broke, it broke because the watchdog shut it down
                raise Deadline from None
            raise
