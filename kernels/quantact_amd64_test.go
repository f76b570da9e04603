//go:build !purego

package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollm/gollm/quant"
)

// q8KModel is quant.QuantizeQ8K with iscale*x + 1.5*2^23 rounded either
// twice (fused false: the reference built for GOAMD64 v1/v2) or once
// (fused true: Go fuses it into an FMA from v3). The float32 product is
// exact in float64, so the fused integer is its nearest-even rounding.
func q8KModel(x []float32, q []byte, fused bool) {
	for b := range len(x) / 256 {
		xb, qb := x[256*b:256*b+256], q[292*b:292*b+292]
		var amax, mx float32
		for _, v := range xb {
			if a := float32(math.Abs(float64(v))); amax < a {
				amax, mx = a, v
			}
		}
		if amax == 0 {
			clear(qb)
			continue
		}
		iscale := -127 / mx
		for j, v := range xb {
			var n int
			if fused {
				n = int(math.RoundToEven(float64(iscale) * float64(v)))
			} else {
				n = int(math.RoundToEven(float64(iscale * v)))
			}
			qb[4+j] = uint8(int8(min(127, n)))
		}
		for g := range 16 {
			s := 0
			for _, c := range qb[4+16*g : 20+16*g] {
				s += int(int8(c))
			}
			binary.LittleEndian.PutUint16(qb[260+2*g:], uint16(int16(s)))
		}
		binary.LittleEndian.PutUint32(qb, math.Float32bits(1/iscale))
	}
}

// TestQuantQ8KFused runs both roundings of the Q8_K assembly against the
// model (on finite blocks, which it does not decline), checks that the
// model matches the reference with the rounding q8KFused detected, and
// that the detection block tells the two apart.
func TestQuantQ8KFused(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	x := make([]float32, 64*256)
	for b := 0; b < len(x); b += 256 {
		randActBlock(rng, x[b:b+256], math.Exp(rng.NormFloat64()*4))
	}
	det := make([]float32, 256)
	det[0], det[1] = -3, math.Float32frombits(0x3e356ad6)
	x = append(x, det...)
	want := make([]byte, len(x)/256*292)
	got := make([]byte, len(want))
	for _, fused := range []bool{false, true} {
		q8KModel(x, want, fused)
		if nb := quantQ8KAVX2(&x[0], &got[0], len(x)/256, fused); nb != len(x)/256 {
			t.Fatalf("fused=%v: declined block %d", fused, nb)
		}
		if i := firstDiff(got, want); i >= 0 {
			t.Fatalf("fused=%v: byte %d is %#02x, model %#02x", fused, i, got[i], want[i])
		}
		if q := int8(want[len(want)-292+4+1]); q != map[bool]int8{false: 8, true: 7}[fused] {
			t.Errorf("fused=%v: detection block quant %d", fused, q)
		}
	}
	ref := make([]byte, len(want))
	quant.QuantizeQ8K(x, ref)
	q8KModel(x, want, q8KFused)
	if i := firstDiff(ref, want); i >= 0 {
		t.Fatalf("q8KFused=%v but the reference differs from that model at byte %d", q8KFused, i)
	}
	t.Logf("reference rounding fused: %v", q8KFused)
}
