"""Conformance app: plain prometheus_client (Python) following the Go client's HTTP
conventions (preset prometheus-http).

Run: python prometheus_client_http.py PORT. Routes: /ok (200), /fail (500), /slow (200 after
150 ms), /healthz, /metrics. Each request increments http_requests_total{code,method,handler}
and observes http_request_duration_seconds{code,method,handler} (prometheus_client default
buckets, which are the Go client's DefBuckets), as promhttp's middleware does.
"""

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests by code, method and handler.",
    ["code", "method", "handler"],
)
DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request latencies in seconds.",
    ["code", "method", "handler"],
)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):
        start = time.perf_counter()
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            body, code, ctype = generate_latest(), 200, CONTENT_TYPE_LATEST
        elif path in ("/ok", "/healthz"):
            body, code, ctype = b"ok\n", 200, "text/plain"
        elif path == "/slow":
            time.sleep(0.15)
            body, code, ctype = b"slow\n", 200, "text/plain"
        elif path == "/fail":
            body, code, ctype = b"failing on purpose\n", 500, "text/plain"
        else:
            body, code, ctype = b"not found\n", 404, "text/plain"
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if path != "/metrics":
            labels = {"code": str(code), "method": "get", "handler": path}
            REQUESTS.labels(**labels).inc()
            DURATION.labels(**labels).observe(time.perf_counter() - start)


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
