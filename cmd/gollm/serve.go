package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/fallback"
	"github.com/gollm/gollm/internal/server"
	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/model/chat"
)

func init() {
	register(command{
		name:    "serve",
		summary: "serve the model over an OpenAI-compatible HTTP API",
		run:     runServe,
	})
}

func runServe(args []string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, args, stdout, stderr, nil)
}

// apiKeyEnv is the environment variable that gives serve its API key.
const apiKeyEnv = "GOLLM_API_KEY"

// shutdownGrace is how long running requests may take to finish after a
// signal before they are cancelled.
const shutdownGrace = 10 * time.Second

// serve runs the server until ctx is done, then shuts it down gracefully.
// ready, when not nil, receives the listening address.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(addr string)) error {
	fs := newFlags("serve", "-m MODEL [flags]", stdout)
	ef := addEngineFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen `address` host:port (loopback unless you say otherwise)")
	parallel := fs.Int("parallel", 1, "`sessions` generating at once, each with its own KV cache")
	queue := fs.Int("queue", 8, "`requests` that may wait for a session; more get 429")
	tf := addTemplateFlags(fs)
	alias := fs.String("alias", "", "model `id` the API reports (default: the file name without .gguf)")
	apiKey := fs.String("api-key", "", "require `KEY` as \"Authorization: Bearer KEY\" on every endpoint but /health (default: $"+apiKeyEnv+")")
	slotSavePath := fs.String("slot-save-path", "", "`directory` where POST /slots/{id}?action=save|restore keeps slot states (default: off)")
	logFormat := fs.String("log-format", "text", "access log `format` on stderr, one line per request: text or json")
	ff := fallback.AddFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, fmt.Sprintf("unexpected arguments %q (give the model with -m)", fs.Args()))
	}
	if *parallel < 1 || *queue < 0 {
		return errors.New("--parallel must be at least 1 and --queue at least 0")
	}
	if *logFormat != "text" && *logFormat != "json" {
		return fmt.Errorf("--log-format %q: want text or json", *logFormat)
	}
	if *apiKey == "" {
		*apiKey = os.Getenv(apiKeyEnv)
	}
	if *slotSavePath != "" {
		if fi, err := os.Stat(*slotSavePath); err != nil || !fi.IsDir() {
			return fmt.Errorf("--slot-save-path %s: not a directory", *slotSavePath)
		}
	}
	router, err := ff.Router()
	if err != nil {
		return err
	}
	if err := ef.check(); err != nil {
		return err
	}
	m, err := gollm.Load(*ef.model, tf.options())
	if err != nil {
		return err
	}
	defer m.Close()
	printWarnings(stderr, m)
	warnContext(stderr, m, *ef.ctx)
	stem := strings.TrimSuffix(filepath.Base(*ef.model), ".gguf")
	cfg := server.Config{Name: *alias, Aliases: []string{stem}, Parallel: *parallel, Queue: *queue, Router: router,
		APIKey: *apiKey, AccessLog: stderr, LogFormat: *logFormat, SlotSavePath: *slotSavePath,
		Session: gollm.SessionOptions{ContextSize: *ef.ctx, Threads: *ef.threads, BatchSize: *ef.batch,
			KVCacheF32: *ef.kvType == "f32", SWAFull: *ef.swaFull},
		Tokenize: func(text string) []int32 { return chat.Encode(m.Engine().Tokenizer, text) }}
	if cfg.Name == "" {
		cfg.Name = stem
	}
	if cfg.ChatTemplateKwargs, err = tf.kwargs(); err != nil {
		return err
	}
	label := "none"
	tmpl, err := chatTemplate(m, *ef.model)
	switch {
	case err != nil && (*tf.name != "" || *tf.file != ""):
		return err
	case err != nil:
		fmt.Fprintf(stderr, "warning: %s\nwarning: /v1/chat/completions answers 400 until a --chat-template or --chat-template-file is given\n", oneLine(err.Error()))
	default:
		label = templateLabel(tmpl) + ", tool calls: " + tmpl.ToolSyntax()
	}
	srv, err := server.New(m, cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		srv.Close()
		return err
	}
	if *ef.verbose {
		info := m.Info()
		fmt.Fprintf(stderr, "cpu: %s, kernels: %s\nmodel: %s (%s), %d parameters, %d layers, context %d trained\n",
			kernels.CPU(), kernels.Level(), info.Name, info.Architecture, info.Parameters, info.Layers, info.ContextLength)
	}
	describeServer(stderr, ln.Addr(), cfg, label, srv.ContextSize())
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return base }}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
		fmt.Fprintln(stderr, "shutting down: waiting for running requests")
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		if err = hs.Shutdown(sctx); err != nil {
			cancelBase() // stops the generations still running
			hs.Close()
			err = nil
		}
		cancel()
	}
	cancelBase()
	srv.Close()
	return err
}

// describeServer prints what is served where, and where requests may go.
func describeServer(w io.Writer, addr net.Addr, cfg server.Config, tmpl string, nCtx int) {
	fmt.Fprintf(w, "serving %s (chat template: %s): %d session(s) of %d tokens, queue %d\n",
		cfg.Name, tmpl, cfg.Parallel, nCtx, cfg.Queue)
	fmt.Fprintln(w, cfg.Router.Describe())
	if ta, ok := addr.(*net.TCPAddr); ok && !ta.IP.IsLoopback() && cfg.APIKey == "" {
		fmt.Fprintf(w, "warning: %s is not a loopback address and no --api-key is set; anyone who can reach it can use this server\n", ta.IP)
	}
	if cfg.APIKey != "" {
		fmt.Fprintln(w, "API key required (Authorization: Bearer KEY) on every endpoint but /health")
	}
	fmt.Fprintf(w, "listening on http://%s (OpenAI API under /v1)\n", addr)
}
