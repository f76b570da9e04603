package sampler

import (
	"math"
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
