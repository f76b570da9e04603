package model

import (
	"fmt"
	"math"

	"github.com/gollm/gollm/kernels"
)

// PrefillLogProbs is Prefill that also scores the tokens: it writes into
// out, which must hold len(tokens)-1 floats, the natural-log probability
// the model gives each token after the first, out[i] = log p(tokens[i+1] |
// the cache and tokens[:i+1]), and returns the last token's logits as
// Prefill does. It never holds more than a few rows of logits at once
// (allLogProbs), so scoring a long prompt costs the output matrix on every
// token but no [len(tokens)][NVocab] buffer.
func (s *Session) PrefillLogProbs(tokens []int32, out []float32) ([]float32, error) {
	if len(tokens) == 0 {
		return nil, fmt.Errorf("prefill: no tokens")
	}
	if len(out) != len(tokens)-1 {
		return nil, fmt.Errorf("prefill: log-probability buffer holds %d floats, want %d", len(out), len(tokens)-1)
	}
	if err := s.check(tokens); err != nil {
		return nil, err
	}
	// As in Prefill, layers that cannot rewind take a checkpoint before
	// the last token, which then runs on its own.
	body := tokens
	if s.maxCheckpoints > 0 && len(tokens) > 1 {
		body = tokens[:len(tokens)-1]
	}
	run := func(start, end int) {
		if start > 0 { // the previous batch's last row predicts this batch's first token
			out[start-1] = logProbAt(s.logits, tokens[start])
		}
		s.step(tokens[start:end], allLogProbs, out[start:max(end-1, start)])
	}
	for start := 0; start < len(body); start += s.nBatch {
		run(start, min(start+s.nBatch, len(body)))
	}
	if len(body) < len(tokens) {
		s.takeCheckpoint()
		run(len(body), len(tokens))
	}
	return s.logits, nil
}

// logProbRows is how many rows of logits allLogProbs computes at once: a
// few, so that the output matrix still runs as a matrix product.
const logProbRows = 8

// logProbHead is the output head of allLogProbs for the batch's n tokens
// (normalized in xn): rows 0..n-2 are scored against the batch's next
// token into out, chunk by chunk, and the last row's logits go to s.logits
// (they predict a token the batch does not hold yet). Logits are
// soft-capped as the other output modes cap them.
func (s *Session) logProbHead(xn []float32, n int, out []float32) {
	c := &s.m.Config
	d, nv := c.NEmbd, c.NVocab
	next := s.tokens[len(s.tokens)-n+1:] // the token each row predicts
	if len(s.scoreRows) == 0 && n > 1 {
		s.scoreRows = make([]float32, min(logProbRows, s.nBatch)*nv)
	}
	for a := 0; a < n-1; a += logProbRows {
		b := min(a+logProbRows, n-1)
		rows := s.scoreRows[:(b-a)*nv]
		s.project(xn[a*d:b*d], d, b-a, target{m: s.m.output, out: rows})
		softcap(rows, c.LogitSoftcap)
		for i := a; i < b; i++ {
			out[i] = logProbAt(rows[(i-a)*nv:(i-a+1)*nv], next[i])
		}
	}
	s.project(xn[(n-1)*d:n*d], d, 1, target{m: s.m.output, out: s.logits})
	softcap(s.logits, c.LogitSoftcap)
}

// logProbAt returns log softmax(logits)[t], overwriting logits with the
// exponentials. It is bounded below by -87.3 (the smallest exponent
// ExpShift keeps), so that a logit of -Inf still gives a finite score.
func logProbAt(logits []float32, t int32) float32 {
	x, m := logits[t], kernels.MaxF32(logits)
	lse := float64(m) + math.Log(kernels.ExpShift(logits, logits, m))
	return float32(max(float64(x)-lse, -87.3))
}
