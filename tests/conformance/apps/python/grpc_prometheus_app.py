"""Conformance app: grpcio + py-grpc-prometheus (preset grpc).

Run: python grpc_prometheus_app.py GRPC_PORT METRICS_PORT. Service conformance.Probe with
unary methods Ok (OK), Fail (INTERNAL) and Slow (OK after 150 ms), registered as generic
handlers on raw bytes (no generated code: clients send empty bytes, an empty protobuf
message). ``PromServerInterceptor(enable_handling_time_histogram=True)`` records
grpc_server_started_total, grpc_server_handled_total{grpc_code,...} (codes as Python's
StatusCode names: ``OK``, ``INTERNAL``) and grpc_server_handling_seconds; /metrics is
prometheus_client's start_http_server.
"""

import sys
import time
from concurrent import futures

import grpc
from prometheus_client import start_http_server
from py_grpc_prometheus.prometheus_server_interceptor import PromServerInterceptor


def ok(request, context):
    return b""


def fail(request, context):
    context.abort(grpc.StatusCode.INTERNAL, "failing on purpose")


def slow(request, context):
    time.sleep(0.15)
    return b""


def main() -> None:
    grpc_port, metrics_port = int(sys.argv[1]), int(sys.argv[2])
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8),
        interceptors=(PromServerInterceptor(enable_handling_time_histogram=True),),
    )
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(fn)
        for name, fn in (("Ok", ok), ("Fail", fail), ("Slow", slow))
    }
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("conformance.Probe", handlers),)
    )
    server.add_insecure_port(f"127.0.0.1:{grpc_port}")
    start_http_server(metrics_port, addr="127.0.0.1")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
