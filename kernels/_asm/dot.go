package main

import (
	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var dotDoc = []string{
	"dot family: the AVX2 row kernels (shape row of the type table): the dot",
	"product of one quantized weight row with its quantized activation (Q8_0",
	"or Q8_K blocks), func dot<T>AVX2(x, y *byte, nb int) float32 with x at nb",
	">= 1 weight blocks and y at nb activation blocks; the generic twins are",
	"the table's. Integer products per block use VPMADDUBSW (unsigned x signed",
	"bytes to int16 pairs) and VPMADDWD; the block scale multiplies the int32",
	"sums converted to float with one FMA into an 8-lane accumulator.",
	"Activation quants must lie in [-127, 127] (QuantizeAct guarantees it).",
	"",
	"The K-quant kernels prefetch 1 KiB ahead in the weight stream (rows are",
	"contiguous, so past the row end this is the next row's start): the",
	"hardware prefetchers stop at page boundaries. Prefetches never fault.",
}

// Registers of the row kernels: the weight and activation pointers, the
// block count, the 8-lane float accumulator and, for the K-quants, the
// 4-lane accumulator of the minimums subtracted at the end.
var (
	dX, dY, dN = RSI, RDI, RCX
	dAcc, dMin = Y0, X8
)

// dotConsts holds the family's constant tables.
type dotConsts struct {
	mask0f, maskf0, mask30, mask03, mask01, ones16 Mem
	bytes8, bytes16, bytes32, bitshuf, bitmask     Mem
	iq4nl, words32, scaleshuf                      Mem
}

// A dotType is one type's row kernel: the bytes of a weight block, the
// stack bytes it needs, the constants it loads once, and one block's work
// (x at dX, y at dY; it adds into dAcc, and into dMin when kmin).
type dotType struct {
	name       string
	blockBytes int
	frame      int
	act        int  // activation block bytes: 34 (Q8_0) or 292 (Q8_K)
	kmin       bool // the block's minimums accumulate in dMin (hsumK)
	setup      func(c *build.Context, k *dotConsts)
	block      func(c *build.Context, k *dotConsts, sc Mem)
}

// globalQwords defines a read-only table of quadwords.
func globalQwords(c *build.Context, name string, q ...uint64) Mem {
	m := c.StaticGlobal(name)
	c.DataAttributes(attr.RODATA | attr.NOPTR)
	for i, v := range q {
		c.AddDatum(8*i, U64(v))
	}
	return m
}

// imm is n as an immediate of the smallest form the Go assembler encodes
// it in (sign-extended imm8 or imm32).
func imm(n int) Constant {
	if n < 128 {
		return U8(n)
	}
	return U32(n)
}

func genDot(c *build.Context) {
	scaleshuf := make([]uint64, 16)
	for i := range scaleshuf {
		scaleshuf[i] = 0x0101010101010101 * uint64(i) // 16 rows of byte i: VPSHUFB broadcasts scale byte i
	}
	k := &dotConsts{
		mask0f:  global32(c, "mask0f", splat4(0x0f0f0f0f0f0f0f0f)),
		maskf0:  global32(c, "maskf0", splat4(0xf0f0f0f0f0f0f0f0)),
		mask30:  global32(c, "mask30", splat4(0x3030303030303030)),
		mask03:  global32(c, "mask03", splat4(0x0303030303030303)),
		mask01:  global32(c, "mask01", splat4(0x0101010101010101)),
		ones16:  global32(c, "ones16", splat4(0x0001000100010001)),
		bytes8:  global32(c, "bytes8", splat4(0x0808080808080808)),
		bytes16: global32(c, "bytes16", splat4(0x1010101010101010)),
		bytes32: global32(c, "bytes32", splat4(0x2020202020202020)),
		// byte j takes byte j/8 of a broadcast dword (the high bits of
		// Q5_0/Q5_1)
		bitshuf: global32(c, "bitshuf", [4]uint64{0, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303}),
		// byte j has every bit set except bit j%8
		bitmask: global32(c, "bitmask", splat4(0x7fbfdfeff7fbfdfe)),
		// the IQ4_NL codebook, once per 128-bit lane
		iq4nl:     global32(c, "iq4nl", [4]uint64{0xf6eaddcfbfad9881, 0x7159453526190d01, 0xf6eaddcfbfad9881, 0x7159453526190d01}),
		words32:   globalQwords(c, "words32", 0x0020002000200020, 0x0020002000200020),
		scaleshuf: globalQwords(c, "scaleshuf", scaleshuf...),
	}
	for _, t := range dotTypes {
		rowKernel(c, k, t)
	}
}

// rowKernel writes dot<T>AVX2.
func rowKernel(c *build.Context, k *dotConsts, t dotType) {
	name := "dot" + t.name + "AVX2"
	c.Function(name)
	c.Attributes(attr.NOSPLIT)
	c.Doc(name+" is the dot product of the nb "+t.name+" blocks at x with the",
		"nb activation blocks at y.")
	c.Pragma("noescape")
	c.SignatureExpr("func(x, y *byte, nb int) float32")
	var sc Mem
	if t.frame > 0 {
		sc = c.AllocLocal(t.frame)
	}
	c.Load(c.Param("x"), dX)
	c.Load(c.Param("y"), dY)
	c.Load(c.Param("nb"), dN)
	c.VXORPS(dAcc, dAcc, dAcc)
	if t.kmin {
		c.VXORPS(dMin, dMin, dMin)
	}
	t.setup(c, k)
	loop := "loop" + t.name
	c.Label(loop)
	t.block(c, k, sc)
	c.ADDQ(imm(t.blockBytes), dX)
	c.ADDQ(imm(t.act), dY)
	c.DECQ(dN)
	c.JNZ(LabelRef(loop))
	hsum(c, t.kmin)
	ret, _ := c.ReturnIndex(0).Resolve()
	c.VMOVSS(X0, ret.Addr)
	c.VZEROUPPER()
	c.RET()
}

// hsum sets X0 to the sum of the 8 lanes of dAcc, minus the 4 of dMin
// when kmin.
func hsum(c *build.Context, kmin bool) {
	c.VEXTRACTF128(U8(1), Y0, X1)
	c.VADDPS(X1, X0, X0)
	if kmin {
		c.VSUBPS(dMin, X0, X0)
	}
	c.VMOVHLPS(X0, X0, X1)
	c.VADDPS(X1, X0, X0)
	c.VMOVSHDUP(X0, X1)
	c.VADDSS(X1, X0, X0)
}

// blockScale32 sets Y6 to f16(x.d)*f16(y.d) in every lane (uses AX, BX,
// X7).
func blockScale32(c *build.Context) {
	c.MOVWLZX(Mem{Base: dX}, EAX)
	c.MOVWLZX(Mem{Base: dY}, EBX)
	c.SHLL(U8(16), EBX)
	c.ORL(EBX, EAX)
	c.VMOVD(EAX, X6)
	c.VCVTPH2PS(X6, X6)
	c.VMOVSHDUP(X6, X7)
	c.VMULSS(X7, X6, X6)
	c.VBROADCASTSS(X6, Y6)
}

// blockScale32M sets Y6 = d*dy and Y8 = m*dy for the types with a minimum
// (x: d, m f16; y: d f16).
func blockScale32M(c *build.Context) {
	c.MOVL(Mem{Base: dX}, EAX)
	c.VMOVD(EAX, X6)
	c.VCVTPH2PS(X6, X6)
	c.MOVWLZX(Mem{Base: dY}, EBX)
	c.VMOVD(EBX, X7)
	c.VCVTPH2PS(X7, X7)
	c.VBROADCASTSS(X7, X7)
	c.VMULPS(X7, X6, X6)
	c.VMOVSHDUP(X6, X8)
	c.VBROADCASTSS(X8, Y8)
	c.VBROADCASTSS(X6, Y6)
}

// signedPairs sets p to the int16 pair sums of Y1 (signed weights) times
// Y2 (activation) by the sign trick: |w| times y with w's sign (uses Y3,
// Y4; p may be Y3).
func signedPairs(c *build.Context, p VecPhysical) {
	c.VPSIGNB(Y1, Y1, Y3)
	c.VPSIGNB(Y1, Y2, Y4)
	c.VPMADDUBSW(Y4, Y3, p)
}

// dots8 accumulates Y6 * sum(Y1 * Y2) into dAcc (32 signed bytes each, Y1
// the weight; uses Y3, Y4, Y5; Y15 = ones16).
func dots8(c *build.Context) {
	signedPairs(c, Y5)
	c.VPMADDWD(Y15, Y5, Y5)
	c.VCVTDQ2PS(Y5, Y5)
	c.VFMADD231PS(Y6, Y5, dAcc)
}

// dotU8 accumulates Y6*sum(Y1*Y2) + Y8*sum(Y2) into dAcc (Y1 unsigned
// bytes, Y2 signed; Y13 = all-ones bytes, Y15 = ones16).
func dotU8(c *build.Context) {
	for _, p := range []struct{ w, out, scale VecPhysical }{{Y1, Y5, Y6}, {Y13, Y4, Y8}} {
		c.VPMADDUBSW(Y2, p.w, p.out)
		c.VPMADDWD(Y15, p.out, p.out)
		c.VCVTDQ2PS(p.out, p.out)
		c.VFMADD231PS(p.scale, p.out, dAcc)
	}
}

// nibbles sets Y1 to the 32 nibbles of the 16 bytes at off(dX): low
// nibbles in bytes 0-15, high nibbles in bytes 16-31 (Y14 = mask0f).
func nibbles(c *build.Context, off int) {
	c.VMOVDQU(Mem{Base: dX, Disp: off}, X1)
	c.VPSRLW(U8(4), X1, X2)
	c.VINSERTI128(U8(1), X2, Y1, Y1)
	c.VPAND(Y14, Y1, Y1)
}

// qhBits sets Y3 to 0xff in byte j where bit j of the dword at off(dX) is
// set, 0 elsewhere (Y12 = bitshuf, Y11 = bitmask, Y10 = all ones).
func qhBits(c *build.Context, off int) {
	c.VPBROADCASTD(Mem{Base: dX, Disp: off}, Y3)
	c.VPSHUFB(Y12, Y3, Y3)
	c.VPOR(Y11, Y3, Y3)
	c.VPCMPEQB(Y10, Y3, Y3)
}

// signed32 is the block of a 32-element type without a minimum: weights
// sets Y1 to the block's 32 signed weights.
func signed32(weights func(c *build.Context)) func(c *build.Context, k *dotConsts, sc Mem) {
	return func(c *build.Context, _ *dotConsts, _ Mem) {
		blockScale32(c)
		weights(c)
		loadAct32(c)
		dots8(c)
	}
}

// loadAct32 loads the 32 quants of a Q8_0 activation block into Y2.
func loadAct32(c *build.Context) { c.VMOVDQU(Mem{Base: dY, Disp: 2}, Y2) }

// highBitSetup loads the constants of qhBits.
func highBitSetup(c *build.Context, k *dotConsts) {
	c.VMOVDQU(k.bitshuf, Y12)
	c.VMOVDQU(k.bitmask, Y11)
	c.VPCMPEQB(Y10, Y10, Y10)
}

// onesBytes sets v to 1 in every byte.
func onesBytes(c *build.Context, v VecPhysical) {
	c.VPCMPEQB(v, v, v)
	c.VPABSB(v, v)
}

// kScales sets Y5 = f16(x.d)*y.d in every lane and X7 = f16(x.dmin)*y.d
// in every lane, for K-quants whose d, dmin f16 pair is at off(dX).
func kScales(c *build.Context, off int) {
	c.MOVL(Mem{Base: dX, Disp: off}, EAX)
	c.VMOVD(EAX, X6)
	c.VCVTPH2PS(X6, X6)
	c.VBROADCASTSS(Mem{Base: dY}, X7)
	c.VMULPS(X7, X6, X6)
	c.VBROADCASTSS(X6, Y5)
	c.VMOVSHDUP(X6, X7)
	c.VBROADCASTSS(X7, X7)
}

// kScale sets Y5 = f16(x.d)*y.d in every lane, the f16 at off(dX).
func kScale(c *build.Context, off int) {
	c.MOVWLZX(Mem{Base: dX, Disp: off}, EAX)
	c.VMOVD(EAX, X6)
	c.VCVTPH2PS(X6, X6)
	c.VMULSS(Mem{Base: dY}, X6, X6)
	c.VBROADCASTSS(X6, Y5)
}

// kFlush adds the block's int32 sums Y9 times Y5 into dAcc.
func kFlush(c *build.Context) {
	c.VCVTDQ2PS(Y9, Y9)
	c.VFMADD231PS(Y5, Y9, dAcc)
}

// Q8_K activation block offsets: d (f32) at 0, the 256 quants, the
// sixteen int16 sums of 16 quants.
const (
	q8KQuants = 4
	q8KSums   = 260
)

// mins32 accumulates X7 * sum_j mins[j]*(bsums[2j]+bsums[2j+1]) into dMin,
// where X2 holds 8 int16 mins (one per 32 elements).
func mins32(c *build.Context) {
	c.VMOVDQU(Mem{Base: dY, Disp: q8KSums}, X3)
	c.VMOVDQU(Mem{Base: dY, Disp: q8KSums + 16}, X4)
	c.VPHADDW(X4, X3, X3)
	c.VPMADDWD(X3, X2, X2)
	c.VCVTDQ2PS(X2, X2)
	c.VFMADD231PS(X7, X2, dMin)
}

// q4K6Bit unpacks the 12 bytes of 6-bit scales and mins at off(dX)
// (ggml's utmp shuffle) into AX = 8 scales and R10 = 8 mins (bytes).
func q4K6Bit(c *build.Context, off int) {
	c.MOVL(Mem{Base: dX, Disp: off}, EAX)
	c.MOVL(Mem{Base: dX, Disp: off + 4}, EBX)
	c.MOVL(Mem{Base: dX, Disp: off + 8}, EDX)
	c.MOVL(EDX, R8L)
	c.SHRL(U8(4), R8L)
	c.ANDL(U32(0x0f0f0f0f), R8L)
	c.MOVL(EBX, R9L)
	c.SHRL(U8(6), R9L)
	c.ANDL(U32(0x03030303), R9L)
	c.SHLL(U8(4), R9L)
	c.ORL(R9L, R8L)
	c.MOVL(EBX, R10L)
	c.ANDL(U32(0x3f3f3f3f), R10L)
	c.ANDL(U32(0x0f0f0f0f), EDX)
	c.MOVL(EAX, R9L)
	c.SHRL(U8(6), R9L)
	c.ANDL(U32(0x03030303), R9L)
	c.SHLL(U8(4), R9L)
	c.ORL(R9L, EDX)
	c.ANDL(U32(0x3f3f3f3f), EAX)
	c.SHLQ(U8(32), RDX)
	c.ORQ(RDX, RAX)
	c.SHLQ(U8(32), R8)
	c.ORQ(R8, R10)
}

// q4KScalesMins runs q4K6Bit at off and stores the 8 scales as int16 at
// sc, then accumulates the mins against the activation sums (mins32).
func q4KScalesMins(c *build.Context, off int, sc Mem) {
	q4K6Bit(c, off)
	c.VMOVQ(RAX, X1)
	c.VPMOVZXBW(X1, X1)
	c.VMOVDQU(X1, sc)
	c.VMOVQ(R10, X2)
	c.VPMOVZXBW(X2, X2)
	mins32(c)
}

// q4KNib sets Y1, Y2 to the low and high nibbles of the 32 bytes at
// off(dX) (Y14 = mask0f).
func q4KNib(c *build.Context, off int) {
	c.VMOVDQU(Mem{Base: dX, Disp: off}, Y2)
	c.VPAND(Y14, Y2, Y1)
	c.VPSRLW(U8(4), Y2, Y2)
	c.VPAND(Y14, Y2, Y2)
}

// q4KSub accumulates the 64 elements of chunk j into Y9 (int32): Y1 (low
// nibbles) against q8[64j:64j+32] with scale 2j, Y2 (high nibbles)
// against q8[64j+32:] with scale 2j+1, the scales int16 at sc.
func q4KSub(c *build.Context, j int, sc Mem) {
	c.VPMADDUBSW(Mem{Base: dY, Disp: q8KQuants + 64*j}, Y1, Y1)
	c.VPMADDUBSW(Mem{Base: dY, Disp: q8KQuants + 32 + 64*j}, Y2, Y2)
	c.VPBROADCASTW(sc.Offset(4*j), Y3)
	c.VPBROADCASTW(sc.Offset(4*j+2), Y4)
	c.VPMADDWD(Y3, Y1, Y1)
	c.VPMADDWD(Y4, Y2, Y2)
	c.VPADDD(Y1, Y9, Y9)
	c.VPADDD(Y2, Y9, Y9)
}

// q5KHigh ORs bit s (into Y1) and bit s+1 (into Y2) of each qh byte (Y12),
// moved to bit 4 (Y13 = bytes16).
func q5KHigh(c *build.Context, s int) {
	c.VPSRLW(U8(s), Y12, Y3)
	for i, p := range []VecPhysical{Y1, Y2} {
		c.VPSLLW(U8(4-i), Y3, Y4)
		c.VPAND(Y13, Y4, Y4)
		c.VPOR(Y4, p, p)
	}
}

// q6KHalf accumulates elements 128h..128h+127 of a Q6_K block into Y9
// (Y14 = mask0f, Y12 = mask30, X11 = the 16 scales). Each group of 32
// elements takes four bits from ql (the low or high nibbles of Y1 or Y2)
// and two from qh (Y3, shifted into bits 4-5); the -32 offset of q6 is
// applied once per block through the activation sums.
func q6KHalf(c *build.Context, k *dotConsts, h int) {
	c.VMOVDQU(Mem{Base: dX, Disp: 64 * h}, Y1)
	c.VMOVDQU(Mem{Base: dX, Disp: 64*h + 32}, Y2)
	c.VMOVDQU(Mem{Base: dX, Disp: 128 + 32*h}, Y3)
	for g := range 4 {
		ql := []VecPhysical{Y1, Y2}[g%2]
		if g < 2 {
			c.VPAND(Y14, ql, Y4)
		} else {
			c.VPSRLW(U8(4), ql, Y4)
			c.VPAND(Y14, Y4, Y4)
		}
		// qh bits 2g, 2g+1 to bits 4, 5
		switch sh := 4 - 2*g; {
		case sh > 0:
			c.VPSLLW(U8(sh), Y3, Y7)
			c.VPAND(Y12, Y7, Y7)
		case sh == 0:
			c.VPAND(Y12, Y3, Y7)
		default:
			c.VPSRLW(U8(-sh), Y3, Y7)
			c.VPAND(Y12, Y7, Y7)
		}
		c.VPOR(Y7, Y4, Y4)
		c.VPMADDUBSW(Mem{Base: dY, Disp: q8KQuants + 128*h + 32*g}, Y4, Y4)
		c.VPSHUFB(k.scaleshuf.Offset(16*(4*h+g)), X11, X7)
		c.VPMOVSXBW(X7, Y7)
		c.VPMADDWD(Y7, Y4, Y4)
		c.VPADDD(Y4, Y9, Y9)
	}
}

// kChunk accumulates 32 elements of the 2- or 3-bit K-quants into Y9:
// quants (Y1 >> 2s) & 3 of half h, for Q3_K ORed with hmask bit 4h+s
// (Y12; Y13 = mask01) at bit 2, against q8 with the scales of sub-blocks
// 8h+2s, 8h+2s+1 (bytes of X11; Q3_K's are signed). Y14 = mask03.
func kChunk(c *build.Context, k *dotConsts, h, s int, q3 bool) {
	c.VPSRLW(U8(2*s), Y1, Y2)
	c.VPAND(Y14, Y2, Y2)
	if q3 {
		c.VPSRLW(U8(4*h+s), Y12, Y3)
		c.VPAND(Y13, Y3, Y3)
		c.VPSLLW(U8(2), Y3, Y3)
		c.VPOR(Y3, Y2, Y2)
	}
	c.VPMADDUBSW(Mem{Base: dY, Disp: q8KQuants + 128*h + 32*s}, Y2, Y2)
	c.VPSHUFB(k.scaleshuf.Offset(16*(4*h+s)), X11, X3)
	if q3 {
		c.VPMOVSXBW(X3, Y3)
	} else {
		c.VPMOVZXBW(X3, Y3)
	}
	c.VPMADDWD(Y3, Y2, Y2)
	c.VPADDD(Y2, Y9, Y9)
}

// kChunks runs kChunk over both halves of a 2- or 3-bit K-quant block,
// whose 2-bit planes are the 32 bytes at qs(dX) and qs+32(dX).
func kChunks(c *build.Context, k *dotConsts, qs int, q3 bool) {
	for h := range 2 {
		c.VMOVDQU(Mem{Base: dX, Disp: qs + 32*h}, Y1)
		for s := range 4 {
			kChunk(c, k, h, s, q3)
		}
	}
}

// dotTypes lists the row kernels.
var dotTypes = []dotType{
	{name: "Q8_0", blockBytes: 34, act: 34,
		setup: func(c *build.Context, k *dotConsts) { c.VMOVDQU(k.ones16, Y15) },
		block: signed32(func(c *build.Context) { c.VMOVDQU(Mem{Base: dX, Disp: 2}, Y1) })},
	{name: "Q4_0", blockBytes: 18, act: 34,
		setup: func(c *build.Context, k *dotConsts) {
			c.VMOVDQU(k.ones16, Y15)
			c.VMOVDQU(k.mask0f, Y14)
			c.VMOVDQU(k.bytes8, Y13)
		},
		block: signed32(func(c *build.Context) {
			nibbles(c, 2)
			c.VPSUBB(Y13, Y1, Y1)
		})},
	{name: "IQ4_NL", blockBytes: 18, act: 34,
		setup: func(c *build.Context, k *dotConsts) {
			c.VMOVDQU(k.ones16, Y15)
			c.VMOVDQU(k.mask0f, Y14)
			c.VMOVDQU(k.iq4nl, Y13)
		},
		block: signed32(func(c *build.Context) {
			nibbles(c, 2)
			c.VPSHUFB(Y1, Y13, Y1)
		})},
	{name: "Q5_0", blockBytes: 22, act: 34,
		setup: func(c *build.Context, k *dotConsts) {
			c.VMOVDQU(k.ones16, Y15)
			c.VMOVDQU(k.mask0f, Y14)
			c.VMOVDQU(k.maskf0, Y13)
			highBitSetup(c, k)
		},
		block: signed32(func(c *build.Context) {
			nibbles(c, 6)
			qhBits(c, 2)
			// q - 16 as int8 = q4 | (bit ? 0 : 0xf0)
			c.VPANDN(Y13, Y3, Y3)
			c.VPOR(Y3, Y1, Y1)
		})},
	{name: "Q4_1", blockBytes: 20, act: 34,
		setup: func(c *build.Context, k *dotConsts) {
			c.VMOVDQU(k.ones16, Y15)
			c.VMOVDQU(k.mask0f, Y14)
			onesBytes(c, Y13)
		},
		block: func(c *build.Context, k *dotConsts, _ Mem) {
			blockScale32M(c)
			nibbles(c, 4)
			loadAct32(c)
			dotU8(c)
		}},
	{name: "Q5_1", blockBytes: 24, act: 34,
		setup: func(c *build.Context, k *dotConsts) {
			c.VMOVDQU(k.ones16, Y15)
			c.VMOVDQU(k.mask0f, Y14)
			onesBytes(c, Y13)
			highBitSetup(c, k)
			c.VMOVDQU(k.bytes16, Y9)
		},
		block: func(c *build.Context, k *dotConsts, _ Mem) {
			blockScale32M(c)
			nibbles(c, 8)
			qhBits(c, 4)
			// q = q4 | (bit ? 16 : 0)
			c.VPAND(Y9, Y3, Y3)
			c.VPOR(Y3, Y1, Y1)
			loadAct32(c)
			dotU8(c)
		}},
	{name: "Q4_K", blockBytes: 144, act: 292, frame: 16, kmin: true,
		setup: func(c *build.Context, k *dotConsts) { c.VMOVDQU(k.mask0f, Y14) },
		block: func(c *build.Context, k *dotConsts, sc Mem) {
			kPrefetch(c, 3)
			kScales(c, 0)
			q4KScalesMins(c, 4, sc)
			c.VPXOR(Y9, Y9, Y9)
			for j := range 4 {
				q4KNib(c, 16+32*j)
				q4KSub(c, j, sc)
			}
			kFlush(c)
		}},
	{name: "Q5_K", blockBytes: 176, act: 292, frame: 16, kmin: true,
		setup: func(c *build.Context, k *dotConsts) {
			c.VMOVDQU(k.mask0f, Y14)
			c.VMOVDQU(k.bytes16, Y13)
		},
		block: func(c *build.Context, k *dotConsts, sc Mem) {
			kPrefetch(c, 3)
			kScales(c, 0)
			q4KScalesMins(c, 4, sc)
			c.VPXOR(Y9, Y9, Y9)
			c.VMOVDQU(Mem{Base: dX, Disp: 16}, Y12)
			for j := range 4 {
				q4KNib(c, 48+32*j)
				q5KHigh(c, 2*j)
				q4KSub(c, j, sc)
			}
			kFlush(c)
		}},
	{name: "IQ4_XS", blockBytes: 136, act: 292, frame: 16,
		setup: func(c *build.Context, k *dotConsts) {
			c.VMOVDQU(k.mask0f, Y14)
			c.VMOVDQU(k.iq4nl, Y13)
			c.VMOVDQU(k.ones16, Y15)
		},
		block: func(c *build.Context, k *dotConsts, sc Mem) {
			kScale(c, 0)
			// 8 six-bit scales minus 32, as int16 at sc: low nibbles
			// interleaved from scales_l, high bits spread from scales_h
			// by PDEP.
			c.MOVL(Mem{Base: dX, Disp: 4}, EAX)
			c.MOVL(EAX, EBX)
			c.ANDL(U32(0x0f0f0f0f), EAX)
			c.SHRL(U8(4), EBX)
			c.ANDL(U32(0x0f0f0f0f), EBX)
			c.VMOVD(EAX, X1)
			c.VMOVD(EBX, X2)
			c.VPUNPCKLBW(X2, X1, X1)
			c.MOVWLZX(Mem{Base: dX, Disp: 2}, EDX)
			c.MOVQ(U64(0x0303030303030303), R8)
			c.PDEPQ(R8, RDX, RDX)
			c.SHLQ(U8(4), RDX)
			c.VMOVQ(RDX, X2)
			c.VPOR(X2, X1, X1)
			c.VPMOVZXBW(X1, X1)
			c.VPSUBW(k.words32, X1, X1)
			c.VMOVDQU(X1, sc)
			c.VPXOR(Y9, Y9, Y9)
			for ib := range 8 {
				// sub-block ib: 32 elements by its int16 scale
				nibbles(c, 8+16*ib)
				c.VPSHUFB(Y1, Y13, Y1)
				c.VMOVDQU(Mem{Base: dY, Disp: q8KQuants + 32*ib}, Y2)
				signedPairs(c, Y3)
				c.VPBROADCASTW(sc.Offset(2*ib), Y4)
				c.VPMADDWD(Y4, Y3, Y3)
				c.VPADDD(Y3, Y9, Y9)
			}
			kFlush(c)
		}},
	{name: "Q6_K", blockBytes: 210, act: 292,
		setup: func(c *build.Context, k *dotConsts) {
			c.VMOVDQU(k.mask0f, Y14)
			c.VMOVDQU(k.mask30, Y12)
		},
		block: func(c *build.Context, k *dotConsts, _ Mem) {
			kPrefetch(c, 4)
			kScale(c, 208)
			c.VMOVDQU(Mem{Base: dX, Disp: 192}, X11)
			// isum starts at -32*sum(scale*bsum)
			c.VPMOVSXBW(X11, Y2)
			c.VPMADDWD(Mem{Base: dY, Disp: q8KSums}, Y2, Y2)
			c.VPSLLD(U8(5), Y2, Y2)
			c.VPXOR(Y9, Y9, Y9)
			c.VPSUBD(Y2, Y9, Y9)
			q6KHalf(c, k, 0)
			q6KHalf(c, k, 1)
			kFlush(c)
		}},
	{name: "Q2_K", blockBytes: 84, act: 292,
		setup: func(c *build.Context, k *dotConsts) {
			c.VMOVDQU(k.mask03, Y14)
			c.VMOVDQU(k.mask0f, Y13)
		},
		block: func(c *build.Context, k *dotConsts, _ Mem) {
			kScales(c, 80)
			c.VBROADCASTSS(X7, Y7)
			// mins (high nibbles of the 16 scale bytes) against bsums
			c.VMOVDQU(Mem{Base: dX}, X11)
			c.VPSRLW(U8(4), X11, X2)
			c.VPAND(X13, X2, X2)
			c.VPMOVZXBW(X2, Y2)
			c.VPMADDWD(Mem{Base: dY, Disp: q8KSums}, Y2, Y2)
			c.VCVTDQ2PS(Y2, Y2)
			c.VFNMADD231PS(Y7, Y2, dAcc)
			c.VPAND(X13, X11, X11)
			c.VPXOR(Y9, Y9, Y9)
			kChunks(c, k, 16, false)
			kFlush(c)
		}},
	{name: "Q3_K", blockBytes: 110, act: 292,
		setup: func(c *build.Context, k *dotConsts) {
			c.VMOVDQU(k.mask03, Y14)
			c.VMOVDQU(k.mask01, Y13)
			c.VMOVDQU(k.bytes32, X10)
		},
		block: func(c *build.Context, k *dotConsts, _ Mem) {
			kScale(c, 108)
			q3KScales(c)
			// -4 offset: isum starts at -4*sum(scale*bsum)
			c.VPMOVSXBW(X11, Y2)
			c.VPMADDWD(Mem{Base: dY, Disp: q8KSums}, Y2, Y9)
			c.VPSLLD(U8(2), Y9, Y9)
			c.VPXOR(Y2, Y2, Y2)
			c.VPSUBD(Y9, Y2, Y9)
			c.VMOVDQU(Mem{Base: dX}, Y12)
			kChunks(c, k, 32, true)
			kFlush(c)
		}},
}

// kPrefetch prefetches n cache lines 1 KiB ahead of dX.
func kPrefetch(c *build.Context, n int) {
	for i := range n {
		c.PREFETCHT0(Mem{Base: dX, Disp: 1024 + 64*i})
	}
}

// q3KScales sets X11 to the 16 six-bit scales of a Q3_K block minus 32
// (ggml's kmask shuffle; X10 = bytes32): the low four bits of scale i are
// nibble i%8 of the dwords at 96 and 100, its high two bits come from the
// dword at 104, shifted by 2*(i/4).
func q3KScales(c *build.Context) {
	c.MOVL(Mem{Base: dX, Disp: 96}, EAX)
	c.MOVL(Mem{Base: dX, Disp: 100}, EBX)
	c.MOVL(Mem{Base: dX, Disp: 104}, EDX)
	// high bits 2q..2q+1 of the dword at 104, moved to bits 4-5, ORed into dst
	high := func(q int, dst GPPhysical) {
		src := EDX
		if q < 3 {
			c.MOVL(EDX, R9L)
			src = R9L
		}
		if q > 0 {
			c.SHRL(U8(2*q), src)
		}
		c.ANDL(U32(0x03030303), src)
		c.SHLL(U8(4), src)
		c.ORL(src, dst)
	}
	c.MOVL(EAX, R8L)
	c.ANDL(U32(0x0f0f0f0f), R8L)
	high(0, R8L)
	c.MOVL(EBX, R10L)
	c.ANDL(U32(0x0f0f0f0f), R10L)
	high(1, R10L)
	c.SHLQ(U8(32), R10)
	c.ORQ(R10, R8)
	c.SHRL(U8(4), EAX)
	c.ANDL(U32(0x0f0f0f0f), EAX)
	high(2, EAX)
	c.SHRL(U8(4), EBX)
	c.ANDL(U32(0x0f0f0f0f), EBX)
	high(3, EBX)
	c.SHLQ(U8(32), RBX)
	c.ORQ(RBX, RAX)
	c.VMOVQ(R8, X11)
	c.VPINSRQ(U8(1), RAX, X11, X11)
	c.VPSUBB(X10, X11, X11)
}
