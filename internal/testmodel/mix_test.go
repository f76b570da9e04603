package testmodel

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/testref"
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

func TestUseMoreBits(t *testing.T) {
	var got []int
	for i := range 24 {
		if useMoreBits(i, 24) {
			got = append(got, i)
		}
	}
	want := []int{0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23}
	if len(got) != len(want) {
		t.Fatalf("useMoreBits(_, 24) layers %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("useMoreBits(_, 24) layers %v, want %v", got, want)
		}
	}
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
	m = planMap(t, "qwen2.5-0.5b", "IQ4_XS")
	if m["blk.0.attn_q.weight"] != quant.IQ4_NL || m["blk.0.ffn_down.weight"] != quant.IQ4_XS {
		t.Errorf("pure IQ4_XS: %s %s", m["blk.0.attn_q.weight"], m["blk.0.ffn_down.weight"])
	}
	m = planMap(t, "qwen2.5-0.5b", "F16")
	if m["blk.0.attn_q.weight"] != quant.F16 || m["blk.0.attn_q.bias"] != quant.F32 {
		t.Errorf("F16: %s %s", m["blk.0.attn_q.weight"], m["blk.0.attn_q.bias"])
	}
}

// TestMixMatchesReference applies the rule to every tensor of llama.cpp's
// reference models and compares with the types llama-quantize chose.
func TestMixMatchesReference(t *testing.T) {
	dir := testref.Dir(t, "models")
	paths, _ := filepath.Glob(filepath.Join(dir, "*.gguf"))
	byID := map[int64]string{}
	for _, ft := range fileTypes {
		if _, dup := byID[int64(ft.ID)]; !dup || ft.Mix {
			byID[int64(ft.ID)] = ft.Name
		}
	}
	byID[14], byID[16] = "Q4_K_S", "Q5_K_S"
	checked := 0
	for _, p := range paths {
		f, err := gguf.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := f.Int("general.file_type")
		name, ok := byID[id]
		if !ok || strings.Contains(p, "zoo") {
			f.Close()
			continue
		}
		ft, _ := ParseFileType(name)
		nLayer, _ := f.Int(mustString(f, "general.architecture") + ".block_count")
		_, hasOutput := f.Tensor("output.weight")
		for _, ti := range f.Tensors {
			if strings.HasPrefix(ti.Name, "rope_factors") {
				continue
			}
			if got := ft.TensorType(ti.Name, ti.Dims, int(nLayer), !hasOutput); got != ti.Type {
				t.Errorf("%s: %s: rule gives %s, llama.cpp wrote %s", filepath.Base(p), ti.Name, got, ti.Type)
			}
		}
		checked++
		f.Close()
	}
	t.Logf("%d reference files checked", checked)
	if checked == 0 {
		t.Skip("no reference files with a known file type")
	}
}

func mustString(f *gguf.File, key string) string {
	s, _ := f.String(key)
	return s
}
