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
