//go:build !purego

package kernels

import (
	"encoding/binary"
	"math"
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
			MatMul(quant.Q8_0, w, nb*32, rows, nil, q, cols, out, rows)
			for i, g := range out {
				if g != want || math.IsNaN(float64(g)) {
					t.Fatalf("%s: out[%d] = %g, want %g", lv, i, g, want)
				}
			}
		})
	}
}
