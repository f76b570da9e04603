package fallback

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the router's Prometheus series, all under "gollm_route_".
type metrics struct {
	decisions   *prometheus.CounterVec
	localTokens *prometheus.HistogramVec
	calls       *prometheus.CounterVec
	latency     prometheus.Histogram
}

func newMetrics() *metrics {
	return &metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "gollm", Subsystem: "route", Name: "decisions_total",
			Help: "Requests by where they were answered (source), the rule that decided and when (stage: before, prefill, early, final).",
		}, []string{"source", "rule", "stage"}),
		localTokens: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "gollm", Subsystem: "route", Name: "local_tokens",
			Help:    "Tokens generated locally per request, by where the request was answered in the end.",
			Buckets: []float64{0, 1, 4, 16, 32, 64, 128, 256, 512, 1024},
		}, []string{"source"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "gollm", Subsystem: "route", Name: "remote_calls_total",
			Help: "Calls to the remote, by result (ok: its answer started; failed: it did not, retries included).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "gollm", Subsystem: "route", Name: "remote_latency_seconds",
			Help:    "Time from a call to the first piece of the remote's answer, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 10),
		}),
	}
}

// decision counts a request's final decision.
func (m *metrics) decision(d Decision) {
	m.decisions.WithLabelValues(string(d.Source), string(d.Rule), string(d.Stage)).Inc()
	m.localTokens.WithLabelValues(string(d.Source)).Observe(float64(d.LocalTokens))
}

// remoteCall counts a call to the remote and, when it answered, its latency.
func (m *metrics) remoteCall(result string, latency time.Duration) {
	m.calls.WithLabelValues(result).Inc()
	if result == "ok" {
		m.latency.Observe(latency.Seconds())
	}
}

// Register adds the router's series to reg (the server's /metrics): the
// counts of decisions, local tokens and remote calls, the remote's
// latency, and whether its circuit breaker is open now.
func (r *Router) Register(reg prometheus.Registerer) error {
	breaker := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "gollm", Subsystem: "route", Name: "breaker_open",
		Help: "1 while the circuit breaker keeps requests from the failing remote, else 0.",
	}, func() float64 {
		if r.health.state(time.Now()).open {
			return 1
		}
		return 0
	})
	m := r.metrics
	for _, c := range []prometheus.Collector{m.decisions, m.localTokens, m.calls, m.latency, breaker} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
