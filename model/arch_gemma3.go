package model

import (
	"math"
	"sync"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// configureGemma3 reads Gemma 3's layer pattern as llama.cpp does. With
// a positive attention.sliding_window, the layers
// attention.sliding_window_pattern marks (a period, 6 when absent: five
// sliding layers, then one full; or one bool per layer) attend over the
// window only, with RoPE base rope.freq_base_swa (10000 when absent, as
// every Gemma 3 checkpoint) and no frequency scaling; the others attend
// over everything with rope.freq_base and rope.scaling. Without a window
// every layer attends over everything (Gemma-3-based models such as
// Rnj-1). final_logit_softcapping, when present, caps the logits.
// Embeddings are scaled by sqrt(n_embd). Queries are scaled by
// 1/sqrt(attention.key_length), except on the 27B model (62 layers),
// whose query_pre_attn_scalar is n_embd/n_head.
func configureGemma3(c *Config, r *metaReader) {
	c.EmbedScale = float32(math.Sqrt(float64(c.NEmbd)))
	if c.NLayer == 62 && c.NHead > 0 {
		c.AttnScale = float32(1 / math.Sqrt(float64(c.NEmbd/c.NHead)))
	}
	c.LogitSoftcap = r.float("final_logit_softcapping", 0)
	c.SlidingWindow = r.int("attention.sliding_window", 0)
	if c.SlidingWindow == 0 {
		return
	}
	base := r.float("rope.freq_base_swa", 10000)
	for i, sliding := range r.pattern("attention.sliding_window_pattern", c.NLayer, 6) {
		if sliding {
			c.Layers[i] = LayerSpec{Kind: SlidingAttention, Rope: true, RopeBase: base, RopeScale: 1}
		}
	}
}

// loadGemma3Layer loads a Gemma 3 layer: attention with per-head Q/K norms
// and a norm of its output, and a GELU-gated feed-forward with a norm of
// its output.
func loadGemma3Layer(c *Config, b *blockLoader, i int) (layer, error) {
	var ly layer
	ly.attnNorm = b.vector("attn_norm.weight", c.NEmbd, true)
	b.attention(c, &ly, c.NHead*c.HeadDim, true)
	ly.postAttnNorm = b.vector("post_attention_norm.weight", c.NEmbd, true)
	ly.ffnNorm = b.vector("ffn_norm.weight", c.NEmbd, true)
	b.feedForward(c, &ly)
	ly.postFFNNorm = b.vector("post_ffw_norm.weight", c.NEmbd, true)
	return ly, b.err
}

// gemma3Block is a Gemma 3 layer, normalized on both sides of each
// sublayer, with a GELU-gated feed-forward:
//
//	x += RMSNorm(Attention(RMSNorm(x)))
//	x += RMSNorm(GeGLU(RMSNorm(x)))
//
// (The file's norm weights already hold Gemma's 1+w.)
func (s *Session) gemma3Block(l, n int) {
	c, ly := &s.m.Config, &s.m.layers[l]
	x, xn, y := s.x[:n*c.NEmbd], s.xn[:n*c.NEmbd], s.ffnOut[:n*c.NEmbd]

	rmsNormRows(xn, x, ly.attnNorm, c.NEmbd, c.NormEps)
	s.selfAttention(l, n, xn, y)
	rmsNormRows(y, y, ly.postAttnNorm, c.NEmbd, c.NormEps)
	kernels.Axpy(1, y, x)

	rmsNormRows(xn, x, ly.ffnNorm, c.NEmbd, c.NormEps)
	s.feedForward(ly, n, xn, y, geluMul)
	rmsNormRows(y, y, ly.postFFNNorm, c.NEmbd, c.NormEps)
	kernels.Axpy(1, y, x)
}

// geluMul computes gate[i] = gelu(gate[i]) * up[i] with the tanh
// approximation of GELU, as llama.cpp's CPU backend does: 0 below -10, the
// identity above 10, and in between a table of GELU at every half float,
// looked up at the gate rounded to half precision (this differs from an
// exact tanh GELU by about 5e-4 relative on the logits).
func geluMul(gate, up []float32) {
	t := geluTable()
	for i, g := range gate[:min(len(gate), len(up))] {
		switch {
		case g <= -10:
			gate[i] = 0
		case g >= 10:
			gate[i] = g * up[i]
		default:
			gate[i] = quant.F16ToF32(t[quant.F32ToF16(g)]) * up[i]
		}
	}
}

// geluTable returns GELU (tanh approximation) at every half float, as half
// floats, computed on first use.
var geluTable = sync.OnceValue(func() *[1 << 16]uint16 {
	const sqrt2OverPi, coefA = 0.79788456080286535587989211986876, 0.044715
	var t [1 << 16]uint16
	for h := range t {
		x := quant.F16ToF32(uint16(h))
		inner := float32(sqrt2OverPi) * x * (1 + float32(coefA)*x*x)
		t[h] = quant.F32ToF16(0.5 * x * (1 + float32(math.Tanh(float64(inner)))))
	}
	return &t
})
