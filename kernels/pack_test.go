package kernels

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollm/gollm/quant"
)

// layouts are the packed layouts.
var layouts = []layout{interleave4, interleave8}

// packTest packs w (rows rows of rb bytes) in layout run.
func packTest(ty quant.Type, w []byte, rb, rows int, run layout) *Packed {
	p := &Packed{data: make([]byte, len(w)), run: run}
	packRows(ty, w, rb, rows, p.data, run)
	return p
}

// TestPackRoundTrip checks that every row's blocks come back from either
// packed layout unchanged, whole groups and tail rows alike.
func TestPackRoundTrip(t *testing.T) {
	for _, ty := range packedTypes {
		for _, run := range layouts {
			testPackRoundTrip(t, ty, run)
		}
	}
}

func testPackRoundTrip(t *testing.T, ty quant.Type, run layout) {
	rng := rand.New(rand.NewPCG(uint64(ty), 1))
	for _, rows := range []int{1, 3, 4, 5, 8, 11} {
		const nb = 3
		bb := ty.BlockBytes()
		rb := nb * bb
		w := make([]byte, rows*rb)
		fillWeights(ty, w, rng, fillRandom)
		p := packTest(ty, w, rb, rows, run).data
		full := rows / packGroup * packGroup
		blk := make([]byte, bb)
		for r := range full {
			g := r / packGroup
			for b := range nb {
				unpackBlock4(ty, run, p[g*packGroup*rb+b*packGroup*bb:], r%packGroup, blk)
				if !bytes.Equal(blk, w[r*rb+b*bb:r*rb+(b+1)*bb]) {
					t.Fatalf("%v %v rows=%d: row %d block %d comes back as %x", ty, run, rows, r, b, blk)
				}
			}
		}
		if !bytes.Equal(p[full*rb:], w[full*rb:]) {
			t.Fatalf("%v %v rows=%d: tail rows changed", ty, run, rows)
		}
	}
}

// TestPackedLevels multiplies packed matrices of both layouts at every
// level (whichever level packed them: SetLevel may change it afterwards)
// and compares
// each product with the generic row kernels on GGUF's layout (within the
// float tolerance of TestLevels, exactly with unit scales), for every block
// count, row ranges that start and end inside groups and in the tail, and
// column counts that use every tile width. For the rows in whole groups,
// MatMulPacked's result for a column must equal MatVecPacked's bit for bit:
// it may not depend on the batch. The generic reference is computed once
// for all levels.
func TestPackedLevels(t *testing.T) {
	for _, ty := range packedTypes {
		t.Run("type="+ty.String(), func(t *testing.T) { testPackedType(t, ty) })
	}
}

