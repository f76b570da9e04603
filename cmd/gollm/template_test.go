package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testref"
)

// TestTemplateReference runs every reference template with every case
// through gollm template: stdout must be transformers' rendering byte for
// byte; a raise_exception exits 1 with its message on stderr; a pair
// transformers cannot render exits 1.
func TestTemplateReference(t *testing.T) {
	dir := testref.Dir(t, "templates")
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index map[string]struct {
		BOS *string `json:"bos_token"`
		EOS *string `json:"eos_token"`
	}
	if err := json.Unmarshal(raw, &index); err != nil {
		t.Fatal(err)
	}
	cases, _ := filepath.Glob(filepath.Join(dir, "cases", "*.json"))
	for name, tok := range index {
		for _, c := range cases {
			cn := strings.TrimSuffix(filepath.Base(c), ".json")
			args := []string{"template", "--chat-template-file", filepath.Join(dir, name+".jinja"), "--now", "2026-12-03T12:00:00Z"}
			if tok.BOS != nil {
				args = append(args, "--bos-token", *tok.BOS)
			}
			if tok.EOS != nil {
				args = append(args, "--eos-token", *tok.EOS)
			}
			code, stdout, stderr := runCmd(append(args, c)...)
			want, err := os.ReadFile(filepath.Join(dir, "expected", name, cn+".txt"))
			switch {
			case err != nil: // transformers fails
				if code != 1 || stdout != "" || stderr == "" {
					t.Errorf("%s/%s: exit %d, stdout %q, stderr %q; want a failure", name, cn, code, stdout, stderr)
				}
			case strings.HasPrefix(string(want), "ERROR: "):
				msg := strings.TrimPrefix(string(want), "ERROR: ")
				if code != 1 || stdout != "" || !strings.Contains(stderr, msg) {
					t.Errorf("%s/%s: exit %d, stderr %q; want exit 1 and %q", name, cn, code, stderr, msg)
				}
			case code != 0 || stdout != string(want):
				t.Errorf("%s/%s: exit %d, stderr %q\n got %q\nwant %q", name, cn, code, stderr, stdout, want)
			}
		}
	}
}

// TestTemplateModel renders with the template and tokens of a model.
func TestTemplateModel(t *testing.T) {
	model := testref.Model(t, "tiny-qwen2-s1-q8_0")
	c := filepath.Join(t.TempDir(), "case.json")
	if err := os.WriteFile(c, []byte(`{"description": "x", "messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd("template", "-m", model, c)
	if code != 0 || !strings.HasSuffix(stdout, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n") {
		t.Errorf("exit %d, stderr %q, stdout %q", code, stderr, stdout)
	}
}

func TestTemplateUsage(t *testing.T) {
	for _, args := range [][]string{{"template", "case.json"}, {"template", "-m", "x.gguf"}} {
		code, _, stderr := runCmd(args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "-h") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}
