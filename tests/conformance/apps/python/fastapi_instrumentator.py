"""Conformance app: FastAPI + prometheus-fastapi-instrumentator (preset fastapi-instrumentator).

Run: python fastapi_instrumentator.py PORT. Routes: /ok (200), /fail (500), /slow (200 after
150 ms), /healthz, /metrics. The instrumentator is used with its defaults (``Instrumentator()
.instrument(app).expose(app)``): http_requests_total{handler,method,status} with status
grouped as ``2xx``/``5xx``, http_request_duration_seconds{handler,method} (buckets 0.1, 0.5, 1).
"""

import asyncio
import sys

import uvicorn
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from prometheus_fastapi_instrumentator import Instrumentator

app = FastAPI()


@app.get("/ok")
async def ok():
    return PlainTextResponse("ok")


@app.get("/fail")
async def fail():
    return PlainTextResponse("failing on purpose", status_code=500)


@app.get("/slow")
async def slow():
    await asyncio.sleep(0.15)
    return PlainTextResponse("slow")


@app.get("/healthz")
async def healthz():
    return PlainTextResponse("ok")


Instrumentator().instrument(app).expose(app)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