func testPackedType(t *testing.T, ty quant.Type) {
	rng := rand.New(rand.NewPCG(uint64(ty), 11))
	const rows = 13
	ranges := [][2]int{{0, rows}, {1, rows}, {2, 7}, {4, 8}, {12, 13}, {3, 10}}
	for i, nb := range blockCounts(ty) {
		// 19 columns run tiles of 12, 4 and 2 columns at i8mm (8 and 8
		// below), 21 of 12 and 8 (8, 8 and 4); both end with a single
		// column.
		cols := 19 + 2*(i%2)
		n := nb * ty.BlockSize()
		rb := nb * ty.BlockBytes()
		ab := ActBytes(ty, n)
		w := make([]byte, rows*rb)
		for mode := range numFillModes {
			fillWeights(ty, w, rng, mode)
			var ps []*Packed
			for _, run := range layouts {
				ps = append(ps, packTest(ty, w, rb, rows, run))
			}
			xs := make([]float32, 0, cols*n)
			var qs []byte
			for range cols {
				x, q := makeAct(ty, n, rng, mode)
				xs = append(xs, x...)
				qs = append(qs, q...)
			}
			want := make([]float32, cols*rows)
			withLevel(t, "generic", func() {
				for c := range cols {
					MatVec(ty, w, n, nil, qs[c*ab:(c+1)*ab], want[c*rows:(c+1)*rows])
				}
			})
			tols := make([]float64, cols*rows)
			af := make([][]float32, cols)
			for c := range cols {
				af[c] = dequantAct(ActType(ty), qs[c*ab:(c+1)*ab], n)
			}
			for r := range rows {
				wf := dequantTest(ty, w[r*rb:(r+1)*rb], n)
				for c, af := range af {
					var mag float64
					for i := range wf {
						mag += math.Abs(float64(wf[i]) * float64(af[i]))
					}
					if mode != fillUnit || mag >= 1<<24 {
						tols[c*rows+r] = 1e-5 * mag
					}
				}
			}
			tolOf := func(c, r int) float64 { return tols[c*rows+r] }
			for _, lv := range Levels() {
				withLevel(t, lv, func() {
					for _, p := range ps {
						rgs := ranges
						if nb > 40 {
							rgs = ranges[:2]
						}
						for _, rg := range rgs {
							r0, r1 := rg[0], rg[1]
							m := r1 - r0
							const guard = 3
							got := make([]float32, cols*(m+1)+guard)
							for i := range got {
								got[i] = -12345
							}
							a := prepareActs(ty, qs, n, cols)
							MatMulPacked(ty, p, n, rows, r0, r1, &a, got, m+1, nil)
							vec := make([]float32, m)
							for c := range cols {
								// MatVecPacked for the first and last columns (the
								// last one single, after the tiles).
								if c == 0 || c == cols-1 {
									MatVecPacked(ty, p, n, rows, r0, qs[c*ab:(c+1)*ab], vec)
								} else {
									copy(vec, got[c*(m+1):c*(m+1)+m])
								}
								for r := r0; r < r1; r++ {
									g, v := got[c*(m+1)+r-r0], vec[r-r0]
									where := fmt.Sprintf("%v %v %v nb=%d rows [%d,%d) col %d row %d", ty, p.run, mode, nb, r0, r1, c, r)
									if !sameLevel(v, want[c*rows+r], tolOf(c, r)) {
										t.Fatalf("MatVecPacked %s: %s %g, generic %g", where, lv, v, want[c*rows+r])
									}
									if !sameLevel(g, want[c*rows+r], tolOf(c, r)) {
										t.Fatalf("MatMulPacked %s: %s %g, generic %g", where, lv, g, want[c*rows+r])
									}
									// Rows in whole groups go through the packed kernels.
									same := math.Float32bits(g) == math.Float32bits(v) || math.IsNaN(float64(g)) && math.IsNaN(float64(v))
									if r < rows/packGroup*packGroup && !same {
										t.Fatalf("MatMulPacked %s: %s %g, MatVecPacked %g", where, lv, g, v)
									}
								}
								if got[c*(m+1)+m] != -12345 {
									t.Fatalf("MatMulPacked %v nb=%d rows [%d,%d): wrote past the rows of column %d", ty, nb, r0, r1, c)
								}
							}
							for _, g := range got[cols*(m+1):] {
								if g != -12345 {
									t.Fatalf("MatMulPacked %v nb=%d rows [%d,%d): wrote past the output", ty, nb, r0, r1)
								}
							}
						}
					}
				})
			}
		}
	}
}

// TestPackedExtremes multiplies packed weights of -128 (Q8_0) and nibbles
// of 0 (Q4_0: -8) by activations of -127 with unit scales: every level
// must give the exact integer.
func TestPackedExtremes(t *testing.T) {
	const nb, rows, cols = 9, 6, 11
	for _, ty := range packedTypes {
		rb := nb * ty.BlockBytes()
		w := make([]byte, rows*rb)
		wq := int8(-128)
		if ty == quant.Q4_0 {
			wq = -8 // every byte 0: both nibbles 0
		} else {
			for i := range w {
				w[i] = 0x80
			}
		}
		for i := 0; i < len(w); i += ty.BlockBytes() {
			w[i], w[i+1] = 0x00, 0x3c
		}
		q := make([]byte, cols*nb*34)
		for i := range q {
			q[i] = 0x81 // -127
		}
		for i := 0; i < len(q); i += 34 {
			q[i], q[i+1] = 0x00, 0x3c
		}
		want := float32(nb * 32 * int(wq) * -127)
		for _, run := range layouts {
			p := packTest(ty, w, rb, rows, run)
			for _, lv := range Levels() {
				withLevel(t, lv, func() {
					out := make([]float32, rows*cols)
					MatVecPacked(ty, p, nb*32, rows, 0, q, out[:rows])
					a := prepareActs(ty, q, nb*32, cols)
					MatMulPacked(ty, p, nb*32, rows, 0, rows, &a, out, rows, nil)
					for i, g := range out {
						if g != want {
							t.Fatalf("%s %v %v: out[%d] = %g, want %g", lv, ty, run, i, g, want)
						}
					}
				})
			}
		}
	}
}

