"""``obskit preview`` against a hostile server (issue 12, row "hostile Prometheus").

A real Prometheus cannot drip bytes, send an endless or a malformed body, an HTML error
page, a bogus Retry-After or a connection reset, so these tests run a small hostile HTTP
server of their own (:class:`Hostile`, raw sockets in a thread on a free 127.0.0.1 port).
Each case runs the real ``python -m obskit preview`` as a subprocess, under an address-space
limit (so a client that reads without bound dies quickly instead of eating the machine),
and checks the wall time, the exit code (3: cannot talk to Prometheus; never 1, which means
a critical alert fires), one clear ``obskit: error:`` line and no traceback.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from preview_support import CATALOG, RULES_DIR

#: the subprocess' address-space limit: obskit needs far less, an unbounded read dies fast
ADDRESS_SPACE = 2 * 1024**3
#: cart: 6 hand-made alerts, 2 of them critical pages
BASE = [str(CATALOG), "--rules", str(RULES_DIR), "-s", "cart", "--since", "1h"]
NOW = time.time()


def _json(doc: object) -> bytes:
    return json.dumps(doc).encode()


def head(status: str = "200 OK", ctype: str = "application/json", **extra: str) -> bytes:
    """A response head without Content-Length (the body ends when the server closes)."""
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {ctype}", "Connection: close"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in extra.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer(body: bytes, status: str = "200 OK", ctype: str = "application/json") -> bytes:
    return head(status, ctype, Content_Length=str(len(body))) + body


def vector(value: str = "1", **labels: str) -> bytes:
    series = {"metric": labels, "value": [NOW, value]}
    return _json({"status": "success", "data": {"resultType": "vector", "result": [series]}})


def time_answer() -> bytes:
    return _json({"status": "success", "data": {"resultType": "scalar", "result": [NOW, "1"]}})


@dataclass
class Request:
    path: str
    params: dict[str, list[str]]

    @property
    def is_ping(self) -> bool:
        return self.params.get("query") == ["time()"]


#: what the server does with one request: write to the socket (it is closed afterwards)
Behaviour = Callable[[socket.socket, Request], None]


class Hostile(socketserver.ThreadingTCPServer):
    """A hostile "Prometheus": ``behaviour`` answers every request (``time()`` honestly
    unless ``honest_ping`` is off); ``sent`` counts the body bytes it got out."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, behaviour: Behaviour, honest_ping: bool = True) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = behaviour
        self.honest_ping = honest_ping
        self.sent = 0
        self.requests: list[Request] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(socketserver.BaseRequestHandler):
    server: Hostile

    def handle(self) -> None:
        sock: socket.socket = self.request
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = sock.recv(4096)
            if not chunk:
                return
            data += chunk
        target = data.split(b"\r\n", 1)[0].split(b" ")[1].decode()
        url = urlsplit(target)
        request = Request(url.path, parse_qs(url.query))
        self.server.requests.append(request)
        try:
            if request.is_ping and self.server.honest_ping:
                sock.sendall(answer(time_answer()))
            else:
                self.server.behaviour(sock, request)
        except OSError:
            pass  # the client gave up: what the tests want


@pytest.fixture
def serve() -> Iterator[Callable[..., Hostile]]:
    """Start a :class:`Hostile` server (stopped after the test)."""
    servers: list[Hostile] = []

    def start(behaviour: Behaviour, honest_ping: bool = True) -> Hostile:
        server = Hostile(behaviour, honest_ping)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float
    max_rss_bytes: int

    def error_line(self) -> str:
        """The one ``obskit: error:`` line; no traceback anywhere."""
        assert "Traceback" not in self.err and "Traceback" not in self.out, self.err[-3000:]
        lines = [line for line in self.err.splitlines() if line.startswith("obskit: error: ")]
        assert len(lines) == 1, self.err[-3000:]
        return lines[0]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def preview(
    server: Hostile, *args: str, env: dict[str, str] | None = None, timeout: float = 90
) -> Run:
    """``python -m obskit preview`` against ``server``: exit code, output, wall time and
    peak RSS, killed after ``timeout`` seconds."""
    command = [sys.executable, "-m", "obskit", "preview", *BASE, "-p", server.url, *args]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        preexec_fn=_limit_memory,  # the limit applies from exec on
    )
    output: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda n=n, s=s: output.__setitem__(n, s.read()))
        for n, s in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    killer = threading.Timer(timeout, process.kill)
    killer.start()
    peak = _Peak(process.pid)
    peak.start()
    _, status = os.waitpid(process.pid, 0)
    killer.cancel()
    peak.stop.set()
    peak.join()
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    if seconds >= timeout:
        pytest.fail(f"preview still running after {timeout:g}s")
    return Run(
        process.returncode,
        output["out"].decode(errors="replace"),
        output["err"].decode(errors="replace"),
        seconds,
        peak.bytes,
    )


class _Peak(threading.Thread):
    """The process' peak RSS (``VmHWM``, which starts afresh at exec: ``ru_maxrss`` would
    include the forked copy of the test process), read every 10 ms while it runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.bytes = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.01):
            try:
                status = Path(f"/proc/{self.pid}/status").read_text()
            except OSError:
                return
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self.bytes = max(self.bytes, int(line.split()[1]) * 1024)


# -- the overall deadline --------------------------------------------------------------


def _drip(payload: bytes, every: float = 2.0) -> Behaviour:
    def behave(sock: socket.socket, request: Request) -> None:
        for byte in payload:
            sock.sendall(bytes([byte]))
            time.sleep(every)

    return behave


@pytest.mark.parametrize(
    "payload",
    [answer(time_answer()), head() + time_answer()],
    ids=["drip-headers", "drip-body"],
)
def test_a_dripping_server_is_cut_at_the_timeout(serve, payload: bytes) -> None:
    """One byte every 2 s: each read is quick, the request is not; --timeout 5 is overall."""
    server = serve(_drip(payload), honest_ping=False)
    run = preview(server, "--timeout", "5")
    assert run.code == 3
    assert "no complete answer to the query within 5s" in run.error_line()
    assert run.seconds < 12, run.seconds  # 5 s, plus the start-up and rendering


def test_the_whole_run_has_a_deadline(serve) -> None:
    """The server answers the first query, then drips: each request is cut at --timeout,
    and the run at --deadline (it would otherwise take a --timeout per query)."""
    server = serve(_drip(head() + vector(), every=0.3))
    run = preview(server, "--timeout", "2", "--deadline", "5")
    assert run.code == 3
    assert "did not finish within 5s (--deadline)" in run.error_line()
    assert run.seconds < 12, run.seconds


def test_retry_after_is_not_obeyed(serve) -> None:
    """A 503 asking to retry in an hour: one quick retry, then exit 3 naming the status."""
    body = b"<html><body>overloaded</body></html>"

    def behave(sock: socket.socket, request: Request) -> None:
        sock.sendall(head("503 Service Unavailable", "text/html", Retry_After="3600") + body)

    run = preview(serve(behave, honest_ping=False), "--timeout", "5", timeout=40)
    assert run.code == 3
    assert "HTTP 503 (text/html): '<html><body>overloaded" in run.error_line()
    assert run.seconds < 15, run.seconds


# -- the size cap ----------------------------------------------------------------------


def _endless(server_ref: list[Hostile]) -> Behaviour:
    def behave(sock: socket.socket, request: Request) -> None:
        sock.sendall(head() + b'{"status":"success","data":{"resultType":"vector","result":[')
        item = b'{"metric":{"job":"cart"},"value":[1700000000,"1"]},' * 1000
        while True:
            sock.sendall(item)
            server_ref[0].sent += len(item)

    return behave


@pytest.mark.parametrize(
    ("env", "cap"),
    [({"OBSKIT_PREVIEW_MAX_RESPONSE_BYTES": str(4 * 1024**2)}, 4 * 1024**2), ({}, 64 * 1024**2)],
    ids=["4MiB", "default-64MiB"],
)
def test_an_endless_body_is_cut_at_the_size_cap(serve, env: dict[str, str], cap: int) -> None:
    """The body is counted as it arrives: the server gets out little more than the cap
    (socket buffers), the client stays small, and the message names the cap and its knob."""
    ref: list[Hostile] = []
    server = serve(_endless(ref), honest_ping=False)
    ref.append(server)
    run = preview(server, env=env)
    assert run.code == 3
    line = run.error_line()
    assert f"larger than {cap // 1024**2} MiB" in line
    assert "OBSKIT_PREVIEW_MAX_RESPONSE_BYTES" in line
    assert server.sent < cap + 32 * 1024**2, server.sent
    # the body buffer and the interpreter (about 50 MiB), not the endless stream
    assert run.max_rss_bytes < 2 * cap + 100 * 1024**2, run.max_rss_bytes
    assert run.seconds < 30, run.seconds


def test_a_declared_huge_body_is_refused_before_reading(serve) -> None:
    def behave(sock: socket.socket, request: Request) -> None:
        sock.sendall(head(Content_Length=str(10 * 1024**3)) + b'{"status":')
        time.sleep(30)  # never sends the rest

    run = preview(serve(behave, honest_ping=False), "--timeout", "20", timeout=40)
    assert run.code == 3
    assert "larger than 64 MiB (Content-Length 10737418240)" in run.error_line()
    assert run.seconds < 10, run.seconds


def test_a_compression_bomb_is_cut_at_the_cap(serve) -> None:
    """100 MiB of gzip members that are 100 KiB on the wire: the decoded size counts."""
    member = gzip.compress(b" " * 1024**2)

    def behave(sock: socket.socket, request: Request) -> None:
        sock.sendall(head(Content_Encoding="gzip") + member * 100)

    env = {"OBSKIT_PREVIEW_MAX_RESPONSE_BYTES": str(8 * 1024**2)}
    run = preview(serve(behave, honest_ping=False), env=env)
    assert run.code == 3
    assert "larger than 8 MiB" in run.error_line()


def test_a_bad_size_cap_setting_is_bad_input(serve) -> None:
    run = preview(serve(_drip(b"x")), env={"OBSKIT_PREVIEW_MAX_RESPONSE_BYTES": "lots"})
    assert run.code == 2
    assert "OBSKIT_PREVIEW_MAX_RESPONSE_BYTES='lots'" in run.error_line()


# -- malformed answers -----------------------------------------------------------------

SERIES = {"metric": {"job": "cart"}, "value": [NOW, "1"]}


def _data(data: object) -> bytes:
    return _json({"status": "success", "data": data})


def _vector(*series: object) -> bytes:
    return _data({"resultType": "vector", "result": list(series)})


MALFORMED = {
    "html-login-page": (
        answer(b"<!doctype html><html><body>Sign in</body></html>", ctype="text/html"),
        "HTTP 200: the answer is not JSON, text/html: '<!doctype html><html><body>Sign in",
    ),
    "truncated-json": (answer(b'{"status":"success","data":{"resultT'), "not JSON"),
    "empty-body": (answer(b""), "HTTP 200 with an empty body"),
    "json-list": (answer(b"[1, 2, 3]"), "the answer is a JSON list"),
    "deep-nesting": (answer(b"[" * 200_000), "nested too deeply"),
    "invalid-utf8": (answer(b'{"status": "\xff\xfe"}'), "not JSON"),
    "no-status": (answer(_json({"data": {}})), "status: field required"),
    "unknown-status": (answer(_json({"status": "ok", "data": {}})), "status: input should be"),
    "no-data": (answer(_json({"status": "success"})), "data: missing"),
    "data-a-list": (answer(_data([1])), "data: a JSON list"),
    "no-result-type": (answer(_data({"result": []})), "data.resultType is missing"),
    "result-type-mismatch": (
        answer(_data({"resultType": "matrix", "result": []})),
        "data.resultType is 'matrix'; a query answers vector or scalar here",
    ),
    "vector-shaped-as-matrix": (
        answer(_vector({"metric": {}, "values": [[NOW, "1"]]})),
        "data.result[0].value: field required (resultType vector)",
    ),
    "result-not-a-list": (
        answer(_data({"resultType": "vector", "result": "all good"})),
        "data.result: input should be a valid list",
    ),
    "no-result": (answer(_data({"resultType": "vector"})), "data.result: field required"),
    "value-a-number": (
        answer(_vector({"metric": {}, "value": [NOW, 0.5]})),
        "data.result[0].value[1]: input should be a valid string",
    ),
    "value-not-a-number": (
        answer(_vector({"metric": {}, "value": [NOW, "lots"]})),
        "data.result[0].value[1]: not a sample value: 'lots'",
    ),
    "value-too-short": (
        answer(_vector({"metric": {}, "value": [NOW]})),
        "data.result[0].value[1]: field required",
    ),
    "timestamp-a-string": (
        answer(_vector({"metric": {}, "value": ["now", "1"]})),
        "data.result[0].value[0]: input should be a valid number",
    ),
    "timestamp-past-year-9999": (
        answer(_vector({"metric": {}, "value": [1e300, "1"]})),
        "data.result[0].value[0]: input should be less than or equal to",
    ),
    "label-not-a-string": (
        answer(_vector({"metric": {"job": 1}, "value": [NOW, "1"]})),
        "data.result[0].metric.job: input should be a valid string",
    ),
    "html-500-page": (
        answer(
            b"<html><head><title>500 Internal Server Error</title></head>"
            b"<body><h1>Internal Server Error</h1></body></html>",
            "500 Internal Server Error",
            "text/html",
        ),
        "HTTP 500 (text/html): '<html><head><title>500 Internal Server Error</title>",
    ),
    "status-error-without-text": (
        answer(_json({"status": "error"}), "500 Internal Server Error"),
        "HTTP 500: error: no error text",
    ),
    "status-error-in-a-200": (
        answer(_json({"status": "error", "errorType": "internal", "error": "tsdb closed"})),
        "HTTP 200: internal: tsdb closed",
    ),
}


def _static(payload: bytes) -> Behaviour:
    def behave(sock: socket.socket, request: Request) -> None:
        sock.sendall(payload)

    return behave


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_answer_is_exit_3_naming_the_problem(serve, case: str) -> None:
    """The server answers time() and then this to every query (the metric check's first):
    exit 3 (never 1), the problem on one line, no traceback."""
    payload, message = MALFORMED[case]
    run = preview(serve(_static(payload)))
    assert run.code == 3, (run.code, run.err[-2000:])
    line = run.error_line()
    assert message in line, line
    assert "not a Prometheus API answer" in line or "failed:" in line


@pytest.mark.parametrize(
    "case", ["value-not-a-number", "vector-shaped-as-matrix", "html-500-page", "deep-nesting"]
)
def test_malformed_answers_mark_every_alert_error(serve, case: str) -> None:
    """Without the metric check: each alert (now and backtest) is ``error``, exit 3."""
    payload, message = MALFORMED[case]
    run = preview(serve(_static(payload)), "--no-checks", "--output", "json")
    doc = json.loads(run.out)
    assert run.code == doc["exitCode"] == 3
    assert doc["criticalFiring"] == [] and doc["failedChecks"] == []
    alerts = doc["services"][0]["alerts"]
    assert len(doc["failedAlerts"]) == len(alerts) == 6
    assert all(a["now"]["state"] == "error" and a["backtest"]["error"] for a in alerts)
    assert message in run.error_line()


def test_the_servers_own_error_text_is_shown(serve) -> None:
    """Prometheus' error envelope (HTTP 422, errorType, error): its text, exit 3."""
    error = "query processing would load too many samples into memory in query execution"
    payload = answer(
        _json({"status": "error", "errorType": "execution", "error": error}),
        "422 Unprocessable Entity",
    )
    run = preview(serve(_static(payload)))
    assert run.code == 3
    assert f"query failed: HTTP 422: execution: {error}" in run.error_line()


STEP_KEYS = ("start", "end", "step")


def test_well_formed_answers_still_fire(serve) -> None:
    """The control: a hostile server whose answers are well-formed vectors makes every
    alert match now, so the critical pages fire: exit 1 is reachable, by firing only."""

    def behave(sock: socket.socket, request: Request) -> None:
        if request.path.endswith("/query_range"):
            start, end, step = (float(request.params[k][0].rstrip("s")) for k in STEP_KEYS)
            points = [[start + i * step, "1"] for i in range(int((end - start) / step) + 1)]
            result = [{"metric": {}, "values": points}]
            sock.sendall(answer(_data({"resultType": "matrix", "result": result})))
        else:
            sock.sendall(answer(vector()))

    run = preview(serve(behave), "--no-checks", "--output", "json")
    doc = json.loads(run.out)
    assert run.code == doc["exitCode"] == 1
    assert doc["failedAlerts"] == [] and len(doc["criticalFiring"]) == 2
    assert "Traceback" not in run.err


# -- dropped connections ---------------------------------------------------------------


def _reset(after: bytes = b"") -> Behaviour:
    def behave(sock: socket.socket, request: Request) -> None:
        if after:
            sock.sendall(after)
            time.sleep(0.1)
        # SO_LINGER 0: close() sends a RST instead of a FIN
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()

    return behave


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        (_reset(), "the server reset the connection during the query"),
        (_reset(head() + b'{"status":"succ'), "the query was cut off: the connection was reset"),
        (_static(b""), "the server closed the connection without an answer during the query"),
        (_static(b"SSH-2.0-OpenSSH_9.2\r\n"), "the server's answer is not HTTP"),
    ],
    ids=["reset", "reset-mid-body", "closed", "not-http"],
)
def test_a_dropped_connection_is_exit_3_not_unreachable(
    serve, behaviour: Behaviour, message: str
) -> None:
    """The server was reached and then dropped the request: that is said, exit 3."""
    run = preview(serve(behaviour))
    assert run.code == 3
    line = run.error_line()
    assert message in line
    assert "unreachable" not in line


def test_the_time_query_itself_reset(serve) -> None:
    run = preview(serve(_reset(), honest_ping=False))
    assert run.code == 3
    assert "reset the connection during the query" in run.error_line()
