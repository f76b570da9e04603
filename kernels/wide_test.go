package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollm/gollm/quant"
)

// TestWideMatMul runs MatMul with the column counts of real prefill batches
// (32 to 160: where the tiled paths take over from the four-column
// kernels) at every level against the generic twin, for every type, within
// the bound the other level tests use: 1e-5 of the sum of |w*a| of the dot.
func TestWideMatMul(t *testing.T) {
	types := []quant.Type{quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.Q8_0, quant.IQ4_NL,
		quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.IQ4_XS, quant.F16, quant.F32}
	for _, lv := range Levels() {
		if lv == "generic" {
			continue
		}
		for _, ty := range types {
			rng := rand.New(rand.NewPCG(uint64(ty), 99))
			for _, cols := range []int{32, 33, 64, 67, 128, 160} {
				checkWide(t, lv, ty, 512, 19, cols, rng)
			}
		}
	}
}

func checkWide(t *testing.T, lv string, ty quant.Type, n, rows, cols int, rng *rand.Rand) {
	t.Helper()
	wf := make([]float32, n*rows)
	for i := range wf {
		wf[i] = float32(rng.NormFloat64())
	}
	rb, err := ty.RowBytes(int64(n))
	if err != nil {
		t.Fatal(err)
	}
	w := make([]byte, int(rb)*rows)
	for r := range rows {
		if err := quant.Quantize(ty, wf[r*n:(r+1)*n], w[r*int(rb):(r+1)*int(rb)]); err != nil {
			t.Fatal(err)
		}
	}
	wd := make([]float32, n*rows)
	quant.Dequantize(ty, w, wd)
	xs := make([]float32, n*cols)
	for i := range xs {
		xs[i] = float32(rng.NormFloat64())
	}
	ab := ActBytes(ty, n)
	qs := make([]byte, ab*cols)
	for c := range cols {
		QuantizeAct(ty, xs[c*n:(c+1)*n], qs[c*ab:(c+1)*ab])
	}
	want := make([]float32, rows*cols)
	got := make([]float32, rows*cols)
	withLevel(t, "generic", func() { MatMul(ty, w, n, rows, xs, qs, cols, want, rows, nil) })
	withLevel(t, lv, func() { MatMul(ty, w, n, rows, xs, qs, cols, got, rows, nil) })
	for c := range cols {
		for r := range rows {
			var mag float64
			for k := range n {
				mag += math.Abs(float64(wd[r*n+k]) * float64(xs[c*n+k]))
			}
			g, e := got[c*rows+r], want[c*rows+r]
			if math.Abs(float64(g)-float64(e)) > 1e-5*mag+1e-6 {
				t.Fatalf("%s %v cols=%d: column %d row %d: %g, generic %g (bound %.3g)", lv, ty, cols, c, r, g, e, 1e-5*mag)
			}
		}
	}
}