// TestPackedNoAllocs: the packed products allocate nothing at any level.
func TestPackedNoAllocs(t *testing.T) {
	for _, lv := range Levels() {
		withLevel(t, lv, func() {
			for _, ty := range packedTypes {
				const n, rows, cols = 256, 10, 9
				rng := rand.New(rand.NewPCG(1, 1))
				rb := n / 32 * ty.BlockBytes()
				w := make([]byte, rows*rb)
				fillWeights(ty, w, rng, fillRandom)
				p := Pack(ty, w, rows, n)
				if p == nil {
					p = packTest(ty, w, rb, rows, interleave4)
				}
				qs := make([]byte, cols*ActBytes(ty, n))
				buf := make([]byte, PackedActsBytes(ty, n, cols))
				out := make([]float32, rows*cols)
				if a := testing.AllocsPerRun(5, func() {
					MatVecPacked(ty, p, n, rows, 1, qs, out[:8])
					a := PrepareActs(ty, qs, n, cols, buf)
					MatMulPacked(ty, p, n, rows, 1, rows, &a, out, rows, nil)
				}); a != 0 {
					t.Errorf("%s %v: %v allocations", lv, ty, a)
				}
			}
		})
	}
}

// BenchmarkPacked measures the packed products per type and level: MatVec
// over a matrix larger than the caches (decode) and MatMul of 256 rows by
// 32 columns (prefill). Throughput is in weight bytes per second.
func BenchmarkPacked(b *testing.B) {
	for _, ty := range packedTypes {
		for _, sz := range []struct {
			name          string
			n, rows, cols int
		}{{"matvec", 4096, 4096, 1}, {"matmul", 2048, 256, 32}} {
			rng := rand.New(rand.NewPCG(1, 2))
			rb := sz.n / 32 * ty.BlockBytes()
			w := make([]byte, sz.rows*rb)
			fillWeights(ty, w, rng, fillRandom)
			var qs []byte
			for range sz.cols {
				_, q := makeAct(ty, sz.n, rng, fillRandom)
				qs = append(qs, q...)
			}
			out := make([]float32, sz.rows*sz.cols)
			buf := make([]byte, PackedActsBytes(ty, sz.n, sz.cols))
			for _, lv := range Levels() {
				b.Run(fmt.Sprintf("type=%v/impl=%s/%s", ty, lv, sz.name), func(b *testing.B) {
					b.SetBytes(int64(len(w) * sz.cols))
					withLevel(b, lv, func() {
						p := Pack(ty, w, sz.rows, sz.n)
						if p == nil {
							p = packTest(ty, w, rb, sz.rows, interleave4)
						}
						for b.Loop() {
							if sz.cols == 1 {
								MatVecPacked(ty, p, sz.n, sz.rows, 0, qs, out)
							} else {
								a := PrepareActs(ty, qs, sz.n, sz.cols, buf)
								MatMulPacked(ty, p, sz.n, sz.rows, 0, sz.rows, &a, out, sz.rows, nil)
							}
						}
					})
				})
			}
		}
	}
}

// unpackBlock4 writes into blk the GGUF block of row r of the packed block
// of four p in layout run: the inverse of Pack's interleaving, which the
// round-trip test checks against the original rows.
func unpackBlock4(t quant.Type, run layout, p []byte, r int, blk []byte) {
	qb := t.BlockBytes() - 2
	k := int(run)
	x := packXOR(t)
	copy(blk[:2], p[2*r:2*r+2])
	for j := 0; j < qb; j += k {
		o := 8 + packGroup*j + k*r
		for i := range k {
			blk[2+j+i] = p[o+i] ^ x
		}
	}
}

