package main

import (
	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var unpackDoc = []string{
	"unpack family: the tile unpackers of MatMul (shapes tile8, tile16 and",
	"tileK of the type table), func unpack<T>x8AVX2(w *byte, rb, nb int, tile",
	"*byte): nb blocks of eight weight rows (row i at w + i*rb) into one half",
	"of the tile the gemm family reads. Each loads the eight rows' quants as",
	"32 bytes per row, in element order, and transposes them as 8x8 dwords",
	"(transpose8), so that group g of the tile holds elements 4g..4g+3 of the",
	"eight rows. The 32-element types also write the f16 row scales as f32",
	"(and the sums the tiles' corrections need); the K-quants' and IQ4_XS's",
	"scales are unpacked in Go (tilek_amd64.go).",
}

// The unpackers' registers: the weight rows at SI + i*DX for i < 4 and at
// R9 + (i-4)*DX (R8 = 3*DX), the tile at DI, the block count in CX; rows
// are loaded into Y0-Y7 and transposed in place (Y8, Y9 spare), Y11 is
// scratch and Y12-Y15 hold constants.
var uRows = [8]VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7}

// uRow is the memory operand at byte off of row i of the current block.
func uRow(i, off int) Mem {
	base := []Mem{
		{Base: RSI}, {Base: RSI, Index: RDX, Scale: 1}, {Base: RSI, Index: RDX, Scale: 2}, {Base: RSI, Index: R8, Scale: 1},
		{Base: R9}, {Base: R9, Index: RDX, Scale: 1}, {Base: R9, Index: RDX, Scale: 2}, {Base: R9, Index: R8, Scale: 1},
	}[i]
	base.Disp = off
	return base
}

// transpose8 transposes the dwords of Y0-Y7 (row i, dword k = elements
// 4k..4k+3) and returns the registers that hold groups 0-7 (Y4, Y0 end
// free).
func transpose8(c *build.Context) [8]VecPhysical {
	c.VPUNPCKLDQ(Y1, Y0, Y8)
	c.VPUNPCKHDQ(Y1, Y0, Y9)
	c.VPUNPCKLDQ(Y3, Y2, Y0)
	c.VPUNPCKHDQ(Y3, Y2, Y1)
	c.VPUNPCKLDQ(Y5, Y4, Y2)
	c.VPUNPCKHDQ(Y5, Y4, Y3)
	c.VPUNPCKLDQ(Y7, Y6, Y4)
	c.VPUNPCKHDQ(Y7, Y6, Y5)
	c.VPUNPCKLQDQ(Y0, Y8, Y6)
	c.VPUNPCKHQDQ(Y0, Y8, Y7)
	c.VPUNPCKLQDQ(Y1, Y9, Y8)
	c.VPUNPCKHQDQ(Y1, Y9, Y0)
	c.VPUNPCKLQDQ(Y4, Y2, Y9)
	c.VPUNPCKHQDQ(Y4, Y2, Y1)
	c.VPUNPCKLQDQ(Y5, Y3, Y2)
	c.VPUNPCKHQDQ(Y5, Y3, Y4)
	c.VPERM2I128(U8(0x20), Y9, Y6, Y3)
	c.VPERM2I128(U8(0x31), Y9, Y6, Y5)
	c.VPERM2I128(U8(0x20), Y1, Y7, Y6)
	c.VPERM2I128(U8(0x31), Y1, Y7, Y9)
	c.VPERM2I128(U8(0x20), Y2, Y8, Y7)
	c.VPERM2I128(U8(0x31), Y2, Y8, Y1)
	c.VPERM2I128(U8(0x20), Y4, Y0, Y8)
	c.VPERM2I128(U8(0x31), Y4, Y0, Y2)
	return [8]VecPhysical{Y3, Y6, Y7, Y8, Y5, Y9, Y1, Y2}
}

// transposeStore transposes Y0-Y7 and stores group g at base+step*g(DI);
// it returns the groups' registers.
func transposeStore(c *build.Context, base, step int) [8]VecPhysical {
	g := transpose8(c)
	for k, r := range g {
		c.VMOVDQU(r, Mem{Base: RDI, Disp: base + step*k})
	}
	return g
}

// splat sets y to v in every dword (uses AX and y's low half).
func splat(c *build.Context, v uint32, y VecPhysical) {
	c.MOVL(U32(v), EAX)
	c.VMOVD(EAX, y.AsX())
	c.VPBROADCASTD(y.AsX(), y)
}

