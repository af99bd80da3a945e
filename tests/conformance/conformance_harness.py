"""The conformance harness: real instrumented apps, a traffic driver and a real Prometheus.

Used by the pytest suite (``tests/conformance/``) and by ``scripts/record_expositions.py``.
Every process listens on 127.0.0.1 on a free port and is stopped by whoever started it.
"""

from __future__ import annotations

import http.client
import importlib.metadata
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
APPS_DIR = HERE / "apps"
RECORDED_DIR = HERE / "recorded"

#: where Debian's golang-*-dev packages put their sources (GOPATH mode, offline)
GOCODE = Path(os.environ.get("OBSKIT_GOCODE", "/usr/share/gocode"))
#: Debian packages the Go apps build from (scripts/install.sh installs them)
GO_DEBIAN_PACKAGES = (
    "golang-go",
    "golang-github-prometheus-client-golang-dev",
    "golang-github-grpc-ecosystem-go-grpc-prometheus-dev",
    "golang-google-grpc-dev",
)
#: Go import paths the apps need, checked under GOCODE/src before building
GO_IMPORTS = (
    "github.com/prometheus/client_golang/prometheus/promhttp",
    "github.com/grpc-ecosystem/go-grpc-prometheus",
    "google.golang.org/grpc",
    "github.com/golang/protobuf/ptypes/empty",
)

GRPC_SERVICE = "conformance.Probe"
#: route -> gRPC method of the apps' conformance.Probe service
GRPC_METHODS = {"ok": "Ok", "fail": "Fail", "slow": "Slow"}


@dataclass(frozen=True)
class AppSpec:
    """One instrumentation library, as a tiny app and as a catalog service."""

    #: catalog service name and Prometheus job name
    service: str
    #: the obskit metric preset the library's exposition should match
    preset: str
    #: short library name, used in the recorded file name ``<preset>--<library>.prom``
    library: str
    #: ``python`` (a script under apps/python, run with sys.executable) or ``go`` (apps/go/<dir>)
    lang: str
    #: ``http`` or ``grpc``
    protocol: str
    #: script file (python) or package directory (go)
    source: str
    #: Python distributions or Debian packages whose versions are reported
    versions_of: tuple[str, ...]
    #: extra environment of the app process
    env: tuple[tuple[str, str], ...] = ()
    #: the library's own request counter (all requests, probes and /metrics included)
    requests_metric: str = ""
    #: latency SLO threshold: a bucket bound the library emits by default
    threshold: str = "1s"
    #: the ``latency-fast`` SLO's threshold: a bound below the ``slow`` route's 150 ms
    fast_threshold: str = "100ms"
    #: one-line description for docs and headers
    description: str = ""

    @property
    def recorded_name(self) -> str:
        return f"{self.preset}--{self.library}.prom"

    @property
    def recorded_path(self) -> Path:
        return RECORDED_DIR / self.recorded_name


