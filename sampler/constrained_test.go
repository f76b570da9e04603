package sampler

import (
	"math"
	"math/rand/v2"
	"testing"
)

// allowSet is a Constraint from a list of allowed tokens; it counts Mask
// calls.
type allowSet struct {
	ok    []bool
	masks int
}

func (a *allowSet) Allows(id int32) bool { return a.ok[id] }

func (a *allowSet) Mask(logits []float32) {
	a.masks++
	for i := range logits {
		if !a.ok[i] {
			logits[i] = float32(math.Inf(-1))
		}
	}
}

func masked(logits []float32, a *allowSet) []float32 {
	m := append([]float32(nil), logits...)
	for i := range m {
		if !a.ok[i] {
			m[i] = float32(math.Inf(-1))
		}
	}
	return m
}

// TestSampleConstrainedDistribution checks that drawing first and masking
// only on rejection gives the distribution of masking first, for every
// kind of sampling chain.
func TestSampleConstrainedDistribution(t *testing.T) {
	const n, draws = 64, 30000
	rng := rand.New(rand.NewPCG(7, 8))
	logits := make([]float32, n)
	for i := range logits {
		logits[i] = float32(rng.NormFloat64() * 2)
	}
	allow := &allowSet{ok: make([]bool, n)}
	for i := range allow.ok {
		allow.ok[i] = rng.IntN(5) < 2
	}
	for _, o := range []Options{
		{Temperature: 1, TopP: 1, RepeatPenalty: 1},
		{Temperature: 0.7, TopP: 1, MinP: 0.05, RepeatPenalty: 1},
		{Temperature: 0.7, TopP: 1, MinP: 0.2, MinKeep: 4, RepeatPenalty: 1},
		{Temperature: 0.8, TopK: 10, TopP: 0.9, MinP: 0.05, RepeatPenalty: 1},
		{Temperature: 1, TopK: 40, TopP: 1, RepeatPenalty: 1},
		{Temperature: 1, TopK: 3, TopP: 1, RepeatPenalty: 1},
		{Temperature: 1.2, TopP: 0.8, RepeatPenalty: 1},
		{Temperature: 1, TopP: 1, RepeatPenalty: 1.5, RepeatLastN: 8, FrequencyPenalty: 0.5},
	} {
		o.Seed = 11
		a, _ := New(o, n)
		o.Seed = 12
		b, _ := New(o, n)
		for _, id := range []int32{1, 2, 3, 3, 9} {
			a.Accept(id)
			b.Accept(id)
		}
		got := make([]float64, n)
		want := make([]float64, n)
		m := masked(logits, allow)
		for range draws {
			id := a.SampleConstrained(logits, allow)
			if !allow.ok[id] {
				t.Fatalf("%+v: drew disallowed token %d", o, id)
			}
			got[id]++
			want[b.Sample(m)]++
		}
		for i := range got {
			p, q := got[i]/draws, want[i]/draws
			sigma := math.Sqrt((p*(1-p) + q*(1-q)) / draws)
			if math.Abs(p-q) > 6*sigma+1e-4 {
				t.Errorf("%+v: token %d drawn with frequency %.4f, masking first gives %.4f", o, i, p, q)
			}
		}
	}
}

// TestSampleConstrainedFarBelow: when every allowed token is so far below
// a rejected best one that the first draw's weights underflow, the draw
// among the allowed ones still follows the masked distribution.
func TestSampleConstrainedFarBelow(t *testing.T) {
	const n, draws = 16, 20000
	logits := make([]float32, n)
	allow := &allowSet{ok: make([]bool, n)}
	for i := range logits {
		logits[i] = float32(i%4) * 0.05
		allow.ok[i] = i > 0
	}
	logits[0] = 30 // exp(-30/0.05) is 0 in float32
	o := Options{Temperature: 0.05, TopP: 1, RepeatPenalty: 1, Seed: 3}
	a, _ := New(o, n)
	o.Seed = 4
	b, _ := New(o, n)
	m := masked(logits, allow)
	got := make([]float64, n)
	want := make([]float64, n)
	for range draws {
		got[a.SampleConstrained(logits, allow)]++
		want[b.Sample(m)]++
	}
	for i := range got {
		p, q := got[i]/draws, want[i]/draws
		if sigma := math.Sqrt((p*(1-p) + q*(1-q)) / draws); math.Abs(p-q) > 6*sigma+1e-4 {
			t.Errorf("token %d drawn with frequency %.4f, masking first gives %.4f", i, p, q)
		}
	}
}

func TestSampleConstrainedGreedy(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	s, _ := New(Options{TopP: 1, RepeatPenalty: 1}, 50)
	logits := make([]float32, 50)
	allow := &allowSet{ok: make([]bool, 50)}
	for range 1000 {
		for i := range logits {
			logits[i] = float32(rng.IntN(8)) // ties too
			allow.ok[i] = rng.IntN(3) == 0
		}
		allow.ok[rng.IntN(50)] = true
		if got, want := s.SampleConstrained(logits, allow), Greedy(masked(logits, allow)); got != want {
			t.Fatalf("SampleConstrained = %d, want %d", got, want)
		}
	}
}

// TestSampleConstrainedMasksOnlyOnRejection: when every token is allowed,
// the vocabulary is never masked.
func TestSampleConstrainedMasksOnlyOnRejection(t *testing.T) {
	allow := &allowSet{ok: make([]bool, 100)}
	for i := range allow.ok {
		allow.ok[i] = true
	}
	logits := make([]float32, 100)
	for _, o := range []Options{DefaultOptions(), {TopP: 1, RepeatPenalty: 1}, {Temperature: 1, TopP: 1, RepeatPenalty: 1}} {
		s, _ := New(o, 100)
		for range 100 {
			s.SampleConstrained(logits, allow)
		}
	}
	if allow.masks != 0 {
		t.Fatalf("%d masks with every token allowed", allow.masks)
	}
	s, _ := New(DefaultOptions(), 100)
	s.SampleConstrained(logits, allow)
	if n := testing.AllocsPerRun(100, func() { s.SampleConstrained(logits, allow) }); n != 0 {
		t.Fatalf("%v allocations per call", n)
	}
}
