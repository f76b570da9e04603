package model

import (
	"fmt"
	"math"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// Prefill runs tokens through the model at positions Pos() onwards, in
// chunks of the batch size, and returns the logits of the last token. The
// returned slice belongs to the session and is overwritten by the next call.
func (s *Session) Prefill(tokens []int32) ([]float32, error) {
	if len(tokens) == 0 {
		return nil, fmt.Errorf("prefill: no tokens")
	}
	if err := s.check(tokens); err != nil {
		return nil, err
	}
	for start := 0; start < len(tokens); start += s.nBatch {
		s.step(tokens[start:min(start+s.nBatch, len(tokens))], lastLogits, nil)
	}
	return s.logits, nil
}

// PrefillLogits is Prefill that also writes the logits of every token into
// out, which must hold len(tokens)*NVocab floats (row-major, one row per
// token).
func (s *Session) PrefillLogits(tokens []int32, out []float32) error {
	nv := s.m.Config.NVocab
	if len(out) != len(tokens)*nv {
		return fmt.Errorf("prefill: logits buffer holds %d floats, want %d", len(out), len(tokens)*nv)
	}
	if err := s.check(tokens); err != nil {
		return err
	}
	for start := 0; start < len(tokens); start += s.nBatch {
		end := min(start+s.nBatch, len(tokens))
		s.step(tokens[start:end], allLogits, out[start*nv:end*nv])
	}
	copy(s.logits, out[len(out)-nv:])
	return nil
}

// PrefillHidden is Prefill that writes, instead of logits, the final hidden
// state of every token (after output_norm, before the output matrix: what
// embeddings pool) into out, which must hold len(tokens)*NEmbd floats
// (row-major, one row per token). The logits are not computed.
func (s *Session) PrefillHidden(tokens []int32, out []float32) error {
	d := s.m.Config.NEmbd
	if len(out) != len(tokens)*d {
		return fmt.Errorf("prefill: hidden-state buffer holds %d floats, want %d", len(out), len(tokens)*d)
	}
	if err := s.check(tokens); err != nil {
		return err
	}
	for start := 0; start < len(tokens); start += s.nBatch {
		end := min(start+s.nBatch, len(tokens))
		s.step(tokens[start:end], allHidden, out[start*d:end*d])
	}
	return nil
}

// Decode runs one token at position Pos() and returns its logits. The
// returned slice belongs to the session and is overwritten by the next call.
func (s *Session) Decode(token int32) ([]float32, error) {
	one := [1]int32{token}
	if err := s.check(one[:]); err != nil {
		return nil, err
	}
	s.step(one[:], lastLogits, nil)
	return s.logits, nil
}

// check validates token ids and that they fit in the context.
func (s *Session) check(tokens []int32) error {
	if s.pool == nil {
		return fmt.Errorf("session is closed")
	}
	if s.pos+len(tokens) > s.nCtx {
		return fmt.Errorf("%w: %d tokens cached + %d new exceed the context of %d", ErrContextFull, s.pos, len(tokens), s.nCtx)
	}
	for _, t := range tokens {
		if t < 0 || int(t) >= s.m.Config.NVocab {
			return fmt.Errorf("token id %d is outside the vocabulary (0..%d)", t, s.m.Config.NVocab-1)
		}
	}
	return nil
}

// outputMode is what a forward step produces after the last layer.
type outputMode int

const (
	// lastLogits: the last token's logits, into s.logits (generation).
	lastLogits outputMode = iota
	// allLogits: every token's logits, into the step's out (perplexity).
	allLogits
	// allHidden: every token's hidden state after output_norm, into out,
	// without the output matrix (embeddings).
	allHidden
)

// step runs one batch of at most nBatch tokens and produces what mode
// says, into out for the modes that cover every token.
func (s *Session) step(tokens []int32, mode outputMode, out []float32) {
	c := &s.m.Config
	n, d := len(tokens), c.NEmbd
	pos := s.pos
	x, xn := s.x[:n*d], s.xn[:n*d]

	emb := s.m.tokenEmbd
	for i, t := range tokens {
		quant.Dequantize(emb.Type, emb.Row(int(t)), x[i*d:(i+1)*d])
	}
	s.ropeTables(pos, n)

	qDim, kDim, vDim := c.NHead*c.HeadDim, c.NHeadKV*c.HeadDim, c.NHeadKV*c.HeadDimV
	q, k, v := s.q[:n*qDim], s.k[:n*kDim], s.v[:n*vDim]
	attnOut, proj := s.attnOut[:n*c.NHead*c.HeadDimV], s.ffnOut[:n*d]
	gate, up := s.gate[:n*c.NFF], s.up[:n*c.NFF]

	for l := range s.m.layers {
		ly := &s.m.layers[l]

		// Attention block.
		rmsNormRows(xn, x, ly.attnNorm, d, c.NormEps)
		s.project(xn, d, n, target{ly.wq, q, ly.bq}, target{ly.wk, k, ly.bk}, target{ly.wv, v, ly.bv})
		if ly.qNorm != nil {
			rmsNormRows(q, q, ly.qNorm, c.HeadDim, c.NormEps)
			rmsNormRows(k, k, ly.kNorm, c.HeadDim, c.NormEps)
		}
		s.applyRope(q, n, c.NHead)
		s.applyRope(k, n, c.NHeadKV)
		s.kv.store(l, pos, n, k, v)
		s.attention(l, pos, n)
		s.project(attnOut, c.NHead*c.HeadDimV, n, target{m: ly.wo, out: proj, bias: ly.bo})
		kernels.Axpy(1, proj, x)

		// Feed-forward block (SwiGLU).
		rmsNormRows(xn, x, ly.ffnNorm, d, c.NormEps)
		s.project(xn, d, n, target{m: ly.wGate, out: gate}, target{m: ly.wUp, out: up})
		kernels.SiLUMul(gate, up)
		s.project(gate, c.NFF, n, target{m: ly.wDown, out: proj})
		kernels.Axpy(1, proj, x)
	}
	s.pos += n
	s.tokens = append(s.tokens, tokens...)

	// Output head: every token's logits or hidden states, or only the
	// last token's logits.
	switch mode {
	case allLogits:
		rmsNormRows(xn, x, s.m.outputNorm, d, c.NormEps)
		s.project(xn, d, n, target{m: s.m.output, out: out})
		return
	case allHidden:
		rmsNormRows(out, x, s.m.outputNorm, d, c.NormEps)
		return
	}
	last := xn[:d]
	kernels.RMSNorm(last, x[(n-1)*d:], s.m.outputNorm, c.NormEps)
	s.project(last, d, 1, target{m: s.m.output, out: s.logits})
}

// rmsNormRows normalizes each row of width w of src into dst.
func rmsNormRows(dst, src, weight []float32, w int, eps float32) {
	for r := 0; r < len(src)/w; r++ {
		kernels.RMSNorm(dst[r*w:(r+1)*w], src[r*w:(r+1)*w], weight, eps)
	}
}

// ropeTables computes cos and sin of every rotated pair for n tokens at
// positions pos.., as ggml does: theta starts at the position and is
// multiplied by base^(-2/ropeDim) per pair, divided by the pair's frequency
// factor, scaled by the frequency scale; cos and sin are scaled by the
// attention factor.
func (s *Session) ropeTables(pos, n int) {
	c := &s.m.Config
	half := c.RopeDim / 2
	thetaScale := float32(math.Pow(float64(c.RopeBase), -2/float64(c.RopeDim)))
	for i := 0; i < n; i++ {
		theta := float32(pos + i)
		cs, sn := s.ropeCos[i*half:(i+1)*half], s.ropeSin[i*half:(i+1)*half]
		for j := 0; j < half; j++ {
			t := theta
			if s.factors != nil {
				t /= s.factors[j]
			}
			t *= c.RopeScale
			cs[j] = float32(math.Cos(float64(t))) * c.AttnFactor
			sn[j] = float32(math.Sin(float64(t))) * c.AttnFactor
			theta *= thetaScale
		}
	}
}

// applyRope rotates the first RopeDim elements of each of the heads of n
// tokens in x (laid out [n][heads][HeadDim]).
func (s *Session) applyRope(x []float32, n, heads int) {
	c := &s.m.Config
	hd, half := c.HeadDim, c.RopeDim/2
	for i := 0; i < n; i++ {
		cs, sn := s.ropeCos[i*half:(i+1)*half], s.ropeSin[i*half:(i+1)*half]
		for h := 0; h < heads; h++ {
			v := x[(i*heads+h)*hd : (i*heads+h+1)*hd]
			if c.RopeMode == RopeNeox {
				for j := 0; j < half; j++ {
					a, b := v[j], v[j+half]
					v[j] = a*cs[j] - b*sn[j]
					v[j+half] = a*sn[j] + b*cs[j]
				}
				continue
			}
			for j := 0; j < half; j++ {
				a, b := v[2*j], v[2*j+1]
				v[2*j] = a*cs[j] - b*sn[j]
				v[2*j+1] = a*sn[j] + b*cs[j]
			}
		}
	}
}
