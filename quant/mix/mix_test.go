package mix_test

import (
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/quant/mix"
)

// factsOf reads the model facts from a GGUF file's metadata.
func factsOf(t *testing.T, f *gguf.File) mix.ModelFacts {
	t.Helper()
	arch, err := f.String("general.architecture")
	if err != nil {
		t.Fatal(err)
	}
	get := func(k string) int {
		n, _ := f.Int(arch + "." + k)
		return int(n)
	}
	return mix.ModelFacts{Arch: arch, Layers: get("block_count"), Heads: get("attention.head_count"),
		KVHeads: get("attention.head_count_kv"), Experts: get("expert_count")}
}

// TestMixMatchesLlamaQuantize checks that the Q4_K_M mix gives every tensor
// of llama.cpp's reference Q4_K_M files the type llama-quantize gave it, and
// that TensorOrder is the order llama-quantize wrote them in.
func TestMixMatchesLlamaQuantize(t *testing.T) {
	for _, name := range []string{"tiny-qwen2-s1-q4_k_m", "tiny-qwen3-s4-q4_k_m", "tiny-phi3-s2-q4_k_m"} {
		t.Run(name, func(t *testing.T) {
			f, err := gguf.Open(testref.Model(t, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ft, err := mix.ParseFileType("q4_k_m")
			if err != nil {
				t.Fatal(err)
			}
			specs := make([]mix.TensorSpec, len(f.Tensors))
			names := make([]string, len(f.Tensors))
			for i, ti := range f.Tensors {
				// The source was F32 or F16; 1-D tensors were F32.
				src := quant.F16
				if len(ti.Dims) < 2 {
					src = quant.F32
				}
				specs[i] = mix.TensorSpec{Name: ti.Name, Dims: ti.Dims, Type: src}
				names[i] = ti.Name
			}
			got, err := mix.Plan(ft, factsOf(t, f), specs, false)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[quant.Type]int{}
			for i, ti := range f.Tensors {
				seen[ti.Type]++
				if got[i] != ti.Type {
					t.Errorf("%s: got %s, llama.cpp wrote %s", ti.Name, got[i], ti.Type)
				}
			}
			t.Logf("types: %v", seen)
			for i, j := range mix.TensorOrder(names) {
				if i != j {
					t.Fatalf("TensorOrder: position %d holds %s, llama.cpp wrote %s", i, names[j], names[i])
				}
			}
		})
	}
}

// TestMixRules checks rules the reference files do not reach: --pure,
// fallbacks, F16 files, tensors that are never quantized, errors.
func TestMixRules(t *testing.T) {
	specs := []mix.TensorSpec{
		{"token_embd.weight", []uint64{256, 1000}, quant.F32},
		{"output_norm.weight", []uint64{256}, quant.F32},
		{"rope_freqs.weight", []uint64{16}, quant.F32},
		{"blk.0.attn_v.weight", []uint64{256, 64}, quant.F32},
		{"blk.0.attn_v.bias", []uint64{64}, quant.F32},
		{"blk.0.ffn_down.weight", []uint64{96, 256}, quant.F32},
		{"blk.0.ffn_up.weight", []uint64{256, 1, 1}, quant.F32}, // 1-D for ggml
		{"blk.0.ffn_gate_inp.weight", []uint64{256, 8}, quant.F32},
		{"blk.0.ffn_gate.weight", []uint64{80, 256}, quant.F32},
	}
	facts := mix.ModelFacts{Arch: "llama", Layers: 1, Heads: 8, KVHeads: 8}
	cases := []struct {
		ft   string
		pure bool
		want string
	}{
		{"Q4_K_M", false, "Q6_K F32 F32 Q6_K F32 Q8_0 F32 F32 F16"},
		{"Q4_K_M", true, "Q4_K F32 F32 Q4_K F32 Q5_0 F32 F32 F16"},
		{"Q5_K_S", true, "Q5_K F32 F32 Q5_K F32 Q5_1 F32 F32 F16"},
		{"Q6_K", false, "Q6_K F32 F32 Q6_K F32 Q8_0 F32 F32 F16"},
		{"Q3_K_M", false, "Q6_K F32 F32 Q5_K F32 Q5_0 F32 F32 F16"},
		{"IQ4_XS", true, "IQ4_XS F32 F32 IQ4_XS F32 IQ4_NL F32 F32 F16"},
		{"F16", false, "F16 F32 F32 F16 F32 F16 F32 F32 F16"},
	}
	for _, c := range cases {
		ft, err := mix.ParseFileType(c.ft)
		if err != nil {
			t.Fatal(err)
		}
		got, err := mix.Plan(ft, facts, specs, c.pure)
		if err != nil {
			t.Fatalf("%s: %v", c.ft, err)
		}
		var s []string
		for _, g := range got {
			s = append(s, g.String())
		}
		if strings.Join(s, " ") != c.want {
			t.Errorf("%s pure=%v: got %s, want %s", c.ft, c.pure, strings.Join(s, " "), c.want)
		}
	}
	// Q8_0 has no fallback: rows of 80 are not whole blocks of 32.
	ft, _ := mix.ParseFileType("Q8_0")
	if _, err := mix.Plan(ft, facts, specs, false); err == nil || !strings.Contains(err.Error(), "ffn_gate") {
		t.Errorf("Q8_0 with rows of 80: err = %v, want an error naming the tensor", err)
	}
	if _, err := mix.ParseFileType("Q9_K"); err == nil || !strings.Contains(err.Error(), "Q4_K_M") {
		t.Errorf("ParseFileType(Q9_K): err = %v, want the list of valid names", err)
	}
}