APPS: tuple[AppSpec, ...] = (
    AppSpec(
        service="fastapi-instrumentator",
        preset="fastapi-instrumentator",
        library="prometheus-fastapi-instrumentator",
        lang="python",
        protocol="http",
        source="fastapi_instrumentator.py",
        requests_metric="http_requests_total",
        versions_of=(
            "prometheus-fastapi-instrumentator",
            "fastapi",
            "uvicorn",
            "prometheus-client",
        ),
        description="FastAPI + uvicorn, Instrumentator().instrument(app).expose(app)",
    ),
    AppSpec(
        service="flask-exporter",
        preset="flask-exporter",
        library="prometheus-flask-exporter",
        lang="python",
        protocol="http",
        source="flask_exporter.py",
        requests_metric="flask_http_request_duration_seconds_count",
        versions_of=("prometheus-flask-exporter", "flask", "werkzeug", "prometheus-client"),
        description="Flask (werkzeug server), PrometheusMetrics(app)",
    ),
    AppSpec(
        service="starlette-exporter",
        preset="starlette-exporter",
        library="starlette-exporter",
        lang="python",
        protocol="http",
        source="starlette_exporter_app.py",
        requests_metric="starlette_requests_total",
        versions_of=("starlette-exporter", "starlette", "uvicorn", "prometheus-client"),
        description="Starlette + uvicorn, app.add_middleware(PrometheusMiddleware)",
    ),
    AppSpec(
        service="otel-legacy",
        preset="otel-http-legacy",
        library="opentelemetry-instrumentation-flask",
        lang="python",
        protocol="http",
        source="otel_flask.py",
        requests_metric="http_server_duration_milliseconds_count",
        versions_of=(
            "opentelemetry-sdk",
            "opentelemetry-exporter-prometheus",
            "opentelemetry-instrumentation-flask",
            "flask",
        ),
        description="Flask + OpenTelemetry SDK, PrometheusMetricReader, default semconv",
    ),
    AppSpec(
        service="otel-stable",
        preset="otel-http",
        library="opentelemetry-instrumentation-flask",
        lang="python",
        protocol="http",
        source="otel_flask.py",
        requests_metric="http_server_request_duration_seconds_count",
        versions_of=(
            "opentelemetry-sdk",
            "opentelemetry-exporter-prometheus",
            "opentelemetry-instrumentation-flask",
            "flask",
        ),
        env=(("OTEL_SEMCONV_STABILITY_OPT_IN", "http"),),
        description="the same app with OTEL_SEMCONV_STABILITY_OPT_IN=http",
    ),
    AppSpec(
        service="py-grpc",
        preset="grpc",
        library="py-grpc-prometheus",
        lang="python",
        protocol="grpc",
        source="grpc_prometheus_app.py",
        requests_metric="grpc_server_handled_total",
        versions_of=("py-grpc-prometheus", "grpcio", "prometheus-client"),
        description="grpcio server, PromServerInterceptor(enable_handling_time_histogram=True)",
    ),
    AppSpec(
        service="py-http",
        preset="prometheus-http",
        library="prometheus-client-python",
        lang="python",
        protocol="http",
        source="prometheus_client_http.py",
        requests_metric="http_requests_total",
        versions_of=("prometheus-client",),
        description="http.server + prometheus_client, Go client naming conventions",
    ),
    AppSpec(
        service="go-http",
        preset="prometheus-http",
        library="client_golang",
        lang="go",
        protocol="http",
        source="promhttp",
        requests_metric="http_requests_total",
        versions_of=("golang-go", "golang-github-prometheus-client-golang-dev"),
        description="net/http, promhttp.InstrumentHandlerCounter/Duration (handler curried)",
    ),
    AppSpec(
        service="go-grpc",
        preset="grpc",
        library="go-grpc-prometheus",
        lang="go",
        protocol="grpc",
        source="grpcserver",
        requests_metric="grpc_server_handled_total",
        versions_of=(
            "golang-go",
            "golang-google-grpc-dev",
            "golang-github-grpc-ecosystem-go-grpc-prometheus-dev",
            "golang-github-prometheus-client-golang-dev",
        ),
        description="grpc-go, grpc_prometheus interceptors, EnableHandlingTimeHistogram()",
    ),
)

APPS_BY_SERVICE = {a.service: a for a in APPS}


# --------------------------------------------------------------------------- versions


def package_version(name: str, lang: str) -> str:
    """Installed version of a Python distribution or a Debian package ('?' when unknown)."""
    if lang == "python":
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", name],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "not installed"


def versions(spec: AppSpec) -> dict[str, str]:
    return {name: package_version(name, spec.lang) for name in spec.versions_of}


# --------------------------------------------------------------------------- ports, waiting


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (bound, then released for the child to take)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Exited(RuntimeError):
    """A child process we wait for has exited: no point in waiting longer."""


