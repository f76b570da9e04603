package sampler

import (
	"math"
	"testing"
)

func TestFastExp(t *testing.T) {
	worst := 0.0
	for x := float32(-87); x <= 88; x += 0.001 {
		want := math.Exp(float64(x))
		got := float64(fastExp(x))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 3e-7 {
		t.Errorf("fastExp worst relative error %g > 3e-7", worst)
	}
	for _, tc := range []struct{ x, want float32 }{
		{0, 1}, {float32(math.Inf(-1)), 0}, {float32(math.NaN()), 0}, {-200, 0},
	} {
		if got := fastExp(tc.x); got != tc.want {
			t.Errorf("fastExp(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
}

func BenchmarkFastExp(b *testing.B) {
	var s float32
	for b.Loop() {
		for x := float32(-20); x < 0; x += 0.01 {
			s += fastExp(x)
		}
	}
	_ = s
}

func BenchmarkMathExp(b *testing.B) {
	var s float64
	for b.Loop() {
		for x := -20.0; x < 0; x += 0.01 {
			s += math.Exp(x)
		}
	}
	_ = s
}
