package model

import "github.com/gollm/gollm/kernels"

// loadLlamaLayer loads a llama, qwen2, phi3 or smollm3 layer: attention
// (biases and fused QKV when the file has them) and a SwiGLU feed-forward.
func loadLlamaLayer(c *Config, b *blockLoader, i int) (layer, error) {
	var ly layer
	ly.attnNorm = b.vector("attn_norm.weight", c.NEmbd, true)
	b.attention(c, &ly, c.NHead*c.HeadDim, false)
	ly.ffnNorm = b.vector("ffn_norm.weight", c.NEmbd, true)
	b.feedForward(c, &ly)
	return ly, b.err
}

// loadQwen3Layer is loadLlamaLayer with the per-head Q/K norms required.
func loadQwen3Layer(c *Config, b *blockLoader, i int) (layer, error) {
	var ly layer
	ly.attnNorm = b.vector("attn_norm.weight", c.NEmbd, true)
	b.attention(c, &ly, c.NHead*c.HeadDim, true)
	ly.ffnNorm = b.vector("ffn_norm.weight", c.NEmbd, true)
	b.feedForward(c, &ly)
	return ly, b.err
}

// configureSmolLM3 turns RoPE off on every fourth layer (layers i with
// (i+1) % 4 == 0), as llama.cpp fixes in code: no metadata key says so.
func configureSmolLM3(c *Config, _ *metaReader) {
	for i := range c.Layers {
		if (i+1)%4 == 0 {
			c.Layers[i].Rope = false
		}
	}
}

// llamaBlock is the pre-norm transformer layer of llama, qwen2, qwen3,
// phi3 and smollm3:
//
//	x += Attention(RMSNorm(x))
//	x += SwiGLU(RMSNorm(x))
func (s *Session) llamaBlock(l, n int) {
	c, ly := &s.m.Config, &s.m.layers[l]
	x, xn, y := s.x[:n*c.NEmbd], s.xn[:n*c.NEmbd], s.ffnOut[:n*c.NEmbd]

	rmsNormRows(xn, x, ly.attnNorm, c.NEmbd, c.NormEps)
	s.selfAttention(l, n, xn, y)
	kernels.Axpy(1, y, x)

	rmsNormRows(xn, x, ly.ffnNorm, c.NEmbd, c.NormEps)
	s.feedForward(ly, n, xn, y, kernels.SiLUMul)
	kernels.Axpy(1, y, x)
}
