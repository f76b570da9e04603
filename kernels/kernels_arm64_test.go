//go:build !purego

package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gollm/gollm/quant"
)

// TestARM64Levels checks the arm64 level registry against the CPU flags.
func TestARM64Levels(t *testing.T) {
	lv := Levels()
	if !slices.Contains(lv, "neon") {
		t.Fatalf("levels %v lack neon", lv)
	}
	if slices.Contains(lv, "dotprod") != hasDotProd || slices.Contains(lv, "i8mm") != hasI8MM {
		t.Fatalf("levels %v, dotprod %v, i8mm %v", lv, hasDotProd, hasI8MM)
	}
	if want := lv[len(lv)-1]; bestLevel() != levelID(indexOf(want)) {
		t.Errorf("best level %s, want %s", levelNames[bestLevel()], want)
	}
	if err := SetLevel("avx2"); err == nil || !strings.Contains(err.Error(), "amd64 level") {
		t.Errorf("SetLevel(avx2) on arm64 = %v", err)
	}
	t.Logf("levels %v", lv)
}

// TestARM64Extremes multiplies Q8_0 weights and activations of -128 (whose
// products, 16384, fill half of an int16 lane) with unit scales: every level
// must give exactly 32 * 16384 per block.
func TestARM64Extremes(t *testing.T) {
	const nb, rows, cols = 9, 3, 3
	w := make([]byte, rows*nb*34)
	for i := range w {
		w[i] = 0x80
	}
	q := make([]byte, cols*nb*34)
	for i := range q {
		q[i] = 0x80
	}
	for i := 0; i < len(w); i += 34 {
		binary.LittleEndian.PutUint16(w[i:], 0x3c00)
	}
	for i := 0; i < len(q); i += 34 {
		binary.LittleEndian.PutUint16(q[i:], 0x3c00)
	}
	want := float32(nb * 32 * 16384)
	for _, lv := range Levels() {
		withLevel(t, lv, func() {
			out := make([]float32, rows*cols)
			MatVec(quant.Q8_0, w, nb*32, nil, q, out[:rows])
			MatMul(quant.Q8_0, w, nb*32, rows, nil, q, cols, out, rows, nil)
			for i, g := range out {
				if g != want || math.IsNaN(float64(g)) {
					t.Fatalf("%s: out[%d] = %g, want %g", lv, i, g, want)
				}
			}
		})
	}
}

// TestExpandedGroups: at every level, Q4_0 products go through the tiles
// over Pack's form when a group takes one tile and over the expanded form
// when it takes several (up to expandedMaxBlocks blocks; the SMMLA tiles
// at i8mm, the dotprod and neon tiles below): every column of every batch
// must equal MatVecPacked's bit for bit, on both sides of both limits.
func TestExpandedGroups(t *testing.T) {
	const rows = 9 // two groups and a row
	rng := rand.New(rand.NewPCG(5, 17))
	ty := quant.Q4_0
	for _, lv := range Levels() {
		for _, nb := range []int{1, 2, 3, 30, expandedMaxBlocks, expandedMaxBlocks + 1} {
			n, rb := nb*32, nb*ty.BlockBytes()
			w := make([]byte, rows*rb)
			fillWeights(ty, w, rng, fillRandom)
			withLevel(t, lv, func() {
				p := packTest(ty, w, rb, rows, packLayout(ty))
				for _, cols := range []int{2, 3, 5, 8, 9, 12, 13, 14, 16, 17, 24, 25, 26, 31} {
					var qs []byte
					for range cols {
						_, q := makeAct(ty, n, rng, fillRandom)
						qs = append(qs, q...)
					}
					ab := ActBytes(ty, n)
					a := prepareActs(ty, qs, n, cols)
					got := make([]float32, cols*rows)
					MatMulPacked(ty, p, n, rows, 0, rows, &a, got, rows, nil)
					vec := make([]float32, rows)
					for c := range cols {
						MatVecPacked(ty, p, n, rows, 0, qs[c*ab:(c+1)*ab], vec)
						for r, v := range vec {
							if g := got[c*rows+r]; math.Float32bits(g) != math.Float32bits(v) {
								t.Fatalf("%s nb=%d cols=%d col %d row %d: MatMulPacked %g, MatVecPacked %g", lv, nb, cols, c, r, g, v)
							}
						}
					}
				}
			})
		}
	}
}

// TestPairTileCount checks pairTileCount against the tiles pairTiles runs.
func TestPairTileCount(t *testing.T) {
	for cols, want := range []int{0, 0, 1, 1, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2, 2, 2, 3, 3, 2, 2, 3, 3, 2, 2} {
		if got := pairTileCount(cols); got != want {
			t.Errorf("pairTileCount(%d) = %d, want %d", cols, got, want)
		}
	}
}

// TestMatMulScratch: at every level, MatMul with a Scratch of
// MatMulScratchBytes allocates nothing and does not grow it, for every
// quantized type and batches on both sides of the tile paths' thresholds,
// with rows in whole and partial groups and rows longer than a tile.
func TestMatMulScratch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	used := 0 // products with scratch: the test must reach some
	for _, lv := range Levels() {
		withLevel(t, lv, func() {
			for _, wt := range weightTypes {
				ty := wt.t
				for _, nb := range []int{3, tileQ8Blocks + 1} {
					n := nb * ty.BlockSize()
					const rows = 7
					w := make([]byte, rows*nb*ty.BlockBytes())
					fillWeights(ty, w, rng, fillRandom)
					for _, cols := range []int{2, tileQ8MinCols, 41, tile4MinCols + 3} {
						var qs []byte
						for range cols {
							_, q := makeAct(ty, n, rng, fillRandom)
							qs = append(qs, q...)
						}
						out := make([]float32, cols*rows)
						var sc Scratch
						need := MatMulScratchBytes(ty, n, cols)
						sc.Grow(need)
						if need > 0 {
							used++
						}
						if a := testing.AllocsPerRun(2, func() { MatMul(ty, w, n, rows, nil, qs, cols, out, rows, &sc) }); a != 0 {
							t.Errorf("%s %v nb=%d cols=%d: MatMul allocates %.1f times with %d bytes of scratch", lv, ty, nb, cols, a, need)
						}
						if len(sc.b) != need {
							t.Errorf("%s %v nb=%d cols=%d: MatMulScratchBytes %d, MatMul grew it to %d", lv, ty, nb, cols, need, len(sc.b))
						}
					}
				}
			}
		})
	}
	if used == 0 {
		t.Fatal("no product used scratch")
	}
}