// rowHalves sets y to the eight rows' f16s at off as f32 (x: y's low half).
func rowHalves(c *build.Context, off int, x, y VecPhysical) {
	c.MOVWLZX(uRow(0, off), EAX)
	c.VMOVD(EAX, x)
	for i := 1; i < 8; i++ {
		c.VPINSRW(U8(i), uRow(i, off), x, x)
	}
	c.VCVTPH2PS(x, y)
}

// shiftMask sets r to (r >> shift) & mask (a shift of 0 is left out).
func shiftMask(c *build.Context, r VecPhysical, shift int, mask VecPhysical) {
	if shift > 0 {
		c.VPSRLW(U8(shift), r, r)
	}
	c.VPAND(mask, r, r)
}

// nibbleRow sets y to the 32 nibbles of the 16 bytes at m in element order
// (low nibbles, then high; Y15 = 0x0f bytes), x being y's low half.
func nibbleRow(c *build.Context, m Mem, x Register, y VecPhysical) {
	c.VMOVDQU(m, x)
	c.VPSRLW(U8(4), x, X11)
	c.VINSERTI128(U8(1), X11, y, y)
	c.VPAND(Y15, y, y)
}

// sums128 stores 128 times the sum of each row's quants in the groups gs
// (Y13 = 0x01 bytes, Y12 = 0x0001 words) at off(DI): the tile's
// correction for the activation made unsigned.
func sums128(c *build.Context, gs []VecPhysical, off int) {
	c.VPMADDUBSW(gs[0], Y13, Y0)
	for _, g := range gs[1:] {
		c.VPMADDUBSW(g, Y13, Y4)
		c.VPADDW(Y4, Y0, Y0)
	}
	c.VPMADDWD(Y12, Y0, Y0)
	c.VPSLLD(U8(7), Y0, Y0)
	c.VMOVDQU(Y0, Mem{Base: RDI, Disp: off})
}

// plane sets Y0-Y7 to the eight rows' 32 quants (ql >> lsh) & lowMask |
// ((qh >> hsh) & hiMask) << hiShift (Y15 = the low mask, Y14 = the high
// one), qh < 0 meaning no high bits, and stores them transposed into the
// groups at g(DI).
func plane(c *build.Context, ql, lsh, qh, hsh, hiShift, g int) {
	for i, r := range uRows {
		c.VMOVDQU(uRow(i, ql), r)
		shiftMask(c, r, lsh, Y15)
		if qh < 0 {
			continue
		}
		c.VMOVDQU(uRow(i, qh), Y11)
		shiftMask(c, Y11, hsh, Y14)
		c.VPSLLW(U8(hiShift), Y11, Y11)
		c.VPOR(Y11, r, r)
	}
	transposeStore(c, g, 64)
}

// An unpackType is one unpacker: its weight block and tile block sizes,
// its constants and one block's work.
type unpackType struct {
	name                  string
	blockBytes, tileBlock int
	setup, block          func(c *build.Context, k *unpackConsts)
}

// unpackConsts holds the family's constant tables.
type unpackConsts struct {
	bitshuf, bitmask, bytes16, iq4nl Mem
}

func genUnpack(c *build.Context) {
	k := &unpackConsts{
		bitshuf: global32(c, "gemmBitshuf", [4]uint64{0, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303}),
		bitmask: global32(c, "gemmBitmask", splat4(0x7fbfdfeff7fbfdfe)),
		bytes16: global32(c, "gemmBytes10", splat4(0x1010101010101010)),
		// the IQ4_NL codebook (iq4nlValues), once per 128-bit lane
		iq4nl: global32(c, "gemmIQ4NL", [4]uint64{0xf6eaddcfbfad9881, 0x7159453526190d01, 0xf6eaddcfbfad9881, 0x7159453526190d01}),
	}
	for _, t := range unpackTypes {
		c.Function("unpack" + t.name + "x8AVX2")
		c.Attributes(attr.NOSPLIT)
		c.Doc("unpack"+t.name+"x8AVX2 unpacks nb "+t.name+" blocks of eight rows rb bytes apart",
			"into the tile (blocks "+itoa(t.tileBlock)+" bytes apart).")
		c.Pragma("noescape")
		c.SignatureExpr("func(w *byte, rb, nb int, tile *byte)")
		c.Load(c.Param("w"), RSI)
		c.Load(c.Param("rb"), RDX)
		c.Load(c.Param("nb"), RCX)
		c.Load(c.Param("tile"), RDI)
		t.setup(c, k)
		c.LEAQ(Mem{Base: RDX, Index: RDX, Scale: 2}, R8)
		c.LEAQ(Mem{Base: RSI, Index: RDX, Scale: 4}, R9)
		loop := "u" + t.name
		c.Label(loop)
		t.block(c, k)
		c.ADDQ(imm(t.blockBytes), RSI)
		c.ADDQ(imm(t.blockBytes), R9)
		c.ADDQ(U32(t.tileBlock), RDI)
		c.DECQ(RCX)
		c.JNZ(LabelRef(loop))
		c.VZEROUPPER()
		c.RET()
	}
}

