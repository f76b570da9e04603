package testmodel

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
)

func planMap(t *testing.T, preset, fileType string) map[string]quant.Type {
	t.Helper()
	names, types, err := Plan(Presets[preset], fileType)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]quant.Type{}
	for i, n := range names {
		m[n] = types[i]
	}
	return m
}

// TestMixQwen05 checks the Q4_K_M mix on the Qwen2.5-0.5B shape: rows of
// 896 are not whole 256-blocks, so Q4_K falls back to Q5_0 and Q6_K to
// Q8_0; only ffn_down (rows of 4864 = 19*256) keeps K-quants.
func TestMixQwen05(t *testing.T) {
	m := planMap(t, "qwen2.5-0.5b", "Q4_K_M")
	more := map[int]bool{0: true, 1: true, 2: true, 5: true, 8: true, 11: true, 14: true, 17: true, 20: true, 21: true, 22: true, 23: true}
	counts := map[quant.Type]int{}
	for name, typ := range m {
		counts[typ]++
		l := layerOf(name)
		var want quant.Type
		switch {
		case name == "token_embd.weight":
			want = quant.Q8_0
		case strings.HasSuffix(name, "_norm.weight"), strings.HasSuffix(name, ".bias"):
			want = quant.F32
		case strings.Contains(name, "attn_v.weight"):
			want = map[bool]quant.Type{true: quant.Q8_0, false: quant.Q5_0}[more[l]]
		case strings.Contains(name, "ffn_down"):
			want = map[bool]quant.Type{true: quant.Q6_K, false: quant.Q4_K}[more[l]]
		default:
			want = quant.Q5_0
		}
		if typ != want {
			t.Errorf("%s: %s, want %s", name, typ, want)
		}
	}
	if _, ok := m["output.weight"]; ok {
		t.Error("tied model has output.weight")
	}
	// 24 layers x (q, k, o, gate, up) + 12 attn_v in Q5_0.
	if counts[quant.Q5_0] != 24*5+12 || counts[quant.Q8_0] != 1+12 || counts[quant.Q6_K] != 12 || counts[quant.Q4_K] != 12 {
		t.Errorf("type counts %v", counts)
	}
}

func TestMixPhi3(t *testing.T) {
	m := planMap(t, "phi-3-mini", "Q4_K_M")
	for name, want := range map[string]quant.Type{
		"output.weight": quant.Q6_K, "token_embd.weight": quant.Q4_K, "output_norm.weight": quant.F32,
		"blk.0.attn_qkv.weight": quant.Q6_K, "blk.4.attn_qkv.weight": quant.Q4_K, "blk.6.attn_qkv.weight": quant.Q6_K,
		"blk.0.ffn_up.weight": quant.Q4_K, "blk.0.ffn_down.weight": quant.Q6_K, "blk.4.ffn_down.weight": quant.Q4_K,
		"blk.31.attn_output.weight": quant.Q4_K,
	} {
		if m[name] != want {
			t.Errorf("%s: %s, want %s", name, m[name], want)
		}
	}
	m = planMap(t, "phi-3-mini", "Q5_K_M")
	if m["blk.4.attn_qkv.weight"] != quant.Q5_K || m["blk.0.attn_qkv.weight"] != quant.Q6_K {
		t.Errorf("Q5_K_M attn_qkv: %s, %s", m["blk.4.attn_qkv.weight"], m["blk.0.attn_qkv.weight"])
	}
}

func TestPureFallback(t *testing.T) {
	m := planMap(t, "qwen2.5-0.5b", "Q4_K")
	if m["blk.0.attn_q.weight"] != quant.Q5_0 || m["blk.0.ffn_down.weight"] != quant.Q4_K || m["token_embd.weight"] != quant.Q5_0 {
		t.Errorf("pure Q4_K: %v", m)
	}
	m = planMap(t, "qwen2.5-0.5b", "F16")
	if m["blk.0.attn_q.weight"] != quant.F16 || m["blk.0.attn_q.bias"] != quant.F32 {
		t.Errorf("F16: %s %s", m["blk.0.attn_q.weight"], m["blk.0.attn_q.bias"])
	}
}

func mustString(f *gguf.File, key string) string {
	s, _ := f.String(key)
	return s
}

// layerOf returns N for a tensor named blk.N.*, or -1.
func layerOf(name string) int {
	var n int
	if _, err := fmt.Sscanf(name, "blk.%d.", &n); err != nil {
		return -1
	}
	return n
}

// TestLegacyMixMatchesLlamaQuantize checks that a "Q4_0" file, like
// llama-quantize's, keeps the tied embeddings in Q6_K or, for rows of 896,
// its Q8_0 fallback: the size of llama.cpp's 0.5B Q4_0 file.
func TestLegacyMixMatchesLlamaQuantize(t *testing.T) {
	m := planMap(t, "qwen2.5-0.5b", "Q4_0")
	if m["token_embd.weight"] != quant.Q8_0 || m["blk.3.ffn_up.weight"] != quant.Q4_0 {
		t.Errorf("Q4_0: token_embd %s, ffn_up %s", m["token_embd.weight"], m["blk.3.ffn_up.weight"])
	}
}
