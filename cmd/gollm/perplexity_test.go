package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/testref"
)

// loremText returns n pseudo-random lorem-ipsum words, the same every time.
func loremText(n int) string {
	words := strings.Fields("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor " +
		"incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco " +
		"laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse")
	var b strings.Builder
	x := uint32(12345)
	for i := range n {
		x = x*1664525 + 1013904223
		b.WriteString(words[int(x>>8)%len(words)])
		switch {
		case i%13 == 12:
			b.WriteString(".\n")
		default:
			b.WriteString(" ")
		}
	}
	return b.String()
}

// directPerplexity computes llama-perplexity's estimate without pplRun:
// a fresh session per window, the whole window in one batch, float64
// log-softmax.
func directPerplexity(t *testing.T, path string, tokens []int32, nCtx int) (windows int, ppl, pm float64) {
	t.Helper()
	m, err := gollm.Load(path, gollm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok := m.Engine().Tokenizer
	nv := m.Info().VocabSize
	var nll, nll2 float64
	var count int
	windows = len(tokens) / nCtx
	logits := make([]float32, nCtx*nv)
	for w := range windows {
		// The same batch size as the command's -b 16: batches of another
		// width may take other matrix kernels, whose float rounding a
		// random-weight model amplifies well past the bound checked here.
		s, err := m.NewSession(gollm.SessionOptions{ContextSize: nCtx, BatchSize: 16, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		win := append([]int32(nil), tokens[w*nCtx:(w+1)*nCtx]...)
		if tok.AddBOS() {
			win[0] = tok.BOS()
		}
		if err := s.Engine().PrefillLogits(win, logits); err != nil {
			t.Fatal(err)
		}
		s.Close()
		for p := nCtx / 2; p < nCtx-1; p++ {
			row := logits[p*nv : (p+1)*nv]
			mx := math.Inf(-1)
			for _, l := range row {
				mx = math.Max(mx, float64(l))
			}
			var sum float64
			for _, l := range row {
				sum += math.Exp(float64(l) - mx)
			}
			v := -(float64(row[win[p+1]]) - mx - math.Log(sum))
			nll += v
			nll2 += v * v
			count++
		}
	}
	mean := nll / float64(count)
	ppl = math.Exp(mean)
	return windows, ppl, math.Sqrt((nll2/float64(count)-mean*mean)/float64(count-1)) * ppl
}

func TestPerplexityMatchesDirectComputation(t *testing.T) {
	textPath := filepath.Join(t.TempDir(), "lorem.txt")
	if err := os.WriteFile(textPath, []byte(loremText(300)), 0o644); err != nil {
		t.Fatal(err)
	}
	// qwen2 adds no BOS; llama does, so its windows start with BOS.
	for _, name := range []string{"tiny-qwen2-s1-q4_0", "tiny-llama-s3-q4_0"} {
		t.Run(name, func(t *testing.T) {
			path := testref.Model(t, name)
			m, err := gollm.Load(path, gollm.Options{})
			if err != nil {
				t.Fatal(err)
			}
			text, _ := os.ReadFile(textPath)
			tokens := m.Engine().Tokenizer.Encode(string(text), true, false)
			m.Close()
			const nCtx = 64
			wantWindows, wantPPL, wantPM := directPerplexity(t, path, tokens, nCtx)
			if wantWindows != len(tokens)/nCtx || wantWindows < 3 {
				t.Fatalf("%d tokens give %d windows", len(tokens), wantWindows)
			}
			code, out, stderr := runCmd("perplexity", "-m", path, "-f", textPath, "-c", "64", "-b", "16", "-t", "2")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var windows, ctx, nTok, scored int
			var ppl, pm float64
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if _, err := fmt.Sscanf(lines[0], "%d windows of %d tokens (%d tokens in the text), %d tokens scored",
				&windows, &ctx, &nTok, &scored); err != nil {
				t.Fatalf("first line %q: %v", lines[0], err)
			}
			if _, err := fmt.Sscanf(lines[len(lines)-1], "PPL = %g +/- %g", &ppl, &pm); err != nil {
				t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
			}
			if windows != wantWindows || nTok != len(tokens) || scored != windows*(nCtx-nCtx/2-1) {
				t.Errorf("got %d windows, %d tokens, %d scored; want %d, %d, %d",
					windows, nTok, scored, wantWindows, len(tokens), wantWindows*(nCtx-nCtx/2-1))
			}
			if math.Abs(ppl-wantPPL) > 1e-5*wantPPL || math.Abs(pm-wantPM) > 1e-4*wantPM {
				t.Errorf("PPL = %g +/- %g, direct computation %g +/- %g", ppl, pm, wantPPL, wantPM)
			}
			t.Logf("%d tokens, %d windows: PPL = %.4f +/- %.5f (direct %.4f +/- %.5f)", nTok, windows, ppl, pm, wantPPL, wantPM)
		})
	}
}

func TestPerplexityErrors(t *testing.T) {
	path := testref.Model(t, "tiny-qwen2-s1-q4_0")
	short := filepath.Join(t.TempDir(), "short.txt")
	os.WriteFile(short, []byte(loremText(20)), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-m", path, "-f", short, "-c", "64"}, "needs at least 128"},
		{[]string{"-m", path, "-f", short + ".missing"}, "no such file"},
		{[]string{"-m", path}, "missing -f TEXT"},
		{[]string{"-m", path, "-f", short, "-c", "2"}, "at least 4"},
	} {
		code, _, stderr := runCmd(append([]string{"perplexity"}, c.args...)...)
		if want := map[bool]int{true: 2, false: 1}[strings.HasPrefix(c.want, "missing")]; code != want || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", c.args, code, stderr, c.want)
		}
	}
}