def wait_until(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Call ``predicate`` until it returns a truthy value; TimeoutError after ``timeout``.

    Errors of ``predicate`` (not up yet) are retried, except :class:`Exited`.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exited:
            raise
        except Exception as exc:  # keep polling; report the last error on timeout
            last_error = exc
        if time.monotonic() >= deadline:
            detail = f": {last_error}" if last_error else ""
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}{detail}")
        time.sleep(interval)


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """GET ``url`` on a new connection: (status, body); no exception for HTTP errors."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# --------------------------------------------------------------------------- Go builds


def go_problem() -> str | None:
    """Why the Go apps cannot be built here, or None."""
    if not shutil.which("go"):
        return "go not on PATH: apt-get install -y " + " ".join(GO_DEBIAN_PACKAGES)
    missing = [p for p in GO_IMPORTS if not (GOCODE / "src" / p).is_dir()]
    if missing:
        return (
            f"Go sources missing under {GOCODE}/src ({', '.join(missing)}): "
            "apt-get install -y " + " ".join(GO_DEBIAN_PACKAGES)
        )
    return None


def go_env(cache_dir: Path | None = None) -> dict[str, str]:
    """Environment of an offline GOPATH-mode build against Debian's /usr/share/gocode."""
    env = dict(os.environ)
    env.update(GO111MODULE="off", GOPATH=str(GOCODE), GOPROXY="off", GOFLAGS="")
    if cache_dir is not None or not env.get("HOME"):
        env["GOCACHE"] = str(cache_dir or Path(os.environ.get("TMPDIR", "/tmp")) / "obskit-gocache")
    return env


def build_go_app(spec: AppSpec, outdir: Path) -> Path:
    """``go build`` one Go app into ``outdir``; RuntimeError with go's output on failure."""
    binary = outdir / f"{spec.service}-app"
    proc = subprocess.run(
        ["go", "build", "-o", str(binary), "."],
        cwd=APPS_DIR / "go" / spec.source,
        env=go_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"go build of {spec.source} failed:\n{proc.stdout}{proc.stderr}")
    return binary


