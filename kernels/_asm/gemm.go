package main

import (
	"strings"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var gemmDoc = []string{
	"gemm family: the AVX2 tile kernels of MatMul (prefill), shapes tile8,",
	"tile16 and tileK of the type table. Each runs over a tile of unpacked",
	"weight rows (unpack family, and the K-quant scales unpacked in Go,",
	"tilek_amd64.go) by activation columns, and writes out[col*rows + row]:",
	"",
	"  - gemmQ8x4AVX2 (tile8: Q8_0, IQ4_NL): 8 rows by 4 columns. Tile blocks of",
	"    288 bytes: eight float32 row scales, then eight groups of 32 bytes,",
	"    group k holding elements 4k..4k+3 of rows 0..7 as signed int8. One",
	"    broadcast dword of a column meets all eight rows; VPMADDUBSW (|w|",
	"    unsigned times the activation signed by w) and VPMADDWD leave one",
	"    int32 lane per row, so no horizontal sums are needed. |w| <= 128 and",
	"    |a| <= 127 keep the int16 pair sums exact.",
	"  - gemm<T>x16AVX2 for Q4_0, Q5_0, Q4_1, Q5_1 (tile16): 16 rows by 2",
	"    columns. Weights satisfy |w| <= 16: the activation is made unsigned",
	"    (a' = a + 128), VPMADDUBSW(a', w) pair sums stay within 2*255*16 =",
	"    8160, so four (Q5_*) or eight (Q4_*) groups add up exactly in int16",
	"    before one VPMADDWD, and the tile's correction 128*sum(w) per row",
	"    restores dot(w, a). Tile blocks of 704 bytes: f32 scales of rows 0-7",
	"    at 0, of rows 8-15 at 32; int32 corrections for elements 0-15 (or",
	"    0-31) at 64 (rows 0-7) and 96 (rows 8-15), for elements 16-31 at 128",
	"    and 160; group k at 192+64k (rows 0-7) and 224+64k (rows 8-15).",
	"    Q4_1 and Q5_1 run on q-8 (q-16), whose offset joins the min in the",
	"    tile (m' = m + 8d, m + 16d per row, f32 at 704 and 736; blocks of 768",
	"    bytes); the min term m' * dy * sum(a) takes each column's sum of its",
	"    activations from VPSADBW of a+128 against zero, minus 32*128.",
	"  - gemm<T>x16AVX2 for the K-quants and IQ4_XS (tileK): 16 rows by 2",
	"    columns of 256-element blocks against Q8_K activations; the layouts",
	"    and int16 bounds are at kTypes in the generator (kernels/_asm/gemm.go).",
}

// Registers of the sixteen-row kernels: int16 sums (s), int32 sums (i)
// and float accumulators (f) of rows 0-7 (A) and 8-15 (B) by column 0
// and 1.
var (
	sA0, sA1, sB0, sB1 = Y4, Y5, Y6, Y7
	iA0, iA1, iB0, iB1 = Y8, Y9, Y10, Y11
	fA0, fA1, fB0, fB1 = Y12, Y13, Y14, Y15
)

// gemmConsts holds the family's constant tables.
type gemmConsts struct {
	ones16, k4096 Mem
}

func genGemm(c *build.Context) {
	k := &gemmConsts{
		ones16: global32(c, "gemmOnes16", splat4(0x0001000100010001)),
		k4096:  globalQwords(c, "gemm4096", 0x0000100000001000, 0x0000100000001000),
	}
	gemmQ8x4(c)
	for _, t := range []struct {
		name       string
		blockBytes int
		flushEvery int  // groups per int16 flush: 8 (Q4_*) or 4 (Q5_*)
		min        bool // Q4_1, Q5_1
	}{
		{"Q4_0", 704, 8, false}, {"Q5_0", 704, 4, false},
		{"Q4_1", 768, 8, true}, {"Q5_1", 768, 4, true},
	} {
		gemm16(c, k, t.name, t.blockBytes, t.flushEvery, t.min)
	}
	for _, t := range kTypes {
		gemmK(c, t)
	}
}

// gemmFunc starts the kernel name with the family's signature and loads
// the tile (SI), nb (CX), y (DI), ystride (DX) and out (R8).
func gemmFunc(c *build.Context, name, doc string) {
	c.Function(name)
	c.Attributes(attr.NOSPLIT)
	c.Doc(name + " " + doc)
	c.Pragma("noescape")
	c.SignatureExpr("func(tile *byte, nb int, y *byte, ystride int, out *[32]float32)")
	c.Load(c.Param("tile"), RSI)
	c.Load(c.Param("nb"), RCX)
	c.Load(c.Param("y"), RDI)
	c.Load(c.Param("ystride"), RDX)
	c.Load(c.Param("out"), R8)
}

// zero clears the registers.
func zero(c *build.Context, regs ...VecPhysical) {
	for _, r := range regs {
		c.VPXOR(r, r, r)
	}
}

// storeOut writes the four float accumulators (rows A and B of columns 0
// and 1) to out[col*16 + row] and returns.
func storeOut(c *build.Context, a0, b0, a1, b1 VecPhysical) {
	for i, r := range []VecPhysical{a0, b0, a1, b1} {
		c.VMOVUPS(r, Mem{Base: R8, Disp: 32 * i})
	}
	c.VZEROUPPER()
	c.RET()
}

// gemmQ8x4 writes gemmQ8x4AVX2: 8 rows by the 4 columns at DI, R9, R10,
// R11, int32 sums in Y4-Y7, float sums in Y12-Y15.
func gemmQ8x4(c *build.Context) {
	gemmFunc(c, "gemmQ8x4AVX2", "runs the eight-row int8 tile over four columns ystride bytes apart.")
	cols := []GPPhysical{RDI, R9, R10, R11}
	c.LEAQ(Mem{Base: RDI, Index: RDX, Scale: 1}, R9)
	c.LEAQ(Mem{Base: RDI, Index: RDX, Scale: 2}, R10)
	c.LEAQ(Mem{Base: R9, Index: RDX, Scale: 2}, R11)
	c.MOVL(U32(0x00010001), EAX)
	c.VMOVD(EAX, X11)
	c.VPBROADCASTD(X11, Y11)
	ones := Y11
	zero(c, Y12, Y13, Y14, Y15)
	c.Label("q8x4")
	zero(c, Y4, Y5, Y6, Y7)
	tmp := []VecPhysical{Y2, Y3, Y8, Y9}
	for k := range 8 {
		c.VMOVDQU(Mem{Base: RSI, Disp: 32 + 32*k}, Y0)
		c.VPABSB(Y0, Y1)
		for j, col := range cols {
			t, sum := tmp[j], []VecPhysical{Y4, Y5, Y6, Y7}[j]
			c.VPBROADCASTD(Mem{Base: col, Disp: 2 + 4*k}, t)
			c.VPSIGNB(Y0, t, t)
			c.VPMADDUBSW(t, Y1, t)
			c.VPMADDWD(ones, t, t)
			c.VPADDD(t, sum, sum)
		}
	}
	c.VMOVUPS(Mem{Base: RSI}, Y10)
	for j, col := range cols {
		t, sum, acc := tmp[j], []VecPhysical{Y4, Y5, Y6, Y7}[j], []VecPhysical{Y12, Y13, Y14, Y15}[j]
		c.VPBROADCASTW(Mem{Base: col}, t.AsX())
		c.VCVTPH2PS(t.AsX(), t)
		c.VMULPS(Y10, t, t)
		c.VCVTDQ2PS(sum, sum)
		c.VFMADD231PS(t, sum, acc)
	}
	c.ADDQ(U32(288), RSI)
	for _, col := range cols {
		c.ADDQ(U8(34), col)
	}
	c.DECQ(RCX)
	c.JNZ(LabelRef("q8x4"))
	for i, r := range []VecPhysical{Y12, Y13, Y14, Y15} {
		c.VMOVUPS(r, Mem{Base: R8, Disp: 32 * i})
	}
	c.VZEROUPPER()
	c.RET()
}

// gemm16 writes gemm<T>x16AVX2 for a 32-element type: 16 rows by the two
// columns at DI and R9 (Y15 = 0x80 bytes).
func gemm16(c *build.Context, k *gemmConsts, t string, blockBytes, flushEvery int, min bool) {
	gemmFunc(c, "gemm"+t+"x16AVX2", "runs the sixteen-row "+t+" tile over two columns ystride bytes apart.")
	c.LEAQ(Mem{Base: RDI, Index: RDX, Scale: 1}, R9)
	c.MOVL(U32(0x80808080), EAX)
	c.VMOVD(EAX, X15)
	c.VPBROADCASTD(X15, Y15)
	zero(c, sA0, sA1, sB0, sB1, iA0, iA1, iB0, iB1)
	loop := "loop" + t
	c.Label(loop)
	for g := range 8 {
		group16(c, g)
		if (g+1)%flushEvery == 0 {
			flush16(c, k, 64+(g/flushEvery)*64)
		}
	}
	if min {
		min16(c, k)
	}
	c.ADDQ(U32(blockBytes), RSI)
	c.ADDQ(U8(34), RDI)
	c.ADDQ(U8(34), R9)
	c.DECQ(RCX)
	c.JNZ(LabelRef(loop))
	// the float sums are in the int32 registers' places (Y8-Y11)
	storeOut(c, iA0, iB0, iA1, iB1)
}

// group16 adds group g (elements 4g..4g+3) of the 16 rows times the two
// columns, made unsigned, into the int16 sums.
func group16(c *build.Context, g int) {
	c.VMOVDQU(Mem{Base: RSI, Disp: 192 + 64*g}, Y0)
	c.VMOVDQU(Mem{Base: RSI, Disp: 224 + 64*g}, Y1)
	for j, col := range []GPPhysical{RDI, R9} {
		a := []VecPhysical{Y2, Y3}[j]
		c.VPBROADCASTD(Mem{Base: col, Disp: 2 + 4*g}, a)
		c.VPXOR(Y15, a, a)
		p := []VecPhysical{Y12, Y14}[j]
		c.VPMADDUBSW(Y0, a, p)
		c.VPADDW(p, []VecPhysical{sA0, sA1}[j], []VecPhysical{sA0, sA1}[j])
		p = []VecPhysical{Y13, Y12}[j]
		c.VPMADDUBSW(Y1, a, p)
		c.VPADDW(p, []VecPhysical{sB0, sB1}[j], []VecPhysical{sB0, sB1}[j])
	}
}

// flush16 folds the int16 sums into the float accumulators (Y8-Y11) with
// the correction at tile offset corr (rows 0-7) and corr+32 (rows 8-15),
// and leaves Y2, Y3 = the columns' scales.
func flush16(c *build.Context, k *gemmConsts, corr int) {
	s := []VecPhysical{sA0, sA1, sB0, sB1}
	for _, r := range s {
		c.VPMADDWD(k.ones16, r, r)
	}
	for i, r := range s {
		c.VPSUBD(Mem{Base: RSI, Disp: corr + 32*(i/2)}, r, r)
	}
	for _, r := range s {
		c.VCVTDQ2PS(r, r)
	}
	c.VPBROADCASTW(Mem{Base: RDI}, X2)
	c.VCVTPH2PS(X2, Y2)
	c.VPBROADCASTW(Mem{Base: R9}, X3)
	c.VCVTPH2PS(X3, Y3)
	tmp := []VecPhysical{Y12, Y13, Y14, Y12}
	for i, r := range s {
		c.VMULPS(Mem{Base: RSI, Disp: 32 * (i / 2)}, []VecPhysical{Y2, Y3}[i%2], tmp[i])
		c.VFMADD231PS(tmp[i], r, []VecPhysical{iA0, iA1, iB0, iB1}[i])
	}
	zero(c, s...)
}

// min16 adds m' * dy * sum(a) to the float accumulators after flush16
// (Y2, Y3 = dy of the two columns); Y4-Y7 end zero.
func min16(c *build.Context, k *gemmConsts) {
	colSums(c, k, Y4, Y5, Y6)
	c.VBROADCASTSS(X4, Y6)
	c.VBROADCASTSS(X5, Y7)
	c.VMULPS(Y2, Y6, Y6)
	c.VMULPS(Y3, Y7, Y7)
	c.VFMADD231PS(Mem{Base: RSI, Disp: 704}, Y6, iA0)
	c.VFMADD231PS(Mem{Base: RSI, Disp: 704}, Y7, iA1)
	c.VFMADD231PS(Mem{Base: RSI, Disp: 736}, Y6, iB0)
	c.VFMADD231PS(Mem{Base: RSI, Disp: 736}, Y7, iB1)
	zero(c, Y4, Y5, Y6, Y7)
}

// colSums leaves in the low lane of s0's and s1's low halves the sums (as
// float32) of the 32 activation quants of the columns at DI and R9: VPSADBW
// of a+128 (Y15 = 0x80 bytes) against zero (z), both columns' partial sums
// gathered into the dwords of s0, minus 32*128.
func colSums(c *build.Context, k *gemmConsts, s0, s1, z VecPhysical) {
	x0, x1 := s0.AsX(), s1.AsX()
	c.VMOVDQU(Mem{Base: RDI, Disp: 2}, s0)
	c.VMOVDQU(Mem{Base: R9, Disp: 2}, s1)
	c.VPXOR(Y15, s0, s0)
	c.VPXOR(Y15, s1, s1)
	c.VPXOR(z, z, z)
	c.VPSADBW(z, s0, s0)
	c.VPSADBW(z, s1, s1)
	c.VPSLLQ(U8(32), s1, s1)
	c.VPOR(s1, s0, s0)
	c.VEXTRACTI128(U8(1), s0, x1)
	c.VPADDD(x1, x0, x0)
	c.VPSHUFD(U8(0x4e), x0, x1)
	c.VPADDD(x1, x0, x0)
	c.VPSUBD(k.k4096, x0, x0)
	c.VCVTDQ2PS(x0, x0)
	c.VMOVSHDUP(x0, x1)
}

// A kType is the sixteen-row tile kernel of a 256-element type. Tile
// blocks hold, for rows 0-7 (A) and 8-15 (B) 32 bytes apart: d at 0 and
// 32, dmin at 64 and 96 (types with a min), the int16 scales of each
// flush at scales+64s, the min or offset pairs at mins+64j, and group g
// (elements 4g..4g+3 of the 16 rows) at groups+64g.
type kType struct {
	name                      string
	doc                       string
	blockBytes                int
	groups, scales, mins      int
	subs, groupsPerSub, flush int // sub-block loop; groups per int16 flush
	scaleStep                 int // tile bytes of scales per sub-block
	// min: dmin*min term from the bsums; offset: shift of the offset
	// (q - 2^offset) taken from the bsums; xs: IQ4_XS, signed weights
	// with one int32 step per group.
	min    bool
	offset int
	xs     bool
}

var kTypes = []kType{
	{name: "Q4_K", doc: "Unsigned 4-bit quants: VPMADDUBSW(w, a) sums the eight groups of a 32-element sub-block exactly in int16; one VPMADDWD with the sub-block scale (in both int16 halves of each row's dword) adds sc*dot per row. The min term: VPMADDWD of a broadcast (bsum[2j], bsum[2j+1]) with m_j. acc += float(isum)*d*da - float(msum)*dmin*da.",
		blockBytes: 5248, groups: 1152, scales: 128, mins: 640, subs: 8, groupsPerSub: 8, flush: 8, scaleStep: 64, min: true},
	{name: "Q5_K", doc: "As Q4_K with 5-bit quants (0..31): eight groups could reach 8*2*31*128 > 2^15, so each sub-block is flushed after four groups (31744) and again after the other four, with the same scale.",
		blockBytes: 5248, groups: 1152, scales: 128, mins: 640, subs: 8, groupsPerSub: 8, flush: 4, scaleStep: 64, min: true},
	{name: "Q6_K", doc: "Unsigned 6-bit quants (0..63): two groups add up exactly in int16 (2*2*63*128 < 2^15), so each 16-element sub-block is flushed twice with its signed scale. The -32 offset comes from the bsums: isum = sum sc*dot(q, a) - 32 * sum sc*bsum.",
		blockBytes: 5696, groups: 1600, scales: 64, mins: 1088, subs: 16, groupsPerSub: 4, flush: 2, scaleStep: 64, offset: 5},
	{name: "Q3_K", doc: "The Q6_K layout with unsigned 3-bit quants u = q | hbit<<2 (0..7) for the value u-4: a 16-element sub-block's four groups add up exactly in int16 (4*2*7*128), so each is flushed once with its signed scale; the -4 offset comes from the bsums.",
		blockBytes: 5696, groups: 1600, scales: 64, mins: 1088, subs: 16, groupsPerSub: 4, flush: 4, scaleStep: 64, offset: 2},
	{name: "Q2_K", doc: "Unsigned 2-bit quants (0..3) with a 4-bit scale and min per 16-element sub-block: Q4_K with a flush (and the next scale) every four groups, the mins paired as (m[2j], m[2j+1]) against (bsum[2j], bsum[2j+1]).",
		blockBytes: 5760, groups: 1664, scales: 128, mins: 1152, subs: 8, groupsPerSub: 8, flush: 4, scaleStep: 128, min: true},
	{name: "IQ4_XS", doc: "Signed codebook values (|w| <= 127 against |a| <= 127): pair sums stay below 2^15 but two groups would not, so each group goes to int32 at once through VPMADDWD with the sub-block's scale ls-32 (in both int16 halves of each row's dword). acc += float(isum)*d*da.",
		blockBytes: 4672, groups: 576, scales: 64, subs: 8, groupsPerSub: 8, scaleStep: 64, xs: true},
}

// gemmK writes gemm<T>x16AVX2 for a 256-element type: 16 rows by the two
// columns at DI and R9; R10 runs through the groups, R13 through the
// scales, R11 and R12 through the columns' quants.
func gemmK(c *build.Context, t kType) {
	gemmFunc(c, "gemm"+t.name+"x16AVX2", "runs the sixteen-row "+t.name+" tile over two columns ystride bytes apart.")
	c.Comment(wrap(t.doc, 72)...)
	c.LEAQ(Mem{Base: RDI, Index: RDX, Scale: 1}, R9)
	zero(c, sA0, sA1, sB0, sB1, fA0, fA1, fB0, fB1)
	blk, sub := "blk"+t.name, "sub"+t.name
	c.Label(blk)
	zero(c, iA0, iA1, iB0, iB1)
	c.LEAQ(Mem{Base: RSI, Disp: t.groups}, R10)
	c.LEAQ(Mem{Base: RSI, Disp: t.scales}, R13)
	if t.xs {
		c.LEAQ(Mem{Base: RDI, Disp: 4}, R11)
		c.LEAQ(Mem{Base: R9, Disp: 4}, R12)
	} else {
		c.MOVQ(RDI, R11)
		c.MOVQ(R9, R12)
	}
	c.MOVQ(U32(t.subs), RBX)
	c.Label(sub)
	if t.xs {
		c.VMOVDQU(Mem{Base: R13}, Y6)
		c.VMOVDQU(Mem{Base: R13, Disp: 32}, Y7)
	}
	for g := range t.groupsPerSub {
		if t.xs {
			groupXS(c, g)
			continue
		}
		groupK(c, g)
		if (g+1)%t.flush == 0 {
			// Q2_K's second half of a sub-block has the next scale
			sc := 0
			if t.scaleStep > 64 {
				sc = 64 * (g / t.flush)
			}
			flushK(c, sc)
		}
	}
	c.ADDQ(U32(64*t.groupsPerSub), R10)
	c.ADDQ(U32(t.scaleStep), R13)
	c.ADDQ(U8(4*t.groupsPerSub), R11)
	c.ADDQ(U8(4*t.groupsPerSub), R12)
	c.DECQ(RBX)
	c.JNZ(LabelRef(sub))

	// Prefetch this block of the next call's columns (+2 and +3 strides).
	c.LEAQ(Mem{Base: RDI, Index: RDX, Scale: 2}, R11)
	c.LEAQ(Mem{Base: R9, Index: RDX, Scale: 2}, R12)
	for _, r := range []GPPhysical{R11, R12} {
		for i := range 5 {
			c.PREFETCHT0(Mem{Base: r, Disp: 64 * i})
		}
	}
	i32 := []VecPhysical{iA0, iA1, iB0, iB1}
	s := []VecPhysical{sA0, sA1, sB0, sB1}
	if !t.xs {
		for j := range 8 {
			minK(c, j, t.mins)
		}
	}
	if t.offset > 0 {
		for _, r := range s {
			c.VPSLLD(U8(t.offset), r, r)
		}
		for i, r := range s {
			c.VPSUBD(r, i32[i], i32[i])
		}
	}
	for _, r := range i32 {
		c.VCVTDQ2PS(r, r)
	}
	if t.min {
		for _, r := range s {
			c.VCVTDQ2PS(r, r)
		}
	}
	c.VBROADCASTSS(Mem{Base: RDI}, Y2)
	c.VBROADCASTSS(Mem{Base: R9}, Y3)
	f := []VecPhysical{fA0, fA1, fB0, fB1}
	for i := range 4 {
		col := []VecPhysical{Y2, Y3}[i%2]
		c.VMULPS(Mem{Base: RSI, Disp: 32 * (i / 2)}, col, Y0)
		c.VFMADD231PS(Y0, i32[i], f[i])
		if t.min {
			c.VMULPS(Mem{Base: RSI, Disp: 64 + 32*(i/2)}, col, Y1)
			c.VFNMADD231PS(Y1, s[i], f[i])
		}
	}
	if !t.xs {
		zero(c, s...)
	}
	c.ADDQ(U32(t.blockBytes), RSI)
	c.ADDQ(U32(292), RDI)
	c.ADDQ(U32(292), R9)
	c.DECQ(RCX)
	c.JNZ(LabelRef(blk))
	storeOut(c, fA0, fB0, fA1, fB1)
}

// groupK adds group g of the 16 unsigned rows at R10 times the two
// columns' quants at R11, R12 (Q8_K: after the f32 scale) into the int16
// sums.
func groupK(c *build.Context, g int) {
	c.VMOVDQU(Mem{Base: R10, Disp: 64 * g}, Y0)
	c.VMOVDQU(Mem{Base: R10, Disp: 32 + 64*g}, Y1)
	for j, col := range []GPPhysical{R11, R12} {
		c.VPBROADCASTD(Mem{Base: col, Disp: 4 + 4*g}, Y2)
		c.VPMADDUBSW(Y2, Y0, Y3)
		c.VPADDW(Y3, []VecPhysical{sA0, sA1}[j], []VecPhysical{sA0, sA1}[j])
		c.VPMADDUBSW(Y2, Y1, Y3)
		c.VPADDW(Y3, []VecPhysical{sB0, sB1}[j], []VecPhysical{sB0, sB1}[j])
	}
}

// flushK multiplies the int16 sums by the scales at sc(R13) (rows A) and
// sc+32(R13) (rows B) into the int32 sums and clears them.
func flushK(c *build.Context, sc int) {
	i32 := []VecPhysical{iA0, iA1, iB0, iB1}
	for i, r := range []VecPhysical{sA0, sA1, sB0, sB1} {
		c.VPMADDWD(Mem{Base: R13, Disp: sc + 32*(i/2)}, r, r)
		c.VPADDD(r, i32[i], i32[i])
	}
	zero(c, sA0, sA1, sB0, sB1)
}

// minK adds bsum pair j of each column times the tile's int16 pairs at
// off+64j (rows A) and off+32+64j (rows B) into Y4-Y7 (int32).
func minK(c *build.Context, j, off int) {
	for col, y := range []GPPhysical{RDI, R9} {
		c.VPBROADCASTD(Mem{Base: y, Disp: 260 + 4*j}, Y2)
		c.VPMADDWD(Mem{Base: RSI, Disp: off + 64*j}, Y2, Y3)
		c.VPADDD(Y3, []VecPhysical{sA0, sA1}[col], []VecPhysical{sA0, sA1}[col])
		c.VPMADDWD(Mem{Base: RSI, Disp: off + 32 + 64*j}, Y2, Y3)
		c.VPADDD(Y3, []VecPhysical{sB0, sB1}[col], []VecPhysical{sB0, sB1}[col])
	}
}

// groupXS adds group g of the 16 signed IQ4_XS rows at R10 times the two
// columns at R11, R12, by the scales in Y6 (A) and Y7 (B), into the int32
// sums.
func groupXS(c *build.Context, g int) {
	c.VMOVDQU(Mem{Base: R10, Disp: 64 * g}, Y0)
	c.VMOVDQU(Mem{Base: R10, Disp: 32 + 64*g}, Y1)
	c.VPABSB(Y0, Y2)
	c.VPABSB(Y1, Y3)
	for j, col := range []GPPhysical{R11, R12} {
		c.VPBROADCASTD(Mem{Base: col, Disp: 4 * g}, Y4)
		for h, w := range []VecPhysical{Y0, Y1} {
			c.VPSIGNB(w, Y4, Y5)
			c.VPMADDUBSW(Y5, []VecPhysical{Y2, Y3}[h], Y5)
			c.VPMADDWD([]VecPhysical{Y6, Y7}[h], Y5, Y5)
			acc := [2][2]VecPhysical{{iA0, iB0}, {iA1, iB1}}[j][h]
			c.VPADDD(Y5, acc, acc)
		}
	}
}

// wrap breaks s into lines of at most n bytes at spaces.
func wrap(s string, n int) []string {
	var lines []string
	for len(s) > n {
		i := strings.LastIndexByte(s[:n+1], ' ')
		lines, s = append(lines, s[:i]), s[i+1:]
	}
	return append(lines, s)
}
