//go:build !purego

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/gollm/gollm/quant"
)

var gemmTypes = []quant.Type{quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.IQ4_NL, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.IQ4_XS, quant.Q3_K, quant.Q2_K, quant.Q4_1, quant.Q5_1}

// TestGemm runs MatMul's tile path (from tileMinCols columns on) against
// the generic twin for every column count 1..20, row counts around the tile
// height, block counts around the tile length (several tiles per row),
// every fill mode and a row range of a larger output, with guard values
// around every column, at every assembly level the CPU has (avx2, and
// avx512 where it has AVX-512 VNNI). Bounds as in TestLevels.
func TestGemm(t *testing.T) {
	if levelMissing(lvAVX2) != "" {
		t.Skip("no avx2")
	}
	nbs := []int{1, 2, 3, 7, 31, 128, 129, 300}
	if testing.Short() {
		nbs = []int{1, 3, 129}
	}
	for _, ty := range gemmTypes {
		rng := rand.New(rand.NewPCG(uint64(ty), 17))
		nbs := nbs
		if ty.BlockSize() == 256 {
			nbs = []int{1, 2, 3, 4, 5, 9, 17}
		}
		for _, nb := range nbs {
			for _, rows := range []int{1, 5, 8, 9, 17} {
				for mode := range numFillModes {
					cols := 1 + rng.IntN(20)
					if nb == 3 && rows == 9 {
						cols = 20
					}
					testGemmCase(t, ty, nb, rows, cols, mode, rng)
				}
			}
		}
		for cols := 1; cols <= 20; cols++ {
			testGemmCase(t, ty, 5, 11, cols, fillRandom, rng)
			testGemmCase(t, ty, 2, 3, cols, fillUnit, rng)
		}
	}
}

func testGemmCase(t *testing.T, ty quant.Type, nb, rows, cols int, mode fillMode, rng *rand.Rand) {
	t.Helper()
	n := nb * ty.BlockSize()
	rb := nb * ty.BlockBytes()
	w := make([]byte, rows*rb)
	fillWeights(ty, w, rng, mode)
	xs := make([]float32, 0, cols*n)
	var qs []byte
	for range cols {
		x, q := makeAct(ty, n, rng, mode)
		xs = append(xs, x...)
		qs = append(qs, q...)
	}
	ab := ActBytes(ty, n)
	// The rows land at offset 2 of columns of ld = rows+4 floats.
	const off, guard = 2, -12345
	ld := rows + 4
	want := make([]float32, cols*ld)
	withLevel(t, "generic", func() { MatMul(ty, w, n, rows, xs, qs, cols, want[off:], ld, nil) })
	for _, lv := range Levels() {
		if lv == "generic" {
			continue
		}
		got := make([]float32, cols*ld)
		for i := range got {
			got[i] = guard
		}
		withLevel(t, lv, func() { MatMul(ty, w, n, rows, xs, qs, cols, got[off:], ld, nil) })
		for c := range cols {
			af := dequantAct(ActType(ty), qs[c*ab:(c+1)*ab], n)
			for i := range ld {
				g, e := got[c*ld+i], want[c*ld+i]
				r := i - off
				if r < 0 || r >= rows {
					if g != guard {
						t.Fatalf("%s %v nb=%d rows=%d cols=%d: wrote outside the output at column %d row %d", lv, ty, nb, rows, cols, c, r)
					}
					continue
				}
				wf := dequantTest(ty, w[r*rb:(r+1)*rb], n)
				var mag float64
				for k, v := range wf {
					mag += math.Abs(float64(v) * float64(af[k]))
				}
				tol := 1e-5 * mag
				if mode == fillUnit && mag < 1<<24 {
					tol = 0
				}
				if !sameLevel(g, e, tol) {
					t.Fatalf("%s %v nb=%d rows=%d cols=%d %v: col %d row %d: %g, generic %g", lv, ty, nb, rows, cols, mode, c, r, g, e)
				}
			}
		}
	}
}