// prepareActs prepares cols columns qs of n elements for MatMulPacked at
// the current level in a buffer of exactly PackedActsBytes.
func prepareActs(ty quant.Type, qs []byte, n, cols int) PackedActs {
	return PrepareActs(ty, qs, n, cols, make([]byte, PackedActsBytes(ty, n, cols)))
}

// TestPackedActsChecked: activations prepared for another type, length or
// level are refused with a panic, not multiplied.
func TestPackedActsChecked(t *testing.T) {
	const n, rows, cols = 64, 4, 3
	ty := quant.Q8_0
	w := &Packed{data: make([]byte, rows*n/32*ty.BlockBytes()), run: interleave4}
	qs := make([]byte, cols*ActBytes(ty, n))
	out := make([]float32, rows*cols)
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	mustPanic("other type", func() {
		a := prepareActs(quant.Q4_0, qs, n, cols)
		MatMulPacked(ty, w, n, rows, 0, rows, &a, out, rows, nil)
	})
	mustPanic("other length", func() {
		a := prepareActs(ty, qs, n/2, cols)
		MatMulPacked(ty, w, n, rows, 0, rows, &a, out, rows, nil)
	})
	mustPanic("short buffer", func() {
		if need := PackedActsBytes(ty, n, cols); need > 0 {
			PrepareActs(ty, qs, n, cols, make([]byte, need-1))
		} else {
			PrepareActs(ty, qs[:len(qs)-1], n, cols, nil)
		}
	})
	if lv := Levels(); len(lv) > 1 {
		var a PackedActs
		withLevel(t, lv[0], func() { a = prepareActs(ty, qs, n, cols) })
		withLevel(t, lv[len(lv)-1], func() {
			mustPanic("other level", func() { MatMulPacked(ty, w, n, rows, 0, rows, &a, out, rows, nil) })
		})
	}
}

// TestPackAcrossLevels packs at every level and multiplies at every level
// (SetLevel may change the level after a model packed its weights): Pack
// writes the i8mm layout at i8mm and the dotprod one below, and every
// product of it equals the generic row kernels' (unit scales: exactly).
func TestPackAcrossLevels(t *testing.T) {
	const nb, rows, cols = 5, 10, 7
	for _, ty := range packedTypes {
		rng := rand.New(rand.NewPCG(uint64(ty), 5))
		n, rb, ab := nb*ty.BlockSize(), nb*ty.BlockBytes(), ActBytes(ty, nb*ty.BlockSize())
		w := make([]byte, rows*rb)
		fillWeights(ty, w, rng, fillUnit)
		var qs []byte
		for range cols {
			_, q := makeAct(ty, n, rng, fillUnit)
			qs = append(qs, q...)
		}
		want := make([]float32, cols*rows)
		withLevel(t, "generic", func() {
			for c := range cols {
				MatVec(ty, w, n, nil, qs[c*ab:(c+1)*ab], want[c*rows:(c+1)*rows])
			}
		})
		for _, lp := range Levels() {
			var p *Packed
			withLevel(t, lp, func() { p = Pack(ty, w, rows, n) })
			if p == nil {
				continue
			}
			if run := map[bool]layout{true: interleave8, false: interleave4}[lp == "i8mm"]; p.run != run {
				t.Fatalf("%v packed at %s: layout %d, want %d", ty, lp, p.run, run)
			}
			for _, lm := range Levels() {
				withLevel(t, lm, func() {
					got := make([]float32, cols*rows)
					a := prepareActs(ty, qs, n, cols)
					MatMulPacked(ty, p, n, rows, 0, rows, &a, got, rows, nil)
					vec := make([]float32, rows)
					for c := range cols {
						MatVecPacked(ty, p, n, rows, 0, qs[c*ab:(c+1)*ab], vec)
						for r := range rows {
							if g, v, w := got[c*rows+r], vec[r], want[c*rows+r]; g != w || v != w {
								t.Fatalf("%v packed at %s, multiplied at %s: col %d row %d: MatMulPacked %g, MatVecPacked %g, generic %g", ty, lp, lm, c, r, g, v, w)
							}
						}
					}
				})
			}
		}
	}
}
