package sampler

import "math"

// TokenLogProb returns the natural log of the probability softmax(logits)
// gives to token, computed with a log-sum-exp (terms relative to the largest logit, summed
// in float64) so that large or very negative logits neither overflow nor
// underflow; the relative error is about 1e-6. It returns -Inf when token
// is out of range or its probability is 0 (its logit is -Inf, or every
// logit is -Inf).
func TokenLogProb(logits []float32, token int32) float64 {
	if token < 0 || int(token) >= len(logits) {
		return math.Inf(-1)
	}
	m := float64(maxLogit(logits))
	if math.IsInf(m, 0) {
		if m > 0 && float64(logits[token]) == m {
			n := 0 // several +Inf logits share the mass equally
			for _, v := range logits {
				if float64(v) == m {
					n++
				}
			}
			return -math.Log(float64(n))
		}
		return math.Inf(-1)
	}
	sum := sumExpShift(logits, float32(m))
	return float64(logits[token]) - m - math.Log(sum)
}

// Confidence accumulates the confidence score of a generated answer: the
// geometric mean of the chosen tokens' probabilities under the full softmax
// of the raw logits at temperature 1 (see the package doc). The zero value
// is an empty accumulator ready to use.
type Confidence struct {
	sumLog float64
	minLog float64
	n      int
}

// Add records that token was generated from logits (the raw model output,
// before any penalty, truncation or temperature). It costs one pass of
// exponentials over logits and does not modify or keep it.
func (c *Confidence) Add(logits []float32, token int32) {
	c.AddLogProb(TokenLogProb(logits, token))
}

// AddLogProb records a token whose natural-log probability is already
// known, such as one returned by TokenLogProb. NaN counts as -Inf.
func (c *Confidence) AddLogProb(lp float64) {
	if math.IsNaN(lp) {
		lp = math.Inf(-1)
	}
	lp = min(lp, 0)
	if c.n == 0 || lp < c.minLog {
		c.minLog = lp
	}
	c.sumLog += lp
	c.n++
}

// Score returns exp(mean log probability) in [0,1], or 0 when no token has
// been added.
func (c *Confidence) Score() float64 {
	if c.n == 0 {
		return 0
	}
	return math.Exp(c.sumLog / float64(c.n))
}

// MeanLogProb returns the mean natural-log probability of the added tokens
// (<= 0; -Inf if any had probability 0), or 0 when none were added. Its
// negation is the answer's per-token cross-entropy; exp of that negation is
// its perplexity.
func (c *Confidence) MeanLogProb() float64 {
	if c.n == 0 {
		return 0
	}
	return c.sumLog / float64(c.n)
}

// MinProb returns the smallest probability among the added tokens, or 0
// when none were added.
func (c *Confidence) MinProb() float64 {
	if c.n == 0 {
		return 0
	}
	return math.Exp(c.minLog)
}

// Count returns how many tokens have been added.
func (c *Confidence) Count() int { return c.n }

// Reset empties the accumulator.
func (c *Confidence) Reset() { *c = Confidence{} }

// LogSumExp returns log(sum(exp(logits))), the log of the softmax
// denominator, computed as TokenLogProb computes it: the log-probability of
// token t is logits[t] - LogSumExp(logits). It returns +Inf or -Inf when
// the largest logit is infinite.
func LogSumExp(logits []float32) float64 {
	m := float64(maxLogit(logits))
	if math.IsInf(m, 0) {
		return m
	}
	return m + math.Log(sumExpShift(logits, float32(m)))
}

// TopTokens fills dst with the ids of the len(dst) largest logits, largest
// first (ties: the lower id first), and returns it; with fewer logits than
// len(dst) it returns dst[:len(logits)]. It is one pass over logits with an
// insertion into dst, meant for a few tokens (such as top_logprobs, at most
// 20).
func TopTokens(logits []float32, dst []int32) []int32 {
	if len(dst) == 0 {
		return dst
	}
	n := 0
	for i, v := range logits {
		if n == len(dst) && !(v > logits[dst[n-1]]) {
			continue
		}
		j := min(n, len(dst)-1) // the slot to fill, then bubble up
		if n < len(dst) {
			n++
		}
		for j > 0 && v > logits[dst[j-1]] {
			dst[j] = dst[j-1]
			j--
		}
		dst[j] = int32(i)
	}
	return dst[:n]
}
