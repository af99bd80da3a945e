"""Conformance app: Flask + OpenTelemetry SDK + opentelemetry-instrumentation-flask, exported
with opentelemetry-exporter-prometheus (presets otel-http-legacy and otel-http).

Run: python otel_flask.py PORT. Routes: /ok (200), /fail (500), /slow (200 after 150 ms),
/healthz, and /metrics (prometheus_client's WSGI app on the default registry, where the
PrometheusMetricReader registers itself). With the default semantic conventions the
instrumentation records http.server.duration (ms) -> http_server_duration_milliseconds
{http_status_code,...}; with OTEL_SEMCONV_STABILITY_OPT_IN=http it records
http.server.request.duration (s) -> http_server_request_duration_seconds
{http_response_status_code,...}.
"""

import sys
import time

from flask import Flask
from opentelemetry import metrics
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from prometheus_client import make_wsgi_app
from werkzeug.middleware.dispatcher import DispatcherMiddleware

metrics.set_meter_provider(
    MeterProvider(
        resource=Resource.create({"service.name": "conformance"}),
        metric_readers=[PrometheusMetricReader()],
    )
)

app = Flask(__name__)


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


FlaskInstrumentor().instrument_app(app)
app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/metrics": make_wsgi_app()})

if __name__ == "__main__":
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
