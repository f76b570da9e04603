package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollm/gollm/quant"
)

func TestF32Helpers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, lv := range Levels() {
		t.Run("level="+lv, func(t *testing.T) {
			withLevel(t, lv, func() {
				for n := 0; n <= 300; n++ {
					testF32Helpers(t, rng, n)
				}
			})
		})
	}
}

func testF32Helpers(t *testing.T, rng *rand.Rand, n int) {
	a, b := make([]float32, n), make([]float32, n)
	h := make([]uint16, n)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
		b[i] = float32(rng.NormFloat64())
		h[i] = quant.F32ToF16(float32(rng.NormFloat64()))
	}
	var want, wantH, mag, magH float64
	for i := range a {
		want += float64(a[i]) * float64(b[i])
		mag += math.Abs(float64(a[i]) * float64(b[i]))
		hf := float64(quant.F16ToF32(h[i]))
		wantH += hf * float64(b[i])
		magH += math.Abs(hf * float64(b[i]))
	}
	if got := Dot(a, b); math.Abs(float64(got)-want) > 1e-5*mag+1e-30 {
		t.Fatalf("Dot n=%d: %g want %g", n, got, want)
	}
	if got := DotF16(h, b); math.Abs(float64(got)-wantH) > 1e-5*magH+1e-30 {
		t.Fatalf("DotF16 n=%d: %g want %g", n, got, wantH)
	}
	// Axpy with guards: z has one extra element that must not change.
	z := make([]float32, n+1)
	z2 := make([]float32, n+1)
	for i := range z {
		z[i] = float32(i)
		z2[i] = float32(i)
	}
	Axpy(0.75, a, z[:n])
	AxpyF16(-1.5, h, z2[:n])
	for i := range n {
		if w := float32(i) + 0.75*a[i]; math.Abs(float64(z[i]-w)) > 1e-5*math.Abs(float64(w))+1e-6 {
			t.Fatalf("Axpy n=%d i=%d: %g want %g", n, i, z[i], w)
		}
		if w := float32(i) - 1.5*quant.F16ToF32(h[i]); math.Abs(float64(z2[i]-w)) > 1e-5*math.Abs(float64(w))+1e-6 {
			t.Fatalf("AxpyF16 n=%d i=%d: %g want %g", n, i, z2[i], w)
		}
	}
	if z[n] != float32(n) || z2[n] != float32(n) {
		t.Fatalf("Axpy n=%d wrote past the end", n)
	}
}

func TestNorms(t *testing.T) {
	x := []float32{1, -2, 3, 4}
	w := []float32{1, 1, 2, 0.5}
	dst := make([]float32, 4)
	RMSNorm(dst, x, w, 1e-6)
	rms := math.Sqrt((1+4+9+16)/4.0 + 1e-6)
	for i := range x {
		if want := float64(x[i]) / rms * float64(w[i]); math.Abs(float64(dst[i])-want) > 1e-6 {
			t.Errorf("RMSNorm[%d] = %g, want %g", i, dst[i], want)
		}
	}
	s := []float32{1, 2, 3, float32(math.Inf(-1))}
	SoftmaxInPlace(s)
	den := math.Exp(-2) + math.Exp(-1) + 1
	for i, want := range []float64{math.Exp(-2) / den, math.Exp(-1) / den, 1 / den, 0} {
		if math.Abs(float64(s[i])-want) > 1e-6 {
			t.Errorf("Softmax[%d] = %g, want %g", i, s[i], want)
		}
	}
	g := []float32{-1, 0, 2}
	SiLUMul(g, []float32{2, 3, 0.5})
	for i, want := range []float64{-1 / (1 + math.E) * 2, 0, 2 / (1 + math.Exp(-2)) * 0.5} {
		if math.Abs(float64(g[i])-want) > 1e-6 {
			t.Errorf("SiLUMul[%d] = %g, want %g", i, g[i], want)
		}
	}
	v := []float32{1, 2}
	Scale(v, 0.5)
	if v[0] != 0.5 || v[1] != 1 {
		t.Errorf("Scale: %v", v)
	}
	hs := make([]uint16, 3)
	F32ToF16Slice(hs, []float32{1, -2, 0.5})
	fs := make([]float32, 3)
	F16ToF32Slice(fs, hs)
	if fs[0] != 1 || fs[1] != -2 || fs[2] != 0.5 {
		t.Errorf("F16 round trip: %v", fs)
	}
}

// TestRMSNormMatchesGeneric checks RMSNorm at every level against its
// generic pieces bit for bit (the sums of squares keep their order), over
// lengths 0..300 with a guard element past the output.
func TestRMSNormMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, lv := range Levels() {
		t.Run(lv, func(t *testing.T) {
			withLevel(t, lv, func() {
				for n := 1; n <= 300; n++ {
					x, w := make([]float32, n), make([]float32, n)
					for i := range x {
						x[i] = float32(rng.NormFloat64() * math.Exp(4*rng.NormFloat64()))
						w[i] = float32(rng.NormFloat64())
					}
					got := make([]float32, n+1)
					got[n] = 42
					RMSNorm(got[:n], x, w, 1e-6)
					s0, s1 := sumSquaresGeneric(x)
					scale := float32(1 / math.Sqrt(float64(float32((s0+s1)/float64(n))+1e-6)))
					want := make([]float32, n)
					scaleMulGeneric(want, x, w, scale)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("n=%d: element %d = %g, generic %g", n, i, got[i], want[i])
						}
					}
					if got[n] != 42 {
						t.Fatalf("n=%d: wrote past the end", n)
					}
				}
			})
		})
	}
}

