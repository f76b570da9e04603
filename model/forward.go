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
	// With layers that cannot rewind, the prompt's last token runs on its
	// own after a checkpoint of the state before it (checkpoint.go).
	body := tokens
	if s.maxCheckpoints > 0 && len(tokens) > 1 {
		body = tokens[:len(tokens)-1]
	}
	for start := 0; start < len(body); start += s.nBatch {
		end := min(start+s.nBatch, len(body))
		mode := noOutput
		if end == len(tokens) {
			mode = lastLogits
		}
		s.step(body[start:end], mode, nil)
	}
	if len(body) < len(tokens) {
		s.takeCheckpoint()
		s.step(tokens[len(body):], lastLogits, nil)
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
	// noOutput: nothing (a prefill batch before the last).
	noOutput outputMode = iota
	// lastLogits: the last token's logits, into s.logits (generation).
	lastLogits
	// allLogits: every token's logits, into the step's out (perplexity).
	allLogits
	// allHidden: every token's hidden state after output_norm, into out,
	// without the output matrix (embeddings).
	allHidden
	// allLogProbs: the log-probability of each token after the batch's
	// first, into out, a few rows of logits at a time, and the last
	// token's logits into s.logits (a prompt's surprise, logprob.go).
	allLogProbs
)

// step runs one batch of at most nBatch tokens at positions s.pos.. through
// the model's layers and produces what mode says, into out for the modes
// that cover every token.
func (s *Session) step(tokens []int32, mode outputMode, out []float32) {
	n := len(tokens)
	s.embed(tokens)
	s.ropeTables(s.pos, n)
	for l := range s.m.layers {
		s.m.arch.block(s, l, n)
	}
	s.pos += n
	s.tokens = append(s.tokens, tokens...)
	if s.ringSlots > 0 {
		s.ringStart = max(s.ringStart, s.pos-s.ringSlots)
	}
	s.outputHead(n, mode, out)
}

// embed writes the embeddings of tokens into the residual stream s.x,
// scaled by the architecture's embedding scale.
func (s *Session) embed(tokens []int32) {
	c, emb := &s.m.Config, s.m.tokenEmbd
	d := c.NEmbd
	x := s.x[:len(tokens)*d]
	for i, t := range tokens {
		quant.Dequantize(emb.Type, emb.Row(int(t)), x[i*d:(i+1)*d])
	}
	if c.EmbedScale != 1 {
		kernels.Scale(x, c.EmbedScale)
	}
}

// outputHead normalizes the residual stream of the batch's n tokens and
// produces what mode says: every token's logits or hidden states into out,
// or only the last token's logits into s.logits.
func (s *Session) outputHead(n int, mode outputMode, out []float32) {
	c := &s.m.Config
	d := c.NEmbd
	x, xn := s.x[:n*d], s.xn[:n*d]
	switch mode {
	case noOutput:
		return
	case allLogits:
		rmsNormRows(xn, x, s.m.outputNorm, d, c.NormEps)
		s.project(xn, d, n, target{m: s.m.output, out: out})
		softcap(out[:n*c.NVocab], c.LogitSoftcap)
		return
	case allHidden:
		rmsNormRows(out, x, s.m.outputNorm, d, c.NormEps)
		return
	case allLogProbs:
		rmsNormRows(xn, x, s.m.outputNorm, d, c.NormEps)
		s.logProbHead(xn, n, out)
		return
	}
	last := xn[:d]
	kernels.RMSNorm(last, x[(n-1)*d:], s.m.outputNorm, c.NormEps)
	s.project(last, d, 1, target{m: s.m.output, out: s.logits})
	softcap(s.logits, c.LogitSoftcap)
}

// softcap replaces each logit x by c*tanh(x/c), as llama.cpp does (scale
// by 1/c, tanh, scale by c); c == 0 leaves them as they are.
func softcap(logits []float32, c float32) {
	if c == 0 {
		return
	}
	inv := 1 / c
	for i, x := range logits {
		logits[i] = float32(math.Tanh(float64(x*inv))) * c
	}
}

// selfAttention is the attention sublayer of layer l for the batch's n
// tokens: the Q, K and V projections of the normalized input xn, attend,
// and the output projection into out.
func (s *Session) selfAttention(l, n int, xn, out []float32) {
	c, ly := &s.m.Config, &s.m.layers[l]
	qDim, kDim, vDim := c.NHead*c.HeadDim, c.NHeadKV*c.HeadDim, c.NHeadKV*c.HeadDimV
	s.project(xn, c.NEmbd, n,
		target{m: ly.wq, out: s.q[:n*qDim], bias: ly.bq}, target{m: ly.wk, out: s.k[:n*kDim], bias: ly.bk}, target{m: ly.wv, out: s.v[:n*vDim], bias: ly.bv})
	s.attend(l, n)
	oDim := c.NHead * c.HeadDimV
	s.project(s.attnOut[:n*oDim], oDim, n, target{m: ly.wo, out: out, bias: ly.bo})
}

// attend applies layer l's per-head Q/K norms and RoPE to the batch's
// queries and keys in s.q and s.k, appends the keys and values to the
// layer's cache and computes the attention output into s.attnOut.
func (s *Session) attend(l, n int) {
	c, ly := &s.m.Config, &s.m.layers[l]
	q, k := s.q[:n*c.NHead*c.HeadDim], s.k[:n*c.NHeadKV*c.HeadDim]
	if ly.qNorm != nil {
		rmsNormRows(q, q, ly.qNorm, c.HeadDim, c.NormEps)
		rmsNormRows(k, k, ly.kNorm, c.HeadDim, c.NormEps)
	}
	if ly.rope >= 0 {
		s.applyRope(q, n, c.NHead, ly.rope)
		s.applyRope(k, n, c.NHeadKV, ly.rope)
	}
	s.kv.store(l, s.pos, n, k, s.v[:n*c.NHeadKV*c.HeadDimV])
	s.attention(l, s.pos, n)
}

