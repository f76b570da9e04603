// Package server serves a gollm model over an OpenAI-compatible HTTP API.
//
// Endpoints: POST /v1/chat/completions and POST /v1/completions (streaming
// as server-sent events, or not), POST /v1/embeddings, GET /v1/models, GET /health (never
// behind the API key), GET /metrics (Prometheus text format) and GET
// /slots, POST /slots/{id}?action=save|restore|erase.
//
// # Structure
//
//   - server.go: Config, New, the routes and the middleware every request
//     passes (API key, access log, request metrics).
//   - slots.go: the pool of Config.Parallel sessions ("slots"), created up
//     front. Each keeps its KV cache after a request; a request takes the
//     free slot whose cache shares the longest prefix with its prompt
//     (ties: least recently used), and the session prefills only the rest
//     (gollm.Session reuses the prefix), as llama-server's cache_prompt. Up
//     to Config.Queue more requests wait for a slot; beyond that, 429 with
//     Retry-After.
//   - request.go and validate.go: the request body, read into wireRequest
//     and checked field by field into a request. A field that is not in
//     wireRequest is refused with 400 naming it, never ignored: adding a
//     field means adding it there and validating it.
//   - complete.go: one completion: prompt, slot, generation, answer (and
//     the fallback); logprobs.go: the log-probability shapes.
//   - embeddings.go: POST /v1/embeddings.
//   - slotfile.go: POST /slots/{id}: save a slot's state to a file,
//     restore it, erase it.
//   - response.go: OpenAI's response and chunk shapes, and streaming.
//   - metrics.go: the Prometheus registry (Server.Registry) and the
//     server's series.
//
// A request whose client goes away stops its generation. Errors are
// OpenAI-style JSON bodies ({"error": {"message", "type", "param",
// "code"}}).
//
// Every completion carries a "gollm" object with the local answer's
// confidence score, the side that produced the answer and the timings
// (prompt and generation milliseconds, cached prompt tokens); usage
// reports the cached tokens as prompt_tokens_details.cached_tokens.
//
// Config.Router (internal/fallback) decides where each completion is
// answered, and "gollm.route" reports its decision: the source ("local"
// or "fallback"), the rule and stage, a reason, local_tokens and the
// signals read. A request may go to the remote before generation (its
// length, the battery), after the prefill (the prompt's surprise), while
// the local answer streams (its running confidence: the local model stops
// there) or when it ends. Streaming is never lost: the local tokens stream
// as they come and, when the remote takes over, a "gollm.route" event tells
// the client whether the remote's answer that follows replaces them or
// continues them. If the remote fails, the local model answers (resuming
// where it stopped) and "fallback_error" says why.
package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/fallback"
)

// Config configures a Server.
type Config struct {
	// Name is the model id reported by /v1/models and in responses.
	Name string
	// Aliases are other names a request's "model" may give (such as the
	// file name); any other name is refused.
	Aliases []string
	// Parallel is the number of sessions generating at once (0: 1).
	Parallel int
	// Queue is the number of requests that may wait for a session; beyond
	// it requests get 429. Negative means 0.
	Queue int
	// Session configures every session. Zero Threads gives each session
	// an equal share of the CPUs.
	Session gollm.SessionOptions
	// ChatTemplateKwargs are chat template variables for every chat
	// request (such as enable_thinking); a request's
	// chat_template_kwargs override them one by one.
	ChatTemplateKwargs map[string]any
	// Tokenize encodes a prompt; nil uses Model.Tokenize(text, true).
	Tokenize func(text string) []int32
	// Router decides where each completion is answered: locally, or by
	// its remote (before generation, during it, or after it); nil answers
	// everything locally. Its series join Registry.
	Router *fallback.Router
	// APIKey, when set, is required as "Authorization: Bearer KEY" on
	// every endpoint but /health.
	APIKey string
	// AccessLog receives one line per request (nil: none), as text or,
	// with LogFormat "json", as a JSON object.
	AccessLog io.Writer
	LogFormat string
	// SlotSavePath is the directory where POST /slots/{id}?action=save
	// writes slot states and action=restore reads them ("": those
	// actions are off).
	SlotSavePath string
	// Registry is the Prometheus registry GET /metrics serves; nil makes
	// a new one. The server registers its series on it.
	Registry *prometheus.Registry
}

// Server is an http.Handler serving one model.
type Server struct {
	m       *gollm.Model
	cfg     Config
	slots   *slotPool
	ctxSize int
	created int64
	mux     *http.ServeMux
	metrics *metrics
	logMu   sync.Mutex // serializes access-log lines

	// Test hooks: called for every generated token, and when a
	// generation ends.
	onToken func()
	onDone  func(gollm.Stats)
}

