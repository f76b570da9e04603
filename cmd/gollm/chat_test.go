package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gollm/gollm/internal/testmodel"
	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/model/chat"
)

// chatCmd runs gollm chat with input as stdin.
func chatCmd(t *testing.T, input string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(input)
	defer func() { stdin = old }()
	return runCmd(append([]string{"chat"}, args...)...)
}

// prefillRe matches the line /stats prints about the KV cache.
var prefillRe = regexp.MustCompile(`prefill: (\d+) new tokens, (\d+) of the conversation's (\d+) reused`)

// prefills returns the (new, reused, total) counts of every /stats.
func prefills(t *testing.T, stderr string) [][3]int {
	t.Helper()
	var out [][3]int
	for _, m := range prefillRe.FindAllStringSubmatch(stderr, -1) {
		var v [3]int
		for i := range v {
			v[i], _ = strconv.Atoi(m[i+1])
		}
		out = append(out, v)
	}
	return out
}

func qwenArgs(t *testing.T, extra ...string) []string {
	return append([]string{"-m", testref.Model(t, "tiny-qwen2-s1-q8_0"), "--temp", "0", "-t", "1", "-n", "12"}, extra...)
}

func TestChatSecondTurnPrefillsOnlyNewTokens(t *testing.T) {
	code, out, errOut := chatCmd(t, "Hello there\n/stats\nHow are you?\n/stats\n/exit\nnot read\n",
		qwenArgs(t, "--system", "Be brief.")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	p := prefills(t, errOut)
	if len(p) != 2 {
		t.Fatalf("want 2 /stats, got %v:\n%s", p, errOut)
	}
	first, second := p[0], p[1]
	if first[1] != 0 || first[0] != first[2] {
		t.Errorf("first turn %v: want everything prefilled", first)
	}
	// The whole first prompt is cached (one token of slack for a BPE merge
	// across the seam between the prompt and the answer).
	if second[1] < first[2]-1 || second[0] != second[2]-second[1] || second[0] >= second[2] {
		t.Errorf("second turn %v after first %v: want only the new tokens prefilled", second, first)
	}
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("want two answers on stdout, got %d lines: %q", n, out)
	}
	if strings.Contains(out, "> ") || strings.Contains(out, "not read") {
		t.Errorf("stdout %q holds a prompt or input after /exit", out)
	}
	for _, s := range []string{"confidence:", "context: ", "stopped: max_tokens"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("/stats lacks %q:\n%s", s, errOut)
		}
	}
}

func TestChatReset(t *testing.T) {
	code, out, errOut := chatCmd(t, "Hello\n/reset\n/stats\nHello\n/stats\n", qwenArgs(t)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "(new conversation)") || !strings.Contains(errOut, "context: 0 of") {
		t.Errorf("reset not reported or the cache not emptied:\n%s", errOut)
	}
	p := prefills(t, errOut)
	if len(p) != 2 || p[1][1] != 0 {
		t.Errorf("after /reset the cache was reused: %v", p)
	}
	if lines := strings.Split(out, "\n"); len(lines) < 2 || lines[0] != lines[1] {
		t.Errorf("greedy answers to the same first message differ: %q", out)
	}
}

