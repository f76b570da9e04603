//go:build unix

package kernels

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gollm/gollm/quant"
)

// guardedBuf returns a buffer of n bytes that ends exactly at a page
// boundary followed by an inaccessible page, so that any read past the end
// faults (as in golang/go's bytes/boundary_test.go).
func guardedBuf(t *testing.T, n int) []byte {
	ps := unix.Getpagesize()
	pages := (n+ps-1)/ps + 1
	mem, err := unix.Mmap(-1, 0, pages*ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	if err := unix.Mprotect(mem[(pages-1)*ps:], unix.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	end := (pages - 1) * ps
	return mem[end-n : end : end]
}

// TestPageBoundary runs every level's kernels on weights and activations
// that end at a page boundary followed by a no-access page.
func TestPageBoundary(t *testing.T) {
	for _, lv := range levelNames {
		t.Run("level="+lv, func(t *testing.T) {
			withLevel(t, lv, func() {})
			for _, ty := range allTypes {
				rng := rand.New(rand.NewPCG(uint64(ty), 11))
				for _, nb := range []int{1, 2, 3, 5, 8, 17} {
					n := nb * ty.BlockSize()
					if ty.BlockSize() == 1 {
						n = nb*3 + 1
					}
					const rows = 4
					rb := n / ty.BlockSize() * ty.BlockBytes()
					w := guardedBuf(t, rows*rb)
					fillWeights(ty, w, rng, fillRandom)
					x, q := makeAct(ty, n, rng, fillRandom)
					var want, got [rows]float32
					withLevel(t, "generic", func() { MatVec(ty, w, n, x, q, want[:]) })
					xg := x
					if ty.BlockSize() == 1 {
						xb := guardedBuf(t, 4*n)
						xg = unsafeFloats(xb)
						copy(xg, x)
					}
					qg := guardedBuf(t, len(q))
					copy(qg, q)
					withLevel(t, lv, func() {
						MatVec(ty, w, n, xg, qg, got[:])
						MatMul(ty, w, n, rows, xg, qg, 1, got[:], rows, nil)
					})
					for r := range rows {
						_, mag := refDot(ty, w[r*rb:(r+1)*rb], n, x, q)
						if !sameLevel(got[r], want[r], 1e-5*mag) {
							t.Fatalf("%v nb=%d row %d: %g want %g", ty, nb, r, got[r], want[r])
						}
					}
					// Four identical columns, the last ending at the boundary.
					q4 := guardedBuf(t, 4*len(q))
					x4 := make([]float32, 4*n)
					for c := range 4 {
						copy(q4[c*len(q):], q)
						copy(x4[c*n:], x)
					}
					var got4 [4 * rows]float32
					withLevel(t, lv, func() { MatMul(ty, w, n, rows, x4, q4, 4, got4[:], rows, nil) })
					for i, g := range got4 {
						r := i % rows
						_, mag := refDot(ty, w[r*rb:(r+1)*rb], n, x, q)
						if !sameLevel(g, want[r], 1e-5*mag) {
							t.Fatalf("%v nb=%d MatMul col %d row %d: %g want %g", ty, nb, i/rows, r, g, want[r])
						}
					}
					if ty == quant.F16 {
						h := unsafeHalfs(w[(rows-1)*rb:])
						if g, e := DotF16(h, xg), DotF16(h, x); !sameLevel(g, e, 1e-4*float64(abs32(e))+1e-4) {
							t.Fatalf("DotF16 n=%d: %g want %g", n, g, e)
						}
					}
				}
			}
		})
	}
}
