//go:build !purego

package kernels

import "github.com/gollm/gollm/quant"

// packs reports whether Pack rearranges t at the current level: where the
// type table gives t packed kernels (packed_arm64.s).
func packs(t quant.Type) bool { return shapesNow(t)&packed != 0 }

// matVecPacked computes out[4g+r] = dot(row r of group g, q) for groups
// whole packed groups at the start of w.
func matVecPacked(t quant.Type, w []byte, nb, groups int, q []byte, out []float32) {
	_ = out[packGroup*groups-1]
	if !packs(t) {
		packedGroupsGeneric(t, w, nb, groups, q, out)
		return
	}
	gemvPacked(t, &w[0], &q[0], nb, groups, &out[0])
}

// matMulPacked computes out[c*ldOut + 4g+r] = dot(row r of group g,
// column c) for groups whole packed groups at the start of w: group by
// group (its rows stay in L1), tiles of eight and four columns, then one
// column at a time. Every kernel gives a row and column the same bits.
func matMulPacked(t quant.Type, w []byte, nb, groups int, qs []byte, ab, cols int, out []float32, ldOut int) {
	_ = out[(cols-1)*ldOut+packGroup*groups-1]
	if !packs(t) {
		matMulPackedGeneric(t, w, nb, groups, qs, ab, cols, out, ldOut)
		return
	}
	gb := packGroup * nb * t.BlockBytes()
	for g := range groups {
		x := &w[g*gb]
		o := out[packGroup*g:]
		c := 0
		if n := cols / 8; n > 0 {
			gemmPacked8(t, x, &qs[0], ab, nb, n, &o[0], ldOut)
			c = 8 * n
		}
		if cols-c >= 4 {
			gemmPacked4(t, x, &qs[c*ab], ab, nb, 1, &o[c*ldOut], ldOut)
			c += 4
		}
		for ; c < cols; c++ {
			gemvPacked(t, x, &qs[c*ab], nb, 1, &o[c*ldOut])
		}
	}
}
