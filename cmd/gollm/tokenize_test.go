package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
