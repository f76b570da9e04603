package sampler

import "fmt"

// Constraint restricts the tokens a Sampler may draw, such as a grammar
// (grammar.Matcher implements it).
type Constraint interface {
	// Allows reports whether token id may come next.
	Allows(id int32) bool
	// Mask sets the logit of every token that may not come next to -Inf.
	Mask(logits []float32)
}

// SampleConstrained returns the next token among those c allows. Its
// result has exactly the distribution of Sample on logits masked by c (the
// disallowed logits set to -Inf), but it masks the whole vocabulary only
// when it must, which is the expensive part of constrained decoding:
//
//   - greedy: the argmax, when c allows it, is also the masked argmax;
//   - no truncation (temperature only, or min-p with MinKeep <= 1 when c
//     allows the argmax, which fixes the min-p threshold): draw, and keep
//     the token when c allows it. Otherwise draw again among the allowed
//     candidates, with the weights of the first draw (no second pass of
//     exponentials): P(t) = p(t) + P(rejected) p(t)/P(allowed) =
//     p(t)/P(allowed), the masked distribution;
//   - top-k: the k best allowed tokens are found among the best 2k+64 of
//     the vocabulary when that many are allowed there, and top-p, min-p
//     and the draw then see exactly the candidates they would see masked;
//   - top-p without top-k depends on the mass of every allowed token, so
//     it masks first.
//
// Like Sample it does not modify logits and does not allocate after its
// first call.
func (s *Sampler) SampleConstrained(logits []float32, c Constraint) int32 {
	if len(logits) != s.n {
		panic(fmt.Sprintf("sampler: SampleConstrained got %d logits, want %d", len(logits), s.n))
	}
	src := s.penalized(logits)
	o := &s.opts
	var rejected []candidate // a rejected draw's candidates, their weights in s.w
	switch {
	case o.Temperature <= 0:
		if id := Greedy(src); c.Allows(id) {
			return id
		}
	case o.TopK > 0 && o.TopK < s.n:
		cand := selectTop(src, min(s.n, 2*o.TopK+64), s.cand)
		k := 0
		for _, x := range cand {
			if c.Allows(x.id) {
				cand[k] = x
				if k++; k == o.TopK {
					return s.drawTop(cand[:k])
				}
			}
		}
	case o.TopP < 1:
	case o.MinP == 0 || o.MinKeep <= 1 && c.Allows(Greedy(src)):
		cand := s.untruncated(src)
		id := draw(cand, o.Temperature, s.rng.Float64(), s.w)
		if c.Allows(id) {
			return id
		}
		if len(cand) > 1 { // draw weighed them
			rejected = cand
		}
	}
	if s.mask == nil {
		s.mask = make([]float32, s.n)
	}
	copy(s.mask, logits)
	c.Mask(s.mask)
	if rejected != nil {
		if id, ok := s.redraw(rejected, s.mask); ok {
			return id
		}
	}
	return s.sample(s.penalized(s.mask))
}

// redraw draws among the candidates of a rejected draw that mask leaves
// (those not at -Inf), with the weights the draw left in s.w. It reports
// false when their weights are too small to draw from exactly (their
// exponentials, taken from the best candidate of all, underflowed).
func (s *Sampler) redraw(cand []candidate, mask []float32) (int32, bool) {
	w := s.w[:len(cand)]
	var sum float64
	for i, x := range cand {
		if mask[x.id] > negInf {
			sum += float64(w[i])
		} else {
			w[i] = 0
		}
	}
	if !(sum >= 1e-20) {
		return 0, false
	}
	target := s.rng.Float64() * sum
	var run float64
	last := -1
	for i := range cand {
		if w[i] > 0 {
			run += float64(w[i])
			last = i
			if run > target {
				break
			}
		}
	}
	return cand[last].id, true
}
