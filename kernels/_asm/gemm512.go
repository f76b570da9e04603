package main

import (
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var gemm512Doc = []string{
	"gemm512 family: the avx512 level's tile kernels of MatMul (shapes tile8,",
	"tile16 and tileK of the type table at avx512). They read the avx2 tiles",
	"(the unpack family's layouts, unpackLevel in table.go) with VPDPBUSD",
	"(AVX-512 VNNI: four unsigned x signed byte products summed into an int32",
	"lane, no int16 saturation) on 512-bit registers instead of VPMADDUBSW and",
	"VPMADDWD:",
	"",
	"  - sixteen-row tiles: group g of the tile is 64 bytes, four of each of",
	"    the 16 rows, so one ZMM load holds a group of all rows and one",
	"    VPDPBUSD per column adds it; the int32 sums need no flush for int16",
	"    bounds. The 32-element types make the activation unsigned (a+128)",
	"    against the signed weights, as the avx2 kernels, and subtract the",
	"    tile's corrections; the K-quants multiply each sub-block's int32 sums",
	"    by its scale (VPMULLD; the tile's scale dword holds it in both int16",
	"    halves, VPSRAD 16 extracts it); IQ4_XS's signed weights take the sign",
	"    trick (|w| unsigned, the activation negated under the mask of w < 0).",
	"  - the eight-row tile (Q8_0, IQ4_NL): one ZMM holds two groups of the 8",
	"    rows; VPERMD spreads the matching two activation dwords over its",
	"    halves, the sign trick as IQ4_XS; the halves are added at the end of",
	"    each block.",
	"",
	"EXPERIMENTAL as the dot512 family: written on a machine without AVX-512",
	"and not yet run; TestLevels/level=avx512 verifies them on a capable CPU.",
}

func genGemm512(c *build.Context) {
	perm := make([]uint64, 32)
	for i := range perm {
		// entry p (64 bytes): dword 2p in lanes 0-7, dword 2p+1 in 8-15
		perm[i] = 0x0000000100000001 * uint64(2*(i/8)+(i%8)/4)
	}
	k := &gemmConsts{
		k4096: globalQwords(c, "z4096", 0x0000100000001000, 0x0000100000001000),
	}
	gemmQ8x4Z(c, globalQwords(c, "zq8perm", perm...))
	for _, t := range []struct {
		name       string
		blockBytes int
		split, min bool
	}{
		{"Q4_0", 704, false, false}, {"Q5_0", 704, true, false},
		{"Q4_1", 768, false, true}, {"Q5_1", 768, true, true},
	} {
		gemm16Z(c, k, t.name, t.blockBytes, t.split, t.min)
	}
	for _, t := range kTypes {
		gemmKZ(c, t)
	}
}

// gemmQ8x4Z writes gemmQ8x4AVX512: 8 rows by the 4 columns at DI, R9,
// R10, R11. Per column: the 32 activation quants in Z8+j, int32 sums in
// Z4+j (lanes 0-7 even groups, 8-15 odd), float sums in Y12+j.
func gemmQ8x4Z(c *build.Context, perm Mem) {
	gemmFunc(c, "gemmQ8x4AVX512", "is gemmQ8x4AVX2 with VPDPBUSD on 512-bit registers.")
	cols := []GPPhysical{RDI, R9, R10, R11}
	act := []VecPhysical{Z8, Z9, Z10, Z11}
	isum := []VecPhysical{Z4, Z5, Z6, Z7}
	idx := []VecPhysical{Z16, Z17, Z18, Z19}
	c.LEAQ(Mem{Base: RDI, Index: RDX, Scale: 1}, R9)
	c.LEAQ(Mem{Base: RDI, Index: RDX, Scale: 2}, R10)
	c.LEAQ(Mem{Base: R9, Index: RDX, Scale: 2}, R11)
	for p, r := range idx {
		c.VMOVDQU64(perm.Offset(64*p), r)
	}
	c.VPXORD(Z24, Z24, Z24)
	zero(c, Y12, Y13, Y14, Y15)
	c.Label("q8x4z")
	for j, col := range cols {
		c.VPXORD(isum[j], isum[j], isum[j])
		c.VMOVDQU(Mem{Base: col, Disp: 2}, act[j].AsY())
	}
	for p := range 4 {
		// groups 2p and 2p+1 of the 8 rows: |w| and the mask of w < 0
		c.VMOVDQU64(Mem{Base: RSI, Disp: 32 + 64*p}, Z0)
		c.VPABSB(Z0, Z1)
		c.VPMOVB2M(Z0, K1)
		for j := range cols {
			c.VPERMD(act[j], idx[p], Z2)
			c.VPSUBB(Z2, Z24, K1, Z2)
			vpdpbusd(c, Z2, Z1, isum[j])
		}
	}
	c.VMOVUPS(Mem{Base: RSI}, Y10)
	for j, col := range cols {
		s, f := isum[j].AsY(), []VecPhysical{Y12, Y13, Y14, Y15}[j]
		c.VEXTRACTI64X4(U8(1), isum[j], Y3)
		c.VPADDD(Y3, s, s)
		c.VPBROADCASTW(Mem{Base: col}, X2)
		c.VCVTPH2PS(X2, Y2)
		c.VMULPS(Y10, Y2, Y2)
		c.VCVTDQ2PS(s, s)
		c.VFMADD231PS(Y2, s, f)
	}
	c.ADDQ(U32(288), RSI)
	for _, col := range cols {
		c.ADDQ(U8(34), col)
	}
	c.DECQ(RCX)
	c.JNZ(LabelRef("q8x4z"))
	for i, r := range []VecPhysical{Y12, Y13, Y14, Y15} {
		c.VMOVUPS(r, Mem{Base: R8, Disp: 32 * i})
	}
	c.VZEROUPPER()
	c.RET()
}

// gemm16Z writes gemm<T>x16AVX512 for a 32-element type: 16 rows by the
// two columns at DI and R9; int32 sums in Z4, Z5, float sums in Z8, Z9
// (Z15 = 0x80 bytes).
func gemm16Z(c *build.Context, k *gemmConsts, t string, blockBytes int, split, min bool) {
	gemmFunc(c, "gemm"+t+"x16AVX512", "is gemm"+t+"x16AVX2 with VPDPBUSD on 512-bit registers.")
	c.LEAQ(Mem{Base: RDI, Index: RDX, Scale: 1}, R9)
	c.MOVL(U32(0x80808080), EAX)
	c.VMOVD(EAX, X15)
	c.VPBROADCASTD(X15, Z15)
	c.VPXORD(Z8, Z8, Z8)
	c.VPXORD(Z9, Z9, Z9)
	cols := []GPPhysical{RDI, R9}
	act, isum := []VecPhysical{Z2, Z3}, []VecPhysical{Z4, Z5}
	loop := "z" + t
	c.Label(loop)
	c.VPXORD(Z4, Z4, Z4)
	c.VPXORD(Z5, Z5, Z5)
	for g := range 8 {
		c.VMOVDQU64(Mem{Base: RSI, Disp: 192 + 64*g}, Z0)
		for j, col := range cols {
			c.VPBROADCASTD(Mem{Base: col, Disp: 2 + 4*g}, act[j])
			c.VPXORD(Z15, act[j], act[j])
			vpdpbusd(c, Z0, act[j], isum[j])
		}
	}
	for _, s := range isum {
		c.VPSUBD(Mem{Base: RSI, Disp: 64}, s, s)
		if split {
			c.VPSUBD(Mem{Base: RSI, Disp: 128}, s, s)
		}
		c.VCVTDQ2PS(s, s)
	}
	// Z2, Z3 = the columns' scales dy; Z6, Z7 = dy times the row scales
	c.VMOVUPS(Mem{Base: RSI}, Z10)
	for j, col := range cols {
		dy, ds := act[j], []VecPhysical{Z6, Z7}[j]
		c.VPBROADCASTW(Mem{Base: col}, dy.AsY())
		c.VCVTPH2PS(dy.AsY(), dy)
		c.VMULPS(Z10, dy, ds)
		c.VFMADD231PS(ds, isum[j], []VecPhysical{Z8, Z9}[j])
	}
	if min {
		// m' * dy * sum(a): each column's sum of its 32 quants from
		// VPSADBW of a+128 against zero, as the avx2 kernels
		colSums(c, k, Y6, Y7, Y11)
		c.VBROADCASTSS(X6, Z6)
		c.VBROADCASTSS(X7, Z7)
		c.VMULPS(Z2, Z6, Z6)
		c.VMULPS(Z3, Z7, Z7)
		c.VFMADD231PS(Mem{Base: RSI, Disp: 704}, Z6, Z8)
		c.VFMADD231PS(Mem{Base: RSI, Disp: 704}, Z7, Z9)
	}
	c.ADDQ(U32(blockBytes), RSI)
	c.ADDQ(U8(34), RDI)
	c.ADDQ(U8(34), R9)
	c.DECQ(RCX)
	c.JNZ(LabelRef(loop))
	c.VMOVUPS(Z8, Mem{Base: R8})
	c.VMOVUPS(Z9, Mem{Base: R8, Disp: 64})
	c.VZEROUPPER()
	c.RET()
}

// gemmKZ writes gemm<T>x16AVX512 for a 256-element type: 16 rows by the
// two columns at DI and R9. Sub-block sums in Z4, Z5 (int32), block sums
// in Z8, Z9, the min or offset sums in Z6, Z7, float sums in Z12, Z13;
// R10 runs through the groups, R13 through the scales, R11 and R12
// through the columns' quants.
func gemmKZ(c *build.Context, t kType) {
	gemmFunc(c, "gemm"+t.name+"x16AVX512", "is gemm"+t.name+"x16AVX2 with VPDPBUSD on 512-bit registers.")
	// One flush per scale: 32 elements (8 groups) for Q4_K, Q5_K and
	// IQ4_XS, 16 (4 groups) for Q6_K, Q3_K and Q2_K.
	flush := 8
	if t.scaleStep > 64 || t.groupsPerSub == 4 {
		flush = 4
	}
	cols := []GPPhysical{R11, R12}
	act, sub := []VecPhysical{Z2, Z3}, []VecPhysical{Z4, Z5}
	blk := []VecPhysical{Z8, Z9}
	c.LEAQ(Mem{Base: RDI, Index: RDX, Scale: 1}, R9)
	c.VPXORD(Z12, Z12, Z12)
	c.VPXORD(Z13, Z13, Z13)
	if t.xs {
		c.VPXORD(Z24, Z24, Z24)
	}
	lblk, lsub := "zblk"+t.name, "zsub"+t.name
	c.Label(lblk)
	for _, r := range blk {
		c.VPXORD(r, r, r)
	}
	c.LEAQ(Mem{Base: RSI, Disp: t.groups}, R10)
	c.LEAQ(Mem{Base: RSI, Disp: t.scales}, R13)
	c.MOVQ(RDI, R11)
	c.MOVQ(R9, R12)
	c.MOVQ(U32(t.subs), RBX)
	c.Label(lsub)
	for g := range t.groupsPerSub {
		if g%flush == 0 {
			for _, r := range sub {
				c.VPXORD(r, r, r)
			}
		}
		c.VMOVDQU64(Mem{Base: R10, Disp: 64 * g}, Z0)
		w := Z0 // the unsigned operand
		if t.xs {
			c.VPABSB(Z0, Z1)
			c.VPMOVB2M(Z0, K1)
			w = Z1
		}
		for j, col := range cols {
			c.VPBROADCASTD(Mem{Base: col, Disp: 4 + 4*g}, act[j])
			if t.xs {
				c.VPSUBB(act[j], Z24, K1, act[j])
			}
			vpdpbusd(c, act[j], w, sub[j])
		}
		if (g+1)%flush == 0 {
			sc := 0
			if t.scaleStep > 64 {
				sc = 64 * (g / flush) // Q2_K: the next sub-block's scale
			}
			c.VPSRAD(U8(16), Mem{Base: R13, Disp: sc}, Z10)
			for j, r := range sub {
				c.VPMULLD(Z10, r, r)
				c.VPADDD(r, blk[j], blk[j])
			}
		}
	}
	c.ADDQ(U32(64*t.groupsPerSub), R10)
	c.ADDQ(U32(t.scaleStep), R13)
	c.ADDQ(U8(4*t.groupsPerSub), R11)
	c.ADDQ(U8(4*t.groupsPerSub), R12)
	c.DECQ(RBX)
	c.JNZ(LabelRef(lsub))

	// Prefetch this block of the next call's columns (+2 and +3 strides).
	c.LEAQ(Mem{Base: RDI, Index: RDX, Scale: 2}, R11)
	c.LEAQ(Mem{Base: R9, Index: RDX, Scale: 2}, R12)
	for _, r := range []GPPhysical{R11, R12} {
		for i := range 5 {
			c.PREFETCHT0(Mem{Base: r, Disp: 64 * i})
		}
	}
	mins := []VecPhysical{Z6, Z7}
	if !t.xs {
		for _, r := range mins {
			c.VPXORD(r, r, r)
		}
		for j := range 8 {
			for i, y := range []GPPhysical{RDI, R9} {
				c.VPBROADCASTD(Mem{Base: y, Disp: 260 + 4*j}, Z2)
				c.VPMADDWD(Mem{Base: RSI, Disp: t.mins + 64*j}, Z2, Z3)
				c.VPADDD(Z3, mins[i], mins[i])
			}
		}
	}
	if t.offset > 0 {
		for i, r := range mins {
			c.VPSLLD(U8(t.offset), r, r)
			c.VPSUBD(r, blk[i], blk[i])
		}
	}
	for _, r := range blk {
		c.VCVTDQ2PS(r, r)
	}
	if t.min {
		for _, r := range mins {
			c.VCVTDQ2PS(r, r)
		}
	}
	c.VBROADCASTSS(Mem{Base: RDI}, Z2)
	c.VBROADCASTSS(Mem{Base: R9}, Z3)
	f := []VecPhysical{Z12, Z13}
	for i, dy := range []VecPhysical{Z2, Z3} {
		c.VMULPS(Mem{Base: RSI}, dy, Z0)
		c.VFMADD231PS(Z0, blk[i], f[i])
		if t.min {
			c.VMULPS(Mem{Base: RSI, Disp: 64}, dy, Z1)
			c.VFNMADD231PS(Z1, mins[i], f[i])
		}
	}
	c.ADDQ(U32(t.blockBytes), RSI)
	c.ADDQ(U32(292), RDI)
	c.ADDQ(U32(292), R9)
	c.DECQ(RCX)
	c.JNZ(LabelRef(lblk))
	c.VMOVUPS(Z12, Mem{Base: R8})
	c.VMOVUPS(Z13, Mem{Base: R8, Disp: 64})
	c.VZEROUPPER()
	c.RET()
}
