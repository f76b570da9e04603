package main

import (
	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var dot512Doc = []string{
	"dot512 family: AVX-512 (F, BW, VL, VNNI) row kernels, shape row of the",
	"type table at level avx512: two 32-element blocks or one 64-element",
	"K-quant chunk per ZMM register, VPDPBUSD (unsigned x signed bytes summed",
	"into int32 lanes, no int16 saturation) for the integer sums. Same",
	"signatures and contracts as the AVX2 row kernels (dot family).",
	"",
	"EXPERIMENTAL: written on a machine without AVX-512 (qemu-user's TCG does",
	"not emulate it either) and not yet run; the avx512 level is therefore",
	"only used when forced (GOLLM_KERNELS=avx512 or SetLevel) and",
	"TestLevels/level=avx512 verifies it on a capable CPU.",
}

// vpdpbusd emits VPDPBUSD src, a, acc (acc += the dword sums of four
// unsigned bytes of a times four signed bytes of src). avo v0.5.0's
// instruction table predates AVX-512 VNNI; Go's assembler knows it.
func vpdpbusd(c *build.Context, src Op, a, acc VecPhysical) {
	c.Instruction(&ir.Instruction{
		Opcode:   "VPDPBUSD",
		Operands: []Op{src, a, acc},
		Inputs:   []Op{src, a, acc},
		Outputs:  []Op{acc},
		ISA:      []string{"AVX512_VNNI"},
	})
}

// zConsts holds the family's 64-byte constant tables.
type zConsts struct {
	mask0f, ones8, bytes16, mask30, q6shA, q6shB, q6perm Mem
}

// global64 defines a 64-byte table of eight quadwords: lo in the low 32
// bytes, hi in the high 32.
func global64(c *build.Context, name string, lo, hi uint64) Mem {
	return globalQwords(c, name, lo, lo, lo, lo, hi, hi, hi, hi)
}

func genDot512(c *build.Context) {
	perm := make([]uint64, 32)
	for i := range perm {
		perm[i] = 0x0000000100000001 * uint64(i/2) // dword index i/2, four times per scale
	}
	k := &zConsts{
		mask0f:  global64(c, "z0f", 0x0f0f0f0f0f0f0f0f, 0x0f0f0f0f0f0f0f0f),
		ones8:   global64(c, "z01", 0x0101010101010101, 0x0101010101010101),
		bytes16: global64(c, "z10", 0x1010101010101010, 0x1010101010101010),
		mask30:  global64(c, "z30", 0x3030303030303030, 0x3030303030303030),
		// word shifts that move qh bits 0-1 / 2-3 (A) and 4-5 / 6-7 (B)
		// of Q6_K to bits 4-5, per 256-bit half
		q6shA: global64(c, "q6shA", 0x0004000400040004, 0x0002000200020002),
		q6shB: global64(c, "q6shB", 0, 0x0002000200020002),
		// four dword index vectors {4k x4, 4k+1 x4, 4k+2 x4, 4k+3 x4},
		// k = 0..3: the int32 scales of sub-blocks 4k..4k+3
		q6perm: globalQwords(c, "q6perm", perm...),
	}
	zPair32(c, k, "Q8_0")
	zPair32(c, k, "Q4_0")
	zQ4K(c, k)
	zPair32(c, k, "Q5_0")
	zQ6K(c, k)
}

// zHead starts dot<T>AVX512: loads x, y, nb and zeroes Z0.
func zHead(c *build.Context, t string, frame int) Mem {
	name := "dot" + t + "AVX512"
	c.Function(name)
	c.Attributes(attr.NOSPLIT)
	c.Doc(name+" is the dot product of the nb "+t+" blocks at x with the",
		"nb activation blocks at y.")
	c.Pragma("noescape")
	c.SignatureExpr("func(x, y *byte, nb int) float32")
	var sc Mem
	if frame > 0 {
		sc = c.AllocLocal(frame)
	}
	c.Load(c.Param("x"), dX)
	c.Load(c.Param("y"), dY)
	c.Load(c.Param("nb"), dN)
	c.VPXORD(Z0, Z0, Z0)
	return sc
}

// zHsum sets X0 to the sum of the 16 lanes of Z0.
func zHsum(c *build.Context) {
	c.VEXTRACTF64X4(U8(1), Z0, Y1)
	c.VADDPS(Y1, Y0, Y0)
	hsum(c, false)
}

// zTail stores X0 as the result and returns.
func zTail(c *build.Context) {
	ret, _ := c.ReturnIndex(0).Resolve()
	c.VMOVSS(X0, ret.Addr)
	c.VZEROUPPER()
	c.RET()
}

// zScale2 sets Z6 = [dx0*dy0 x8 | dx1*dy1 x8] for the blocks at dX,
// dX+xo and dY, dY+yo (f16 scales at offset 0).
func zScale2(c *build.Context, xo, yo int) {
	c.VPBROADCASTW(Mem{Base: dX}, X6)
	c.VPBROADCASTW(Mem{Base: dX, Disp: xo}, X7)
	c.VINSERTI128(U8(1), X7, Y6, Y6)
	c.VCVTPH2PS(Y6, Z6)
	c.VPBROADCASTW(Mem{Base: dY}, X7)
	c.VPBROADCASTW(Mem{Base: dY, Disp: yo}, X8)
	c.VINSERTI128(U8(1), X8, Y7, Y7)
	c.VCVTPH2PS(Y7, Z7)
	c.VMULPS(Z7, Z6, Z6)
}

// zScale1 sets Z6 = [dx*dy x8 | 0 x8] for one block.
func zScale1(c *build.Context) {
	c.VPBROADCASTW(Mem{Base: dX}, X6)
	c.VCVTPH2PS(X6, Y6)
	c.VPBROADCASTW(Mem{Base: dY}, X7)
	c.VCVTPH2PS(X7, Y7)
	c.VMULPS(Y7, Y6, Y6)
}

// zNib sets y's two lanes to the low and high nibbles of the 16 bytes at
// off(dX) (not yet masked), using X4 as scratch; x is y's low half.
func zNib(c *build.Context, off int, x, y VecPhysical) {
	c.VMOVDQU(Mem{Base: dX, Disp: off}, x)
	c.VPSRLW(U8(4), x, X4)
	c.VINSERTI128(U8(1), X4, y, y)
}

// zWeights32 sets Z1 to the weights of one block (pair false: Y1) or of
// the two blocks at dX and dX+blockBytes (pair: Z1's two halves).
type zWeights32 func(c *build.Context, pair bool, blockBytes int)

// zPair32 writes the kernel of a 32-element type: two blocks per
// iteration, then one.
func zPair32(c *build.Context, k *zConsts, t string) {
	blockBytes := map[string]int{"Q8_0": 34, "Q4_0": 18, "Q5_0": 22}[t]
	zHead(c, t, 0)
	var weights zWeights32
	var dot func(c *build.Context)
	switch t {
	case "Q8_0":
		c.VPXORD(Z16, Z16, Z16)
		weights = func(c *build.Context, pair bool, bb int) {
			c.VMOVDQU(Mem{Base: dX, Disp: 2}, Y1)
			if pair {
				c.VINSERTI64X4(U8(1), Mem{Base: dX, Disp: bb + 2}, Z1, Z1)
			}
		}
		dot = zDotSigned
	case "Q4_0", "Q5_0":
		c.VMOVDQU64(k.mask0f, Z14)
		c.VMOVDQU64(k.ones8, Z15)
		qs := 2 // the nibbles' offset in the block
		if t == "Q5_0" {
			c.VMOVDQU64(k.bytes16, Z13)
			qs = 6
		}
		weights = func(c *build.Context, pair bool, bb int) {
			zNib(c, qs, X1, Y1)
			if pair {
				zNib(c, bb+qs, X3, Y3)
				c.VINSERTI64X4(U8(1), Y3, Z1, Z1)
			}
			c.VPANDD(Z14, Z1, Z1)
			if t == "Q5_0" {
				// the fifth bits of the block(s) as a byte mask, 16 where set
				c.MOVL(Mem{Base: dX, Disp: 2}, EAX)
				if pair {
					c.MOVL(Mem{Base: dX, Disp: bb + 2}, EBX)
					c.SHLQ(U8(32), RBX)
					c.ORQ(RBX, RAX)
				}
				c.KMOVQ(RAX, K2)
				c.VMOVDQU8_Z(Z13, K2, Z4)
				c.VPORD(Z4, Z1, Z1)
			}
		}
		// unsigned quants with an offset of 8 (Q4_0) or 16 (Q5_0)
		shift := map[string]int{"Q4_0": 3, "Q5_0": 4}[t]
		dot = func(c *build.Context) { zDotUnsigned(c, shift) }
	}
	l := func(s string) string { return "z" + t + "_" + s }
	c.Label(l("2"))
	c.CMPQ(dN, U8(2))
	c.JLT(LabelRef(l("1")))
	zScale2(c, blockBytes, 34)
	weights(c, true, blockBytes)
	c.VMOVDQU(Mem{Base: dY, Disp: 2}, Y2)
	c.VINSERTI64X4(U8(1), Mem{Base: dY, Disp: 36}, Z2, Z2)
	dot(c)
	c.ADDQ(U8(2*blockBytes), dX)
	c.ADDQ(U8(68), dY)
	c.SUBQ(U8(2), dN)
	c.JMP(LabelRef(l("2")))
	c.Label(l("1"))
	c.TESTQ(dN, dN)
	c.JZ(LabelRef(l("done")))
	zScale1(c)
	weights(c, false, blockBytes)
	c.VMOVDQU(Mem{Base: dY, Disp: 2}, Y2)
	dot(c)
	c.Label(l("done"))
	zHsum(c)
	zTail(c)
}

// zDotSigned accumulates Z6 * sum(Z1 * Z2) (signed bytes; Z1 the weights)
// into Z0: |x| times y with the sign of x (Z16 = 0).
func zDotSigned(c *build.Context) {
	c.VPABSB(Z1, Z3)
	c.VPMOVB2M(Z1, K1)
	c.VPSUBB(Z2, Z16, K1, Z2)
	c.VPXORD(Z5, Z5, Z5)
	vpdpbusd(c, Z2, Z3, Z5)
	c.VCVTDQ2PS(Z5, Z5)
	c.VFMADD231PS(Z6, Z5, Z0)
}

// zDotUnsigned accumulates Z6 * (sum(Z1 * Z2) - 2^shift * sum(Z2)) into
// Z0, Z1 unsigned quants (Z15 = 0x01 bytes).
func zDotUnsigned(c *build.Context, shift int) {
	c.VPXORD(Z5, Z5, Z5)
	vpdpbusd(c, Z2, Z1, Z5)
	c.VPXORD(Z4, Z4, Z4)
	vpdpbusd(c, Z2, Z15, Z4)
	c.VPSLLD(U8(shift), Z4, Z4)
	c.VPSUBD(Z4, Z5, Z5)
	c.VCVTDQ2PS(Z5, Z5)
	c.VFMADD231PS(Z6, Z5, Z0)
}

// zQ4K writes dotQ4_KAVX512 (see the AVX2 kernel for the scale layout).
func zQ4K(c *build.Context, k *zConsts) {
	sc := zHead(c, "Q4_K", 32)
	c.VXORPS(dMin, dMin, dMin)
	c.VMOVDQU64(k.mask0f, Z14)
	c.Label("zQ4_K")
	// Z10 = d*yd (16 lanes), X7 = dmin*yd (4 lanes)
	c.MOVL(Mem{Base: dX}, EAX)
	c.VMOVD(EAX, X6)
	c.VCVTPH2PS(X6, X6)
	c.VBROADCASTSS(Mem{Base: dY}, X7)
	c.VMULPS(X7, X6, X6)
	c.VBROADCASTSS(X6, Z10)
	c.VMOVSHDUP(X6, X7)
	c.VBROADCASTSS(X7, X7)
	q4K6Bit(c, 4)
	c.VMOVQ(RAX, X1)
	c.VPMOVZXBD(X1, Y1)
	c.VMOVDQU(Y1, sc)
	// mins against the pairwise bsums
	c.VMOVQ(R10, X2)
	c.VPMOVZXBW(X2, X2)
	mins32(c)
	c.VPXORD(Z9, Z9, Z9)
	for j := range 4 {
		// elements 64j..64j+63 (low nibbles then high nibbles of 32
		// bytes) against 64 activation bytes; lanes 0-7 get scale 2j,
		// lanes 8-15 scale 2j+1
		c.VMOVDQU(Mem{Base: dX, Disp: 16 + 32*j}, Y1)
		c.VPSRLW(U8(4), Y1, Y2)
		c.VINSERTI64X4(U8(1), Y2, Z1, Z1)
		c.VPANDD(Z14, Z1, Z1)
		c.VPXORD(Z5, Z5, Z5)
		vpdpbusd(c, Mem{Base: dY, Disp: q8KQuants + 64*j}, Z1, Z5)
		c.VPBROADCASTD(sc.Offset(8*j), Y3)
		c.VPBROADCASTD(sc.Offset(8*j+4), Y4)
		c.VINSERTI64X4(U8(1), Y4, Z3, Z3)
		c.VPMULLD(Z3, Z5, Z5)
		c.VPADDD(Z5, Z9, Z9)
	}
	c.VCVTDQ2PS(Z9, Z9)
	c.VFMADD231PS(Z10, Z9, Z0)
	c.ADDQ(U32(144), dX)
	c.ADDQ(U32(292), dY)
	c.DECQ(dN)
	c.JNZ(LabelRef("zQ4_K"))
	zHsum(c)
	// minus the sum of the 4 lanes of the minimums
	c.VMOVHLPS(dMin, dMin, X1)
	c.VADDPS(X1, dMin, dMin)
	c.VMOVSHDUP(dMin, X1)
	c.VADDSS(X1, dMin, dMin)
	c.VSUBSS(dMin, X0, X0)
	zTail(c)
}

// zQ6K writes dotQ6_KAVX512. Per 128-element half, A = elements 0-63 (low
// nibbles of ql[0:64] with qh bits 0-1 / 2-3), B = elements 64-127 (high
// nibbles with qh bits 4-5 / 6-7). Lane i of a VPDPBUSD result covers
// elements 4i..4i+3, so sub-block g (16 elements) is 4 lanes; q6perm
// picks the int32 scales.
func zQ6K(c *build.Context, k *zConsts) {
	zHead(c, "Q6_K", 0)
	c.VMOVDQU64(k.mask0f, Z14)
	c.VMOVDQU64(k.mask30, Z12)
	c.Label("zQ6_K")
	// Z10 = d*yd
	c.VPBROADCASTW(Mem{Base: dX, Disp: 208}, X6)
	c.VCVTPH2PS(X6, X6)
	c.VMULSS(Mem{Base: dY}, X6, X6)
	c.VBROADCASTSS(X6, Z10)
	// Z11 = 16 int32 scales; isum starts at -32*sum(scale*bsum)
	c.VPMOVSXBD(Mem{Base: dX, Disp: 192}, Z11)
	c.VPMOVSXBW(Mem{Base: dX, Disp: 192}, Y2)
	c.VPMADDWD(Mem{Base: dY, Disp: q8KSums}, Y2, Y2)
	c.VPSLLD(U8(5), Y2, Y2)
	c.VPXORD(Z9, Z9, Z9)
	c.VPSUBD(Z2, Z9, Z9)
	for h := range 2 {
		c.VMOVDQU64(Mem{Base: dX, Disp: 64 * h}, Z7)
		c.VMOVDQU(Mem{Base: dX, Disp: 128 + 32*h}, Y8)
		c.VINSERTI64X4(U8(1), Y8, Z8, Z8)
		for half := range 2 {
			if half == 0 {
				c.VPANDD(Z14, Z7, Z1)
				c.VPSLLVW(k.q6shA, Z8, Z4)
			} else {
				c.VPSRLW(U8(4), Z7, Z1)
				c.VPANDD(Z14, Z1, Z1)
				c.VPSRLVW(k.q6shB, Z8, Z4)
			}
			c.VPANDD(Z12, Z4, Z4)
			c.VPORD(Z4, Z1, Z1)
			// Z1 (64 q6 values in [0,63]) against the activation, times
			// the scales of sub-blocks 8h+4half..8h+4half+3, into Z9
			c.VPXORD(Z5, Z5, Z5)
			vpdpbusd(c, Mem{Base: dY, Disp: q8KQuants + 128*h + 64*half}, Z1, Z5)
			c.VMOVDQU64(k.q6perm.Offset(64*(2*h+half)), Z3)
			c.VPERMD(Z11, Z3, Z3)
			c.VPMULLD(Z3, Z5, Z5)
			c.VPADDD(Z5, Z9, Z9)
		}
	}
	c.VCVTDQ2PS(Z9, Z9)
	c.VFMADD231PS(Z10, Z9, Z0)
	c.ADDQ(U32(210), dX)
	c.ADDQ(U32(292), dY)
	c.DECQ(dN)
	c.JNZ(LabelRef("zQ6_K"))
	zHsum(c)
	zTail(c)
}