def build_go_apps(specs: Iterable[AppSpec], outdir: Path) -> dict[str, Path | str]:
    """Build every Go app (concurrently): service -> binary, or -> the reason it did not build."""
    specs = [s for s in specs if s.lang == "go"]
    problem = go_problem()
    if problem:
        return {s.service: problem for s in specs}
    results: dict[str, Path | str] = {}

    def one(spec: AppSpec) -> None:
        try:
            results[spec.service] = build_go_app(spec, outdir)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            results[spec.service] = str(exc)

    threads = [threading.Thread(target=one, args=(s,)) for s in specs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


# --------------------------------------------------------------------------- running apps


@dataclass
class RunningApp:
    """One app subprocess and how to talk to it."""

    spec: AppSpec
    proc: subprocess.Popen
    port: int  # HTTP port (http apps) or gRPC port
    metrics_port: int
    log_path: Path
    _channel: object = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def metrics_target(self) -> str:
        return f"127.0.0.1:{self.metrics_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{self.metrics_target}/metrics"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _grpc_channel(self):
        import grpc

        with self._lock:
            if self._channel is None:
                self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
            return self._channel

    def supports(self, route: str) -> bool:
        """gRPC apps have no /healthz."""
        return not (self.spec.protocol == "grpc" and route == "healthz")

    def call(self, route: str, timeout: float = 5.0) -> str:
        """One request to ``route`` (ok, fail, slow, healthz); returns the status seen."""
        if self.spec.protocol == "grpc":
            import grpc

            if route == "healthz":
                return "n/a"
            method = f"/{GRPC_SERVICE}/{GRPC_METHODS[route]}"
            try:
                self._grpc_channel().unary_unary(method)(b"", timeout=timeout)
            except grpc.RpcError as exc:
                return exc.code().name
            return "OK"
        status, _ = http_get(f"http://127.0.0.1:{self.port}/{route}", timeout=timeout)
        return str(status)

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise Exited(
                f"{self.spec.service} exited with {self.proc.returncode}:\n{self.log_tail()}"
            )
        status, _ = http_get(self.metrics_url, timeout=2)
        if status != 200:
            return False
        if self.spec.protocol == "grpc":
            import grpc

            grpc.channel_ready_future(self._grpc_channel()).result(timeout=2)
        else:
            status, _ = http_get(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
            return status == 200
        return True

    def stop(self) -> None:
        with self._lock:
            if self._channel is not None:
                self._channel.close()
                self._channel = None
        stop_process(self.proc)


def stop_process(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """Terminate one child we started (then kill it if it does not stop)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


def start_app(spec: AppSpec, logdir: Path, binary: Path | None = None) -> RunningApp:
    """Start one app on free 127.0.0.1 ports (not waiting for it: see :meth:`RunningApp.ready`)."""
    port = free_port()
    metrics_port = free_port() if spec.protocol == "grpc" else port
    if spec.lang == "python":
        cmd = [sys.executable, str(APPS_DIR / "python" / spec.source), str(port)]
        if spec.protocol == "grpc":
            cmd.append(str(metrics_port))
    else:
        if binary is None:
            raise ValueError(f"{spec.service}: a Go app needs its built binary")
        if spec.protocol == "grpc":
            cmd = [
                str(binary),
                f"-grpc-listen=127.0.0.1:{port}",
                f"-metrics-listen=127.0.0.1:{metrics_port}",
            ]
        else:
            cmd = [str(binary), f"-listen=127.0.0.1:{port}"]
    env = dict(os.environ)
    env.pop("OTEL_SEMCONV_STABILITY_OPT_IN", None)
    env.update(dict(spec.env))
    env["PYTHONUNBUFFERED"] = "1"
    log_path = logdir / f"{spec.service}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=logdir,
        )
    return RunningApp(spec, proc, port, metrics_port, log_path)


def start_apps(
    specs: Sequence[AppSpec],
    logdir: Path,
    binaries: dict[str, Path] | None = None,
    timeout: float = 30.0,
) -> tuple[dict[str, RunningApp], dict[str, str]]:
    """Start all apps at once and wait for them: (running apps, service -> why it failed)."""
    binaries = binaries or {}
    started: dict[str, RunningApp] = {}
    failed: dict[str, str] = {}
    for spec in specs:
        try:
            started[spec.service] = start_app(spec, logdir, binaries.get(spec.service))
        except (OSError, ValueError) as exc:
            failed[spec.service] = str(exc)
    deadline = time.monotonic() + timeout
    for service, app in list(started.items()):
        for attempt in (1, 2):
            try:
                wait_until(
                    app.ready, max(1.0, deadline - time.monotonic()), what=f"{service} ready"
                )
                break
            except Exited as exc:  # maybe another process took its free port
                app.stop()
                if attempt == 2:
                    failed[service] = str(exc)
                    del started[service]
                    break
                app = started[service] = start_app(app.spec, logdir, binaries.get(service))
            except TimeoutError as exc:
                failed[service] = f"{exc}\n{app.log_tail()}"
                app.stop()
                del started[service]
                break
    return started, failed


# --------------------------------------------------------------------------- traffic


class Traffic:
    """Background request drivers, one thread per app, each at ``rate`` requests/s.

    All drivers cycle through the same ``routes`` (switch with :meth:`set_routes`; gRPC apps
    skip ``healthz``); each stops after ``max_seconds`` or ``max_requests``, whichever comes
    first, or at :meth:`stop`. A slow route lowers the rate: one request at a time per app.
    """

    def __init__(
        self,
        apps: Iterable[RunningApp],
        rate: float = 20.0,
        max_seconds: float = 240.0,
        max_requests: int = 5000,
    ):
        self.apps = list(apps)
        self.interval = 1.0 / rate
        self.max_seconds = max_seconds
        self.max_requests = max_requests
        self.routes: tuple[str, ...] = ("ok",)
        self.counts: dict[str, dict[str, int]] = {a.spec.service: {} for a in self.apps}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def set_routes(self, *routes: str) -> None:
        """Cycle through ``routes`` from the next request on; none: pause."""
        self.routes = routes

    def start(self) -> Traffic:
        for app in self.apps:
            t = threading.Thread(target=self._drive, args=(app,), daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def _drive(self, app: RunningApp) -> None:
        counts = self.counts[app.spec.service]
        start = time.monotonic()
        next_at = start
        sent = 0
        tick = 0
        while not self._stop.is_set() and sent < self.max_requests:
            now = time.monotonic()
            if now - start > self.max_seconds:
                break
            if not self.routes:  # paused
                self._stop.wait(self.interval)
                next_at = time.monotonic()
                continue
            routes = [r for r in self.routes if app.supports(r)] or ["ok"]
            route = routes[tick % len(routes)]
            tick += 1
            try:
                seen = app.call(route, timeout=2.0)
            except OSError as exc:
                seen = type(exc).__name__
            key = f"{route}:{seen}"
            counts[key] = counts.get(key, 0) + 1
            sent += 1
            next_at += self.interval
            delay = next_at - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)
            else:
                next_at = time.monotonic()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=10)


# --------------------------------------------------------------------------- Prometheus


class Prometheus:
    """A real ``prometheus`` on 127.0.0.1 scraping ``targets`` every second, with rules."""

    def __init__(self, workdir: Path, targets: dict[str, str], rule_files: Sequence[Path]):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config_path = workdir / "prometheus.yml"
        self.log_path = workdir / "prometheus.log"
        config = {
            "global": {
                "scrape_interval": "1s",
                "scrape_timeout": "1s",
                "evaluation_interval": "1s",
            },
            "rule_files": [str(p) for p in rule_files],
            "scrape_configs": [
                {"job_name": job, "metrics_path": "/metrics", "static_configs": [{"targets": [t]}]}
                for job, t in sorted(targets.items())
            ],
        }
        # JSON is YAML: no dependency on the dumper's style
        self.config_path.write_text(json.dumps(config, indent=2))
        self.proc: subprocess.Popen | None = None
        self.port_retried = False

    def start(self, timeout: float = 30.0) -> Prometheus:
        binary = shutil.which("prometheus")
        if not binary:
            raise FileNotFoundError("prometheus not on PATH: apt-get install -y prometheus")
        data = self.workdir / "data"
        data.mkdir(exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [
                    binary,
                    f"--config.file={self.config_path}",
                    f"--storage.tsdb.path={data}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--web.enable-lifecycle",
                    "--log.level=warn",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise Exited(f"prometheus exited:\n{self.log_tail()}")
            return http_get(f"{self.url}/-/ready", timeout=2)[0] == 200

        try:
            wait_until(ready, timeout, what="prometheus ready")
        except Exited:
            # most likely another process took the free port: once more on a new one
            if self.port_retried:
                raise
            self.port_retried = True
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            return self.start(timeout)
        return self

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def api(self, path: str, **params: str) -> object:
        url = f"{self.url}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as resp:
            body = json.load(resp)
        if body.get("status") != "success":
            raise RuntimeError(f"{path}: {body}")
        return body["data"]

    def query(self, expr: str) -> list[dict]:
        """Instant query: the result vector (``[{"metric": {...}, "value": [t, "v"]}]``)."""
        data = self.api("query", query=expr)
        assert isinstance(data, dict)
        return data["result"]

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=10)
            self.proc = None


# --------------------------------------------------------------------------- session state

#: the SLOs every conformance service has: availability, latency at a default bucket bound
#: the ``slow`` route stays under, and latency at a bound the ``slow`` route exceeds
SLOS = ("availability", "latency", "latency-fast")


@dataclass
class Env:
    """Everything the session started, and why some apps are not there."""

    workdir: Path
    apps: dict[str, RunningApp] = field(default_factory=dict)
    #: service -> why it is not running (Go missing, build failed, did not start)
    unavailable: dict[str, str] = field(default_factory=dict)
    #: service -> obskit's error when it refused the service's catalog entry
    render_errors: dict[str, str] = field(default_factory=dict)
    prometheus: Prometheus | None = None
    traffic: Traffic | None = None
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Healthy:
    """The end of the healthy phase (successful requests and probes only)."""

    #: service -> slo -> value of slo:sli_error:ratio_rate5m (missing: no series)
    sli: dict[str, dict[str, float]]
    #: service -> obskit's service:requests:rate5m / the library's counter, all requests
    counted_share: dict[str, float | None]
    seconds: float
    request_counts: dict[str, dict[str, int]]


@dataclass
class Phase:
    """A failure phase: every request to one route until an alert fires for every service."""

    name: str
    #: service -> seconds from the phase start to the firing alert (None: never fired)
    fired_after: dict[str, float | None]
    #: service -> slo -> value of slo:sli_error:ratio_rate5m at the end of the phase
    sli: dict[str, dict[str, float]]
    #: service -> alerts that fired but must not have (the 1s latency page)
    wrongly_fired: dict[str, set[str]]
    seconds: float
    request_counts: dict[str, dict[str, int]]


def healthy_problems(values: dict[str, float]) -> list[str]:
    """What is wrong with one service's SLIs while every request succeeds fast."""
    problems = [f"{slo}: no value" for slo in SLOS if slo not in values]
    availability = values.get("availability")
    if availability is not None and availability != 0:
        problems.append(f"availability is {availability}, not 0")
    for slo in ("latency", "latency-fast"):
        value = values.get(slo)
        if value is not None and not (0 <= value < 0.01):  # NaN fails too
            problems.append(f"{slo} is {value}, not within its 1% budget")
    return problems


# --------------------------------------------------------------------------- catalog, rules


def service_entry(spec: AppSpec) -> dict:
    """The catalog entry of one app: its preset, selected by job, three SLOs."""
    return {
        "name": spec.service,
        "team": "conformance",
        "namespace": "conformance",
        "description": f"{spec.library}: {spec.description}",
        "metrics": {"preset": spec.preset, "selector": {"job": spec.service}},
        "slos": [
            {"name": "availability", "objective": 99.9},
            {"name": "latency", "objective": 99, "threshold": spec.threshold},
            {"name": "latency-fast", "objective": 99, "threshold": spec.fast_threshold},
        ],
    }


def catalog_document(name: str, specs: Iterable[AppSpec]) -> dict:
    return {
        "apiVersion": "obskit/v1",
        "kind": "ServiceCatalog",
        "metadata": {"name": name},
        "teams": [{"name": "conformance"}],
        "services": [service_entry(s) for s in specs],
    }


def render_rules(specs: Sequence[AppSpec], workdir: Path) -> tuple[list[Path], dict[str, str]]:
    """Render the alert rules of all apps with obskit's library API.

    One catalog with every service first; when obskit refuses it (e.g. a preset it does not
    know yet), one catalog per service, so the services it accepts still get their rules.
    Returns (rule files, service -> obskit's error for the refused ones).
    """
    import obskit

    def render_one(name: str, group: Sequence[AppSpec]) -> list[Path]:
        path = workdir / f"{name}.catalog.yaml"
        path.write_text(json.dumps(catalog_document(name, group), indent=2) + "\n")
        catalog = obskit.load_catalog(path)
        out = workdir / f"{name}.out"
        obskit.render(catalog, out, only=["alerts"], use_cache=False)
        return sorted((out / "alerts").glob("*.rules.yaml"))

    try:
        return render_one("conformance", specs), {}
    except obskit.CatalogError:
        pass
    files: list[Path] = []
    errors: dict[str, str] = {}
    for spec in specs:
        try:
            files.extend(render_one(f"conformance-{spec.service}", [spec]))
        except obskit.CatalogError as exc:
            errors[spec.service] = str(exc)
    return files, errors
