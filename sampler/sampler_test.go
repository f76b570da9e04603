package sampler

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// only returns opts with everything but temperature disabled.
func only(temp float32, seed uint64) Options {
	return Options{Temperature: temp, TopP: 1, RepeatPenalty: 1, Seed: seed}
}

func mustNew(t testing.TB, o Options, n int) *Sampler {
	t.Helper()
	s, err := New(o, n)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// randomLogits returns n logits ~ N(0, sd^2) from a fixed seed.
func randomLogits(seed uint64, n int, sd float64) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64() * sd)
	}
	return out
}

func TestDefaultOptions(t *testing.T) {
	o := DefaultOptions()
	if o.Temperature != 0.8 || o.TopK != 40 || o.TopP != 0.95 || o.MinP != 0.05 ||
		o.RepeatPenalty != 1 || o.RepeatLastN != 64 || o.penalizes() {
		t.Errorf("DefaultOptions = %+v", o)
	}
	if err := o.Validate(); err != nil {
		t.Error(err)
	}
}

func TestValidate(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		field string
		edit  func(*Options)
	}{
		{"TopK", func(o *Options) { o.TopK = -1 }},
		{"TopP", func(o *Options) { o.TopP = 0 }},
		{"TopP", func(o *Options) { o.TopP = 1.01 }},
		{"MinP", func(o *Options) { o.MinP = -0.1 }},
		{"MinP", func(o *Options) { o.MinP = 1.5 }},
		{"RepeatPenalty", func(o *Options) { o.RepeatPenalty = 0 }},
		{"RepeatLastN", func(o *Options) { o.RepeatLastN = -1 }},
		{"MinKeep", func(o *Options) { o.MinKeep = -2 }},
		{"Temperature", func(o *Options) { o.Temperature = nan }},
		{"FrequencyPenalty", func(o *Options) { o.FrequencyPenalty = float32(math.Inf(1)) }},
	} {
		o := DefaultOptions()
		tc.edit(&o)
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%+v: error %v does not name %s", o, err, tc.field)
		}
		if _, err := New(o, 10); err == nil {
			t.Errorf("New accepted invalid %s", tc.field)
		}
	}
	if _, err := New(DefaultOptions(), 0); err == nil {
		t.Error("New accepted vocabSize 0")
	}
	o := DefaultOptions()
	o.Temperature = -1 // greedy, valid
	if err := o.Validate(); err != nil {
		t.Error(err)
	}
}

func TestGreedySample(t *testing.T) {
	o := DefaultOptions()
	o.Temperature = 0
	s := mustNew(t, o, 5)
	if got := s.Sample([]float32{0, 2, 9, 9, 1}); got != 2 {
		t.Errorf("greedy = %d, want 2 (lowest id of the tie)", got)
	}
	logits := randomLogits(3, 1000, 3)
	s = mustNew(t, o, len(logits))
	if got, want := s.Sample(logits), Greedy(logits); got != want {
		t.Errorf("greedy = %d, want argmax %d", got, want)
	}
}

