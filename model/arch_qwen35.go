package model

import (
	"errors"
	"fmt"
	"math"

	"github.com/gollm/gollm/kernels"
)

// configureQwen35 reads Qwen3.5's layer pattern: every
// full_attention_interval-th layer (4 when absent) is gated full attention,
// the others gated DeltaNet layers of the ssm.* sizes. Attention rotates
// the first rope.dimension_count elements of each head, in the sections
// rope.dimension_sections gives to the text, height and width positions
// (all equal for text).
func configureQwen35(c *Config, r *metaReader) {
	interval := r.int("full_attention_interval", 4)
	if interval <= 0 {
		r.err = cmpErr(r.err, fmt.Errorf("qwen35.full_attention_interval must be positive, got %d", interval))
		return
	}
	for i := range c.Layers {
		if (i+1)%interval != 0 {
			c.Layers[i] = LayerSpec{Kind: Recurrent}
		}
	}
	c.DeltaNet = DeltaNetConfig{
		ConvKernel: r.int("ssm.conv_kernel", 0),
		HeadDim:    r.int("ssm.state_size", 0),
		KHeads:     r.int("ssm.group_count", 0),
		VHeads:     r.int("ssm.time_step_rank", 0),
		InnerSize:  r.int("ssm.inner_size", 0),
	}
	c.RopeSections = r.ints("rope.dimension_sections")
	if c.HeadDimV != c.HeadDim {
		r.err = cmpErr(r.err, fmt.Errorf("qwen35 gates attention per head: value head size %d must equal the key head size %d", c.HeadDimV, c.HeadDim))
	}
}

func (d DeltaNetConfig) validate() error {
	var errs []error
	for _, f := range []struct {
		key string
		v   int
	}{{"ssm.conv_kernel", d.ConvKernel}, {"ssm.state_size", d.HeadDim}, {"ssm.group_count", d.KHeads},
		{"ssm.time_step_rank", d.VHeads}, {"ssm.inner_size", d.InnerSize}} {
		if f.v <= 0 || f.v > 1<<16 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %d", f.key, f.v))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if d.InnerSize != d.VHeads*d.HeadDim {
		errs = append(errs, fmt.Errorf("ssm.inner_size %d is not ssm.time_step_rank %d x ssm.state_size %d", d.InnerSize, d.VHeads, d.HeadDim))
	}
	if d.VHeads%d.KHeads != 0 {
		errs = append(errs, fmt.Errorf("ssm.time_step_rank %d is not a multiple of ssm.group_count %d", d.VHeads, d.KHeads))
	}
	return errors.Join(errs...)
}

// ropeStill returns, for multi-section RoPE (rope.dimension_sections, which
// llama.cpp interleaves for qwen35: pair i belongs to section i % 3 while
// that section lasts), the pairs whose section is none of text, height and
// width: for text tokens their position is 0, so they do not rotate. It
// returns nil when every pair rotates.
func (c *Config) ropeStill() []bool {
	if len(c.RopeSections) == 0 {
		return nil
	}
	sec := [4]int{}
	copy(sec[:], c.RopeSections)
	total := sec[0] + sec[1] + sec[2] + sec[3]
	if total <= 0 {
		return nil
	}
	var still []bool
	for i := range c.RopeDim / 2 {
		sector := i % total
		k := sector % 3
		if sector < 3*sec[k] {
			continue
		}
		if still == nil {
			still = make([]bool, c.RopeDim/2)
		}
		still[i] = true
	}
	return still
}

// loadQwen35Layer loads a Qwen3.5 layer: a gated DeltaNet or a gated
// attention (its Q projection holds a query and a gate per head) with
// per-head Q/K norms, then the post-attention norm (the norm before the
// feed-forward) and a SwiGLU feed-forward.
func loadQwen35Layer(c *Config, b *blockLoader, i int) (layer, error) {
	var ly layer
	ly.attnNorm = b.vector("attn_norm.weight", c.NEmbd, true)
	if c.Layers[i].Kind == Recurrent {
		ly.delta = b.deltaNet(c)
	} else {
		b.attention(c, &ly, 2*c.NHead*c.HeadDim, true)
		ly.gatedQ = true
	}
	ly.ffnNorm = b.vector("post_attention_norm.weight", c.NEmbd, true)
	b.feedForward(c, &ly)
	return ly, b.err
}

// qwen35Block is a Qwen3.5 layer: a gated DeltaNet or, every
// full_attention_interval-th layer, gated attention, then SwiGLU:
//
//	x += GatedDeltaNet(RMSNorm(x))  or  x += GatedAttention(RMSNorm(x))
//	x += SwiGLU(RMSNorm(x))
func (s *Session) qwen35Block(l, n int) {
	c, ly := &s.m.Config, &s.m.layers[l]
	x, xn, y := s.x[:n*c.NEmbd], s.xn[:n*c.NEmbd], s.ffnOut[:n*c.NEmbd]

	rmsNormRows(xn, x, ly.attnNorm, c.NEmbd, c.NormEps)
	if ly.delta != nil {
		s.gatedDeltaNet(l, n, xn, y)
	} else {
		s.gatedAttention(l, n, xn, y)
	}
	kernels.Axpy(1, y, x)

	rmsNormRows(xn, x, ly.ffnNorm, c.NEmbd, c.NormEps)
	s.feedForward(ly, n, xn, y, kernels.SiLUMul)
	kernels.Axpy(1, y, x)
}

// gatedAttention is Qwen3.5's attention sublayer: attention as in
// selfAttention, whose output is multiplied element by element by
// sigmoid(gate), a second query-sized projection, before the output
// projection.
func (s *Session) gatedAttention(l, n int, xn, out []float32) {
	c, ly := &s.m.Config, &s.m.layers[l]
	hd, qDim := c.HeadDim, c.NHead*c.HeadDim
	qg := s.qGate[:2*n*qDim] // per token and head: hd of query, hd of gate
	s.project(xn, c.NEmbd, n,
		target{m: ly.wq, out: qg}, target{m: ly.wk, out: s.k[:n*c.NHeadKV*hd]}, target{m: ly.wv, out: s.v[:n*c.NHeadKV*c.HeadDimV]})
	// Queries to s.q; gates packed into the front of qg (each moves to a
	// lower offset, so in place).
	for i := range n * c.NHead {
		copy(s.q[i*hd:(i+1)*hd], qg[2*i*hd:(2*i+1)*hd])
		copy(qg[i*hd:(i+1)*hd], qg[(2*i+1)*hd:(2*i+2)*hd])
	}
	s.attend(l, n)
	o := s.attnOut[:n*c.NHead*c.HeadDimV]
	for i, g := range qg[:len(o)] {
		o[i] *= sigmoid(g)
	}
	s.project(o, len(o)/n, n, target{m: ly.wo, out: out, bias: ly.bo})
}

// sigmoid is 1/(1+e^-x) in float32, as ggml computes it.
func sigmoid(x float32) float32 {
	return 1 / (1 + float32(math.Exp(float64(-x))))
}
