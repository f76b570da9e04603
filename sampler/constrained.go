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
//     the token when c allows it. Otherwise draw again from the masked
//     logits: P(t) = p(t) + P(rejected) p(t)/P(allowed) = p(t)/P(allowed),
//     the masked distribution;
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
		if id := s.sample(src); c.Allows(id) {
			return id
		}
	}
	if s.mask == nil {
		s.mask = make([]float32, s.n)
	}
	copy(s.mask, logits)
	c.Mask(s.mask)
	return s.sample(s.penalized(s.mask))
}