// itoa is strconv.Itoa for the doc strings.
func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// small32 is the setup of the sixteen-row 32-element tiles: nibble mask,
// the quants' offset (8 or 16) in every byte, 0x01 bytes and 0x0001 words
// for the sums.
func small32(offset uint32) func(c *build.Context, _ *unpackConsts) {
	return func(c *build.Context, _ *unpackConsts) {
		splat(c, 0x0f0f0f0f, Y15)
		splat(c, offset*0x01010101, Y14)
		splat(c, 0x01010101, Y13)
		splat(c, 0x00010001, Y12)
	}
}

// small32Block is one block of a sixteen-row 32-element tile (Q4_0, Q5_0,
// Q4_1, Q5_1): the f32 row scales at 0, for Q4_1/Q5_1 (minOff > 0) m' = m
// + offset*d at 704, the quants minus the offset at 192+64g, and the
// corrections at 64 (and 128 when the sums are split at 16 elements).
func small32Block(qs, qh, minOff int, offset float32, split bool) func(c *build.Context, k *unpackConsts) {
	return func(c *build.Context, k *unpackConsts) {
		rowHalves(c, 0, X10, Y10)
		c.VMOVUPS(Y10, Mem{Base: RDI})
		if minOff > 0 {
			rowHalves(c, minOff, X11, Y11)
			c.MOVL(f32(offset), EAX)
			c.VMOVD(EAX, X0)
			c.VBROADCASTSS(X0, Y0)
			c.VFMADD231PS(Y0, Y10, Y11)
			c.VMOVUPS(Y11, Mem{Base: RDI, Disp: 704})
		}
		if qh >= 0 {
			c.VPCMPEQB(Y10, Y10, Y10)
		}
		for i, r := range uRows {
			nibbleRow(c, uRow(i, qs), r.AsX(), r)
			if qh >= 0 {
				// the fifth bits: 0xff in byte j where bit j of qh is set
				// (Y10 = all ones), then 16 there
				c.VPBROADCASTD(uRow(i, qh), Y11)
				c.VPSHUFB(k.bitshuf, Y11, Y11)
				c.VPOR(k.bitmask, Y11, Y11)
				c.VPCMPEQB(Y10, Y11, Y11)
				c.VPAND(k.bytes16, Y11, Y11)
				c.VPOR(Y11, r, r)
			}
			c.VPSUBB(Y14, r, r)
		}
		g := transposeStore(c, 192, 64)
		if split {
			sums128(c, g[:4], 64)
			sums128(c, g[4:], 128)
		} else {
			sums128(c, g[:], 64)
		}
	}
}

// codebook is the setup of the IQ4 types: nibble mask and the codebook.
func codebook(c *build.Context, k *unpackConsts) {
	splat(c, 0x0f0f0f0f, Y15)
	c.VMOVDQU(k.iq4nl, Y14)
}

// codebookRows sets Y0-Y7 to the codebook values of the 16 bytes of
// nibbles at off of each row (Y14 = codebook).
func codebookRows(c *build.Context, off int) {
	for i, r := range uRows {
		nibbleRow(c, uRow(i, off), r.AsX(), r)
		c.VPSHUFB(r, Y14, r)
	}
}

