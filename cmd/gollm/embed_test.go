package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/testmodel"
)

func TestEmbed(t *testing.T) {
	path := testmodel.Tiny(t, "qwen2", "Q8_0")
	code, out, errOut := runCmd("embed", "-m", path, "-p", "hello world", "-p", "second text", "--pooling", "last")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var v struct {
		Object string
		Data   []struct {
			Index     int
			Embedding []float32
		}
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Object != "list" || len(v.Data) != 2 {
		t.Fatalf("output %q: %v", out, err)
	}
	m, err := gollm.Load(path, gollm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	want, err := m.EmbedTokens(context.Background(), [][]int32{m.Tokenize("hello world", true), m.Tokenize("second text", true)},
		gollm.EmbedOptions{Pooling: gollm.PoolingLast})
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if v.Data[i].Index != i || !slices.Equal(v.Data[i].Embedding, want[i]) {
			t.Errorf("text %d: a different vector", i)
		}
	}
	for _, args := range [][]string{{"embed", "-m", path}, {"embed", "-m", path, "-p", "a", "--pooling", "max"},
		{"embed", "-m", path, "-p", strings.Repeat("word ", 50), "-c", "8"}} {
		if code, _, errOut := runCmd(args...); code == 0 || errOut == "" {
			t.Errorf("%q: exit %d", args, code)
		}
	}
}
