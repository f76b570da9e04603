// Package server serves a gollm model over an OpenAI-compatible HTTP API:
// POST /v1/chat/completions and POST /v1/completions (streaming as
// server-sent events, or not), GET /v1/models and GET /health.
//
// A pool of Config.Parallel sessions, created up front, serves requests
// concurrently; up to Config.Queue more wait for a free session, and any
// request beyond that gets 429. A request whose client goes away stops its
// generation. Errors are OpenAI-style JSON bodies
// ({"error": {"message", "type", "param", "code"}}).
//
// Every completion carries a "gollm" object with the local answer's
// confidence score and the side that produced the answer. With a fallback
// configured (Config.Fallback), the local answer is generated in full
// before anything is sent: when its confidence is below the threshold, or
// the prompt does not fit the context, the request goes to the remote
// endpoint and its answer is returned instead ("source": "fallback" and a
// "reason"); if the remote fails the local answer is kept and
// "fallback_error" says why. Streaming requests then receive the chosen
// answer as one content chunk once it is known, followed by the usual
// final chunk and [DONE].
package server

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/fallback"
)

// ChatFormat turns a conversation into the prompt text that makes the model
// write the assistant's reply, and returns the strings that end that reply
// (such as "<|im_end|>").
type ChatFormat func(msgs []Message) (prompt string, stop []string, err error)

// Config configures a Server.
type Config struct {
	// Name is the model id reported by /v1/models and in responses.
	Name string
	// Parallel is the number of sessions generating at once (0: 1).
	Parallel int
	// Queue is the number of requests that may wait for a session; beyond
	// it requests get 429. Negative means 0.
	Queue int
	// Session configures every session. Zero Threads gives each session
	// an equal share of the CPUs.
	Session gollm.SessionOptions
	// Chat formats chat requests; nil makes /v1/chat/completions answer
	// 400 (only /v1/completions works).
	Chat ChatFormat
	// Tokenize encodes a prompt; nil uses Model.Tokenize(text, true).
	Tokenize func(text string) []int32
	// Fallback, when non-nil, is asked when the local answer is not
	// confident enough or the prompt does not fit.
	Fallback *fallback.Config
}

// Server is an http.Handler serving one model.
type Server struct {
	m        *gollm.Model
	cfg      Config
	sessions chan *gollm.Session
	all      []*gollm.Session
	admit    chan struct{} // one slot per running or queued request
	ctxSize  int
	created  int64
	mux      *http.ServeMux

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
	s := &Server{m: m, cfg: cfg, sessions: make(chan *gollm.Session, cfg.Parallel),
		admit: make(chan struct{}, cfg.Parallel+cfg.Queue), created: time.Now().Unix()}
	for range cfg.Parallel {
		ss, err := m.NewSession(cfg.Session)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.all = append(s.all, ss)
		s.sessions <- ss
		s.ctxSize = ss.ContextSize()
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/v1/chat/completions", s.post(true))
	s.mux.HandleFunc("/v1/completions", s.post(false))
	s.mux.HandleFunc("/v1/models", s.get(s.models))
	s.mux.HandleFunc("/health", s.get(s.health))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeError(w, errNotFound) })
	return s, nil
}

// ContextSize returns the context window of each session, in tokens.
func (s *Server) ContextSize() int { return s.ctxSize }

// Close waits until every session is idle, then releases them. Call it
// once the HTTP server has stopped taking requests; cancel the contexts of
// requests still running (http.Server.BaseContext) to end them early.
func (s *Server) Close() {
	for range s.all {
		<-s.sessions
	}
	for _, ss := range s.all {
		ss.Close()
	}
	s.all = nil
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

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

func (s *Server) post(chat bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			writeError(w, errMethod)
			return
		}
		s.complete(w, r, chat)
	}
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "model": s.cfg.Name,
		"sessions": s.cfg.Parallel, "idle": len(s.sessions), "queue": s.cfg.Queue})
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	info := s.m.Info()
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []map[string]any{{
		"id": s.cfg.Name, "object": "model", "created": s.created, "owned_by": "gollm",
		"meta": map[string]any{"architecture": info.Architecture, "parameters": info.Parameters,
			"context_length": s.ctxSize, "vocab_size": info.VocabSize},
	}}})
}

// acquire admits the request and waits for a session; release returns it.
// It fails with 429 when the queue is full, and with the context's error
// when the client leaves while queued.
func (s *Server) acquire(r *http.Request) (*gollm.Session, *apiError) {
	select {
	case s.admit <- struct{}{}:
	default:
		return nil, errBusy
	}
	select {
	case ss := <-s.sessions:
		return ss, nil
	case <-r.Context().Done():
		<-s.admit
		return nil, serverError(fmt.Errorf("client gone while queued: %w", r.Context().Err()))
	}
}

func (s *Server) release(ss *gollm.Session) {
	s.sessions <- ss
	<-s.admit
}

// errNoChat is returned for chat requests without a chat format.
var errNoChat = errors.New("this model has no usable chat template; start the server with --chat-template NAME, or use /v1/completions")