func TestPenaltiesWindow(t *testing.T) {
	o := only(0, 1)
	o.RepeatPenalty, o.RepeatLastN = 2, 2
	logits := []float32{3, 2, 1.4, -1}
	orig := slices.Clone(logits)
	s := mustNew(t, o, len(logits))
	steps := []struct {
		accept int32
		want   int32
	}{
		{0, 1}, // window {0}: 1.5 2 1.4 -1
		{1, 0}, // window {0,1}: 1.5 1 1.4 -1
		{2, 0}, // window {1,2}: 3 1 0.7 -1 (token 0 left the window)
		{3, 0}, // window {2,3}: 3 2 0.7 -2
	}
	for i, st := range steps {
		s.Accept(st.accept)
		if got := s.Sample(logits); got != st.want {
			t.Errorf("step %d: got %d, want %d", i, got, st.want)
		}
	}
	if !slices.Equal(logits, orig) {
		t.Errorf("Sample modified logits: %v", logits)
	}
	if got := s.penalized(logits); !slices.Equal(got, []float32{3, 2, 0.7, -2}) {
		t.Errorf("penalized = %v", got)
	}
	// Repeated tokens: counted, penalized once per sample.
	o.RepeatPenalty, o.FrequencyPenalty, o.PresencePenalty, o.RepeatLastN = 1, 0.5, 0.25, 4
	s = mustNew(t, o, len(logits))
	for _, tok := range []int32{1, 1, 1, 0} {
		s.Accept(tok)
	}
	if got := s.penalized(logits); !slices.Equal(got, []float32{2.25, 0.25, 1.4, -1}) {
		t.Errorf("frequency/presence penalized = %v, want [2.25 0.25 1.4 -1]", got)
	}
	s.Reset()
	if got := s.penalized(logits); !slices.Equal(got, logits) {
		t.Errorf("after Reset penalized = %v", got)
	}
	s.Accept(-1) // ignored, must not panic
	s.Accept(99)
}

func TestTopKRestrictsSamples(t *testing.T) {
	logits := randomLogits(5, 500, 1)
	top := sortedAll(logits)
	for _, tc := range []struct {
		name string
		o    Options
		keep int
	}{
		{"top-k 3", Options{Temperature: 5, TopK: 3, TopP: 1, RepeatPenalty: 1, Seed: 9}, 3},
		{"top-p", Options{Temperature: 5, TopP: 0.05, RepeatPenalty: 1, Seed: 9}, -1},
		{"min-p", Options{Temperature: 5, TopP: 1, MinP: 0.5, RepeatPenalty: 1, Seed: 9}, -1},
	} {
		s := mustNew(t, tc.o, len(logits))
		allowed := map[int32]bool{}
		keep := tc.keep
		switch tc.name {
		case "top-p":
			keep = len(topPFull(logits, 0.05, 0, make([]candidate, len(logits)), new(bins)))
		case "min-p":
			keep = len(minPSorted(slices.Clone(top), 0.5, 0))
		}
		for _, c := range top[:keep] {
			allowed[c.id] = true
		}
		seen := map[int32]bool{}
		for range 2000 {
			tok := s.Sample(logits)
			if !allowed[tok] {
				t.Fatalf("%s: sampled %d outside the kept %d", tc.name, tok, keep)
			}
			seen[tok] = true
		}
		if len(seen) != keep {
			t.Errorf("%s: saw %d distinct tokens, want all %d kept", tc.name, len(seen), keep)
		}
	}
}

func TestReproducible(t *testing.T) {
	run := func(s *Sampler) []int32 {
		var out []int32
		for i := range 50 {
			tok := s.Sample(randomLogits(uint64(i), 2000, 2))
			s.Accept(tok)
			out = append(out, tok)
		}
		return out
	}
	o := DefaultOptions()
	o.Seed, o.RepeatPenalty = 1234, 1.1
	a, b := mustNew(t, o, 2000), mustNew(t, o, 2000)
	ra := run(a)
	if rb := run(b); !slices.Equal(ra, rb) {
		t.Fatal("same seed gave different tokens")
	}
	a.Reset()
	if again := run(a); !slices.Equal(ra, again) {
		t.Fatal("Reset did not restart the sequence")
	}
	o.Seed = 4321
	if rc := run(mustNew(t, o, 2000)); slices.Equal(ra, rc) {
		t.Error("different seeds gave identical sequences")
	}
	o.Seed = 0
	r := mustNew(t, o, 2000)
	if r.Seed() == 0 {
		t.Fatal("random seed not reported")
	}
	rr := run(r)
	o.Seed = r.Seed()
	if again := run(mustNew(t, o, 2000)); !slices.Equal(rr, again) {
		t.Error("re-running with the reported seed differs")
	}
}

