package main

import (
	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var quantActDoc = []string{
	"quantact family: activation quantization, bit for bit as the generic",
	"twins (quantact.go). Each routine stops before the first block it does not",
	"take (non-finite values, or a scale whose rounding the vector code does not",
	"reproduce) and returns the number of blocks done; the Go caller quantizes",
	"that block with the generic twin.",
}

// The constant table qaconst (R8 in both kernels).
const (
	qaAbs    = 0  // 0x7fffffff: the |x| mask
	qaHalf   = 4  // 0.5
	qaOne    = 8  // 1.0
	qa127    = 12 // 127.0
	qaMinus  = 16 // -127.0
	qaMagic  = 20 // 1.5 * 2**23: nearestInt's magic
	qaPermD  = 32 // VPERMD order undoing the lane split of VPACKSSDW+VPACKSSWB
	qaLength = 64
)

// Registers shared by both kernels.
var (
	qaAbsY  = Y15 // qaAbs in every lane
	qaPerm  = Y13 // qaPermD
	qaScale = Y12 // Q8_0: id = 1/d; Q8_K: iscale
)

func genQuantAct(c *build.Context) {
	tab := c.StaticGlobal("qaconst")
	c.DataAttributes(attr.RODATA | attr.NOPTR)
	c.AddDatum(qaAbs, U32(0x7fffffff))
	c.AddDatum(qaHalf, f32(0.5))
	c.AddDatum(qaOne, f32(1))
	c.AddDatum(qa127, f32(127))
	c.AddDatum(qaMinus, f32(-127))
	c.AddDatum(qaMagic, f32(12582912))
	c.AddDatum(24, U32(0))
	c.AddDatum(28, U32(0))
	for i, v := range []uint32{0, 4, 1, 5, 2, 6, 3, 7} {
		c.AddDatum(qaPermD+4*i, U32(v))
	}
	quantQ8_0(c, tab)
	quantQ8K(c, tab)
}

// amaxBits folds the |x| bits in Y4-Y7 into X4, in every lane: the
// integer maximum of the bits orders like the floats, with NaN above Inf.
func amaxBits(c *build.Context) {
	c.VPMAXUD(Y5, Y4, Y4)
	c.VPMAXUD(Y7, Y6, Y6)
	c.VPMAXUD(Y6, Y4, Y4)
	c.VEXTRACTI128(U8(1), Y4, X5)
	c.VPMAXUD(X5, X4, X4)
	c.VPSHUFD(U8(0x4e), X4, X5)
	c.VPMAXUD(X5, X4, X4)
	c.VPSHUFD(U8(0xb1), X4, X5)
	c.VPMAXUD(X5, X4, X4)
}

// packQuants packs the int32 quants of a, b, c2, d (32 values) into 32
// int8 in a, in order.
func packQuants(c *build.Context, a, b, c2, d VecPhysical) {
	c.VPACKSSDW(b, a, a)
	c.VPACKSSDW(d, c2, c2)
	c.VPACKSSWB(c2, a, a)
	c.VPERMD(a, qaPerm, a)
}

// q8_0Vec quantizes the 8 floats in v: v = int32
// round-half-away-from-zero(v*id). |p| is split into t = trunc|p| and the
// exact fraction |p|-t; t+1 when the fraction is >= 0.5; then p's sign.
func q8_0Vec(c *build.Context, half, v, t, f VecPhysical) {
	c.VMULPS(qaScale, v, v)        // p = x * id
	c.VANDPS(qaAbsY, v, t)         // |p|
	c.VROUNDPS(U8(3), t, f)        // trunc |p|
	c.VSUBPS(f, t, t)              // fraction, exact
	c.VCMPPS(U8(0x1d), half, t, t) // fraction >= 0.5: -1
	c.VCVTTPS2DQ(f, f)
	c.VPSUBD(t, f, f) // trunc|p| + 1 where the fraction is >= 0.5
	c.VPSIGND(v, f, v)
}

func quantQ8_0(c *build.Context, tab Mem) {
	c.Function("quantQ8_0AVX2")
	c.Attributes(attr.NOSPLIT)
	c.Doc("quantQ8_0AVX2 quantizes nb blocks of 32 floats at x into Q8_0 blocks at q",
		"and returns nb, or the index of the first block whose max |x| is Inf or",
		"NaN or whose d = max/127 is subnormal, which it leaves untouched. Otherwise",
		"|x*id| <= 127.00003: quants in [-127, 127], the saturating packs exact.")
	c.Pragma("noescape")
	c.SignatureExpr("func(x *float32, q *byte, nb int) int")
	c.Load(c.Param("x"), RSI)
	c.Load(c.Param("q"), RDI)
	c.Load(c.Param("nb"), RCX)
	half := Y14
	c.XORQ(RAX, RAX)
	c.LEAQ(tab, R8)
	c.VPBROADCASTD(Mem{Base: R8, Disp: qaAbs}, qaAbsY)
	c.VBROADCASTSS(Mem{Base: R8, Disp: qaHalf}, half)
	c.VMOVDQU(Mem{Base: R8, Disp: qaPermD}, qaPerm)

	c.Label("q80block")
	c.CMPQ(RAX, RCX)
	c.JEQ(LabelRef("q80done"))
	for i, y := range []VecPhysical{Y4, Y5, Y6, Y7} {
		c.VANDPS(Mem{Base: RSI, Disp: 32 * i}, qaAbsY, y)
	}
	amaxBits(c)
	c.VMOVD(X4, R9L)
	c.CMPL(R9L, U32(0x7f800000))
	c.JAE(LabelRef("q80done")) // Inf or NaN
	c.VDIVSS(Mem{Base: R8, Disp: qa127}, X4, X5)
	c.VMOVD(X5, R9L)
	c.VXORPS(X6, X6, X6) // id = 0 when d == 0
	c.TESTL(R9L, R9L)
	c.JZ(LabelRef("q80id"))
	c.CMPL(R9L, U32(0x00800000))
	c.JB(LabelRef("q80done")) // subnormal d
	c.VMOVSS(Mem{Base: R8, Disp: qaOne}, X6)
	c.VDIVSS(X5, X6, X6) // id = 1 / d

	c.Label("q80id")
	c.VCVTPS2PH(U8(0), X5, X7) // d to f16, nearest even
	c.VMOVD(X7, R9L)
	c.MOVW(R9W, Mem{Base: RDI})
	c.VBROADCASTSS(X6, qaScale)
	vs := []VecPhysical{Y0, Y1, Y2, Y3}
	for i, v := range vs {
		c.VMOVUPS(Mem{Base: RSI, Disp: 32 * i}, v)
	}
	for i, v := range vs {
		q8_0Vec(c, half, v, ymm(4+2*i), ymm(5+2*i))
	}
	packQuants(c, Y0, Y1, Y2, Y3)
	c.VMOVDQU(Y0, Mem{Base: RDI, Disp: 2})
	c.ADDQ(U32(128), RSI)
	c.ADDQ(U8(34), RDI)
	c.INCQ(RAX)
	c.JMP(LabelRef("q80block"))

	c.Label("q80done")
	c.Store(RAX, c.ReturnIndex(0))
	c.VZEROUPPER()
	c.RET()
}

// q8K64 quantizes 64 floats at SI+BX into DI+4+BX/4 and writes their four
// bsums at DI+260+BX/32 (BX: the byte offset into the block's floats). The
// 16-value sums are exact int32 sums of the packed quants (all in [-127,
// 127]), folded four groups at a time by two rounds of VPHADDD. fused:
// iscale*x + magic in one rounding (FMA), or two (MULPS+ADDPS); then the
// integer from the low mantissa bits, as nearestInt.
func q8K64(c *build.Context, magic VecPhysical, fused bool) {
	for i := range 8 {
		m := Mem{Base: RSI, Index: RBX, Scale: 1, Disp: 32 * i}
		v := ymm(i)
		if fused {
			c.VMOVUPS(m, v)
			c.VFMADD213PS(magic, qaScale, v)
		} else {
			c.VMULPS(m, qaScale, v)
			c.VADDPS(magic, v, v)
		}
		c.VPSUBD(magic, v, v)
	}
	for i := range 4 {
		c.VPADDD(ymm(2*i+1), ymm(2*i), ymm(8+i))
	}
	packQuants(c, Y0, Y1, Y2, Y3)
	packQuants(c, Y4, Y5, Y6, Y7)
	c.MOVQ(RBX, R11)
	c.SHRQ(U8(2), R11)
	c.VMOVDQU(Y0, Mem{Base: RDI, Index: R11, Scale: 1, Disp: 4})
	c.VMOVDQU(Y4, Mem{Base: RDI, Index: R11, Scale: 1, Disp: 36})
	c.VPHADDD(Y9, Y8, Y8)
	c.VPHADDD(Y11, Y10, Y10)
	c.VPHADDD(Y10, Y8, Y8)
	c.VEXTRACTI128(U8(1), Y8, X9)
	c.VPADDD(X9, X8, X8)
	c.VPACKSSDW(X8, X8, X8)
	c.SHRQ(U8(3), R11)
	c.VMOVQ(X8, Mem{Base: RDI, Index: R11, Scale: 1, Disp: 260})
}

func quantQ8K(c *build.Context, tab Mem) {
	c.Function("quantQ8KAVX2")
	c.Attributes(attr.NOSPLIT)
	c.Doc("quantQ8KAVX2 is quantQ8_0AVX2 for Q8_K blocks of 256 floats; it declines",
		"blocks holding an Inf or NaN and blocks whose iscale = -127/max overflows.",
		"max is the first value of largest magnitude, as in the generic twin. fma",
		"fuses iscale*x + magic into one rounding (see q8KFused). Otherwise",
		"|iscale*x| <= 127.00001: quants in [-127, 127].")
	c.Pragma("noescape")
	c.SignatureExpr("func(x *float32, q *byte, nb int, fma bool) int")
	c.Load(c.Param("x"), RSI)
	c.Load(c.Param("q"), RDI)
	c.Load(c.Param("nb"), RCX)
	c.Load(c.Param("fma"), EDX)
	magic := Y14
	c.XORQ(RAX, RAX)
	c.LEAQ(tab, R8)
	c.VPBROADCASTD(Mem{Base: R8, Disp: qaAbs}, qaAbsY)
	c.VBROADCASTSS(Mem{Base: R8, Disp: qaMagic}, magic)
	c.VMOVDQU(Mem{Base: R8, Disp: qaPermD}, qaPerm)

	c.Label("qkblock")
	c.CMPQ(RAX, RCX)
	c.JEQ(LabelRef("qkdone"))
	c.Comment("amax bits, four accumulators over 32 vectors.")
	for i, y := range []VecPhysical{Y4, Y5, Y6, Y7} {
		c.VANDPS(Mem{Base: RSI, Disp: 32 * i}, qaAbsY, y)
	}
	c.MOVQ(U32(128), RBX)
	c.Label("qkmax")
	for i, y := range []VecPhysical{Y0, Y1, Y2, Y3} {
		c.VANDPS(Mem{Base: RSI, Index: RBX, Scale: 1, Disp: 32 * i}, qaAbsY, y)
	}
	for i := range 4 {
		c.VPMAXUD(ymm(i), ymm(4+i), ymm(4+i))
	}
	c.ADDQ(U32(128), RBX)
	c.CMPQ(RBX, U32(1024))
	c.JNE(LabelRef("qkmax"))
	amaxBits(c)
	c.VMOVD(X4, R9L)
	c.CMPL(R9L, U32(0x7f800000))
	c.JAE(LabelRef("qkdone")) // Inf or NaN
	c.TESTL(R9L, R9L)
	c.JZ(LabelRef("qkzero"))

	c.Comment("max: the first x with |x| == amax.")
	c.VPBROADCASTD(X4, Y4)
	c.XORQ(RBX, RBX)
	c.Label("qkfind")
	c.VANDPS(Mem{Base: RSI, Index: RBX, Scale: 4}, qaAbsY, Y0)
	c.VPCMPEQD(Y4, Y0, Y0)
	c.VMOVMSKPS(Y0, R9L)
	c.TESTL(R9L, R9L)
	c.JNZ(LabelRef("qkfound"))
	c.ADDQ(U8(8), RBX)
	c.JMP(LabelRef("qkfind")) // amax is in the block: stops by BX = 248

	c.Label("qkfound")
	c.BSFL(R9L, R9L)
	c.ADDQ(R9, RBX)
	c.VMOVSS(Mem{Base: RSI, Index: RBX, Scale: 4}, X0) // max
	c.VMOVSS(Mem{Base: R8, Disp: qaMinus}, X1)
	c.VDIVSS(X0, X1, X1) // iscale = -127 / max
	c.VMOVD(X1, R9L)
	c.ANDL(U32(0x7fffffff), R9L)
	c.CMPL(R9L, U32(0x7f800000))
	c.JAE(LabelRef("qkdone")) // overflowed (tiny max)
	c.VMOVSS(Mem{Base: R8, Disp: qaOne}, X2)
	c.VDIVSS(X1, X2, X2) // d = 1 / iscale
	c.VMOVSS(X2, Mem{Base: RDI})
	c.VBROADCASTSS(X1, qaScale)
	c.XORQ(RBX, RBX)
	c.TESTL(EDX, EDX)
	c.JNZ(LabelRef("qkfma"))
	for _, fused := range []bool{false, true} {
		loop := "qkmul"
		if fused {
			loop = "qkfma"
		}
		c.Label(loop)
		q8K64(c, magic, fused)
		c.ADDQ(U32(256), RBX)
		c.CMPQ(RBX, U32(1024))
		c.JNE(LabelRef(loop))
		c.JMP(LabelRef("qknext"))
	}

	c.Label("qkzero")
	c.Comment("All zero (±0): the reference clears the block.")
	c.VPXOR(Y0, Y0, Y0)
	for _, off := range []int{0, 32, 64, 96, 128, 160, 192, 224, 256, 260} {
		c.VMOVDQU(Y0, Mem{Base: RDI, Disp: off})
	}

	c.Label("qknext")
	c.ADDQ(U32(1024), RSI)
	c.ADDQ(U32(292), RDI)
	c.INCQ(RAX)
	c.JMP(LabelRef("qkblock"))

	c.Label("qkdone")
	c.Store(RAX, c.ReturnIndex(0))
	c.VZEROUPPER()
	c.RET()
}
