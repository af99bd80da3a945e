"""Conformance app: Starlette + starlette-exporter (preset starlette-exporter).

Run: python starlette_exporter_app.py PORT. Routes: /ok (200), /fail (500), /slow (200 after
150 ms), /healthz, /metrics. ``PrometheusMiddleware`` with its defaults:
starlette_requests_total{app_name,method,path,status_code},
starlette_request_duration_seconds{...} (prometheus_client default buckets).
"""

import asyncio
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette_exporter import PrometheusMiddleware, handle_metrics


async def ok(request):
    return PlainTextResponse("ok")


async def fail(request):
    return PlainTextResponse("failing on purpose", status_code=500)


async def slow(request):
    await asyncio.sleep(0.15)
    return PlainTextResponse("slow")


app = Starlette(
    routes=[
        Route("/ok", ok),
        Route("/fail", fail),
        Route("/slow", slow),
        Route("/healthz", ok),
        Route("/metrics", handle_metrics),
    ]
)
app.add_middleware(PrometheusMiddleware)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
