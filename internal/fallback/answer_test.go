package fallback

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/testmodel"
	"github.com/gollm/gollm/sampler"
)

// loopRemote is a loopback remote that streams "REMOTE ANSWER" in two
// pieces, or fails with status when it is not 0, and records the requests.
type loopRemote struct {
	*httptest.Server
	status int
	mu     sync.Mutex
	bodies []map[string]any
}

func newLoopRemote(t testing.TB, status int) *loopRemote {
	lr := &loopRemote{status: status}
	lr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := map[string]any{}
		json.NewDecoder(r.Body).Decode(&body)
		lr.mu.Lock()
		lr.bodies = append(lr.bodies, body)
		lr.mu.Unlock()
		if lr.status != 0 {
			http.Error(w, "remote down", lr.status)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, piece := range []string{"REMOTE", " ANSWER"} {
			fmt.Fprintf(w, "data: {\"model\":\"big\",\"choices\":[{\"index\":0,\"delta\":{\"content\":%q}}]}\n\n", piece)
			w.(http.Flusher).Flush()
		}
		io.WriteString(w, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n")
	}))
	t.Cleanup(lr.Close)
	return lr
}

func (lr *loopRemote) calls() []map[string]any {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return slices.Clone(lr.bodies)
}

// events records what a sink receives, in order: "L" for each local token
// (with an id), "H" for the handover, "R:text" for each remote piece.
type events struct {
	seq   []string
	local strings.Builder
}

func (e *events) Local(tok gollm.Token) bool {
	if tok.ID >= 0 {
		e.seq = append(e.seq, "L")
	}
	e.local.WriteString(tok.Text)
	return true
}
func (e *events) Handover(d Decision) bool { e.seq = append(e.seq, "H"); return true }
func (e *events) Remote(text string) bool  { e.seq = append(e.seq, "R:"+text); return true }

// count returns how many times ev occurs.
func (e *events) count(ev string) int {
	n := 0
	for _, s := range e.seq {
		if s == ev {
			n++
		}
	}
	return n
}

// tiny is a generated model whose confidence the sampler's temperature
// controls: greedy answers have a geometric mean token probability of
// several percent, answers at temperature 5 about 0.1%.
type tiny struct {
	m *gollm.Model
	s *gollm.Session
	n int // how many times the session was lent
}

func newTiny(t *testing.T) *tiny {
	m, err := gollm.Load(testmodel.Tiny(t, "llama", "F32"), gollm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 128})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &tiny{m: m, s: s}
}

// job is a chat request for the prompt, answered with up to 32 tokens at
// temperature temp.
func (tm *tiny) job(prompt []int32, temp float32) Job {
	return Job{Prompt: prompt, Context: tm.s.ContextSize(),
		Options: gollm.GenerateOptions{MaxTokens: 32, Sampling: sampler.Options{Temperature: temp, Seed: 7}},
		Request: Request{Messages: []Message{{Role: "user", Content: "Once upon a time"}}, MaxTokens: 32},
		Session: func(context.Context) (*gollm.Session, func(), error) { tm.n++; return tm.s, func() {}, nil }}
}

// plain returns the greedy answer to prompt without a router, from an
// empty cache.
func (tm *tiny) plain(t *testing.T, prompt []int32) string {
	var b strings.Builder
	tm.s.Reset()
	for tok, err := range tm.s.GenerateTokens(context.Background(), prompt, tm.job(prompt, 0).Options) {
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(tok.Text)
	}
	return b.String()
}

// confidencePolicy hands over below a running confidence of 1% after 8
// tokens: between the greedy and the hot answers of the tiny model.
func confidencePolicy() Policy {
	p := DefaultPolicy()
	p.Confidence = ConfidenceRule{Min: 0.01, MinTokens: 8, Window: 8, WindowWeight: 0.5, EarlyExit: true}
	return p
}

func newTestRouter(t *testing.T, p Policy, url string, private bool) *Router {
	var remote *Remote
	if url != "" {
		var err error
		if remote, err = NewRemote(url, "big", p.Remote); err != nil {
			t.Fatal(err)
		}
	}
	return NewRouter(p, remote, private)
}

