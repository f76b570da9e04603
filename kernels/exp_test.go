package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpShiftMatchesGeneric checks the assembly against the generic twin
// at every level, over lengths 0..300 and special values, within 2 ulp, a
// guard element past the output, and the generic exponential against
// math.Exp.
func TestExpShiftMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	special := []float32{0, -0.0, 1, -1, -87.2, -87.4, 88, 90, 1000, -1000,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-30, -1e-30}
	for _, lv := range Levels() {
		t.Run(lv, func(t *testing.T) {
			withLevel(t, lv, func() {
				for n := 0; n <= 300; n++ {
					src := make([]float32, n)
					for i := range src {
						if rng.IntN(8) == 0 {
							src[i] = special[rng.IntN(len(special))]
						} else {
							src[i] = float32(rng.NormFloat64() * 20)
						}
					}
					m := float32(rng.NormFloat64())
					got, want := make([]float32, n+1), make([]float32, n+1)
					got[n], want[n] = 42, 42 // guard
					sg := ExpShift(got, src, m)
					sw := expShiftGeneric(want, src, m)
					for i := range want {
						// FMA in the assembly rounds once where Go rounds
						// twice: allow 2 ulp.
						if d := math.Abs(float64(got[i]) - float64(want[i])); d > 2.4e-7*math.Abs(float64(want[i])) {
							t.Fatalf("n=%d: element %d of exp(%g - %g) = %g, generic %g", n, i, src[i], m, got[i], want[i])
						}
					}
					if math.Abs(sg-sw) > 2.4e-7*math.Max(1, math.Abs(sw)) {
						t.Fatalf("n=%d: sum %g, generic %g", n, sg, sw)
					}
				}
			})
		})
	}
	for x := float32(-87); x < 88; x += 0.0137 {
		got, want := float64(expOne(x)), math.Exp(float64(x))
		if math.Abs(got-want) > 3e-7*want {
			t.Fatalf("exp(%g) = %g, want %g", x, got, want)
		}
	}
}

// TestSiLUMulMatchesGeneric checks SiLUMul at every level against its
// generic twin over lengths 0..600 (across the 256-element chunks) and
// special values, within 4 ulp (the exponential's 2 ulp carried through
// e/(e+1)), with a guard element past the output, and the twin against
// the exact silu(g)*u.
func TestSiLUMulMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, -87.2, -87.4, 84, 88, 90, 1000, -1000,
		float32(math.Inf(1)), float32(math.NaN()), 1e-30, -1e-30}
	for _, lv := range Levels() {
		t.Run(lv, func(t *testing.T) {
			withLevel(t, lv, func() {
				for n := 0; n <= 600; n += 1 + n/40 {
					g, u := make([]float32, n+1), make([]float32, n)
					for i := range u {
						if rng.IntN(8) == 0 {
							g[i] = special[rng.IntN(len(special))]
						} else {
							g[i] = float32(rng.NormFloat64() * 10)
						}
						u[i] = float32(rng.NormFloat64())
					}
					g[n] = 42 // guard
					want := append([]float32(nil), g...)
					SiLUMul(g, u)
					siluMulGeneric(want[:n], u)
					for i := range g {
						d := math.Abs(float64(g[i]) - float64(want[i]))
						if same := g[i] == want[i] || g[i] != g[i] && want[i] != want[i]; !same && !(d <= 4.8e-7*math.Abs(float64(want[i]))) {
							t.Fatalf("n=%d: element %d = %g, generic %g", n, i, g[i], want[i])
						}
					}
				}
			})
		})
	}
	for _, v := range []float32{-100, -20, -1, -1e-3, 0, 1e-3, 1, 20, 84, 100, 1000} {
		g := []float32{v}
		siluMulGeneric(g, []float32{3})
		want := float64(v) / (1 + math.Exp(-float64(v))) * 3
		if math.Abs(float64(g[0])-want) > 4e-7*math.Abs(want)+1e-37 {
			t.Errorf("silu(%g)*3 = %g, want %g", v, g[0], want)
		}
	}
}

func BenchmarkExpShift(b *testing.B) {
	src := make([]float32, 151936)
	for i := range src {
		src[i] = float32(i%1000) / -50
	}
	dst := make([]float32, len(src))
	b.SetBytes(int64(4 * len(src)))
	for range b.N {
		ExpShift(dst, src, 0)
	}
}
