"""Real servers for the many-clusters proof: an instrumented app per cluster, a Prometheus
per cluster remote-writing with its ``cluster`` external label, one central receiver.

The app is a real HTTP server (``/work`` answers 200, or 500 while ``failing`` is set) with
prometheus_client's own request counter and latency histogram on ``/metrics``; a client
thread calls it. ``/kube`` serves what kube-state-metrics 2.x and the kubelet's cAdvisor
expose about the app's pod (their metric and label names, one Deployment ``web`` whose pod
has the same name in every cluster), so the workload panels have their inputs. Every process listens on a free 127.0.0.1 port in a temp dir and is always
stopped.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from preview_support import free_port, launch_prometheus


@dataclass
class App:
    """A tiny instrumented web app and the client calling it (about 40 requests/s)."""

    failing: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> App:
        from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

        registry = CollectorRegistry()
        requests = Counter(
            "http_requests", "HTTP requests.", ["code", "handler", "method"], registry=registry
        )
        latency = Histogram(
            "http_request_duration_seconds", "Latency.", ["handler"], registry=registry
        )
        failing = self.failing
        started = time.monotonic()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/metrics":
                    body, code = generate_latest(registry), 200
                elif self.path == "/kube":
                    body, code = kube_exposition(time.monotonic() - started).encode(), 200
                else:
                    start = time.perf_counter()
                    code = 500 if failing.is_set() else 200
                    body = b"error\n" if code == 500 else b"ok\n"
                    requests.labels(code=str(code), handler="/work", method="get").inc()
                    latency.labels(handler="/work").observe(time.perf_counter() - start)
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.port = free_port()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._threads = [
            threading.Thread(target=self._server.serve_forever, daemon=True),
            threading.Thread(target=self._client, daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def _client(self) -> None:
        url = f"http://127.0.0.1:{self.port}/work"
        while not self._stop.wait(0.025):
            # a 500 raises HTTPError (an OSError): the request still counted
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url, timeout=2).read()

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


#: the app's pod: a Deployment's ReplicaSet names it; the same names in every cluster
POD, REPLICASET = "web-7c9d8b6f5-x2k4q", "web-7c9d8b6f5"


def kube_exposition(seconds: float) -> str:
    """kube-state-metrics 2.x and cAdvisor series of the ``web`` pod (namespace ``shop``),
    counters growing with ``seconds``; scraped with ``honor_labels`` as a cluster does."""
    pod = f'namespace="shop",pod="{POD}",uid="4f1c2d3e"'
    container = f'{pod},container="web"'
    cadvisor = f'container="web",id="/kubepods/pod4f1c2d3e/web",namespace="shop",pod="{POD}"'
    lines = [
        'kube_deployment_spec_replicas{namespace="shop",deployment="web"} 1',
        'kube_deployment_status_replicas_available{namespace="shop",deployment="web"} 1',
        f'kube_pod_owner{{{pod},owner_kind="ReplicaSet",owner_name="{REPLICASET}",'
        'owner_is_controller="true"} 1',
        f'kube_replicaset_owner{{namespace="shop",replicaset="{REPLICASET}",'
        'owner_kind="Deployment",owner_name="web",owner_is_controller="true"} 1',
        f'kube_pod_status_ready{{{pod},condition="true"}} 1',
        f'kube_pod_status_ready{{{pod},condition="false"}} 0',
        f'kube_pod_status_ready{{{pod},condition="unknown"}} 0',
        f"kube_pod_container_status_restarts_total{{{container}}} 0",
        f'kube_pod_container_resource_requests{{{container},node="n1",resource="cpu",'
        'unit="core"} 0.1',
        f'kube_pod_container_resource_requests{{{container},node="n1",resource="memory",'
        'unit="byte"} 134217728',
        f'kube_pod_container_resource_limits{{{container},node="n1",resource="cpu",'
        'unit="core"} 0.5',
        f'kube_pod_container_resource_limits{{{container},node="n1",resource="memory",'
        'unit="byte"} 268435456',
        f'container_cpu_usage_seconds_total{{{cadvisor},cpu="total"}} {seconds * 0.05:.3f}',
        f"container_memory_working_set_bytes{{{cadvisor}}} 52428800",
        f"container_cpu_cfs_periods_total{{{cadvisor}}} {int(seconds * 10)}",
        f"container_cpu_cfs_throttled_periods_total{{{cadvisor}}} {int(seconds)}",
        f"container_oom_events_total{{{cadvisor}}} 0",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Prometheus:
    """A real ``prometheus`` with a given config, in its own temp dir."""

    binary: str
    workdir: Path
    config: str
    flags: tuple[str, ...] = ()
    url: str = ""
    process: subprocess.Popen[bytes] | None = None

    def start(self, port: int | None = None) -> Prometheus:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "prometheus.yml").write_text(self.config)
        port = port or free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = launch_prometheus(
            self.binary,
            self.workdir,
            self.workdir / "prometheus.yml",
            self.workdir / "data",
            port,
            list(self.flags),
        )
        return self

    def log(self) -> str:
        return (self.workdir / "prometheus.log").read_text()[-3000:]

    def query(self, expr: str) -> list[dict]:
        qs = urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{qs}", timeout=5) as r:
            return json.load(r)["data"]["result"]

    def alerts(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.url}/api/v1/alerts", timeout=5) as r:
            return json.load(r)["data"]["alerts"]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def edge_config(cluster: str, app_port: int, central: str, rules: Path | None = None) -> str:
    """A cluster's Prometheus: scrapes the app as job ``web`` in namespace ``shop``,
    labels every series it sends with ``cluster`` and remote-writes the raw series to the
    central store (its own recorded series stay local: the central ruler records those)."""
    rule_files = f"rule_files: [{json.dumps(str(rules))}]\n" if rules else ""
    return (
        "global:\n"
        "  scrape_interval: 1s\n"
        "  evaluation_interval: 1s\n"
        f"  external_labels: {{cluster: {cluster}, environment: production}}\n"
        f"{rule_files}"
        "scrape_configs:\n"
        "  - job_name: web\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{app_port}'], labels: {{namespace: shop}}}}]\n"
        "  - job_name: kube\n"
        "    metrics_path: /kube\n"
        "    honor_labels: true\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{app_port}']}}]\n"
        "remote_write:\n"
        f"  - url: {central}/api/v1/write\n"
        "    queue_config: {batch_send_deadline: 1s, max_shards: 1}\n"
        "    write_relabel_configs:\n"
        "      - {source_labels: [__name__], regex: '[a-z_]+:.+|ALERTS|ALERTS_FOR_STATE', "
        "action: drop}\n"
    )


def central_config(rules: Path) -> str:
    """The central store: receives remote writes, evaluates the rules every second."""
    return f"global:\n  evaluation_interval: 1s\nrule_files: [{json.dumps(str(rules))}]\n"


def wait_for(check, timeout: float, what: str, every: float = 0.5):
    """``check()``'s first truthy result within ``timeout`` seconds, else AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