// New creates the server's sessions. Close releases them.
func New(m *gollm.Model, cfg Config) (*Server, error) {
	cfg.Parallel = max(cfg.Parallel, 1)
	cfg.Queue = max(cfg.Queue, 0)
	if cfg.Session.Threads == 0 {
		cfg.Session.Threads = max(1, runtime.NumCPU()/cfg.Parallel)
	}
	if cfg.Name == "" {
		cfg.Name = m.Info().Name
	}
	switch cfg.LogFormat {
	case "", "text", "json":
	default:
		return nil, fmt.Errorf("log format %q: want text or json", cfg.LogFormat)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Router != nil {
		if err := cfg.Router.Register(cfg.Registry); err != nil {
			return nil, fmt.Errorf("routing metrics: %w", err)
		}
	}
	var sessions []*gollm.Session
	for range cfg.Parallel {
		ss, err := m.NewSession(cfg.Session)
		if err != nil {
			for _, s := range sessions {
				s.Close()
			}
			return nil, err
		}
		sessions = append(sessions, ss)
	}
	s := &Server{m: m, cfg: cfg, slots: newSlotPool(sessions, cfg.Queue),
		ctxSize: sessions[0].ContextSize(), created: time.Now().Unix()}
	s.metrics = newMetrics(cfg.Registry, cfg.Parallel, s.slots.state)
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/v1/chat/completions", s.post(func(w http.ResponseWriter, r *http.Request) { s.complete(w, r, true) }))
	s.mux.HandleFunc("/v1/completions", s.post(func(w http.ResponseWriter, r *http.Request) { s.complete(w, r, false) }))
	s.mux.HandleFunc("/v1/embeddings", s.post(s.embeddings))
	s.mux.HandleFunc("/v1/models", s.get(s.models))
	s.mux.HandleFunc("/health", s.get(s.health))
	s.mux.Handle("/metrics", s.get(s.metrics.handler().ServeHTTP))
	s.mux.HandleFunc("/slots", s.get(s.slotList))
	s.mux.HandleFunc("/slots/{id}", s.post(s.slotAction))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeError(w, errNotFound) })
	return s, nil
}

// ContextSize returns the context window of each session, in tokens.
func (s *Server) ContextSize() int { return s.ctxSize }

// Registry returns the Prometheus registry GET /metrics serves: register
// more collectors on it to have them served too.
func (s *Server) Registry() *prometheus.Registry { return s.cfg.Registry }

// Close waits until every session is idle, then releases them. Call it
// once the HTTP server has stopped taking requests; cancel the contexts of
// requests still running (http.Server.BaseContext) to end them early.
func (s *Server) Close() { s.slots.close() }

// ServeHTTP checks the API key, routes the request, counts it and writes
// its access-log line.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &record{}
	sw := &statusWriter{ResponseWriter: w}
	r = r.WithContext(context.WithValue(r.Context(), recordKey{}, rec))
	_, pattern := s.mux.Handler(r)
	if pattern != "/health" && !s.authorized(r) {
		sw.Header().Set("WWW-Authenticate", `Bearer realm="gollm"`)
		writeError(sw, errUnauthorized)
	} else {
		s.mux.ServeHTTP(sw, r)
	}
	if pattern == "/" {
		pattern = "other"
	}
	s.metrics.request(pattern, sw.code())
	s.logAccess(r, sw.code(), rec, time.Since(start))
}

// authorized reports whether the request carries the API key (always true
// without one). The comparison takes the same time whatever the key sent.
func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.APIKey == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	a, b := sha256.Sum256([]byte(strings.TrimSpace(got))), sha256.Sum256([]byte(s.cfg.APIKey))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && ok
}

// record holds what a handler tells the access log about its request.
type record struct {
	tokensIn, tokensOut int
}

type recordKey struct{}

// recordOf returns the access-log record of a request.
func recordOf(r *http.Request) *record {
	if rec, ok := r.Context().Value(recordKey{}).(*record); ok {
		return rec
	}
	return &record{}
}

// logAccess writes one access-log line.
func (s *Server) logAccess(r *http.Request, code int, rec *record, d time.Duration) {
	if s.cfg.AccessLog == nil {
		return
	}
	ms := float64(d.Microseconds()) / 1000
	var line []byte
	if s.cfg.LogFormat == "json" {
		line, _ = json.Marshal(struct {
			Time      string  `json:"time"`
			Method    string  `json:"method"`
			Path      string  `json:"path"`
			Status    int     `json:"status"`
			TokensIn  int     `json:"tokens_in"`
			TokensOut int     `json:"tokens_out"`
			Ms        float64 `json:"ms"`
		}{time.Now().UTC().Format(time.RFC3339Nano), r.Method, r.URL.Path, code, rec.tokensIn, rec.tokensOut, ms})
		line = append(line, '\n')
	} else {
		line = fmt.Appendf(nil, "%s %s %s %d in=%d out=%d %.1fms\n", time.Now().UTC().Format(time.RFC3339),
			r.Method, r.URL.Path, code, rec.tokensIn, rec.tokensOut, ms)
	}
	s.logMu.Lock()
	s.cfg.AccessLog.Write(line)
	s.logMu.Unlock()
}

// statusWriter remembers the status code a handler sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (to flush).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// code is the status sent (200 when the handler wrote nothing).
func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

func (s *Server) get(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, errMethod)
			return
		}
		h(w, r)
	}
}

func (s *Server) post(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			writeError(w, errMethod)
			return
		}
		h(w, r)
	}
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	busy, queued := s.slots.state()
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "model": s.cfg.Name,
		"sessions": s.cfg.Parallel, "idle": s.cfg.Parallel - busy, "queued": queued, "queue": s.cfg.Queue})
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	info := s.m.Info()
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []map[string]any{{
		"id": s.cfg.Name, "object": "model", "created": s.created, "owned_by": "gollm",
		"meta": map[string]any{"architecture": info.Architecture, "parameters": info.Parameters,
			"context_length": s.ctxSize, "vocab_size": info.VocabSize},
	}}})
}

// slotList answers GET /slots: each slot's id, context, whether it is
// serving a request and how many tokens its cache holds.
func (s *Server) slotList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.slots.info())
}

// checkModel refuses a request naming another model than the served one.
func (s *Server) checkModel(name string) *apiError {
	if name == "" || name == s.cfg.Name || slices.Contains(s.cfg.Aliases, name) {
		return nil
	}
	return invalid("model", "model_not_found", fmt.Sprintf("model %q is not served here; this server serves %q", name, s.cfg.Name))
}
