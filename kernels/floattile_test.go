package kernels

import (
	"math"
	"math/rand"
	"testing"
	"unsafe"

	"github.com/gollm/gollm/quant"
)

// TestFloatTileMatMul compares FloatTileMatMul with a float64 product of
// the same (F16-rounded) rows over shapes that exercise the 4x3 tiles and
// the leftover rows and columns, at every level this CPU runs.
func TestFloatTileMatMul(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	prev := Level()
	defer SetLevel(prev)
	for _, lv := range Levels() {
		if err := SetLevel(lv); err != nil {
			t.Log(err)
			continue
		}
		for _, typ := range []quant.Type{quant.F32, quant.F16} {
			for _, sh := range [][3]int{{64, 64, 63}, {64, 61, 56}, {8, 4, 3}, {16, 3, 2}, {40, 7, 5}, {12, 9, 7}, {128, 64, 64}, {64, 1, 1}, {4, 8, 8}, {10, 8, 8}, {36, 12, 9}} {
				n, rows, cols := sh[0], sh[1], sh[2]
				ldOut := rows + 2
				wf := make([]float32, n*rows)
				for i := range wf {
					wf[i] = float32(rng.NormFloat64())
				}
				var w []byte
				if typ == quant.F16 {
					h := make([]uint16, len(wf))
					for i, v := range wf {
						h[i] = quant.F32ToF16(v)
						wf[i] = quant.F16ToF32(h[i])
					}
					w = bytesOfU16(h)
				} else {
					w = bytesOfF32(wf)
				}
				xs := make([]float32, n*cols)
				for i := range xs {
					xs[i] = float32(rng.NormFloat64())
				}
				out := make([]float32, (cols-1)*ldOut+rows+1)
				const canary = 12345
				out[len(out)-1] = canary
				for c := 0; c < cols; c++ {
					out[c*ldOut+rows] = canary
				}
				FloatTileMatMul(typ, w, n, rows, xs, cols, out, ldOut)
				for c := 0; c < cols; c++ {
					if out[c*ldOut+rows] != canary {
						t.Fatalf("%s %v %v: wrote past row %d of column %d", lv, typ, sh, rows, c)
					}
					for r := 0; r < rows; r++ {
						var want, mag float64
						for i := 0; i < n; i++ {
							p := float64(wf[r*n+i]) * float64(xs[c*n+i])
							want += p
							mag += math.Abs(p)
						}
						if got := float64(out[c*ldOut+r]); math.Abs(got-want) > 1e-6*mag {
							t.Fatalf("%s %v %v: out[%d][%d] = %g, want %g", lv, typ, sh, c, r, got, want)
						}
					}
				}
				if out[len(out)-1] != canary {
					t.Fatalf("%s %v %v: wrote past the end", lv, typ, sh)
				}
			}
		}
	}
}

func bytesOfU16(s []uint16) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 2*len(s))
}

func bytesOfF32(s []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*len(s))
}

// TestMaxF32 checks MaxF32 at every length up to 70 with the maximum at
// every position, at every level this CPU runs.
func TestMaxF32(t *testing.T) {
	prev := Level()
	defer SetLevel(prev)
	rng := rand.New(rand.NewSource(5))
	for _, lv := range Levels() {
		if err := SetLevel(lv); err != nil {
			t.Log(err)
			continue
		}
		for n := 1; n <= 70; n++ {
			x := make([]float32, n+1)
			for at := 0; at < n; at++ {
				for i := range x {
					x[i] = float32(rng.NormFloat64()) - 10
				}
				x[at] = 3
				x[n] = 100 // past the end: must not be read
				if got := MaxF32(x[:n]); got != 3 {
					t.Fatalf("%s n=%d max at %d: got %g", lv, n, at, got)
				}
			}
		}
	}
}
