package sampler

import (
	"math"
	"slices"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

func TestTokenLogProb(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, tc := range []struct {
		logits []float32
		tok    int32
		want   float64 // probability
	}{
		{[]float32{0, 0, 0, 0}, 2, 0.25},
		{logs(0.5, 0.25, 0.25), 0, 0.5},
		{[]float32{1000, 1000}, 1, 0.5},                    // no overflow
		{[]float32{-1000, -999}, 1, math.E / (1 + math.E)}, // no underflow
		{[]float32{0, float32(math.Inf(-1))}, 1, 0},
		{[]float32{inf, 0, inf}, 0, 0.5},
		{[]float32{inf, 0}, 1, 0},
		{[]float32{1, 2}, 2, 0}, // out of range
		{[]float32{1, 2}, -1, 0},
	} {
		got := math.Exp(TokenLogProb(tc.logits, tc.tok))
		if !near(got, tc.want) {
			t.Errorf("p(%d | %v) = %v, want %v", tc.tok, tc.logits, got, tc.want)
		}
	}
}

func TestConfidence(t *testing.T) {
	var c Confidence
	if c.Score() != 0 || c.MinProb() != 0 || c.Count() != 0 || c.MeanLogProb() != 0 {
		t.Error("empty accumulator is not all zero")
	}
	c.Add(logs(0.5, 0.25, 0.25), 0) // 0.5
	c.Add(logs(0.5, 0.25, 0.25), 1) // 0.25
	if !near(c.Score(), math.Sqrt(0.125)) || !near(c.MinProb(), 0.25) || c.Count() != 2 {
		t.Errorf("score %v min %v count %d, want %v 0.25 2", c.Score(), c.MinProb(), c.Count(), math.Sqrt(0.125))
	}
	if !near(c.MeanLogProb(), (math.Log(0.5)+math.Log(0.25))/2) {
		t.Errorf("mean log prob %v", c.MeanLogProb())
	}
	c.Reset()
	for range 10 {
		c.Add([]float32{5, 5, 5, 5, 5}, 3)
	}
	if !near(c.Score(), 0.2) || !near(c.MinProb(), 0.2) {
		t.Errorf("uniform over 5: score %v min %v, want 0.2", c.Score(), c.MinProb())
	}
	c.Reset()
	c.Add([]float32{100, 0}, 0) // certain token
	if c.Score() > 1 || !near(c.Score(), 1) {
		t.Errorf("certain token: score %v, want 1", c.Score())
	}
	c.Add([]float32{1, 2}, 5) // impossible token
	if c.Score() != 0 || c.MinProb() != 0 {
		t.Errorf("impossible token: score %v min %v, want 0", c.Score(), c.MinProb())
	}
	c.Reset()
	c.AddLogProb(math.NaN())
	if c.Score() != 0 {
		t.Errorf("NaN log prob: score %v, want 0", c.Score())
	}
}

func TestLogSumExpAndTopTokens(t *testing.T) {
	logits := []float32{1, 3, -2, 3, 0.5, 7, -1e30}
	lse := LogSumExp(logits)
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v))
	}
	if !near(lse, math.Log(sum)) {
		t.Errorf("LogSumExp %v, want %v", lse, math.Log(sum))
	}
	for tok := range logits {
		if got, want := float64(logits[tok])-lse, TokenLogProb(logits, int32(tok)); math.Abs(got-want) > 1e-9 {
			t.Errorf("token %d: %v vs TokenLogProb %v", tok, got, want)
		}
	}
	for _, tc := range []struct {
		n    int
		want []int32
	}{{0, []int32{}}, {1, []int32{5}}, {3, []int32{5, 1, 3}}, {7, []int32{5, 1, 3, 0, 4, 2, 6}}, {9, []int32{5, 1, 3, 0, 4, 2, 6}}} {
		if got := TopTokens(logits, make([]int32, tc.n)); !slices.Equal(got, tc.want) {
			t.Errorf("top %d: %v, want %v", tc.n, got, tc.want)
		}
	}
	if inf := LogSumExp([]float32{float32(math.Inf(1)), 0}); !math.IsInf(inf, 1) {
		t.Errorf("LogSumExp with +Inf: %v", inf)
	}
}
