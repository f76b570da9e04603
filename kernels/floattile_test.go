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

// TestFloatTileMatMulT compares FloatTileMatMulT, setting and adding to
// its output, with a float64 product over shapes that exercise the 16-, 8- and 4-row groups, the 4-column
// groups and single columns, leftover rows, n not a multiple of 4, and
// strides wider than the rows, at every level this CPU runs; nothing past
// a column's rows is written.
func TestFloatTileMatMulT(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, lv := range Levels() {
		t.Run(lv, func(t *testing.T) {
			withLevel(t, lv, func() {
				for _, sh := range [][4]int{{64, 128, 84, 128}, {64, 64, 7, 64}, {16, 28, 5, 30}, {8, 4, 1, 4}, {12, 13, 9, 16},
					{6, 8, 3, 8}, {4, 3, 2, 5}, {128, 64, 12, 64}, {4, 44, 6, 44}, {1, 16, 4, 16}} {
					n, rows, cols, ldw := sh[0], sh[1], sh[2], sh[3]
					ldOut := rows + 3
					wt := make([]float32, (n-1)*ldw+rows)
					for i := range wt {
						wt[i] = float32(rng.NormFloat64())
					}
					xs := make([]float32, n*cols)
					for i := range xs {
						xs[i] = float32(rng.NormFloat64())
					}
					for _, add := range []bool{false, true} {
						out := make([]float32, (cols-1)*ldOut+rows+1)
						const canary = 12345
						for c := 0; c < cols; c++ {
							out[c*ldOut+rows] = canary
						}
						start := make([]float32, len(out))
						if add {
							for c := 0; c < cols; c++ {
								for r := 0; r < rows; r++ {
									start[c*ldOut+r] = float32(rng.NormFloat64())
									out[c*ldOut+r] = start[c*ldOut+r]
								}
							}
						}
						FloatTileMatMulT(wt, ldw, n, rows, xs, cols, out, ldOut, add)
						for c := 0; c < cols; c++ {
							if out[c*ldOut+rows] != canary {
								t.Fatalf("%v: wrote past row %d of column %d", sh, rows, c)
							}
							for r := 0; r < rows; r++ {
								want, mag := float64(start[c*ldOut+r]), math.Abs(float64(start[c*ldOut+r]))
								for k := 0; k < n; k++ {
									p := float64(wt[k*ldw+r]) * float64(xs[c*n+k])
									want += p
									mag += math.Abs(p)
								}
								if got := float64(out[c*ldOut+r]); math.Abs(got-want) > 1e-6*mag {
									t.Fatalf("%v add %v: out[%d][%d] = %g, want %g", sh, add, c, r, got, want)
								}
							}
						}
					}
				}
			})
		})
	}
}

// TestTransposeToF32 checks TransposeToF32 at every level against its
// generic twin bit for bit (F16 and F32, strided sources, shapes with and
// without leftover rows and columns), and that it writes nothing but the
// transposed elements.
func TestTransposeToF32(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, lv := range Levels() {
		t.Run(lv, func(t *testing.T) {
			withLevel(t, lv, func() {
				for _, typ := range []quant.Type{quant.F32, quant.F16} {
					for _, sh := range [][4]int{{13, 64, 64, 16}, {64, 13, 128, 64}, {4, 4, 4, 4}, {7, 9, 11, 10}, {48, 64, 64, 48}, {3, 2, 2, 3}, {64, 48, 200, 64}} {
						rows, cols, ldSrc, ldDst := sh[0], sh[1], sh[2], sh[3]
						eb := typ.BlockBytes()
						src := make([]byte, ((rows-1)*ldSrc+cols)*eb)
						for i := 0; i+eb <= len(src); i += eb {
							f := float32(rng.NormFloat64())
							if typ == quant.F16 {
								h := quant.F32ToF16(f)
								src[i], src[i+1] = byte(h), byte(h>>8)
							} else {
								b := math.Float32bits(f)
								src[i], src[i+1], src[i+2], src[i+3] = byte(b), byte(b>>8), byte(b>>16), byte(b>>24)
							}
						}
						const canary = 777
						got := make([]float32, (cols-1)*ldDst+rows+1)
						want := make([]float32, len(got))
						for i := range got {
							got[i], want[i] = canary, canary
						}
						TransposeToF32(typ, src, ldSrc, rows, cols, got, ldDst)
						transposeToF32Generic(typ, src, ldSrc, rows, cols, want, ldDst)
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%v %v: element %d = %g, generic %g", typ, sh, i, got[i], want[i])
							}
						}
					}
				}
			})
		})
	}
}
