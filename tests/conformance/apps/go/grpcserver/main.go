// Conformance app for grpc-go with go-grpc-prometheus (preset grpc).
//
// Service conformance.Probe with unary methods Ok (returns OK), Fail (returns Internal)
// and Slow (OK after 150ms); requests and responses are google.protobuf.Empty, so a
// client can send empty bytes. go-grpc-prometheus's UnaryServerInterceptor records
// grpc_server_started_total, grpc_server_handled_total{grpc_code,...} and, after
// EnableHandlingTimeHistogram(), grpc_server_handling_seconds (DefBuckets); /metrics is
// served on a separate HTTP listener.
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"net/http"
	"time"

	grpc_prometheus "github.com/grpc-ecosystem/go-grpc-prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	emptypb "github.com/golang/protobuf/ptypes/empty"
)

type probeServer interface{}

type probe struct{}

func unary(name string, impl func(context.Context) error) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
			in := new(emptypb.Empty)
			if err := dec(in); err != nil {
				return nil, err
			}
			handler := func(ctx context.Context, req interface{}) (interface{}, error) {
				if err := impl(ctx); err != nil {
					return nil, err
				}
				return new(emptypb.Empty), nil
			}
			if interceptor == nil {
				return handler(ctx, in)
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: "/conformance.Probe/" + name}
			return interceptor(ctx, in, info, handler)
		},
	}
}

func main() {
	grpcAddr := flag.String("grpc-listen", "127.0.0.1:0", "gRPC listen address")
	metricsAddr := flag.String("metrics-listen", "127.0.0.1:0", "/metrics listen address")
	flag.Parse()

	desc := grpc.ServiceDesc{
		ServiceName: "conformance.Probe",
		HandlerType: (*probeServer)(nil),
		Methods: []grpc.MethodDesc{
			unary("Ok", func(context.Context) error { return nil }),
			unary("Fail", func(context.Context) error {
				return status.Error(codes.Internal, "failing on purpose")
			}),
			unary("Slow", func(context.Context) error {
				time.Sleep(150 * time.Millisecond)
				return nil
			}),
		},
		Streams:  []grpc.StreamDesc{},
		Metadata: "conformance.proto",
	}

	server := grpc.NewServer(
		grpc.UnaryInterceptor(grpc_prometheus.UnaryServerInterceptor),
		grpc.StreamInterceptor(grpc_prometheus.StreamServerInterceptor),
	)
	server.RegisterService(&desc, &probe{})
	grpc_prometheus.EnableHandlingTimeHistogram()
	grpc_prometheus.Register(server)

	lis, err := net.Listen("tcp", *grpcAddr)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.Handler())
		log.Fatal(http.ListenAndServe(*metricsAddr, mux))
	}()
	log.Printf("grpc on %s", lis.Addr())
	log.Fatal(server.Serve(lis))
}
