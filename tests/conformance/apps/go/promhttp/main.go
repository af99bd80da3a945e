// Conformance app for client_golang's promhttp middleware (preset prometheus-http).
//
// Routes: /ok (200), /fail (500), /slow (200 after 150ms), /healthz (200), /metrics.
// Each route is wrapped with promhttp.InstrumentHandlerCounter and
// InstrumentHandlerDuration, with the handler label curried, as the client_golang
// examples do: http_requests_total{code,method,handler} and
// http_request_duration_seconds{code,method,handler} (DefBuckets).
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:0", "listen address")
	flag.Parse()

	requests := prometheus.NewCounterVec(
		prometheus.CounterOpts{Name: "http_requests_total", Help: "HTTP requests by code, method and handler."},
		[]string{"handler", "code", "method"},
	)
	duration := prometheus.NewHistogramVec(
		prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "HTTP request latencies in seconds.",
			Buckets: prometheus.DefBuckets,
		},
		[]string{"handler", "code", "method"},
	)
	prometheus.MustRegister(requests, duration)

	instrument := func(name string, h http.HandlerFunc) http.Handler {
		labels := prometheus.Labels{"handler": name}
		return promhttp.InstrumentHandlerDuration(duration.MustCurryWith(labels),
			promhttp.InstrumentHandlerCounter(requests.MustCurryWith(labels), h))
	}

	mux := http.NewServeMux()
	mux.Handle("/ok", instrument("/ok", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	mux.Handle("/fail", instrument("/fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "failing on purpose", http.StatusInternalServerError)
	}))
	mux.Handle("/slow", instrument("/slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(150 * time.Millisecond)
		fmt.Fprintln(w, "slow")
	}))
	mux.Handle("/healthz", instrument("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	mux.Handle("/metrics", promhttp.Handler())

	log.Printf("listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