func TestChatMultiLineMessage(t *testing.T) {
	code, _, errOut := chatCmd(t, "Hello \\\nthere\r\n/stats\n", qwenArgs(t)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// One turn: nothing came from the cache.
	if p := prefills(t, errOut); len(p) != 1 || p[0][1] != 0 {
		t.Errorf("the two lines were not one message: %v", p)
	}
}

func TestChatContextOverflowDropsOldTurns(t *testing.T) {
	input := strings.Repeat("Tell me more about the weather today\n", 5) + "/stats\n"
	code, _, errOut := chatCmd(t, input, qwenArgs(t, "-c", "96", "--system", "You are a weather bot.")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "(context full: dropped the oldest turn; the system prompt is kept)") {
		t.Fatalf("no notice of dropped turns:\n%s", errOut)
	}
	// The system prompt stays cached across the drop.
	if p := prefills(t, errOut); len(p) != 1 || p[0][1] < 8 {
		t.Errorf("the system prompt was not reused from the cache: %v", p)
	}
}

func TestChatTemplateErrors(t *testing.T) {
	code, _, errOut := chatCmd(t, "", qwenArgs(t, "--chat-template", "nope")...)
	if code != 1 || !strings.Contains(errOut, `unknown template "nope"`) || !strings.Contains(errOut, "chatml") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	llama := testref.Model(t, "tiny-llama-s3-q4_0")
	code, _, errOut = chatCmd(t, "Hi\n", "-m", llama, "-t", "1")
	if code != 1 || !strings.Contains(errOut, "no chat template") || !strings.Contains(errOut, "--chat-template NAME") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if strings.Count(errOut, "\n") != 1 {
		t.Errorf("error not on one line: %q", errOut)
	}
	code, out, errOut := chatCmd(t, "Hi\n", "-m", llama, "-t", "1", "-n", "4", "--chat-template", "llama2")
	if code != 0 || out == "" {
		t.Errorf("--chat-template llama2: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestChatPhi3(t *testing.T) {
	code, _, errOut := chatCmd(t, "Hi\n/stats\nAnd then?\n/stats\n",
		"-m", testref.Model(t, "tiny-phi3-s2-q8_0"), "--temp", "0", "-t", "1", "-n", "6", "-v")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "chat template: phi3") {
		t.Errorf("template not reported:\n%s", errOut)
	}
	if p := prefills(t, errOut); len(p) != 2 || p[1][1] < p[0][2]-1 {
		t.Errorf("second turn did not reuse the first: %v", p)
	}
}

// TestChatFallback answers through a fake OpenAI endpoint: once because the
// local confidence is below --min-confidence 1, once because the conversation does not fit the local context.
func TestChatFallback(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		fmt.Fprint(w, `{"model":"big","choices":[{"message":{"content":"REMOTE ANSWER"},"finish_reason":"stop"}]}`)
	}))
	defer srv.Close()
	t.Setenv("GOLLM_FALLBACK_API_KEY", "")

	code, out, errOut := chatCmd(t, "Hello\n/stats\n", qwenArgs(t, "--system", "Be brief.",
		"--fallback-url", srv.URL, "--min-confidence", "1")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if out != "REMOTE ANSWER\n" || !strings.Contains(errOut, "(fallback: local confidence") || !strings.Contains(errOut, "12 local tokens, replace)") {
		t.Errorf("stdout %q, stderr:\n%s", out, errOut)
	}
	if !strings.Contains(errOut, "answered by: fallback") {
		t.Errorf("/stats does not say who answered:\n%s", errOut)
	}
	var req struct {
		Messages []struct{ Role, Content string }
	}
	if len(bodies) != 1 || json.Unmarshal([]byte(bodies[0]), &req) != nil || len(req.Messages) != 2 ||
		req.Messages[0].Content != "Be brief." || req.Messages[1].Content != "Hello" {
		t.Errorf("remote got %q", bodies)
	}

	code, out, errOut = chatCmd(t, "Hello, this message is long enough to overflow\n",
		qwenArgs(t, "-c", "16", "--fallback-url", srv.URL)...)
	if code != 0 || out != "REMOTE ANSWER\n" || !strings.Contains(errOut, "does not fit the local context") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}

	// A failing remote leaves the answer to the local model.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"message":"overloaded"}}`, http.StatusServiceUnavailable)
	}))
	defer down.Close()
	code, out, errOut = chatCmd(t, "Hello\n", qwenArgs(t, "--fallback-url", down.URL, "--min-confidence", "1")...)
	if code != 0 || out == "" || out == "REMOTE ANSWER\n" || !strings.Contains(errOut, "(local: local confidence") ||
		!strings.Contains(errOut, "but the remote failed") || !strings.Contains(errOut, "overloaded") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
}

