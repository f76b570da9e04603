package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/model"
)

func TestList(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-list"}, &out, os.Stderr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"qwen2.5-0.5b", "phi-3-mini", "tiny-qwen3", "Q4_K_M", "IQ4_NL"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-list output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestGenerate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny.gguf")
	var out bytes.Buffer
	if err := run([]string{"-preset", "tiny-phi3", "-type", "Q5_K_M", "-seed", "3", "-o", path}, &out, os.Stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), path) {
		t.Errorf("output %q does not name the file", out.String())
	}
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	for _, args := range [][]string{{"-preset", "nope", "-o", path}, {"-preset", "tiny-qwen2"}, {"-preset", "tiny-qwen2", "-type", "Q9", "-o", path}} {
		if err := run(args, &out, os.Stderr); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