// feedForward is a gated feed-forward of the normalized input xn into out:
// down(act(gate(xn)) * up(xn)), where actMul(gate, up) computes
// act(gate)*up into gate (SwiGLU: kernels.SiLUMul; GeGLU: geluMul).
func (s *Session) feedForward(ly *layer, n int, xn, out []float32, actMul func(gate, up []float32)) {
	c := &s.m.Config
	gate, up := s.gate[:n*c.NFF], s.up[:n*c.NFF]
	s.project(xn, c.NEmbd, n, target{m: ly.wGate, out: gate}, target{m: ly.wUp, out: up})
	actMul(gate, up)
	s.project(gate, c.NFF, n, target{m: ly.wDown, out: out})
}

// rmsNormRows normalizes each row of width w of src into dst.
func rmsNormRows(dst, src, weight []float32, w int, eps float32) {
	for r := 0; r < len(src)/w; r++ {
		kernels.RMSNorm(dst[r*w:(r+1)*w], src[r*w:(r+1)*w], weight, eps)
	}
}

// ropeSpec is one RoPE of a model, shared by the layers that use it:
// gemma3's sliding layers rotate with another base than its full ones.
type ropeSpec struct {
	base, scale float32
	// With YaRN, pair j takes the angle scaled by scale times 1-ramp(j)
	// plus the unscaled angle times ramp(j), where ramp falls from 1 to 0
	// between pairs yarnLow and yarnHigh; cos and sin are multiplied by
	// mscale (1 without YaRN).
	yarn              bool
	yarnLow, yarnHigh float32
	mscale            float32
}

// YaRN's defaults in llama.cpp: pairs that turn more than yarnBetaFast
// times over the original context keep their angle, pairs that turn less
// than yarnBetaSlow times take the scaled one.
const (
	yarnBetaFast = 32
	yarnBetaSlow = 1
)

// newRopeSpec returns the RoPE of a layer with spec ls, computing YaRN's
// correction range as ggml does (ggml_rope_yarn_corr_dims), in float32.
func (c *Config) newRopeSpec(ls LayerSpec) ropeSpec {
	r := ropeSpec{base: ls.RopeBase, scale: ls.RopeScale, mscale: 1}
	if !c.RopeYaRN {
		return r
	}
	// The pair whose angle turns beta times over the original context.
	corrDim := func(beta float32) float32 {
		return float32(c.RopeDim) * float32(math.Log(float64(float32(c.RopeOrigCtx)/(beta*2*math.Pi)))) /
			(2 * float32(math.Log(float64(r.base))))
	}
	r.yarn = true
	r.yarnLow = max(0, float32(math.Floor(float64(corrDim(yarnBetaFast)))))
	r.yarnHigh = min(float32(c.RopeDim-1), float32(math.Ceil(float64(corrDim(yarnBetaSlow)))))
	r.mscale = 1 + 0.1*float32(math.Log(float64(1/r.scale)))
	return r
}

// yarnRamp is how much of its unscaled angle pair j keeps: 1 below low,
// 0 above high, linear between (ggml's rope_yarn_ramp).
func yarnRamp(low, high float32, j int) float32 {
	y := (float32(j) - low) / max(0.001, high-low)
	return 1 - min(1, max(0, y))
}

// ropeTables computes cos and sin of every rotated pair of every RoPE of
// the model for n tokens at positions pos.., as ggml does: theta starts at
// the position and is multiplied by base^(-2/ropeDim) per pair, divided by
// the pair's frequency factor, scaled by the frequency scale (with YaRN,
// blended with the unscaled theta); cos and sin are scaled by the
// attention factor (and YaRN's). A pair that multi-section RoPE gives to a
// position that text tokens leave at 0 (qwen35) keeps theta 0.
func (s *Session) ropeTables(pos, n int) {
	c := &s.m.Config
	half := c.RopeDim / 2
	for r, spec := range s.m.ropes {
		thetaScale := float32(math.Pow(float64(spec.base), -2/float64(c.RopeDim)))
		mscale := c.AttnFactor * spec.mscale
		for i := 0; i < n; i++ {
			theta := float32(pos + i)
			cs, sn := s.ropeCos[r][i*half:(i+1)*half], s.ropeSin[r][i*half:(i+1)*half]
			for j := 0; j < half; j++ {
				t := theta
				if s.m.ropeStill != nil && s.m.ropeStill[j] {
					t = 0
				}
				if s.factors != nil {
					t /= s.factors[j]
				}
				scaled := t * spec.scale
				if spec.yarn {
					keep := yarnRamp(spec.yarnLow, spec.yarnHigh, j)
					scaled = scaled*(1-keep) + t*keep
				}
				cs[j] = float32(math.Cos(float64(scaled))) * mscale
				sn[j] = float32(math.Sin(float64(scaled))) * mscale
				theta *= thetaScale
			}
		}
	}
}

// applyRope rotates, with the model's RoPE r, the first RopeDim elements of
// each of the heads of n tokens in x (laid out [n][heads][HeadDim]).
func (s *Session) applyRope(x []float32, n, heads, r int) {
	c := &s.m.Config
	hd, half := c.HeadDim, c.RopeDim/2
	for i := 0; i < n; i++ {
		kernels.RoPE(x[i*heads*hd:(i+1)*heads*hd], hd,
			s.ropeCos[r][i*half:(i+1)*half], s.ropeSin[r][i*half:(i+1)*half], c.RopeMode == RopeNeox)
	}
}