var unpackTypes = []unpackType{
	{name: "Q4_0", blockBytes: 18, tileBlock: 704, setup: small32(8), block: small32Block(2, -1, 0, 0, false)},
	{name: "Q8_0", blockBytes: 34, tileBlock: 288,
		setup: func(*build.Context, *unpackConsts) {},
		block: func(c *build.Context, _ *unpackConsts) {
			rowHalves(c, 0, X10, Y10)
			c.VMOVUPS(Y10, Mem{Base: RDI})
			for i, r := range uRows {
				c.VMOVDQU(uRow(i, 2), r)
			}
			transposeStore(c, 32, 32)
		}},
	{name: "Q5_0", blockBytes: 22, tileBlock: 704, setup: small32(16), block: small32Block(6, 2, 0, 0, true)},
	{name: "Q4_1", blockBytes: 20, tileBlock: 768, setup: small32(8), block: small32Block(4, -1, 2, 8, false)},
	{name: "Q5_1", blockBytes: 24, tileBlock: 768, setup: small32(16), block: small32Block(8, 4, 2, 16, true)},
	{name: "IQ4_NL", blockBytes: 18, tileBlock: 288, setup: codebook,
		block: func(c *build.Context, _ *unpackConsts) {
			rowHalves(c, 0, X10, Y10)
			c.VMOVUPS(Y10, Mem{Base: RDI})
			codebookRows(c, 2)
			transposeStore(c, 32, 32)
		}},
	// The K-quants and IQ4_XS: quants only, groups at the tile layout's
	// offset (gemm.go's kTypes).
	{name: "Q4_K", blockBytes: 144, tileBlock: 5248,
		setup: func(c *build.Context, _ *unpackConsts) { splat(c, 0x0f0f0f0f, Y15) },
		block: func(c *build.Context, _ *unpackConsts) {
			for p := range 4 {
				for h, sh := range []int{0, 4} {
					plane(c, 16+32*p, sh, -1, 0, 0, 1152+1024*p+512*h)
				}
			}
		}},
	{name: "Q5_K", blockBytes: 176, tileBlock: 5248,
		setup: func(c *build.Context, _ *unpackConsts) {
			splat(c, 0x0f0f0f0f, Y15)
			splat(c, 0x01010101, Y14)
		},
		block: func(c *build.Context, _ *unpackConsts) {
			// sub-blocks 2p (low nibbles of qs[32p:], bit 2p of qh) and 2p+1
			// (high nibbles, bit 2p+1)
			for p := range 4 {
				for h, sh := range []int{0, 4} {
					plane(c, 48+32*p, sh, 16, 2*p+h, 4, 1152+1024*p+512*h)
				}
			}
		}},
	{name: "Q6_K", blockBytes: 210, tileBlock: 5696,
		setup: func(c *build.Context, _ *unpackConsts) {
			splat(c, 0x0f0f0f0f, Y15)
			splat(c, 0x03030303, Y14)
		},
		block: func(c *build.Context, _ *unpackConsts) {
			// per half h, 32 elements each from the low nibbles of ql[0:32]
			// and ql[32:64] and their high nibbles, with qh bits 2q, 2q+1
			for h := range 2 {
				for q := range 4 {
					plane(c, 64*h+32*(q%2), 4*(q/2), 128+32*h, 2*q, 4, 1600+64*(32*h+8*q))
				}
			}
		}},
	{name: "IQ4_XS", blockBytes: 136, tileBlock: 4672, setup: codebook,
		block: func(c *build.Context, _ *unpackConsts) {
			for ib := range 8 {
				codebookRows(c, 8+16*ib)
				transposeStore(c, 576+512*ib, 64)
			}
		}},
	{name: "Q2_K", blockBytes: 84, tileBlock: 5760,
		setup: func(c *build.Context, _ *unpackConsts) { splat(c, 0x03030303, Y15) },
		block: func(c *build.Context, _ *unpackConsts) {
			// elements 128h+32s..+31: (qs[32h:32h+32] >> 2s) & 3
			for h := range 2 {
				for s := range 4 {
					plane(c, 16+32*h, 2*s, -1, 0, 0, 1664+512*(4*h+s))
				}
			}
		}},
	{name: "Q3_K", blockBytes: 110, tileBlock: 5696,
		setup: func(c *build.Context, _ *unpackConsts) {
			splat(c, 0x03030303, Y15)
			splat(c, 0x01010101, Y14)
		},
		block: func(c *build.Context, _ *unpackConsts) {
			// u = (qs >> 2s) & 3 | ((hmask >> 4h+s) & 1) << 2
			for h := range 2 {
				for s := range 4 {
					plane(c, 32+32*h, 2*s, 0, 4*h+s, 2, 1600+512*(4*h+s))
				}
			}
		}},
}
