package sampler

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Sampler draws tokens from logits with a fixed Options chain (see the
// package doc). It keeps all its scratch memory, so Sample does not
// allocate. A Sampler is not safe for concurrent use.
type Sampler struct {
	opts  Options
	n     int
	seed  uint64
	pcg   *rand.PCG
	rng   *rand.Rand
	cand  []candidate // n entries of scratch for the candidate set
	w     []float32   // n weights of scratch for the final draw
	pen   bool        // whether penalties are active
	work  []float32   // penalized copy of the logits (pen only)
	hist  []int32     // ring buffer of the last RepeatLastN tokens
	head  int         // next write position in hist
	nhist int         // tokens held in hist
	count []int32     // occurrences of each token in hist
	mark  []uint32    // per token: generation it was last penalized in
	gen   uint32
	bins  bins      // top-p histogram scratch
	mask  []float32 // masked copy of the logits (SampleConstrained only)
}

// New returns a Sampler for a vocabulary of vocabSize tokens, or an error if
// opts is invalid or vocabSize < 1. It allocates about 12 bytes per
// vocabulary entry (24 with penalties on, plus 4 per RepeatLastN).
func New(opts Options, vocabSize int) (*Sampler, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if vocabSize < 1 || vocabSize > 1<<31-1 {
		return nil, fmt.Errorf("sampler: vocabSize = %d is out of range", vocabSize)
	}
	s := &Sampler{
		opts: opts,
		n:    vocabSize,
		cand: make([]candidate, vocabSize),
		w:    make([]float32, vocabSize),
		pen:  opts.penalizes(),
		pcg:  rand.NewPCG(0, 0),
	}
	s.rng = rand.New(s.pcg)
	if s.pen {
		s.work = make([]float32, vocabSize)
		s.hist = make([]int32, opts.RepeatLastN)
		s.count = make([]int32, vocabSize)
		s.mark = make([]uint32, vocabSize)
	}
	s.Reset()
	return s, nil
}

// Options returns the options the Sampler was created with.
func (s *Sampler) Options() Options { return s.opts }

// Seed returns the seed currently in use: Options.Seed, or the random seed
// drawn at New or the last Reset when Options.Seed is 0. Creating a Sampler
// with this seed reproduces the run.
func (s *Sampler) Seed() uint64 { return s.seed }

// Reset forgets the accepted-token history and restarts the random
// sequence: from Options.Seed again, or from a fresh random seed when it
// is 0.
func (s *Sampler) Reset() {
	s.seed = s.opts.Seed
	if s.seed == 0 {
		s.seed = rand.Uint64() | 1
	}
	s.pcg.Seed(s.seed, s.seed^0x9e3779b97f4a7c15)
	for i := 0; i < s.nhist; i++ {
		s.count[s.hist[i]] = 0
	}
	s.head, s.nhist = 0, 0
}

// Accept records token as generated, for the penalties over the last
// RepeatLastN tokens (the oldest one leaves the window). Tokens outside
// [0, vocabSize) are ignored. Without active penalties it does nothing.
func (s *Sampler) Accept(token int32) {
	if !s.pen || token < 0 || int(token) >= s.n {
		return
	}
	if s.nhist == len(s.hist) {
		s.count[s.hist[s.head]]--
	} else {
		s.nhist++
	}
	s.hist[s.head] = token
	s.count[token]++
	s.head = (s.head + 1) % len(s.hist)
}

// Sample returns the next token for logits, which must hold exactly
// vocabSize entries (it panics otherwise) and should not contain NaN.
// logits is only read, never modified: penalties go to internal scratch.
// Sample does not call Accept; the caller does, with the token it keeps.
func (s *Sampler) Sample(logits []float32) int32 {
	if len(logits) != s.n {
		panic(fmt.Sprintf("sampler: Sample got %d logits, want %d", len(logits), s.n))
	}
	return s.sample(s.penalized(logits))
}

// sample draws from the penalized logits src through the chain.
func (s *Sampler) sample(src []float32) int32 {
	o := &s.opts
	if o.Temperature <= 0 {
		return Greedy(src)
	}
	var c []candidate
	switch {
	case o.TopK > 0 && o.TopK < s.n:
		return s.drawTop(selectTop(src, o.TopK, s.cand))
	case o.TopP < 1:
		c = topPFull(src, o.TopP, o.MinKeep, s.cand, &s.bins)
		if o.MinP > 0 {
			c = minPFilter(c, o.MinP, o.MinKeep)
		}
	default:
		c = s.untruncated(src)
	}
	return draw(c, o.Temperature, s.rng.Float64(), s.w)
}

// untruncated returns the candidates of a chain without top-k or top-p:
// those min-p keeps, or every token.
func (s *Sampler) untruncated(src []float32) []candidate {
	if s.opts.MinP > 0 {
		return minPFull(src, s.opts.MinP, s.opts.MinKeep, s.cand)
	}
	// Tokens at -Inf (masked by a constraint) cannot be drawn: leave them
	// out, unless every token is.
	c := s.cand[:0]
	for i, v := range src {
		if v > negInf {
			c = append(c, candidate{int32(i), v})
		}
	}
	if len(c) == 0 {
		c = s.cand[:1]
		c[0] = candidate{0, src[0]}
	}
	return c
}

// drawTop applies top-p and min-p to the top-k candidates c (best first)
// and draws one.
func (s *Sampler) drawTop(c []candidate) int32 {
	o := &s.opts
	if o.TopP < 1 {
		c = topPSorted(c, o.TopP, o.MinKeep)
	}
	if o.MinP > 0 {
		c = minPSorted(c, o.MinP, o.MinKeep)
	}
	return draw(c, o.Temperature, s.rng.Float64(), s.w)
}

// negInf is the logit of a token that cannot be drawn.
var negInf = float32(math.Inf(-1))

// penalized returns logits, or a copy with the penalties applied to every
// token in the window when penalties are active and history is non-empty.
func (s *Sampler) penalized(logits []float32) []float32 {
	if !s.pen || s.nhist == 0 {
		return logits
	}
	copy(s.work, logits)
	s.gen++
	if s.gen == 0 { // wrapped: stale marks could collide
		clear(s.mark)
		s.gen = 1
	}
	for _, t := range s.hist[:s.nhist] {
		if s.mark[t] != s.gen {
			s.mark[t] = s.gen
			s.work[t] = penalize(s.work[t], s.count[t], &s.opts)
		}
	}
	return s.work
}
