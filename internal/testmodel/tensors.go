package testmodel

import (
	"fmt"
	"math"
	"sort"
)

// tensorKind says how a tensor's values are generated.
type tensorKind int

const (
	kindMatrix tensorKind = iota // weight matrix: small zero-mean noise
	kindNorm                     // norm weight: values near 1
	kindBias                     // bias: small noise
	kindDecayA                   // DeltaNet ssm_a = -exp(A_log): in [-16, -1]
	kindDtBias                   // DeltaNet ssm_dt.bias: softplus of it in [0.001, 0.1]
)

// tensorDesc is one tensor of a model: its name, GGML shape (dims[0] is the
// row length), block index (-1 outside the blocks) and kind.
type tensorDesc struct {
	name  string
	dims  []uint64
	layer int
	kind  tensorKind
}

func (t tensorDesc) cols() int { return int(t.dims[0]) }

func (t tensorDesc) rows() int {
	n := 1
	for _, d := range t.dims[1:] {
		n *= int(d)
	}
	return n
}

// scale is the standard deviation of a tensor's noise. For the hidden
// projections it is 1/sqrt(row length) (clamped to [0.01, 0.125]), so each
// projection keeps activations of order one and every block adds about as
// much to the residual stream as the token embedding holds: with tied
// embeddings, a smaller block output makes the model repeat its input.
func (t tensorDesc) scale() float32 {
	switch t.kind {
	case kindNorm:
		return 0.1
	case kindBias:
		return 0.02
	}
	if t.name == "token_embd.weight" || t.name == "output.weight" {
		// Logits with a standard deviation of about 1.5, so next-token
		// distributions are not flat.
		return float32(min(1.5/math.Sqrt(float64(t.cols())), 0.15))
	}
	s := 1 / math.Sqrt(float64(t.cols()))
	return float32(min(max(s, 0.01), 0.125))
}

// tensors lists the tensors of s (with defaults applied) in the order
// llama.cpp writes them: tensors outside the blocks sorted by name, then
// each block in order with its tensors sorted by name.
func (s Spec) tensors() []tensorDesc {
	d := uint64(s.NEmbd)
	q := uint64(s.NHead * s.HeadDim)
	kv := uint64(s.NHeadKV * s.HeadDim)
	ff := uint64(s.NFF)
	mat := func(name string, layer int, cols, rows uint64) tensorDesc {
		return tensorDesc{name, []uint64{cols, rows}, layer, kindMatrix}
	}
	vec := func(name string, layer int, n uint64, kind tensorKind) tensorDesc {
		return tensorDesc{name, []uint64{n}, layer, kind}
	}
	global := []tensorDesc{
		mat("token_embd.weight", -1, d, uint64(s.NVocab)),
		vec("output_norm.weight", -1, d, kindNorm),
	}
	if !s.Tied {
		global = append(global, mat("output.weight", -1, d, uint64(s.NVocab)))
	}
	sortByName(global)
	out := global
	for i := range s.NLayer {
		p := fmt.Sprintf("blk.%d.", i)
		ts := []tensorDesc{vec(p+"attn_norm.weight", i, d, kindNorm), mat(p+"ffn_down.weight", i, ff, d)}
		switch {
		case s.recurrent(i):
			kd, inner := uint64(s.SSMGroups*s.SSMState), uint64(s.SSMVHeads*s.SSMState)
			vh := uint64(s.SSMVHeads)
			ts = append(ts,
				mat(p+"attn_qkv.weight", i, d, 2*kd+inner), mat(p+"attn_gate.weight", i, d, inner),
				mat(p+"ssm_conv1d.weight", i, uint64(s.SSMConv), 2*kd+inner),
				vec(p+"ssm_dt.bias", i, vh, kindDtBias), vec(p+"ssm_a", i, vh, kindDecayA),
				mat(p+"ssm_beta.weight", i, d, vh), mat(p+"ssm_alpha.weight", i, d, vh),
				vec(p+"ssm_norm.weight", i, uint64(s.SSMState), kindNorm), mat(p+"ssm_out.weight", i, inner, d))
		case s.Fused:
			ts = append(ts, mat(p+"attn_qkv.weight", i, d, q+2*kv), mat(p+"attn_output.weight", i, q, d))
		default:
			qRows := q
			if s.Arch == "qwen35" { // a query and an output gate per head
				qRows = 2 * q
			}
			ts = append(ts, mat(p+"attn_q.weight", i, d, qRows), mat(p+"attn_k.weight", i, d, kv),
				mat(p+"attn_v.weight", i, d, kv), mat(p+"attn_output.weight", i, q, d))
			if s.QKVBias {
				ts = append(ts, vec(p+"attn_q.bias", i, q, kindBias), vec(p+"attn_k.bias", i, kv, kindBias),
					vec(p+"attn_v.bias", i, kv, kindBias))
			}
			if s.QKNorm {
				ts = append(ts, vec(p+"attn_q_norm.weight", i, uint64(s.HeadDim), kindNorm),
					vec(p+"attn_k_norm.weight", i, uint64(s.HeadDim), kindNorm))
			}
		}
		if s.Fused {
			ts = append(ts, mat(p+"ffn_up.weight", i, d, 2*ff))
		} else {
			ts = append(ts, mat(p+"ffn_gate.weight", i, d, ff), mat(p+"ffn_up.weight", i, d, ff))
		}
		switch s.Arch {
		case "gemma3":
			ts = append(ts, vec(p+"ffn_norm.weight", i, d, kindNorm),
				vec(p+"post_attention_norm.weight", i, d, kindNorm), vec(p+"post_ffw_norm.weight", i, d, kindNorm))
		case "qwen35": // the norm before the feed-forward
			ts = append(ts, vec(p+"post_attention_norm.weight", i, d, kindNorm))
		default:
			ts = append(ts, vec(p+"ffn_norm.weight", i, d, kindNorm))
		}
		sortByName(ts)
		out = append(out, ts...)
	}
	return out
}

func sortByName(ts []tensorDesc) {
	sort.Slice(ts, func(i, j int) bool { return ts[i].name < ts[j].name })
}
