package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
	"github.com/gollm/gollm/internal/testref"
)

func runTokenizeCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = runMain(append([]string{"tokenize"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestTokenizeErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.gguf")
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"bad flag", []string{"--nope"}, 2},
		{"no model", []string{"-p", "x"}, 2},
		{"no text", []string{"-m", missing}, 2},
		{"both texts", []string{"-m", missing, "-p", "x", "-f", "y"}, 2},
		{"missing model", []string{"-m", missing, "-p", "x"}, 1},
		{"missing file", []string{"-m", missing, "-f", missing}, 1},
		{"extra argument", []string{"-m", missing, "-p", "x", "extra"}, 2},
	} {
		code, out, errs := runTokenizeCmd(tc.args...)
		if code != tc.code || out != "" || errs == "" {
			t.Errorf("%s: code %d stdout %q stderr %q, want code %d and an error", tc.name, code, out, errs, tc.code)
		}
		if strings.Count(errs, "\n") != 1 {
			t.Errorf("%s: error is not one line: %q", tc.name, errs)
		}
	}
}

func TestTokenizeReference(t *testing.T) {
	ref := testref.Dir(t)
	prompt := filepath.Join(ref, "logits", "prompt.txt")
	for _, name := range []string{"tiny-qwen2-s1-f32", "tiny-phi3-s2-q8_0", "tiny-llama-s3-q4_0"} {
		want, err := os.ReadFile(filepath.Join(ref, "logits", name+".tokens"))
		if err != nil {
			t.Skip(err)
		}
		code, out, errs := runTokenizeCmd("-m", filepath.Join(ref, "models", name+".gguf"), "-f", prompt)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		if got, w := out, strings.Join(strings.Fields(string(want)), " ")+"\n"; got != w {
			t.Errorf("%s:\n got %q\nwant %q", name, got, w)
		}
	}

	vocab := filepath.Join(ref, "tokenizer", "ggml-vocab-phi-3.gguf")
	code, out, errs := runTokenizeCmd("-m", vocab, "--no-bos", "-p", "<|user|>\nHi<|end|>")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if out != "32010 6324 32007\n" {
		t.Errorf("control tokens: got %q", out)
	}
	code, out, _ = runTokenizeCmd("-m", vocab, "-p", "Hi")
	if code != 0 || out != "1 6324\n" {
		t.Errorf("with BOS: code %d, got %q", code, out)
	}
}

// TestTokensFileReadsTokenize: run --tokens-file takes what tokenize
// prints, on one line or one id per line, and gives the same answer.
func TestTokensFileReadsTokenize(t *testing.T) {
	model := testmodel.Tiny(t, "qwen2", "Q8_0")
	dir := t.TempDir()
	var answers []string
	for _, flags := range [][]string{nil, {"--ids-per-line"}} {
		code, ids, errs := runTokenizeCmd(append([]string{"-m", model, "-p", "Once upon a time"}, flags...)...)
		if code != 0 {
			t.Fatalf("tokenize %v: exit %d: %s", flags, code, errs)
		}
		if len(flags) > 0 && strings.Count(ids, "\n") != len(strings.Fields(ids)) {
			t.Fatalf("--ids-per-line printed %q", ids)
		}
		file := filepath.Join(dir, "ids.txt")
		if err := os.WriteFile(file, []byte(ids), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCmd("run", "-m", model, "--tokens-file", file, "-n", "4", "--temp", "0", "-t", "1", "--ids")
		if code != 0 {
			t.Fatalf("run --tokens-file (%v): exit %d: %s", flags, code, errs)
		}
		answers = append(answers, out)
	}
	if answers[0] != answers[1] {
		t.Errorf("one line and one id per line differ: %q vs %q", answers[0], answers[1])
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("1 2\n3 x4\n"), 0o644)
	if code, _, errs := runCmd("run", "-m", model, "--tokens-file", bad, "-n", "1"); code != 1 || !strings.Contains(errs, `bad.txt:2: "x4" is not a token id`) {
		t.Errorf("bad id: exit %d, %s", code, errs)
	}
}
