package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/testmodel"
)

var (
	modelOnce sync.Once
	testModel *gollm.Model
	modelErr  error
)

// loadModel loads the tiny generated qwen2 model once for the package.
func loadModel(t *testing.T) *gollm.Model {
	t.Helper()
	path := testmodel.Tiny(t, "qwen2", "Q8_0")
	modelOnce.Do(func() { testModel, modelErr = gollm.Load(path, gollm.Options{}) })
	if modelErr != nil {
		t.Fatal(modelErr)
	}
	return testModel
}

// start serves the tiny model with cfg (context 256 and one thread unless
// set) on a loopback httptest server.
func start(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	return startModel(t, loadModel(t), cfg)
}

// startWith serves the tiny model loaded with opts (its own copy, closed
// with the test), as start does.
func startWith(t *testing.T, opts gollm.Options, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	m, err := gollm.Load(testmodel.Tiny(t, "qwen2", "Q8_0"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return startModel(t, m, cfg)
}

// startModel serves m as start does.
func startModel(t *testing.T, m *gollm.Model, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	if cfg.Session.ContextSize == 0 {
		cfg.Session.ContextSize = 256
	}
	if cfg.Session.Threads == 0 {
		cfg.Session.Threads = 1
	}
	if cfg.Name == "" {
		cfg.Name = "tiny"
	}
	s, err := New(m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() { hs.Close(); s.Close() })
	return s, hs
}

// post sends body as JSON and decodes the JSON answer.
func post(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("status %d, body not JSON: %q", resp.StatusCode, b)
	}
	return resp.StatusCode, v
}

// events reads a server-sent event stream and returns the data payloads;
// the payload of a named event is prefixed with "@NAME ".
func events(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	name := ""
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if ev, ok := strings.CutPrefix(line, "event: "); ok {
			name = "@" + ev + " "
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("not a data line: %q", line)
		}
		out = append(out, name+data)
		name = ""
	}
	return out
}

// stream posts a streaming request and returns its events.
func stream(t *testing.T, url, body string) []string {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewBufferString(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d, type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return events(t, resp.Body)
}

// get walks a decoded JSON value along keys (strings for objects, ints for
// arrays).
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}
