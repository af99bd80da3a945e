"""Conformance app: Flask + prometheus-flask-exporter (preset flask-exporter).

Run: python flask_exporter.py PORT. Routes: /ok (200), /fail (500), /slow (200 after 150 ms),
/healthz, /metrics. ``PrometheusMetrics(app)`` with its defaults:
flask_http_request_total{method,status}, flask_http_request_duration_seconds{method,path,
status} (prometheus_client default buckets), served on the app's own /metrics.
"""

import sys
import time

from flask import Flask
from prometheus_flask_exporter import PrometheusMetrics

app = Flask(__name__)
metrics = PrometheusMetrics(app)


@app.get("/ok")
def ok():
    return "ok"


@app.get("/fail")
def fail():
    return "failing on purpose", 500


@app.get("/slow")
def slow():
    time.sleep(0.15)
    return "slow"


@app.get("/healthz")
def healthz():
    return "ok"


if __name__ == "__main__":
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
