package sampler

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// logs returns the natural logs of probs, as logits whose softmax is probs.
func logs(probs ...float64) []float32 {
	out := make([]float32, len(probs))
	for i, p := range probs {
		out[i] = float32(math.Log(p))
	}
	return out
}

func ids(c []candidate) []int32 {
	out := make([]int32, len(c))
	for i, x := range c {
		out[i] = x.id
	}
	return out
}

func sortedAll(src []float32) []candidate {
	c := make([]candidate, len(src))
	for i, v := range src {
		c[i] = candidate{int32(i), v}
	}
	slices.SortFunc(c, compareCand)
	return c
}

func TestGreedy(t *testing.T) {
	for _, tc := range []struct {
		in   []float32
		want int32
	}{
		{[]float32{1, 3, 3, 2}, 1},
		{[]float32{-5, -2, -9}, 1},
		{[]float32{7}, 0},
		{[]float32{float32(math.NaN()), 1, 2}, 2},
		{[]float32{float32(math.Inf(-1)), float32(math.Inf(-1))}, 0},
	} {
		if got := Greedy(tc.in); got != tc.want {
			t.Errorf("Greedy(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestTopK(t *testing.T) {
	src := []float32{1, 5, 3, 5, 2}
	buf := make([]candidate, len(src))
	got := selectTop(src, 1, buf) // heap path (k <= n/4)
	if !slices.Equal(ids(got), []int32{1}) {
		t.Errorf("top-1 = %v, want [1] (tie goes to lower id)", ids(got))
	}
	got = selectTop(src, 3, buf) // sort path
	if !slices.Equal(ids(got), []int32{1, 3, 2}) {
		t.Errorf("top-3 = %v, want [1 3 2]", ids(got))
	}
	// Heap and sort paths agree with a full sort, ties included.
	r := rand.New(rand.NewPCG(1, 2))
	big := make([]float32, 10000)
	for i := range big {
		big[i] = float32(r.IntN(200)) / 8 // many ties
	}
	want := sortedAll(big)
	buf = make([]candidate, len(big))
	for _, k := range []int{1, 7, 40, 256, 2499, 2501, 10000} {
		if got := selectTop(big, k, buf); !slices.Equal(got, want[:k]) {
			t.Errorf("selectTop k=%d differs from full sort", k)
		}
	}
}

func TestTopP(t *testing.T) {
	probs := []float64{0.5, 0.3, 0.15, 0.05}
	for _, tc := range []struct {
		p       float32
		minKeep int
		want    int
	}{
		{0.4, 0, 1}, {0.75, 0, 2}, {0.81, 0, 3}, {0.96, 0, 4}, {1, 0, 4}, {0.4, 3, 3},
	} {
		c := sortedAll(logs(probs...))
		if got := topPSorted(c, tc.p, tc.minKeep); len(got) != tc.want {
			t.Errorf("top-p %v minKeep %d kept %d, want %d", tc.p, tc.minKeep, len(got), tc.want)
		}
		// Unsorted full-vocabulary path on a shuffled copy keeps the same set.
		src := logs(probs[2], probs[0], probs[3], probs[1]) // ids 1,3,0,2 by prob
		buf := make([]candidate, 4)
		got := ids(topPFull(src, tc.p, tc.minKeep, buf, new(bins)))
		slices.Sort(got)
		want := slices.Clone([]int32{1, 3, 0, 2}[:tc.want])
		if slices.Sort(want); !slices.Equal(got, want) {
			t.Errorf("topPFull %v = %v, want %v", tc.p, got, want)
		}
	}
	// A nucleus larger than the first selection (256) grows it: 5000 equal
	// tokens, p just under one half, keeps exactly the 2500 lowest ids.
	flat := make([]float32, 5000)
	got := topPFull(flat, 0.4999, 0, make([]candidate, len(flat)), new(bins))
	if len(got) != 2500 || got[0].id != 0 || got[2499].id != 2499 {
		t.Errorf("flat top-p kept %d (first %d, last %d), want 2500 ids 0..2499",
			len(got), got[0].id, got[len(got)-1].id)
	}
}

// TestTopPFullMatchesSort checks the histogram top-p against sorting the
// whole vocabulary, on logits spread over many bins.
func TestTopPFullMatchesSort(t *testing.T) {
	src := randomLogits(8, 20000, 3)
	all := sortedAll(src)
	maxL := all[0].logit
	var sum float64
	for _, v := range src {
		sum += float64(fastExp(v - maxL))
	}
	buf := make([]candidate, len(src))
	for _, p := range []float32{0.01, 0.3, 0.9, 0.95, 0.999} {
		want := ids(all[:nucleus(all, maxL, sum, p, 0)])
		got := ids(topPFull(src, p, 0, buf, new(bins)))
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("p=%v: histogram kept %d tokens, full sort %d", p, len(got), len(want))
		}
	}
}

func TestMinP(t *testing.T) {
	probs := []float64{0.5, 0.3, 0.15, 0.05} // thresholds relative to 0.5
	for _, tc := range []struct {
		p       float32
		minKeep int
		want    int
	}{
		{0.2, 0, 3}, {0.35, 0, 2}, {0.9, 0, 1}, {0.9, 2, 2}, {0.05, 0, 4},
	} {
		c := sortedAll(logs(probs...))
		if got := minPSorted(c, tc.p, tc.minKeep); len(got) != tc.want {
			t.Errorf("min-p %v minKeep %d kept %d, want %d", tc.p, tc.minKeep, len(got), tc.want)
		}
	}
	// Unsorted path keeps id order: ids 0,1,3 have 0.15, 0.5, 0.3 >= 0.1.
	src := logs(0.15, 0.5, 0.05, 0.3)
	buf := make([]candidate, 4)
	if got := minPFull(src, 0.2, 0, buf); !slices.Equal(ids(got), []int32{0, 1, 3}) {
		t.Errorf("minPFull = %v, want [0 1 3]", ids(got))
	}
	// Too few pass: fall back to the best minKeep.
	if got := minPFull(src, 0.9, 3, buf); !slices.Equal(ids(got), []int32{1, 3, 0}) {
		t.Errorf("minPFull minKeep 3 = %v, want [1 3 0]", ids(got))
	}
	// The in-place filter over unsorted candidates does the same.
	c := []candidate{{0, src[0]}, {1, src[1]}, {2, src[2]}, {3, src[3]}}
	if got := minPFilter(slices.Clone(c), 0.2, 0); !slices.Equal(ids(got), []int32{0, 1, 3}) {
		t.Errorf("minPFilter = %v, want [0 1 3]", ids(got))
	}
	if got := minPFilter(slices.Clone(c), 0.9, 3); !slices.Equal(ids(got), []int32{1, 3, 0}) {
		t.Errorf("minPFilter minKeep 3 = %v, want [1 3 0]", ids(got))
	}
}

func TestPenalize(t *testing.T) {
	o := Options{RepeatPenalty: 2}
	for _, tc := range []struct{ in, want float32 }{{2, 1}, {-1, -2}, {0, 0}, {0.5, 0.25}} {
		if got := penalize(tc.in, 1, &o); got != tc.want {
			t.Errorf("repeat 2: %v -> %v, want %v", tc.in, got, tc.want)
		}
	}
	o = Options{RepeatPenalty: 1, FrequencyPenalty: 0.5, PresencePenalty: 0.25}
	if got := penalize(2, 3, &o); got != 0.25 { // 2 - 3*0.5 - 0.25
		t.Errorf("frequency/presence: got %v, want 0.25", got)
	}
}

func TestDraw(t *testing.T) {
	c := []candidate{{7, float32(math.Log(1))}, {8, float32(math.Log(1))}, {9, float32(math.Log(2))}}
	w := make([]float32, 3)
	// Weights 1,1,2 of 4: cumulative 0.25, 0.5, 1.
	for _, tc := range []struct {
		u    float64
		want int32
	}{{0, 7}, {0.24, 7}, {0.26, 8}, {0.49, 8}, {0.51, 9}, {0.999, 9}} {
		if got := draw(c, 1, tc.u, w); got != tc.want {
			t.Errorf("draw u=%v = %d, want %d", tc.u, got, tc.want)
		}
	}
	// Temperature 0.5 squares the weights: 1,1,4 of 6.
	if got := draw(c, 0.5, 0.3, w); got != 8 { // 1/6 < 0.3 < 2/6
		t.Errorf("draw T=0.5 u=0.3 = %d, want 8", got)
	}
	if got := draw(c, 0.5, 0.34, w); got != 9 { // 2/6 < 0.34
		t.Errorf("draw T=0.5 u=0.34 = %d, want 9", got)
	}
}