// TestTemperatureDistribution checks the draw frequencies against the
// tempered softmax with a chi-square statistic (3 degrees of freedom; 16.27
// is the 0.1% critical value). The seed is fixed, so the test is
// deterministic.
func TestTemperatureDistribution(t *testing.T) {
	base := []float64{0.1, 0.2, 0.3, 0.4}
	const n = 20000
	for _, temp := range []float32{1, 0.5, 2} {
		s := mustNew(t, only(temp, 42), len(base))
		logits := logs(base...)
		var counts [4]float64
		for range n {
			counts[s.Sample(logits)]++
		}
		var z float64
		want := make([]float64, 4)
		for i, p := range base {
			want[i] = math.Pow(p, 1/float64(temp))
			z += want[i]
		}
		var chi2 float64
		for i := range want {
			e := n * want[i] / z
			chi2 += (counts[i] - e) * (counts[i] - e) / e
		}
		if chi2 > 16.27 {
			t.Errorf("T=%v: counts %v, chi2 %.2f > 16.27", temp, counts, chi2)
		}
	}
}

func TestSampleWrongLength(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic on wrong logits length")
		}
	}()
	mustNew(t, DefaultOptions(), 4).Sample(make([]float32, 3))
}

func TestZeroAllocs(t *testing.T) {
	logits := randomLogits(11, 32000, 3)
	pen := DefaultOptions()
	pen.RepeatPenalty, pen.FrequencyPenalty = 1.1, 0.1
	for name, o := range map[string]Options{
		"default":     DefaultOptions(),
		"greedy":      only(0, 1),
		"top-p":       {Temperature: 1, TopP: 0.9, RepeatPenalty: 1, Seed: 1},
		"min-p":       {Temperature: 1, TopP: 1, MinP: 0.1, RepeatPenalty: 1, Seed: 1},
		"top-p+min-p": {Temperature: 1, TopP: 0.9, MinP: 0.01, MinKeep: 3, RepeatPenalty: 1, Seed: 1},
		"full":        only(1, 1),
		"penalties":   pen,
	} {
		s := mustNew(t, o, len(logits))
		allocs := testing.AllocsPerRun(20, func() {
			s.Accept(s.Sample(logits))
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per Sample+Accept", name, allocs)
		}
	}
}

// TestChainOrder checks that top-p renormalizes over the top-k survivors,
// as llama.cpp's chain does, and that the kept tokens are drawn in
// proportion to their renormalized probabilities.
func TestChainOrder(t *testing.T) {
	logits := logs(0.1, 0.2, 0.3, 0.4)
	// Top-3 renormalized: 4/9, 3/9, 2/9; cumulative 0.44, 0.78 >= 0.75, so
	// top-p keeps 2 tokens (over the full softmax it would need 3).
	o := Options{Temperature: 1, TopK: 3, TopP: 0.75, RepeatPenalty: 1, Seed: 3}
	s := mustNew(t, o, 4)
	const n = 14000
	var counts [4]float64
	for range n {
		counts[s.Sample(logits)]++
	}
	if counts[0] != 0 || counts[1] != 0 {
		t.Fatalf("tokens outside top-p after top-k drawn: %v", counts)
	}
	// Tokens 3 and 2 with probabilities 4/7 and 3/7; chi-square, 1 d.o.f.,
	// 10.83 is the 0.1% critical value.
	e3, e2 := n*4.0/7, n*3.0/7
	chi2 := (counts[3]-e3)*(counts[3]-e3)/e3 + (counts[2]-e2)*(counts[2]-e2)/e2
	if chi2 > 10.83 {
		t.Errorf("counts %v, chi2 %.2f > 10.83", counts, chi2)
	}
	// Min-p then drops token 2 when its ratio to the best (3/4) is too low.
	o.MinP = 0.8
	s = mustNew(t, o, 4)
	for range 100 {
		if tok := s.Sample(logits); tok != 3 {
			t.Fatalf("min-p 0.8 drew %d, want only 3", tok)
		}
	}
}