// TestEarlyExit checks that an unsure local answer stops after the
// minimum number of tokens and that the remote's answer replaces it, that
// a sure one stays local to its end, and that in continue mode the remote
// gets the local text to continue.
func TestEarlyExit(t *testing.T) {
	tm := newTiny(t)
	prompt := tm.m.Tokenize("Once upon a time", true)
	rem := newLoopRemote(t, 0)
	r := newTestRouter(t, confidencePolicy(), rem.URL, false)

	var ev events
	res, err := r.Answer(context.Background(), tm.job(prompt, 5), &ev)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Decision
	if d.Source != SourceFallback || d.Rule != RuleConfidence || d.Stage != StageEarly || d.LocalTokens != 8 || d.Mode != ModeReplace {
		t.Fatalf("decision %+v", d)
	}
	if !strings.HasPrefix(d.Reason, "local confidence 0.00 < 0.01 after 8 tokens") || d.Signals.Confidence == nil || *d.Signals.Confidence >= 0.01 {
		t.Errorf("reason %q, signals %+v", d.Reason, d.Signals)
	}
	want := []string{"L", "L", "L", "L", "L", "L", "L", "L", "H", "R:REMOTE", "R: ANSWER"}
	if !slices.Equal(ev.seq, want) || res.Text() != "REMOTE ANSWER" || res.Local.Stats.GeneratedTokens != 8 {
		t.Errorf("events %v, text %q, %d local tokens", ev.seq, res.Text(), res.Local.Stats.GeneratedTokens)
	}
	if calls := rem.calls(); len(calls) != 1 || len(calls[0]["messages"].([]any)) != 1 {
		t.Errorf("remote calls %v", calls)
	}
	if res.Remote.Usage == nil || res.Remote.Usage.CompletionTokens != 2 || res.Remote.Model != "big" {
		t.Errorf("remote response %+v", res.Remote)
	}

	ev = events{}
	res, err = r.Answer(context.Background(), tm.job(prompt, 0), &ev)
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Decision; d.Source != SourceLocal || d.Rule != RuleConfident || d.Stage != StageFinal || d.LocalTokens != 32 {
		t.Errorf("greedy: decision %+v", d)
	}
	if ev.count("L") != 32 || ev.count("H") != 0 || res.Text() != ev.local.String() || len(rem.calls()) != 1 {
		t.Errorf("greedy: %d local tokens, events %v, %d remote calls", ev.count("L"), ev.seq, len(rem.calls()))
	}

	p := confidencePolicy()
	p.Mode = ModeContinue
	r = newTestRouter(t, p, rem.URL, false)
	ev = events{}
	res, err = r.Answer(context.Background(), tm.job(prompt, 5), &ev)
	if err != nil {
		t.Fatal(err)
	}
	calls := rem.calls()
	msgs := calls[len(calls)-1]["messages"].([]any)
	last := msgs[len(msgs)-1].(map[string]any)
	if res.Decision.Mode != ModeContinue || len(msgs) != 2 || last["role"] != "assistant" || last["content"] != strings.ToValidUTF8(res.Local.Text, "\uFFFD") ||
		res.Text() != res.Local.Text+"REMOTE ANSWER" || calls[len(calls)-1]["max_tokens"] != 24.0 {
		t.Errorf("continue: decision %+v, text %q, request %v", res.Decision, res.Text(), calls[len(calls)-1])
	}
}

// TestRemoteFailsAfterEarlyExit checks that when the remote fails after an
// early exit, the local model resumes where it stopped: the answer is the
// one it would have given without the router.
func TestRemoteFailsAfterEarlyExit(t *testing.T) {
	tm := newTiny(t)
	prompt := tm.m.Tokenize("Once upon a time", true)
	p := confidencePolicy()
	p.Confidence.Min = 1 // every answer is unsure
	p.Remote.Retries = 0
	r := newTestRouter(t, p, newLoopRemote(t, http.StatusServiceUnavailable).URL, false)
	var ev events
	res, err := r.Answer(context.Background(), tm.job(prompt, 0), &ev)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Decision
	if d.Source != SourceLocal || d.Rule != RuleRemoteFailed || d.Stage != StageEarly || !strings.Contains(d.Error, "503") ||
		!strings.Contains(d.Reason, "after 8 tokens, but the remote failed") || d.LocalTokens != 32 {
		t.Errorf("decision %+v", d)
	}
	plain := tm.plain(t, prompt)
	if res.Text() != plain || ev.local.String() != plain || ev.count("L") != 32 || ev.count("H") != 0 ||
		res.Local.Stats.GeneratedTokens != 32 || len(res.Local.Tokens) != 32 {
		t.Errorf("resumed answer %q (%d tokens, stats %d), want %q", res.Text(), ev.count("L"), res.Local.Stats.GeneratedTokens, plain)
	}
}