// TestGemmPageBoundary puts weights and activations at the end of a page
// followed by a no-access page, for partial (9 rows) and full (16 rows)
// tiles.
func TestGemmPageBoundary(t *testing.T) {
	if levelMissing(lvAVX2) != "" {
		t.Skip("no avx2")
	}
	for _, ty := range gemmTypes {
		rng := rand.New(rand.NewPCG(uint64(ty), 19))
		for _, nb := range []int{1, 3, 17, 129} {
			if ty.BlockSize() == 256 && nb > 9 {
				nb = 9
			}
			for _, cols := range []int{1, 3, 4, 9} {
				// 16 rows: full tiles, unpacked in assembly.
				n, rows := nb*ty.BlockSize(), 9+7*(cols%2)
				rb := nb * ty.BlockBytes()
				w := guardedBuf(t, rows*rb)
				fillWeights(ty, w, rng, fillRandom)
				ab := ActBytes(ty, n)
				qs := guardedBuf(t, cols*ab)
				xs := make([]float32, 0, cols*n)
				for c := range cols {
					x, q := makeAct(ty, n, rng, fillRandom)
					xs = append(xs, x...)
					copy(qs[c*ab:], q)
				}
				want := make([]float32, cols*rows)
				got := make([]float32, cols*rows)
				withLevel(t, "generic", func() { MatMul(ty, w, n, rows, xs, qs, cols, want, rows, nil) })
				withLevel(t, "avx2", func() { MatMul(ty, w, n, rows, xs, qs, cols, got, rows, nil) })
				for i := range got {
					if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
						t.Fatalf("%v nb=%d cols=%d element %d: %g, generic %g", ty, nb, cols, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestGemmNoAllocs(t *testing.T) {
	if levelMissing(lvAVX2) != "" {
		t.Skip("no avx2")
	}
	for _, ty := range gemmTypes {
		n, rows, cols := 4096+ty.BlockSize(), 9, 129 // two tiles per row, a column remainder
		rng := rand.New(rand.NewPCG(1, 1))
		w := make([]byte, rows*n/ty.BlockSize()*ty.BlockBytes())
		fillWeights(ty, w, rng, fillRandom)
		var qs []byte
		for range cols {
			_, q := makeAct(ty, n, rng, fillRandom)
			qs = append(qs, q...)
		}
		out := make([]float32, cols*rows)
		withLevel(t, "avx2", func() {
			if a := testing.AllocsPerRun(5, func() { MatMul(ty, w, n, rows, nil, qs, cols, out, rows, nil) }); a != 0 {
				t.Errorf("%v: %v allocations", ty, a)
			}
		})
	}
}

// BenchmarkGemm measures MatMul per level (the tile path at avx2) on
// prefill-shaped products: 512 columns, one tile-sized row range of a
// 896-wide and a 4864-wide matrix.
func BenchmarkGemm(b *testing.B) {
	for _, ty := range gemmTypes {
		sizes := []struct{ n, rows, cols int }{{896, 128, 512}, {4864, 64, 512}}
		if ty.BlockSize() == 256 {
			sizes = []struct{ n, rows, cols int }{{1536, 128, 512}, {8960, 32, 512}}
		}
		for _, sz := range sizes {
			rb := sz.n / ty.BlockSize() * ty.BlockBytes()
			rng := rand.New(rand.NewPCG(1, 2))
			w := make([]byte, sz.rows*rb)
			fillWeights(ty, w, rng, fillRandom)
			var qs []byte
			for range sz.cols {
				_, q := makeAct(ty, sz.n, rng, fillRandom)
				qs = append(qs, q...)
			}
			out := make([]float32, sz.cols*sz.rows)
			for _, lv := range Levels() {
				b.Run(fmt.Sprintf("type=%v/n=%d/impl=%s", ty, sz.n, lv), func(b *testing.B) {
					var cpu float64
					withLevel(b, lv, func() {
						c0 := cpuSeconds()
						for b.Loop() {
							MatMul(ty, w, sz.n, sz.rows, nil, qs, sz.cols, out, sz.rows, nil)
						}
						cpu = cpuSeconds() - c0
					})
					// Per CPU second: the machine is shared, wall time is not.
					b.ReportMetric(float64(sz.n*sz.rows*sz.cols)*float64(b.N)/cpu/1e9, "GMAC/cpu-s")
				})
			}
		}
	}
}

// cpuSeconds is the process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// TestUnpackQ4_0Asm compares the assembly unpacking of full Q4_0, Q5_0,
// Q4_1 and Q5_1 tiles with the Go unpacking, byte for byte.
func TestUnpackQ4_0Asm(t *testing.T) {
	if levelMissing(lvAVX2) != "" {
		t.Skip("no avx2")
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for _, ty := range []quant.Type{quant.Q4_0, quant.Q5_0, quant.Q4_1, quant.Q5_1} {
		for _, nb := range []int{1, 2, 7, 32, 40} {
			for _, mode := range []fillMode{fillRandom, fillUnit, fillZero, fillExtreme} {
				testUnpack16(t, ty, nb, mode, rng)
			}
		}
	}
}

func testUnpack16(t *testing.T, ty quant.Type, nb int, mode fillMode, rng *rand.Rand) {
	t.Helper()
	rb := nb * ty.BlockBytes()
	w := make([]byte, 16*rb)
	fillWeights(ty, w, rng, mode)
	for _, b0 := range []int{0, nb / 2} {
		nbk := min(gemm16MaxBlocks, nb-b0)
		var got, want [tile16Bytes]byte
		unpackTile16(ty, w, rb, 16, b0, nbk, &got, true)
		unpackTile16(ty, w, rb, 16, b0, nbk, &want, false)
		if got == want {
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%v nb=%d b0=%d %v: tile byte %d (block %d, offset %d): asm %#x, Go %#x", ty, nb, b0, mode, i, i/gemm16Block, i%gemm16Block, got[i], want[i])
			}
		}
	}
}

// TestUnpackQ8_0Asm compares the assembly unpacking of full Q8_0 and
// IQ4_NL tiles with the Go unpacking, byte for byte.
func TestUnpackQ8_0Asm(t *testing.T) {
	if levelMissing(lvAVX2) != "" {
		t.Skip("no avx2")
	}
	rng := rand.New(rand.NewPCG(6, 6))
	for _, ty := range []quant.Type{quant.Q8_0, quant.IQ4_NL} {
		testUnpack8(t, ty, rng)
	}
}

func testUnpack8(t *testing.T, ty quant.Type, rng *rand.Rand) {
	for _, nb := range []int{1, 2, 7, 128, 130} {
		for _, mode := range []fillMode{fillRandom, fillUnit, fillZero, fillExtreme} {
			rb := nb * ty.BlockBytes()
			w := make([]byte, 8*rb)
			fillWeights(ty, w, rng, mode)
			for _, b0 := range []int{0, nb / 2} {
				nbk := min(gemmMaxBlocks, nb-b0)
				var got, want [gemmTileBytes]byte
				unpackTile(ty, w, rb, 8, b0, nbk, &got)
				unpackTileGo(ty, w, rb, 8, b0, nbk, &want)
				if got != want {
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("%v nb=%d b0=%d %v: tile byte %d: asm %#x, Go %#x", ty, nb, b0, mode, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestUnpackKAsm compares the assembly unpacking of full Q4_K and Q6_K
// tiles with the Go unpacking, byte for byte.
func TestUnpackKAsm(t *testing.T) {
	if levelMissing(lvAVX2) != "" {
		t.Skip("no avx2")
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, ty := range []quant.Type{quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.IQ4_XS, quant.Q3_K, quant.Q2_K} {
		for _, nb := range []int{1, 2, 4, 7} {
			for _, mode := range []fillMode{fillRandom, fillUnit, fillZero, fillExtreme} {
				rb := nb * ty.BlockBytes()
				w := make([]byte, 16*rb)
				fillWeights(ty, w, rng, mode)
				for _, b0 := range []int{0, nb / 2} {
					nbk := min(gemmKMaxBlocks, nb-b0)
					var got, want [tile16Bytes]byte
					unpackTile16(ty, w, rb, 16, b0, nbk, &got, true)
					unpackTile16(ty, w, rb, 16, b0, nbk, &want, false)
					if got == want {
						continue
					}
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("%v nb=%d b0=%d %v: tile byte %d: asm %#x, Go %#x", ty, nb, b0, mode, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestGemmColumnsIndependent checks the property tileMinCols keeps: from
// tileMinCols columns on, a column's result is bit for bit the same
// whatever columns share the call and wherever it sits among them (paired
// or alone in a kernel call).
func TestGemmColumnsIndependent(t *testing.T) {
	if levelMissing(lvAVX2) != "" {
		t.Skip("no avx2")
	}
	for _, ty := range gemmTypes {
		rng := rand.New(rand.NewPCG(uint64(ty), 23))
		nb, rows, cols := 5, 19, 9
		n := nb * ty.BlockSize()
		w := make([]byte, rows*nb*ty.BlockBytes())
		fillWeights(ty, w, rng, fillRandom)
		ab := ActBytes(ty, n)
		var qs []byte
		for range cols {
			_, q := makeAct(ty, n, rng, fillRandom)
			qs = append(qs, q...)
		}
		all := make([]float32, cols*rows)
		withLevel(t, "avx2", func() { MatMul(ty, w, n, rows, nil, qs, cols, all, rows, nil) })
		for c := range cols {
			for _, k := range []int{2, 3} { // column c first of 2, last of 3
				sub := make([]byte, 0, k*ab)
				for j := range k {
					sub = append(sub, qs[(c+j+1)%cols*ab:][:ab]...)
				}
				pos := k - 1
				if k == 2 {
					pos = 0
				}
				copy(sub[pos*ab:], qs[c*ab:(c+1)*ab])
				got := make([]float32, k*rows)
				withLevel(t, "avx2", func() { MatMul(ty, w, n, rows, nil, sub, k, got, rows, nil) })
				for r := range rows {
					if g, e := got[pos*rows+r], all[c*rows+r]; math.Float32bits(g) != math.Float32bits(e) {
						t.Fatalf("%v: column %d row %d: %g in %d columns, %g in %d", ty, c, r, g, k, e, cols)
					}
				}
			}
		}
	}
}