// TestChatInterruptStopsAnswer sends SIGINT while an answer streams: the
// answer stops, the program goes on.
func TestChatInterruptStopsAnswer(t *testing.T) {
	path := testref.Model(t, "tiny-qwen2-s1-q8_0")
	pr, pw := io.Pipe()
	old := stdin
	stdin = pr
	defer func() { stdin = old }()
	var out, errOut syncBuffer
	done := make(chan int)
	go func() {
		// Greedy decoding of this model runs until the context is full.
		done <- runMain([]string{"chat", "-m", path, "--temp", "0", "-t", "1", "-c", "2048"}, &out, &errOut)
	}()
	io.WriteString(pw, "Tell me a story\n")
	waitFor(t, func() bool { return out.Len() > 0 })
	self, _ := os.FindProcess(os.Getpid())
	if err := self.Signal(os.Interrupt); err != nil {
		t.Skipf("cannot interrupt: %v", err)
	}
	waitFor(t, func() bool { return strings.Contains(errOut.String(), "(answer stopped)") })
	io.WriteString(pw, "/stats\n")
	pw.Close()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "stopped: cancelled") {
		t.Errorf("stats do not say cancelled:\n%s", errOut.String())
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// thinkingTemplate is ChatML whose reply opens a <think> block unless
// enable_thinking is false.
const thinkingTemplate = `{% for m in messages %}<|im_start|>{{ m.role }}
{{ m.content }}<|im_end|>
{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant
{% if enable_thinking is not defined or enable_thinking %}<think>
{% endif %}{% endif %}`

// TestChatThinking prints the thinking of a reply (forced by a grammar)
// between <think> and </think> when stdout is not a terminal, hides it
// with --hide-thinking, and --no-think switches it off in the template.
func TestChatThinking(t *testing.T) {
	dir := t.TempDir()
	tmpl, gbnf, answerOnly := dir+"/think.jinja", dir+"/reply.gbnf", dir+"/answer.gbnf"
	for name, text := range map[string]string{tmpl: thinkingTemplate,
		gbnf:       `root ::= "Let me see." "\n</think>\n\n" "Hello!"`,
		answerOnly: `root ::= "Hello!"`} {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	model := testmodel.Tiny(t, "qwen2", "Q8_0")
	args := []string{"-m", model, "-t", "1", "-n", "40", "--chat-template-file", tmpl}
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--grammar-file", gbnf}, "<think>\nLet me see.\n</think>\n\nHello!\n"},
		{[]string{"--grammar-file", gbnf, "--hide-thinking"}, "Hello!\n"},
		{[]string{"--grammar-file", answerOnly, "--no-think"}, "Hello!\n"},
		{[]string{"--grammar-file", answerOnly, "--chat-template-kwargs", `{"enable_thinking": false}`}, "Hello!\n"},
		{[]string{"--grammar-file", answerOnly}, "<think>\nHello!\n</think>\n"}, // cut off while thinking
	} {
		code, out, errOut := chatCmd(t, "Hi\n", append(args, c.flags...)...)
		if code != 0 || out != c.want {
			t.Errorf("%v: exit %d, stdout %q, want %q; stderr %s", c.flags, code, out, c.want, errOut)
		}
	}
	code, _, errOut := chatCmd(t, "Hi\n", "-m", model, "-t", "1", "-n", "2", "--no-think")
	if code != 0 || !strings.Contains(errOut, "warning: --no-think: this chat template has no enable_thinking switch") {
		t.Errorf("--no-think on a template without the switch: exit %d, stderr %s", code, errOut)
	}
	code, _, errOut = chatCmd(t, "Hi\n", "-m", model, "--chat-template-kwargs", `[1]`)
	if code == 0 || !strings.Contains(errOut, "--chat-template-kwargs: chat: template variables must be a JSON object") {
		t.Errorf("bad --chat-template-kwargs: exit %d, stderr %s", code, errOut)
	}
}

// TestChatPromptOnlyOnTerminal shows neither the "> " prompt nor the help
// line when stdin is /dev/null (a character device, not a terminal).
func TestChatPromptOnlyOnTerminal(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	old := stdin
	stdin = null
	defer func() { stdin = old }()
	code, out, errOut := runCmd("chat", "-m", testmodel.Tiny(t, "qwen2", "Q8_0"), "-t", "1")
	if code != 0 || strings.Contains(out, ">") || strings.Contains(errOut, "commands:") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestReplyWriterDims dims the thinking on a terminal.
func TestReplyWriterDims(t *testing.T) {
	var b strings.Builder
	r := &replyWriter{w: &b, on: true, dim: true}
	r.write(chat.Delta{ReasoningContent: "hm"})
	r.write(chat.Delta{ReasoningContent: " ok", Content: "Hi"})
	r.end()
	if want := "\x1b[2mhm ok\x1b[0m\n\nHi\n"; b.String() != want {
		t.Fatalf("wrote %q, want %q", b.String(), want)
	}
}
