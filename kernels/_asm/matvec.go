package main

import (
	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var matVecDoc = []string{
	"matvec family: streaming four-row AVX2 kernels for MatVec (decode),",
	"shape rows4 of the type table, run by matVecRows4. Four weight rows share",
	"each activation block, with changes for a product that streams its weights",
	"from DRAM:",
	"",
	"  - the four rows of a block are reduced together (t4Reduce): one",
	"    int-to-float conversion and one FMA per block instead of one per row,",
	"    by a scale vector built from the four rows' f16 scales gathered in a",
	"    general register and converted with one VCVTPH2PS (t4Scales);",
	"  - the four rows come from the four quarters of the matrix, so each row",
	"    is a long sequential stream across calls: with four consecutive short",
	"    rows (a 896-column Q8_0 row is 952 bytes) the hardware prefetchers never",
	"    train, and DRAM streaming stalled at about half the rate of one stream;",
	"  - two blocks per iteration, and one software prefetch (PREFETCHT0) per",
	"    row per iteration, mvPrefetchDist bytes ahead;",
	"  - Q4_0 nibbles are unpacked from one 128-bit broadcast load with a",
	"    per-lane shift (VPSRLVD by 0 or 4) and one mask.",
	"",
	"Row i is at x + i*xstride, nb >= 1 blocks; the generic twins are the",
	"table's. Integer parts are exact (VPMADDUBSW pair sums stay below 2^15 for",
	"activation quants in [-127, 127]); each block adds d_w*d_y*isum with one FMA.",
}

// mvPrefetchDist is how far ahead of each row the prefetches run, in bytes.
const mvPrefetchDist = 1536

// Registers of the four-row kernels.
var (
	mvX, mvY, mvN      = RSI, RDI, RCX
	mvStride, mvX2     = R8, R9   // xstride; the third row (x + 2*xstride)
	mvPF0, mvPF2       = R10, R11 // prefetch pointers of rows 0 and 2
	mvAcc              = Y0       // [r0 r1 r2 r3 | r0 r1 r2 r3]
	mvAct              = Y2       // the activation's 32 quants
	mvScales           = Y6       // d_w(row r)*d_y in lanes r and r+4
	mvOnes16, mvMask0f = Y15, Y14
	mvShift            = Y13 // dword shift counts 0 (low lane), 4 (high lane)
	mvOffset           = Y12 // Q4_0, Q5_0: 8 or 16 times the activation's pair sums
	mvRowRegs          = [4]VecPhysical{Y3, Y4, Y5, Y1}
)

// mvRow is the memory operand at byte off of row r of the current block.
func mvRow(r, off int) Mem {
	base := []Mem{{Base: mvX}, {Base: mvX, Index: mvStride, Scale: 1}, {Base: mvX2}, {Base: mvX2, Index: mvStride, Scale: 1}}[r]
	base.Disp = off
	return base
}

// mvType describes one type's streaming kernel.
type mvType struct {
	name       string
	blockBytes int
	wide       bool // int32 row sums (Q8_0, IQ4_NL: pair sums reach 2^15)
	// setup loads the kernel's constants; block prepares one block's
	// activation terms (after mvAct is loaded) and row computes row r's
	// pair sums at block offset xoff into p.
	setup func(c *build.Context, k *mvConsts)
	block func(c *build.Context)
	row   func(c *build.Context, k *mvConsts, r, xoff int, p VecPhysical)
}

// mvConsts holds the family's constant tables.
type mvConsts struct {
	ones16, mask0f, bytes8, bytes16, shift, bitshuf, bitmask, iq4nl Mem
}

// global32 defines a 32-byte table of four quadwords.
func global32(c *build.Context, name string, q [4]uint64) Mem {
	m := c.StaticGlobal(name)
	c.DataAttributes(attr.RODATA | attr.NOPTR)
	for i, v := range q {
		c.AddDatum(8*i, U64(v))
	}
	return m
}

// splat4 is a quadword repeated four times.
func splat4(v uint64) [4]uint64 { return [4]uint64{v, v, v, v} }

func genMatVec(c *build.Context) {
	k := &mvConsts{
		ones16:  global32(c, "mvones16", splat4(0x0001000100010001)),
		mask0f:  global32(c, "mvmask0f", splat4(0x0f0f0f0f0f0f0f0f)),
		bytes8:  global32(c, "mvbytes8", splat4(0x0808080808080808)),
		bytes16: global32(c, "mvbytes16", splat4(0x1010101010101010)),
		shift:   global32(c, "mvshift", [4]uint64{0, 0, 0x0000000400000004, 0x0000000400000004}),
		// byte j takes byte j/8 of a broadcast dword (Q5_0 high bits)
		bitshuf: global32(c, "mvbitshuf", [4]uint64{0, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303}),
		// byte j has every bit set except bit j%8
		bitmask: global32(c, "mvbitmask", splat4(0x7fbfdfeff7fbfdfe)),
		// the IQ4_NL codebook, once per 128-bit lane
		iq4nl: global32(c, "mviq4nl", [4]uint64{0xf6eaddcfbfad9881, 0x7159453526190d01, 0xf6eaddcfbfad9881, 0x7159453526190d01}),
	}
	// nibbles sets p to the 32 nibbles of the 16 bytes at m: low nibbles
	// in the low lane, high nibbles in the high lane.
	nibbles := func(c *build.Context, m Mem, p VecPhysical) {
		c.VBROADCASTI128(m, p)
		c.VPSRLVD(mvShift, p, p)
		c.VPAND(mvMask0f, p, p)
	}
	// offsetSums sets mvOffset to the activation's pair sums times the
	// bytes in Y11 (8 or 16): the unsigned quants' offset.
	offsetSums := func(c *build.Context) { c.VPMADDUBSW(mvAct, Y11, mvOffset) }
	types := []mvType{
		{name: "Q8_0", blockBytes: 34, wide: true,
			row: func(c *build.Context, _ *mvConsts, r, xoff int, p VecPhysical) {
				// signed weights times the activation by the sign trick
				c.VPABSB(mvRow(r, xoff+2), Y7)
				c.VPSIGNB(mvRow(r, xoff+2), mvAct, p)
				c.VPMADDUBSW(p, Y7, p)
				c.VPMADDWD(mvOnes16, p, p)
			}},
		{name: "Q4_0", blockBytes: 18,
			setup: func(c *build.Context, k *mvConsts) {
				c.VMOVDQU(k.bytes8, Y11)
				c.VMOVDQU(k.shift, mvShift)
			},
			block: offsetSums,
			row: func(c *build.Context, _ *mvConsts, r, xoff int, p VecPhysical) {
				nibbles(c, mvRow(r, xoff+2), p)
				c.VPMADDUBSW(mvAct, p, p)
				c.VPSUBW(mvOffset, p, p)
			}},
		{name: "Q5_0", blockBytes: 22,
			setup: func(c *build.Context, k *mvConsts) {
				c.VMOVDQU(k.bytes16, Y11)
				c.VMOVDQU(k.shift, mvShift)
				c.VPCMPEQB(Y10, Y10, Y10) // all ones
			},
			block: offsetSums,
			row: func(c *build.Context, k *mvConsts, r, xoff int, p VecPhysical) {
				// q4 | hbit<<4 (0..31)
				nibbles(c, mvRow(r, xoff+6), p)
				c.VPBROADCASTD(mvRow(r, xoff+2), Y9)
				c.VPSHUFB(k.bitshuf, Y9, Y9)
				c.VPOR(k.bitmask, Y9, Y9)
				c.VPCMPEQB(Y10, Y9, Y9)
				c.VPAND(Y11, Y9, Y9)
				c.VPOR(Y9, p, p)
				c.VPMADDUBSW(mvAct, p, p)
				c.VPSUBW(mvOffset, p, p)
			}},
		{name: "IQ4_NL", blockBytes: 18, wide: true,
			setup: func(c *build.Context, k *mvConsts) {
				c.VMOVDQU(k.iq4nl, Y11)
				c.VMOVDQU(k.shift, mvShift)
			},
			row: func(c *build.Context, _ *mvConsts, r, xoff int, p VecPhysical) {
				// codebook values times the activation by the sign trick
				nibbles(c, mvRow(r, xoff+2), Y7)
				c.VPSHUFB(Y7, Y11, Y7)
				c.VPSIGNB(Y7, mvAct, p)
				c.VPSIGNB(Y7, Y7, Y7)
				c.VPMADDUBSW(p, Y7, p)
				c.VPMADDWD(mvOnes16, p, p)
			}},
	}
	for _, t := range types {
		streamKernel(c, k, t)
	}
}

// t4Scales sets mvScales = d_w(row r)*d_y in lanes r and r+4 for the block
// at xoff (weights) and yoff (activation); uses AX, BX, DX, X7.
func t4Scales(c *build.Context, xoff, yoff int) {
	c.MOVWLZX(mvRow(0, xoff), EAX)
	c.MOVWLZX(mvRow(1, xoff), EBX)
	c.SHLL(U8(16), EBX)
	c.ORL(EBX, EAX)
	c.MOVWLZX(mvRow(2, xoff), EBX)
	c.MOVWLZX(mvRow(3, xoff), EDX)
	c.SHLL(U8(16), EDX)
	c.ORL(EDX, EBX)
	c.SHLQ(U8(32), RBX)
	c.ORQ(RBX, RAX)
	c.VMOVQ(RAX, X6)
	c.VPUNPCKLQDQ(X6, X6, X6)
	c.VCVTPH2PS(X6, mvScales)
	c.VPBROADCASTW(Mem{Base: mvY, Disp: yoff}, X7)
	c.VCVTPH2PS(X7, Y7)
	c.VMULPS(Y7, mvScales, mvScales)
}

// t4Reduce adds the lanes of rows 0-3 (mvRowRegs) into [r0 r1 r2 r3 | r0
// r1 r2 r3] int32, converts and accumulates mvScales times it into mvAcc.
// wide: the lanes are int32; otherwise int16, widened once after the adds.
func t4Reduce(c *build.Context, wide bool) {
	add := c.VPADDW
	if wide {
		add = c.VPADDD
	}
	r0, r1, r2, r3 := mvRowRegs[0], mvRowRegs[1], mvRowRegs[2], mvRowRegs[3]
	c.VPUNPCKLDQ(r1, r0, Y7)
	c.VPUNPCKHDQ(r1, r0, r0)
	add(Y7, r0, r0)
	c.VPUNPCKLDQ(r3, r2, Y7)
	c.VPUNPCKHDQ(r3, r2, r2)
	add(Y7, r2, r2)
	c.VPUNPCKLQDQ(r2, r0, Y7)
	c.VPUNPCKHQDQ(r2, r0, r0)
	add(Y7, r0, r0)
	if !wide {
		c.VPMADDWD(mvOnes16, r0, r0)
	}
	c.VCVTDQ2PS(r0, r0)
	c.VFMADD231PS(mvScales, r0, mvAcc)
}

// streamKernel writes dot<T>r4AVX2: two blocks per iteration with the
// prefetches, then at most one block.
func streamKernel(c *build.Context, k *mvConsts, t mvType) {
	name := "dot" + t.name + "r4AVX2"
	c.Function(name)
	c.Attributes(attr.NOSPLIT)
	c.Doc(name + " sets out[i] = dot(row i, y) for the four rows at x + i*xstride.")
	c.Pragma("noescape")
	c.SignatureExpr("func(x *byte, xstride int, y *byte, nb int, out *[4]float32)")
	c.Load(c.Param("x"), mvX)
	c.Load(c.Param("xstride"), mvStride)
	c.Load(c.Param("y"), mvY)
	c.Load(c.Param("nb"), mvN)
	c.LEAQ(Mem{Base: mvX, Index: mvStride, Scale: 2}, mvX2)
	c.LEAQ(Mem{Base: mvX, Disp: mvPrefetchDist}, mvPF0)
	c.LEAQ(Mem{Base: mvX2, Disp: mvPrefetchDist}, mvPF2)
	c.VXORPS(mvAcc, mvAcc, mvAcc)
	c.VMOVDQU(k.ones16, mvOnes16)
	c.VMOVDQU(k.mask0f, mvMask0f)
	if t.setup != nil {
		t.setup(c, k)
	}
	block := func(xoff, yoff int) {
		t4Scales(c, xoff, yoff)
		c.VMOVDQU(Mem{Base: mvY, Disp: yoff + 2}, mvAct)
		if t.block != nil {
			t.block(c)
		}
		for r, p := range mvRowRegs {
			t.row(c, k, r, xoff, p)
		}
		t4Reduce(c, t.wide)
	}
	label := func(s string) string { return t.name + "_" + s }
	c.SUBQ(U8(2), mvN)
	c.JLT(LabelRef(label("tail")))
	c.Label(label("loop"))
	// Prefetches past the end of the weights are harmless (they never fault).
	c.PREFETCHT0(Mem{Base: mvPF0})
	c.PREFETCHT0(Mem{Base: mvPF0, Index: mvStride, Scale: 1})
	c.PREFETCHT0(Mem{Base: mvPF2})
	c.PREFETCHT0(Mem{Base: mvPF2, Index: mvStride, Scale: 1})
	block(0, 0)
	block(t.blockBytes, 34)
	for _, p := range []Register{mvX, mvPF0, mvPF2, mvX2} {
		c.ADDQ(U8(2*t.blockBytes), p)
	}
	c.ADDQ(U8(68), mvY)
	c.SUBQ(U8(2), mvN)
	c.JGE(LabelRef(label("loop")))
	c.Label(label("tail"))
	c.ADDQ(U8(2), mvN)
	c.JZ(LabelRef(label("done")))
	block(0, 0)
	c.Label(label("done"))
	c.Comment("the four row sums: lanes r and r+4 of the accumulator")
	c.Load(c.Param("out"), RDX)
	c.VEXTRACTF128(U8(1), mvAcc, X1)
	c.VADDPS(X1, mvAcc.AsX(), mvAcc.AsX())
	c.VMOVUPS(mvAcc.AsX(), Mem{Base: RDX})
	c.VZEROUPPER()
	c.RET()
}
