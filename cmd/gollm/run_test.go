package main

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
	"github.com/gollm/gollm/internal/testref"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = runMain(args, &o, &e)
	return code, o.String(), e.String()
}

// TestRunGreedyIDsMatchReference feeds llama.cpp's prompt tokens and checks
// that the greedy ids printed by --ids begin with llama.cpp's greedy tokens.
func TestRunGreedyIDsMatchReference(t *testing.T) {
	ref := testref.Dir(t)
	name := "tiny-qwen2-s1-f32"
	code, out, errOut := runCmd("run", "-m", filepath.Join(ref, "models", name+".gguf"),
		"--tokens-file", filepath.Join(ref, "logits", name+".tokens"), "-n", "8", "--temp", "0", "--ids", "-t", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want, err := os.ReadFile(filepath.Join(ref, "logits", name+".gen"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(out)
	lines := strings.Split(string(want), "\n")
	if len(got) != 8 {
		t.Fatalf("got %d ids, want 8: %q", len(got), out)
	}
	for i, id := range got {
		if wantID := strings.Fields(lines[i])[0]; id != wantID {
			t.Fatalf("id %d: got %s, want %s", i, id, wantID)
		}
	}
	for _, s := range []string{"prompt:", "generation:", "time to first token", "confidence:", "peak memory:"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks %q:\n%s", s, errOut)
		}
	}
}

func TestRunPositionalStreamsText(t *testing.T) {
	path := testref.Model(t, "tiny-llama-s3-q4_0")
	code, out, errOut := runCmd("run", path, "Once upon a time", "-n", "12", "--seed", "7")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.TrimSpace(out) == "" {
		t.Errorf("no text generated")
	}
	// Same seed, same text.
	_, out2, _ := runCmd("run", path, "Once upon a time", "-n", "12", "--seed", "7")
	if out != out2 {
		t.Errorf("seeded runs differ: %q vs %q", out, out2)
	}
}

func TestLogitsMatchReference(t *testing.T) {
	ref := testref.Dir(t)
	name := "tiny-qwen2-s1-f32"
	out := filepath.Join(t.TempDir(), "logits.f32")
	code, _, errOut := runCmd("logits", "-m", filepath.Join(ref, "models", name+".gguf"),
		"--tokens-file", filepath.Join(ref, "logits", name+".tokens"), "-o", out, "--kv-type", "f32")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(ref, "logits", name+".logits"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("wrote %d bytes, reference has %d", len(got), len(want))
	}
	var num, den float64
	for i := 0; i < len(got); i += 4 {
		g := float64(math.Float32frombits(binary.LittleEndian.Uint32(got[i:])))
		w := float64(math.Float32frombits(binary.LittleEndian.Uint32(want[i:])))
		num += (g - w) * (g - w)
		den += w * w
	}
	if rel := math.Sqrt(num / den); rel > 5e-3 {
		t.Errorf("relative RMS error %.3g", rel)
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	notGGUF := filepath.Join(dir, "text.gguf")
	os.WriteFile(notGGUF, []byte("this is not a model file"), 0o644)
	tokens := filepath.Join(dir, "bad.tokens")
	os.WriteFile(tokens, []byte("12\nabc\n"), 0o644)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing file", []string{"run", "-m", filepath.Join(dir, "none.gguf"), "-p", "hi"}, 1, "no such file"},
		{"not gguf", []string{"run", "-m", notGGUF, "-p", "hi"}, 1, "not a GGUF file"},
		{"bad flag", []string{"run", "--no-such-flag"}, 2, "flag provided but not defined"},
		{"no prompt", []string{"run", "-m", notGGUF}, 2, "exactly one prompt"},
		{"bad -n", []string{"run", "-m", notGGUF, "-p", "x", "-n", "0"}, 1, "-n 0"},
		{"bad top-p", []string{"run", "-m", notGGUF, "-p", "x", "--top-p", "2"}, 1, "top"},
		{"bad kv type", []string{"run", "-m", notGGUF, "-p", "x", "--kv-type", "q4"}, 1, "--kv-type"},
		{"bad token file", []string{"run", "-m", notGGUF, "--tokens-file", tokens}, 1, "not a token id"},
		{"logits without output", []string{"logits", "-m", notGGUF, "--tokens-file", tokens}, 2, "missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCmd(c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, c.code, c.want)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("error is not one line: %q", errOut)
			}
		})
	}
}

func TestRunPromptLongerThanContext(t *testing.T) {
	path := testref.Model(t, "tiny-qwen2-s1-q8_0")
	code, _, errOut := runCmd("run", "-m", path, "-p", strings.Repeat("word ", 200), "-c", "32")
	if code != 1 || !strings.Contains(errOut, "does not fit") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// firstAlt matches the first alternative of a --logprobs line.
var firstAlt = regexp.MustCompile(`^"(?:[^"\\]|\\.)*" (-?\d+\.\d+)`)

// TestRunLogprobs prints a line per generated token with its alternatives;
// greedy, the token is its own first alternative.
func TestRunLogprobs(t *testing.T) {
	path := testmodel.Tiny(t, "qwen2", "Q8_0")
	code, out, errOut := runCmd("run", "-m", path, "-p", "Once upon a time", "-n", "5", "--temp", "0", "--ids", "--logprobs", "2", "-t", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	ids := strings.Fields(out)
	_, table, ok := strings.Cut(errOut, "log-probabilities (token, id, logprob; alternatives):\n")
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if !ok || len(lines) != len(ids) || len(ids) == 0 {
		t.Fatalf("%d ids, table:\n%s", len(ids), errOut)
	}
	for i, line := range lines {
		tok, alts, _ := strings.Cut(line, " | ")
		f := strings.Fields(tok)
		lp, err := strconv.ParseFloat(f[len(f)-1], 64)
		if f[len(f)-2] != ids[i] || err != nil || lp > 0 || strings.Count(alts, `"`) != 4 {
			t.Errorf("line %d %q for id %s", i, line, ids[i])
		}
		if first := firstAlt.FindStringSubmatch(alts); first == nil || first[1] != f[len(f)-1] {
			t.Errorf("line %d: greedy token's logprob %s is not the first alternative's %v", i, f[len(f)-1], first)
		}
	}
	if code, _, errOut := runCmd("run", "-m", path, "-p", "a", "--logprobs", "21"); code == 0 || !strings.Contains(errOut, "--logprobs 21") {
		t.Errorf("--logprobs 21: exit %d, %s", code, errOut)
	}
}

// TestContextAboveTraining warns once when -c exceeds the training
// context, and not at all within it.
func TestContextAboveTraining(t *testing.T) {
	path := testref.Model(t, "tiny-qwen2-s1-q8_0") // trained on 2048
	_, _, stderr := runCmd("run", "-m", path, "-c", "4096", "-p", "Hi", "-n", "2", "-t", "1")
	if n := strings.Count(stderr, "warning: -c 4096 is more than the 2048 tokens this model was trained on"); n != 1 {
		t.Errorf("-c 4096: %d warnings in %q", n, stderr)
	}
	if _, _, stderr := runCmd("run", "-m", path, "-c", "2048", "-p", "Hi", "-n", "2", "-t", "1"); strings.Contains(stderr, "warning") {
		t.Errorf("-c 2048: %q", stderr)
	}
}
