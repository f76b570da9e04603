//go:build unix

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestQuantizeActPageBoundary quantizes activations whose floats and whose
// output both end at a page boundary followed by a no-access page, at every
// level, including a last block the assembly leaves to the reference.
func TestQuantizeActPageBoundary(t *testing.T) {
	for _, f := range actFormats {
		rng := rand.New(rand.NewPCG(uint64(f.a), 13))
		for _, nb := range []int{1, 2, 3, 7} {
			for _, special := range []bool{false, true} {
				x := unsafeFloats(guardedBuf(t, 4*nb*f.bs))
				for b := range nb {
					randActBlock(rng, x[b*f.bs:(b+1)*f.bs], 1)
				}
				if special {
					x[len(x)-1] = float32(math.Inf(1))
				}
				want := make([]byte, nb*f.bb)
				refQuantizeAct(f.a, x, want)
				for _, lv := range Levels() {
					q := guardedBuf(t, nb*f.bb)
					withLevel(t, lv, func() { QuantizeAct(f.w, x, q) })
					if i := firstDiff(q, want); i >= 0 {
						t.Fatalf("%v level %s nb=%d special=%v: byte %d differs", f.a, lv, nb, special, i)
					}
				}
			}
		}
	}
}