// TestPreRouting checks that a prompt the model finds surprising (random
// tokens) goes to the remote after the prefill, before any token, while a
// prompt it finds likely (its own greedy continuation) stays local.
func TestPreRouting(t *testing.T) {
	tm := newTiny(t)
	likely := tm.m.Tokenize("Once upon a time", true)
	for tok, err := range tm.s.GenerateTokens(context.Background(), likely, gollm.GenerateOptions{MaxTokens: 32}) {
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID >= 0 {
			likely = append(likely, tok.ID)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	random := []int32{likely[0]}
	for len(random) < len(likely) {
		random = append(random, int32(rng.IntN(tm.m.Info().VocabSize)))
	}
	rem := newLoopRemote(t, 0)
	p := DefaultPolicy()
	p.Confidence.Min = 0
	p.Prompt.MaxSurprise = 4.5
	r := newTestRouter(t, p, rem.URL, false)

	for _, tc := range []struct {
		name   string
		prompt []int32
		source Source
	}{{"random", random, SourceFallback}, {"likely", likely, SourceLocal}} {
		tm.s.Reset()
		var ev events
		res, err := r.Answer(context.Background(), tm.job(tc.prompt, 0), &ev)
		if err != nil {
			t.Fatal(err)
		}
		d := res.Decision
		s := d.Signals
		if d.Source != tc.source || s.PromptSurprise == nil || s.SurpriseTokens != len(tc.prompt)-1 {
			t.Fatalf("%s: decision %+v, signals %+v", tc.name, d, s)
		}
		t.Logf("%s prompt: surprise %.2f nats per token", tc.name, *s.PromptSurprise)
		if tc.source == SourceFallback {
			if d.Rule != RulePromptSurprise || d.Stage != StagePrefill || d.LocalTokens != 0 || ev.count("L") != 0 ||
				res.Text() != "REMOTE ANSWER" || res.Local.Stats.PromptTokens != len(tc.prompt) {
				t.Errorf("%s: decision %+v, events %v", tc.name, d, ev.seq)
			}
		} else if ev.count("L") == 0 || *s.PromptSurprise > 4.5 {
			t.Errorf("%s: decision %+v, events %v", tc.name, d, ev.seq)
		}
	}
	if len(rem.calls()) != 1 {
		t.Errorf("%d remote calls, want 1", len(rem.calls()))
	}
}

// TestBeforeRules checks the rules decided before generation, which run
// nothing locally when they send the request away.
func TestBeforeRules(t *testing.T) {
	tm := newTiny(t)
	prompt := tm.m.Tokenize("Once upon a time there was", true)
	n := len(prompt)
	rem := newLoopRemote(t, 0)
	low := fakePower(t, "12", "Discharging", "0")
	for _, tc := range []struct {
		name   string
		rules  func(p *Policy)
		ctx    int
		rule   Rule
		reason string
	}{
		{"does not fit", func(p *Policy) {}, 4, RuleContext, fmt.Sprintf("prompt of %d tokens does not fit the local context of 4", n)},
		{"prompt tokens", func(p *Policy) { p.Prompt.MaxTokens = 5 }, 128, RulePromptTokens, fmt.Sprintf("prompt of %d tokens > 5", n)},
		{"context share", func(p *Policy) { p.Prompt.MaxContextFraction = 0.25 }, 128, RuleContextShare,
			fmt.Sprintf("prompt and answer of %d tokens > 0.25", n+32)},
		{"answer tokens", func(p *Policy) { p.Prompt.MaxAnswerTokens = 16 }, 128, RuleAnswerTokens, "answer of 32 tokens asked > 16"},
		{"battery", func(p *Policy) { p.Device.BatteryBelow = 20; p.Device.PowerSupply = low }, 128, RuleBattery, "on battery at 12% < 20%"},
	} {
		p := DefaultPolicy()
		tc.rules(&p)
		r := newTestRouter(t, p, rem.URL, false)
		job := tm.job(prompt, 0)
		job.Context = tc.ctx
		tm.n = 0
		var ev events
		res, err := r.Answer(context.Background(), job, &ev)
		d := res.Decision
		if err != nil || d.Source != SourceFallback || d.Rule != tc.rule || d.Stage != StageBefore || !strings.HasPrefix(d.Reason, tc.reason) {
			t.Errorf("%s: decision %+v, %v", tc.name, d, err)
		}
		if tm.n != 0 || ev.count("L") != 0 || res.Text() != "REMOTE ANSWER" {
			t.Errorf("%s: the local model ran (%d) or the answer is %q", tc.name, tm.n, res.Text())
		}
	}
}

// TestDeviceRules checks the rules that keep a request local: on AC the
// battery rule does not apply, a remote whose breaker is open or that is
// slow is not asked, nor one across a network that is down.
func TestDeviceRules(t *testing.T) {
	tm := newTiny(t)
	prompt := tm.m.Tokenize("Once upon a time", true)
	p := DefaultPolicy()
	p.Confidence.Min = 0
	p.Device.BatteryBelow = 20
	p.Device.PowerSupply = fakePower(t, "12", "Discharging", "1") // on AC
	rem := newLoopRemote(t, 0)
	r := newTestRouter(t, p, rem.URL, false)
	job := tm.job(prompt, 0)
	job.Options.MaxTokens = 2
	res, _ := r.Answer(context.Background(), job, &events{})
	if d := res.Decision; d.Source != SourceLocal || d.Signals.BatteryPercent == nil || *d.Signals.BatteryPercent != 12 || !*d.Signals.OnAC {
		t.Errorf("on AC: %+v", d)
	}

	p = DefaultPolicy()
	p.Remote.MaxLatency = Duration(time.Millisecond)
	r = newTestRouter(t, p, rem.URL, false)
	r.health.success(50 * time.Millisecond)
	job = tm.job(prompt, 0)
	job.Context = 4 // would go to the remote
	res, err := r.Answer(context.Background(), job, &events{})
	if d := res.Decision; d.Rule != RuleRemoteSlow || !strings.Contains(d.Reason, "the remote is slow (50ms > 1ms)") || err == nil {
		t.Errorf("slow remote: %+v, %v", d, err)
	}

	p = DefaultPolicy()
	p.Device.Net = fakeNet(t, "down")
	r = newTestRouter(t, p, "http://example.invalid/v1", false)
	if res, _ := r.Answer(context.Background(), job, &events{}); res.Decision.Rule != RuleRemoteDown ||
		!strings.Contains(res.Decision.Reason, "the network is down") {
		t.Errorf("network down: %+v", res.Decision)
	}
	if len(rem.calls()) != 0 {
		t.Errorf("%d remote calls", len(rem.calls()))
	}
}

// TestCircuitBreaker checks that after the breaker's failures the remote
// is not called during the cool-down, and requests are answered locally.
func TestCircuitBreaker(t *testing.T) {
	tm := newTiny(t)
	prompt := tm.m.Tokenize("Once upon a time", true)
	rem := newLoopRemote(t, http.StatusInternalServerError)
	p := confidencePolicy()
	p.Confidence.Min = 1
	p.Remote.Retries = 0
	p.Remote.Breaker = BreakerRule{Failures: 2, Window: Duration(time.Minute), Cooldown: Duration(time.Hour)}
	r := newTestRouter(t, p, rem.URL, false)
	var rules []Rule
	for range 4 {
		tm.s.Reset()
		res, err := r.Answer(context.Background(), tm.job(prompt, 0), &events{})
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, res.Decision.Rule)
		if res.Local.Stats.GeneratedTokens != 32 {
			t.Errorf("%d local tokens, want the whole answer", res.Local.Stats.GeneratedTokens)
		}
	}
	want := []Rule{RuleRemoteFailed, RuleRemoteFailed, RuleRemoteDown, RuleRemoteDown}
	if !slices.Equal(rules, want) || len(rem.calls()) != 2 {
		t.Errorf("rules %v (want %v), %d remote calls (want 2)", rules, want, len(rem.calls()))
	}
}

// TestPrivateNeverConnects checks that in private mode nothing connects
// to the remote, whatever the rules say, and that without a remote nothing
// changes: the answer is the plain generation's.
func TestPrivateNeverConnects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	defer ln.Close()
	tm := newTiny(t)
	prompt := tm.m.Tokenize("Once upon a time", true)
	p := confidencePolicy()
	p.Confidence.Min = 1
	p.Prompt.MaxSurprise = 0.1
	p.Device.BatteryBelow = 100
	p.Device.PowerSupply = fakePower(t, "12", "Discharging", "0")
	r := newTestRouter(t, p, "http://"+ln.Addr().String()+"/v1", true)
	for _, ctxSize := range []int{128, 4} {
		job := tm.job(prompt, 0)
		job.Context = ctxSize
		res, err := r.Answer(context.Background(), job, &events{})
		if d := res.Decision; d.Source != SourceLocal || d.Rule != RulePrivate || !d.Signals.Private {
			t.Errorf("context %d: decision %+v, %v", ctxSize, d, err)
		}
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("%d connections in private mode", n)
	}

	plain := tm.plain(t, prompt)
	tm.s.Reset()
	var nilRouter *Router
	res, err := nilRouter.Answer(context.Background(), tm.job(prompt, 0), &events{})
	if err != nil || res.Text() != plain || res.Decision.Source != SourceLocal {
		t.Errorf("no router: %q, %v; want %q", res.Text(), err, plain)
	}
}