// TestF32ToF16MatchesGeneric checks F32ToF16Slice at every level against
// quant.F32ToF16 bit for bit (any NaN for a NaN) over random bit patterns,
// values around the F16 range's edges, and every length up to 40.
func TestF32ToF16MatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	edges := []float32{0, float32(math.Copysign(0, -1)), 65504, 65519.996, 65520, -65520, 6.1035156e-05, 5.9604645e-08,
		2.9802322e-08, 2.9802326e-08, 1e-10, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for _, lv := range Levels() {
		t.Run(lv, func(t *testing.T) {
			withLevel(t, lv, func() {
				for round := range 200 {
					n := round % 41
					src := make([]float32, n)
					for i := range src {
						switch rng.IntN(3) {
						case 0:
							src[i] = math.Float32frombits(rng.Uint32())
						case 1:
							src[i] = edges[rng.IntN(len(edges))]
						default:
							src[i] = float32(rng.NormFloat64() * math.Exp(8*rng.NormFloat64()))
						}
					}
					got := make([]uint16, n+1)
					got[n] = 0x1234
					F32ToF16Slice(got[:n], src)
					for i, f := range src {
						want := quant.F32ToF16(f)
						isNaN := func(h uint16) bool { return h&0x7c00 == 0x7c00 && h&0x3ff != 0 }
						if got[i] != want && !(isNaN(got[i]) && isNaN(want)) {
							t.Fatalf("F16(%g) (bits %#08x) = %#04x, generic %#04x", f, math.Float32bits(f), got[i], want)
						}
					}
					if got[n] != 0x1234 {
						t.Fatalf("n=%d: wrote past the end", n)
					}
				}
			})
		})
	}
}

// TestRoPEMatchesGeneric checks RoPE at every level against ropeGeneric
// bit for bit, for both pair layouts, partial rotations (fewer pairs than
// half a row), pair counts that are and are not multiples of 4, and
// several rows, with a guard element past x.
func TestRoPEMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, lv := range Levels() {
		t.Run(lv, func(t *testing.T) {
			withLevel(t, lv, func() {
				for _, half := range []int{1, 3, 4, 8, 12, 32, 64} {
					for _, hd := range []int{2 * half, 2*half + 2, 2*half + 8} {
						for rows := 1; rows <= 5; rows++ {
							for _, neox := range []bool{true, false} {
								x := make([]float32, rows*hd+1)
								cs, sn := make([]float32, half), make([]float32, half)
								for i := range x {
									x[i] = float32(rng.NormFloat64() * math.Exp(2*rng.NormFloat64()))
								}
								for j := range cs {
									a := rng.Float64() * 2 * math.Pi
									cs[j], sn[j] = float32(math.Cos(a)), float32(math.Sin(a))
								}
								x[rows*hd] = 42
								want := append([]float32(nil), x[:rows*hd]...)
								ropeGeneric(want, hd, cs, sn, neox)
								RoPE(x[:rows*hd], hd, cs, sn, neox)
								for i := range want {
									if math.Float32bits(x[i]) != math.Float32bits(want[i]) {
										t.Fatalf("half %d hd %d rows %d neox %v: element %d = %g, generic %g",
											half, hd, rows, neox, i, x[i], want[i])
									}
								}
								if x[rows*hd] != 42 {
									t.Fatalf("half %d hd %d rows %d: wrote past the end", half, hd, rows)
								}
							}
						}
					}
				}
			})
		})
	}
	// A quarter turn maps (a, b) to (-b, a).
	x := []float32{1, 2, 3, 4}
	RoPE(x, 4, []float32{0, 0}, []float32{1, 1}, true)
	if x[0] != -3 || x[1] != -4 || x[2] != 1 || x[3] != 2 {
		t.Errorf("quarter turn (neox): %v", x)
	}
}

// TestScaleToMatchesGeneric checks ScaleTo and Scale at every level
// against scaleToGeneric bit for bit at every length up to 70, with a
// guard element past the output.
func TestScaleToMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, lv := range Levels() {
		t.Run(lv, func(t *testing.T) {
			withLevel(t, lv, func() {
				for n := 0; n <= 70; n++ {
					src := make([]float32, n)
					for i := range src {
						src[i] = float32(rng.NormFloat64() * math.Exp(4*rng.NormFloat64()))
					}
					s := float32(rng.NormFloat64())
					want := make([]float32, n)
					scaleToGeneric(want, src, s)
					got := make([]float32, n+1)
					got[n] = 42
					ScaleTo(got[:n], src, s)
					inPlace := append([]float32(nil), src...)
					Scale(inPlace, s)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) ||
							math.Float32bits(inPlace[i]) != math.Float32bits(want[i]) {
							t.Fatalf("n=%d: element %d = %g (in place %g), generic %g", n, i, got[i], inPlace[i], want[i])
						}
					}
					if got[n] != 42 {
						t.Fatalf("n=%d: wrote past the end", n)
					}
				}
			})
		})
	}
}
