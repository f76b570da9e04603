package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/kernels"
)

// stories260K is a real, trained model exactly as llama.cpp's llama2.c
// converter wrote it (../shared/reference/real); its padding token id is
// 4294967295 (-1, "none"), which llama.cpp ignores with a warning.
func stories260K(t *testing.T) (dir, model string) {
	dir = testref.Dir(t, "real")
	return dir, filepath.Join(dir, "stories260K.gguf")
}

// TestStories260KGreedy: the model loads unchanged, with a warning, and
// writes llama.cpp's greedy text after both reference prompts.
func TestStories260KGreedy(t *testing.T) {
	dir, model := stories260K(t)
	for _, prompt := range []string{"Once upon a time", "Tom and Lily went to the park"} {
		want, err := os.ReadFile(filepath.Join(dir, "greedy-"+strings.ReplaceAll(prompt, " ", "_")+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runCmd("run", "-m", model, "-p", prompt, "-n", "64", "--temp", "0", "-t", "1")
		if code != 0 {
			t.Fatalf("run %q: exit %d: %s", prompt, code, errOut)
		}
		if !strings.Contains(errOut, "warning: tokenizer.ggml.padding_token_id = 4294967295 is outside the vocabulary of 512") {
			t.Errorf("run %q: no warning about the padding token id on stderr:\n%s", prompt, errOut)
		}
		// llama-completion prints the prompt after SentencePiece's space,
		// the 64 tokens, and newlines at the end.
		got := " " + prompt + strings.TrimRight(out, "\n")
		if w := strings.TrimRight(string(want), "\n"); got != w {
			t.Errorf("greedy text after %q:\n got %q\nwant %q", prompt, got, w)
		}
	}
}

// TestStories260KPerplexity: gollm perplexity matches llama-perplexity's
// estimate on 200 kB of TinyStories to 4 significant digits.
func TestStories260KPerplexity(t *testing.T) {
	dir, model := stories260K(t)
	if kernels.Level() == "generic" {
		// The same arithmetic as every level (TestParity checks it), but
		// 97,662 tokens take about a minute with the pure-Go kernels.
		t.Skip("perplexity of 200 kB skipped at the generic kernel level")
	}
	code, out, errOut := runCmd("perplexity", "-m", model, "-f", filepath.Join(dir, "tinystories-val-200k.txt"), "-c", "256")
	if code != 0 {
		t.Fatalf("perplexity: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var ppl, pm float64
	if _, err := fmt.Sscanf(lines[len(lines)-1], "PPL = %g +/- %g", &ppl, &pm); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	// llama-perplexity -c 256: "Final estimate: PPL = 4.1577 +/- 0.03455".
	if got := fmt.Sprintf("%.4g +/- %.4g", ppl, pm); got != "4.158 +/- 0.03455" {
		t.Errorf("PPL = %s, llama.cpp's is 4.158 +/- 0.03455 (to 4 significant digits)", got)
	}
	t.Logf("%s; PPL = %.4f +/- %.5f (llama.cpp: 4.1577 +/- 0.03455)", lines[0], ppl, pm)
}

// TestStories260KInspect: inspect shows the warning, and keeps every key,
// including the ones gollm does not read (the separator token id).
func TestStories260KInspect(t *testing.T) {
	_, model := stories260K(t)
	r := inspectJSON(t, model, "--json")
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "padding_token_id = 4294967295") {
		t.Errorf("warnings %q, want the padding token id's", r.Warnings)
	}
	if len(r.Metadata) != 19 || !slices.ContainsFunc(r.Metadata, func(m inspectMeta) bool {
		return m.Key == "tokenizer.ggml.seperator_token_id"
	}) {
		t.Errorf("%d metadata keys, want all 19 with tokenizer.ggml.seperator_token_id", len(r.Metadata))
	}
	code, out, _ := runInspectCmd("inspect", model)
	if code != 0 || !strings.Contains(out, "\nwarning  ") {
		t.Errorf("text output without the warning row (exit %d):\n%s", code, out)
	}
}
