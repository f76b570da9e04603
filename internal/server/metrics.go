package server

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/gollm/gollm"
)

// metrics are the server's Prometheus series, served at GET /metrics. Their
// registry is Server.Registry: other parts of the server (routing) add
// their collectors to it.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec // by endpoint and status code
	promptTokens prometheus.Counter     // prompt tokens, cached or prefilled
	cachedTokens prometheus.Counter     // prompt tokens reused from a slot's cache
	genTokens    prometheus.Counter
	promptSecs   prometheus.Counter // time spent prefilling
	genSecs      prometheus.Counter // time spent generating
	cacheHits    prometheus.Counter // generations that reused a cached prefix
	generations  prometheus.Counter
}

// newMetrics registers the server's series on reg; busy and queued report
// the slots in use and the requests waiting for one.
func newMetrics(reg *prometheus.Registry, slots int, state func() (busy, queued int)) *metrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "gollm", Name: name, Help: help})
	}
	m := &metrics{reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "gollm", Name: "requests_total",
			Help: "HTTP requests answered, by endpoint and status code."}, []string{"endpoint", "code"}),
		promptTokens: counter("prompt_tokens_total", "Prompt tokens of local generations, cached or prefilled."),
		cachedTokens: counter("prompt_cached_tokens_total", "Prompt tokens reused from a slot's KV cache instead of prefilled."),
		genTokens:    counter("generated_tokens_total", "Tokens generated locally."),
		promptSecs:   counter("prompt_seconds_total", "Seconds spent prefilling prompts."),
		genSecs:      counter("generation_seconds_total", "Seconds spent generating, from each first token to the last."),
		cacheHits:    counter("prompt_cache_hits_total", "Local generations that reused at least one cached prompt token."),
		generations:  counter("generations_total", "Local generations run."),
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "gollm", Name: name, Help: help}, f)
	}
	ratio := func(num, den prometheus.Counter) func() float64 {
		return func() float64 {
			if d := counterValue(den); d > 0 {
				return counterValue(num) / d
			}
			return 0
		}
	}
	reg.MustRegister(m.requests, m.promptTokens, m.cachedTokens, m.genTokens, m.promptSecs, m.genSecs,
		m.cacheHits, m.generations,
		gauge("slots", "Sessions (slots) of the server.", func() float64 { return float64(slots) }),
		gauge("slots_busy", "Slots serving a request now.", func() float64 { b, _ := state(); return float64(b) }),
		gauge("queue_depth", "Requests waiting for a free slot.", func() float64 { _, q := state(); return float64(q) }),
		gauge("prompt_tokens_per_second", "Mean prefill speed since the start (prefilled tokens over prefill seconds).",
			func() float64 {
				if d := counterValue(m.promptSecs); d > 0 {
					return (counterValue(m.promptTokens) - counterValue(m.cachedTokens)) / d
				}
				return 0
			}),
		gauge("generation_tokens_per_second", "Mean generation speed since the start.", ratio(m.genTokens, m.genSecs)),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// generation records one local generation's statistics.
func (m *metrics) generation(st gollm.Stats) {
	m.generations.Inc()
	m.promptTokens.Add(float64(st.PromptTokens))
	m.cachedTokens.Add(float64(st.CachedTokens))
	m.genTokens.Add(float64(st.GeneratedTokens))
	m.promptSecs.Add(st.PromptTime.Seconds())
	m.genSecs.Add(st.GenerateTime.Seconds())
	if st.CachedTokens > 0 {
		m.cacheHits.Inc()
	}
}

// request counts one answered request.
func (m *metrics) request(endpoint string, code int) {
	m.requests.WithLabelValues(endpoint, strconv.Itoa(code)).Inc()
}

// counterValue reads a counter's current value.
func counterValue(c prometheus.Counter) float64 {
	var d dto.Metric
	if c.Write(&d) != nil {
		return 0
	}
	return d.GetCounter().GetValue()
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }
