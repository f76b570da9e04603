// Package mix is llama-quantize's policy: it chooses the tensor type of
// every tensor of a model file of a given llama.cpp file type, as
// llama-quantize does without an importance matrix (llama_tensor_get_type
// in llama.cpp's src/llama-quant.cpp). It is the canonical copy of that
// rule in gollm; `gollm quantize` and the test models use it, and package
// quant does the block arithmetic.
package mix

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gollm/gollm/quant"
)

// FileType is a llama.cpp model file type: the value of general.file_type
// (LLAMA_FTYPE_*) and the tensor type most matrices get.
type FileType struct {
	Name string     // llama-quantize's name: "Q4_K_M", "Q8_0", ...
	ID   uint32     // LLAMA_FTYPE_* number, stored in general.file_type
	Base quant.Type // the default type of the quantized matrices
}

// fileTypes are the file types gollm can write, in llama-quantize's order.
var fileTypes = []FileType{
	{"Q4_0", 2, quant.Q4_0}, {"Q4_1", 3, quant.Q4_1}, {"Q5_0", 8, quant.Q5_0}, {"Q5_1", 9, quant.Q5_1},
	{"IQ4_NL", 25, quant.IQ4_NL}, {"IQ4_XS", 30, quant.IQ4_XS},
	{"Q2_K", 10, quant.Q2_K}, {"Q3_K_S", 11, quant.Q3_K}, {"Q3_K_M", 12, quant.Q3_K}, {"Q3_K_L", 13, quant.Q3_K},
	{"Q4_K_S", 14, quant.Q4_K}, {"Q4_K_M", 15, quant.Q4_K}, {"Q5_K_S", 16, quant.Q5_K}, {"Q5_K_M", 17, quant.Q5_K},
	{"Q6_K", 18, quant.Q6_K}, {"Q8_0", 7, quant.Q8_0}, {"F16", 1, quant.F16}, {"BF16", 32, quant.BF16}, {"F32", 0, quant.F32},
}

// FileTypes returns the file types gollm can write.
func FileTypes() []FileType { return append([]FileType(nil), fileTypes...) }

// ParseFileType returns the file type called name (case-insensitive). The
// error lists the valid names.
func ParseFileType(name string) (FileType, error) {
	for _, ft := range fileTypes {
		if strings.EqualFold(ft.Name, name) {
			return ft, nil
		}
	}
	names := make([]string, len(fileTypes))
	for i, ft := range fileTypes {
		names[i] = ft.Name
	}
	return FileType{}, fmt.Errorf("unknown file type %q (valid: %s)", name, strings.Join(names, ", "))
}

// ModelFacts are the model hyper-parameters the type choice depends on.
type ModelFacts struct {
	Arch    string // general.architecture
	Layers  int    // block_count
	Heads   int    // attention.head_count
	KVHeads int    // attention.head_count_kv (n_gqa = Heads/KVHeads)
	Experts int    // expert_count (0 or 1: not a mixture of experts)
}

func (m ModelFacts) gqa() int {
	if m.KVHeads <= 0 {
		return 1
	}
	return m.Heads / m.KVHeads
}

// TensorSpec describes one tensor of the source model.
type TensorSpec struct {
	Name string
	Dims []uint64   // GGML order: Dims[0] is the row length
	Type quant.Type // its type in the source file
}

// TensorOrder returns the indices of names in the order llama-quantize
// processes and writes tensors: tensors outside any block first, then block
// by block (blk.N.), each group sorted by name.
func TensorOrder(names []string) []int {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		la, lb := layerOf(names[idx[a]]), layerOf(names[idx[b]])
		if la != lb {
			return la < lb
		}
		return names[idx[a]] < names[idx[b]]
	})
	return idx
}

// layerOf returns N for a name starting "blk.N.", or -1.
func layerOf(name string) int {
	var n int
	if _, err := fmt.Sscanf(name, "blk.%d.", &n); err != nil {
		return -1
	}
	return n
}

// Plan returns the type llama-quantize gives each tensor (in the order of
// tensors) for a file of type ft. Tensors that are not quantized (norms,
// biases, one-dimensional tensors such as rope factors, a few named small
// matrices) keep their source type. With pure every quantized matrix gets
// ft.Base; otherwise llama.cpp's per-tensor rules apply (output and tied
// embeddings Q6_K, more bits for attn_v/attn_qkv and ffn_down on some
// layers, ...). Last, a row length the chosen type cannot hold falls back:
// Q4_K→Q5_0, Q5_K→Q5_1, Q6_K→Q8_0, Q2_K/Q3_K→Q4_0, IQ4_XS→IQ4_NL, then F16
// if the row is not a multiple of 32 either. Mix fails, as llama.cpp does,
// for a row length that a type without fallback (Q4_0, Q8_0, ...) cannot
// hold.
func Plan(ft FileType, facts ModelFacts, tensors []TensorSpec, pure bool) ([]quant.Type, error) {
	names := make([]string, len(tensors))
	for i, t := range tensors {
		names[i] = t.Name
	}
	st := mixState{ft: ft, facts: facts, tied: true, nFFN: facts.Layers}
	for _, n := range names {
		c := categoryOf(n)
		if c.isAttnV() {
			st.nAttnV++
		}
		if c == catOutput {
			st.tied = false
		}
	}
	out := make([]quant.Type, len(tensors))
	for _, i := range TensorOrder(names) {
		t := &tensors[i]
		if !quantizable(t.Name, t.Dims) {
			out[i] = t.Type
			continue
		}
		typ := ft.Base
		if typ == quant.F32 || typ == quant.F16 || typ == quant.BF16 {
			out[i] = typ
			continue
		}
		if !pure {
			typ = st.choose(typ, t)
		}
		typ, err := fallback(typ, t)
		if err != nil {
			return nil, err
		}
		out[i] = typ
	}
	return out, nil
}

// quantizable is llama.cpp's tensor_allows_quantization.
func quantizable(name string, dims []uint64) bool {
	n := 0 // ggml_n_dims: trailing dimensions of 1 do not count
	for i, d := range dims {
		if d > 1 {
			n = i + 1
		}
	}
	if n < 2 || !strings.HasSuffix(name, "weight") || strings.Contains(name, "_norm.weight") {
		return false
	}
	switch name {
	case "position_embd.weight", "token_types.weight":
		return false
	}
	for _, s := range keepNames {
		if strings.Contains(name, s) {
			return false
		}
	}
	return true
}

// keepNames are the substrings of the matrices llama.cpp never quantizes.
var keepNames = []string{
	"ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj",
	"ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight",
	"time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
	"time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight",
	"time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
	"time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight",
	"attn_rel_b.weight", ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_", ".rel_pos",
	".patch_embd", ".patch_merger", "a.rvq.codebook", "mm.a.code_embd",
}

type category int

const (
	catOther category = iota
	catOutput
	catTokenEmbd
	catAttnQKV
	catAttnKVB
	catAttnV
	catAttnK
	catAttnQ
	catAttnOutput
	catFFNUp
	catFFNGate
	catFFNDown
)

func (c category) isAttnV() bool { return c == catAttnQKV || c == catAttnKVB || c == catAttnV }

// categoryOf is llama.cpp's tensor_get_category.
func categoryOf(name string) category {
	switch {
	case name == "output.weight":
		return catOutput
	case name == "token_embd.weight" || name == "per_layer_token_embd.weight":
		return catTokenEmbd
	}
	for _, p := range []struct {
		s string
		c category
	}{
		{"attn_qkv.weight", catAttnQKV}, {"attn_kv_b.weight", catAttnKVB}, {"attn_v.weight", catAttnV},
		{"attn_k.weight", catAttnK}, {"attn_q.weight", catAttnQ}, {"attn_output.weight", catAttnOutput},
		{"ffn_up", catFFNUp}, {"ffn_gate", catFFNGate}, {"ffn_down", catFFNDown},
	} {
		if strings.Contains(name, p.s) {
			return p.c
		}
	}
	return catOther
}

// mixState holds llama.cpp's counters (quantize_state_impl): tensors are
// numbered in processing order, not by the layer in their names.
type mixState struct {
	ft             FileType
	facts          ModelFacts
	tied           bool
	nAttnV, iAttnV int
	nFFN, iFFNDown int
}

// useMoreBits: the first and last eighth of the layers and every third one
// in between.
func useMoreBits(i, n int) bool { return i < n/8 || i >= 7*n/8 || (i-n/8)%3 == 2 }

// choose is llama_tensor_get_type_impl for the file types gollm writes.
func (st *mixState) choose(typ quant.Type, t *TensorSpec) quant.Type {
	ft, facts := st.ft.Name, st.facts
	falcon := facts.Arch == "falcon"
	moe8 := facts.Experts == 8
	c := categoryOf(t.Name)
	switch {
	case c == catOutput || (st.tied && c == catTokenEmbd):
		if falcon || t.Dims[0]%uint64(typ.BlockSize()) != 0 {
			return quant.Q8_0
		}
		if typ != quant.Q8_0 {
			return quant.Q6_K
		}
	case c == catTokenEmbd:
	case c.isAttnV():
		i := st.iAttnV
		st.iAttnV++
		switch {
		case ft == "Q2_K":
			typ = quant.Q3_K
			if facts.gqa() >= 4 {
				typ = quant.Q4_K
			}
		case ft == "Q3_K_M":
			typ = quant.Q4_K
			if i < 2 {
				typ = quant.Q5_K
			}
		case ft == "Q3_K_L":
			typ = quant.Q5_K
		case (ft == "IQ4_NL" || ft == "IQ4_XS") && facts.gqa() >= 4:
			typ = quant.Q5_K
		case (ft == "Q4_K_M" || ft == "Q5_K_M") && useMoreBits(i, st.nAttnV):
			typ = quant.Q6_K
		case ft == "Q4_K_S" && i < 4:
			typ = quant.Q5_K
		}
		// llama.cpp's LLM_TYPE_70B: 80 llama layers with grouped KV heads.
		if facts.Arch == "llama" && facts.Layers == 80 && facts.gqa() > 1 && (typ == quant.Q3_K || typ == quant.Q4_K) {
			typ = quant.Q5_K
		}
		if moe8 {
			typ = quant.Q8_0
		}
	case c == catAttnK:
		if moe8 {
			typ = quant.Q8_0
		}
	case c == catFFNDown:
		i, n := st.iFFNDown, st.nFFN
		st.iFFNDown++
		if facts.Experts > 1 {
			i = layerOf(t.Name)
		}
		switch {
		case ft == "Q2_K":
			typ = quant.Q3_K
		case ft == "Q3_K_M":
			switch {
			case i < n/16:
				typ = quant.Q5_K
			case !falcon || useMoreBits(i, n):
				typ = quant.Q4_K
			default:
				typ = quant.Q3_K
			}
		case ft == "Q3_K_L":
			typ = quant.Q5_K
			if falcon {
				typ = quant.Q4_K
			}
		case ft == "Q4_K_M":
			switch {
			case !falcon:
				if useMoreBits(i, n) {
					typ = quant.Q6_K
				}
			case i < n/16:
				typ = quant.Q6_K
			case useMoreBits(i, n):
				typ = quant.Q5_K
			default:
				typ = quant.Q4_K
			}
		case i < n/8 && (ft == "IQ4_NL" || ft == "IQ4_XS"):
			typ = quant.Q5_K
		case ft == "Q5_K_M" && useMoreBits(i, n):
			typ = quant.Q6_K
		case ft == "Q4_K_S" && !falcon && i < n/8:
			typ = quant.Q5_K
		}
	case c == catAttnOutput:
		switch {
		case falcon:
			if ft == "Q3_K_L" {
				typ = quant.Q4_K
			}
		case moe8:
			switch ft {
			case "Q2_K", "Q3_K_S", "Q3_K_M", "IQ4_NL", "Q4_K_S", "Q4_K_M", "IQ4_XS":
				typ = quant.Q5_K
			}
		case ft == "Q2_K":
			typ = quant.Q3_K
		case ft == "Q3_K_M":
			typ = quant.Q4_K
		case ft == "Q3_K_L":
			typ = quant.Q5_K
		}
	}
	return typ
}

// fallback is llama.cpp's tensor_type_fallback: a type whose blocks fit the
// tensor's rows.
func fallback(typ quant.Type, t *TensorSpec) (quant.Type, error) {
	ncols := t.Dims[0]
	if ncols%uint64(typ.BlockSize()) == 0 {
		return typ, nil
	}
	var next quant.Type
	switch typ {
	case quant.IQ4_XS:
		next = quant.IQ4_NL
	case quant.Q2_K, quant.Q3_K:
		next = quant.Q4_0
	case quant.Q4_K:
		next = quant.Q5_0
	case quant.Q5_K:
		next = quant.Q5_1
	case quant.Q6_K:
		next = quant.Q8_0
	default:
		return 0, fmt.Errorf("tensor %q: rows of %d elements do not fit %s blocks and %s has no fallback type", t.Name, ncols, typ, typ)
	}
	if ncols%uint64(next.BlockSize()) != 0 {
		return quant.F16, nil
	}
	return next, nil
}
