package main

import (
	"fmt"

	. "github.com/gollm/gollm/kernels/_asm_arm64/asm"
)

// The packed kernels (packed_arm64.s) multiply matrices in kernels.Pack's
// layout: groups of four rows, each block of four holding the rows' four
// f16 scales and then their quants interleaved four bytes at a time. A
// by-element SDOT of one 16-byte weight vector (four bytes of each row)
// with four activation bytes adds to each row's lane, so a block leaves
// the four rows' integer sums in the four lanes of one register.
//
// Every kernel ends a block the same way, per row r and column c:
// acc += float32(sum) * (d_r * d_c) (FMUL, SCVTF, FMLA), so that a row and
// column gives the same bits whichever kernel computes it: MatMul's
// result for a column does not depend on the batch it came in, and equals
// MatVec's.
func packedFile() *File {
	f := NewFile(`Products of packed matrices (kernels.Pack): four rows interleaved per
block, multiplied into one lane per row: by-element SDOT (dotprod), broadcast
activation bytes and SMULL/SADALP (neon); SMMLA on column pairs (i8mm).`)
	for _, lv := range levels {
		for _, p := range packedTypes {
			gemvPacked(f, lv, p)
			for _, c := range []int{8, 4} {
				gemmPacked(f, lv, p, c)
			}
		}
	}
	for _, c := range []int{8, 4} {
		colScales(f, c)
	}
	pairActs(f)
	for _, p := range pairTypes {
		gemvPairs(f, p)
		for _, pairs := range []int{6, 4, 2, 1} {
			gemmPairs(f, p, pairs)
		}
	}
	for _, p := range expandedPacked {
		for _, q := range packedTypes {
			if q.typ == p.typ {
				expandPacked(f, q)
			}
		}
		for _, lv := range levels {
			for _, c := range []int{8, 4} {
				gemmPacked(f, lv, p, c)
			}
		}
	}
	for _, e := range expandedTypes {
		for _, p := range pairTypes {
			if p.typ == e.typ {
				expandPairs(f, p)
			}
		}
		for _, pairs := range []int{6, 4, 2, 1} {
			gemmPairs(f, e, pairs)
		}
	}
	return f
}

// packedType is how a type's block of four becomes eight int8 vectors.
type packedType struct {
	typ   string
	bytes int // bytes of a block of four
	fbits int // fraction bits of the integer sums (Q4_0's quants are 16x)
	// consts loads the constants, before any loop.
	consts func(a *Func)
	// load loads the block of four at src (post-incremented): the scales
	// into sc (4H, or 4S with scalesF32) and the quants into w, w[j]
	// holding the four rows' bytes that meet activation bytes 4j..4j+3.
	// w[0..3] and w[4..7] are consecutive registers.
	load      func(a *Func, src Reg, sc VReg, w []VReg)
	form      string // in kernel names: p4 (Pack's layout) or e4 (expanded)
	scalesF32 bool   // load leaves the scales as float32 already
}

// packMask holds 0xf0 in every byte for Q4_0.
const packMask = V31

var packedTypes = []packedType{
	{"Q4_0", 72, 4, func(a *Func) { a.VMOVI(0xf0, packMask.B16()) },
		func(a *Func, src Reg, sc VReg, w []VReg) {
			a.VLD1P(8, src, sc.H4())
			a.VLD1P(64, src, w[4].B16(), w[5].B16(), w[6].B16(), w[7].B16())
			// The bytes hold nibbles XOR 8: the low nibble shifted up
			// and the high nibble in place are (n - 8) * 16.
			for j := range 4 {
				a.VSHL(4, w[4+j].B16(), w[j].B16())
				a.VAND(packMask.B16(), w[4+j].B16(), w[4+j].B16())
			}
		}, "p4", false},
	{"Q8_0", 136, 0, func(*Func) {},
		func(a *Func, src Reg, sc VReg, w []VReg) {
			a.VLD1P(8, src, sc.H4())
			a.VLD1P(64, src, w[0].B16(), w[1].B16(), w[2].B16(), w[3].B16())
			a.VLD1P(64, src, w[4].B16(), w[5].B16(), w[6].B16(), w[7].B16())
		}, "p4", false},
}

// expandedPacked are the types whose groups several tiles of the dotprod
// and neon levels read in an expanded form (expandPacked): per block of
// four, the scales as float32 (16 bytes), then the eight int8 vectors as
// the Pack form's load leaves them (128 bytes), so that a tile reads a
// block in three loads with nothing to convert. Q4_0 only, as for the
// SMMLA tiles (expandedTypes).
var expandedPacked = []packedType{
	{"Q4_0", 16 + 128, 4, func(*Func) {},
		func(a *Func, src Reg, sc VReg, w []VReg) {
			a.VLD1P(16, src, sc.S4())
			a.VLD1P(64, src, w[0].B16(), w[1].B16(), w[2].B16(), w[3].B16())
			a.VLD1P(64, src, w[4].B16(), w[5].B16(), w[6].B16(), w[7].B16())
		}, "e4", true},
}

// expandPacked: func(w *byte, nb int, dst *byte) writes nb blocks of a
// group of four rows in p's form at w into the expanded form at dst
// (expandedPacked). Plain NEON: it serves the neon and dotprod levels.
func expandPacked(f *File, p packedType) {
	name := "expand" + p.typ + p.form + "NEON"
	a := f.Func(name, "func(w *byte, nb int, dst *byte)",
		name+" writes nb blocks of a packed group of four "+p.typ+" rows into the\nexpanded form the "+p.typ+" e4 tiles of the neon and dotprod levels read (nb >= 1).")
	a.Load("w", R0)
	a.Load("nb", R2)
	a.Load("dst", R1)
	p.consts(a)
	a.Label("block")
	ws := vregs(V16, 8)
	p.load(a, R0, V6, ws)
	a.FCVTL4S(V6, V6)
	a.VST1P(16, R1, V6.S4())
	a.VST1P(64, R1, V16.B16(), V17.B16(), V18.B16(), V19.B16())
	a.VST1P(64, R1, V20.B16(), V21.B16(), V22.B16(), V23.B16())
	a.SUBS(Imm(1), R2)
	a.BNE("block")
	a.RET()
}

// vregs returns n consecutive registers from v.
func vregs(v VReg, n int) []VReg {
	r := make([]VReg, n)
	for i := range r {
		r[i] = v + VReg(i)
	}
	return r
}

// sums is where packedDots leaves one group's integer sums for one
// column: the four rows' sums in a (lanes 0-3); b is scratch, free again
// afterwards.
type sums struct {
	ws   []VReg // the group's unpacked quants (packedType.load)
	a, b VReg
}

// packedDots computes, for each group, the four rows' integer sums of its
// quants with the activation quants y0 (elements 0-15) and y1 (16-31).
// dotprod: eight by-element SDOTs. neon: each activation lane is
// broadcast (into t0, t1) and multiplied by SMULL (rows 0-1) and SMULL2
// (rows 2-3); two products share an int16 lane (|w| <= 128 and |y| <= 127
// keep their sum below 2^15) before SADALP widens them, and a final ADDP
// adds each row's two lanes. p and q are scratch at the neon level.
func packedDots(a *Func, lv level, gs []sums, y0, y1, t0, t1, p, q VReg) {
	ylane := func(j int) (VReg, int) {
		if j < 4 {
			return y0, j
		}
		return y1, j - 4
	}
	if lv.sdot {
		for _, g := range gs {
			a.Zero(g.a)
			for j, x := range g.ws {
				y, i := ylane(j)
				a.SDOTE(y, i, x, g.a)
			}
		}
		return
	}
	for _, g := range gs {
		a.Zero(g.a)
		a.Zero(g.b)
	}
	for j := 0; j < 8; j += 2 {
		y, i := ylane(j)
		a.VDUP(y.S(i), t0.S4())
		y, i = ylane(j + 1)
		a.VDUP(y.S(i), t1.S4())
		for _, g := range gs {
			a.SMULL8H(t0, g.ws[j], p)
			a.SMLAL8H(t1, g.ws[j+1], p)
			a.SMULL28H(t0, g.ws[j], q)
			a.SMLAL28H(t1, g.ws[j+1], q)
			a.SADALP(p, g.a)
			a.SADALP(q, g.b)
		}
	}
	for _, g := range gs {
		a.VADDP(g.b.S4(), g.a.S4(), g.a.S4())
	}
}

// scaleSums ends a block: acc += float32(sum) * (sc * dy.S[lane]), with sc
// the rows' scales as float32; tmp is scratch.
func scaleSums(a *Func, p packedType, sum, sc, dy VReg, lane int, tmp, acc VReg) {
	a.FMULE(dy, lane, sc, tmp)
	if p.fbits > 0 {
		a.SCVTFX(p.fbits, sum, sum)
	} else {
		a.SCVTF4S(sum, sum)
	}
	a.FMLA4S(sum, tmp, acc)
}

// gemvPacked: func(w, y *byte, nb, groups int, out *float32), out[4g+r] =
// dot(row r of group g, y) for groups consecutive groups of nb blocks of
// four. Two groups share each activation block's load and conversion.
func gemvPacked(f *File, lv level, p packedType) {
	name := "gemv" + p.typ + "p4" + lv.suffix
	a := f.Func(name, "func(w, y *byte, nb, groups int, out *float32)",
		name+" multiplies groups packed groups of four "+p.typ+" rows by one\nactivation ("+lv.name()+").")
	a.Load("w", R0)
	a.Load("y", R4)
	a.Load("nb", R6)
	a.Load("groups", R5)
	a.Load("out", R9)
	a.MOVD(Imm(p.bytes), R8)
	a.Inst("MUL", R8, R6, R7) // bytes of a group
	p.consts(a)
	type group struct {
		w   Reg
		sc  VReg
		s   sums
		acc VReg
	}
	groups := []group{
		{R0, V6, sums{vregs(V16, 8), V27, V28}, V0},
		{R3, V7, sums{vregs(V8, 8), V29, V30}, V1},
	}
	for _, n := range []int{2, 1} {
		gs := groups[:n]
		top, loop, next := Label(fmt.Sprint("groups", n)), Label(fmt.Sprint("blocks", n)), Label(fmt.Sprint("groups", n-1))
		a.Label(top)
		a.CMP(Imm(n), R5)
		a.BLT(next)
		if n == 2 {
			a.ADD(R7, R0, R3)
		}
		a.MOVD(R4, R1)
		a.MOVD(R6, R2)
		var ss []sums
		for _, g := range gs {
			a.Zero(g.acc)
			ss = append(ss, g.s)
		}
		a.Label(loop)
		for _, g := range gs {
			p.load(a, g.w, g.sc, g.s.ws)
		}
		a.VLD1LaneP(2, R1, V26.H(0))
		a.FCVTHS(V26.F(), V26.F())
		a.VLD1P(32, R1, V24.B16(), V25.B16())
		packedDots(a, lv, ss, V24, V25, V2, V3, V4, V5)
		for _, g := range gs {
			a.FCVTL4S(g.sc, g.sc)
			scaleSums(a, p, g.s.a, g.sc, V26, 0, g.s.b, g.acc)
		}
		a.SUBS(Imm(1), R2)
		a.BNE(loop)
		if n == 2 {
			a.VST1P(32, R9, V0.S4(), V1.S4())
			a.MOVD(R3, R0)
		} else {
			a.VST1P(16, R9, V0.S4())
		}
		a.SUBS(Imm(n), R5)
		a.B(top)
	}
	a.Label("groups0")
	a.RET()
}

// gemmPacked: func(w, y *byte, ystride, nb, tiles int, s *float32, out
// *float32, ldOut int) multiplies one packed group of four rows (nb blocks
// of four) by tiles*cols columns, column c's activation at y + c*ystride,
// and stores rows 0-3 of column c at out + c*ldOut floats. s holds the
// columns' scales as float32, tile by tile and block by block (colScales):
// cols consecutive floats per block. Each block of four is unpacked once
// per tile of cols columns.
func gemmPacked(f *File, lv level, p packedType, cols int) {
	name := fmt.Sprintf("gemm%s%sx%d%s", p.typ, p.form, cols, lv.suffix)
	a := f.Func(name, "func(w, y *byte, ystride, nb, tiles int, s *float32, out *float32, ldOut int)",
		fmt.Sprintf("%s multiplies %s group of four %s rows by tiles tiles of\n%d columns, their scales at s (colScales%d; %s).", name, formNames[p.form], p.typ, cols, cols, lv.name()))
	ptrs := []Reg{R10, R11, R12, R13, R14, R15, R16, R17}[:cols]
	accs := vregs(V8, cols)
	sm := sums{vregs(V16, 8), V3, V2}
	dyf := []VReg{V28, V29}[:(cols+3)/4] // the columns' scales
	a.Load("w", R7)
	a.Load("y", R8)
	a.Load("ystride", R4)
	a.Load("nb", R6)
	a.Load("tiles", R3)
	a.Load("s", R1)
	a.Load("out", R9)
	a.Load("ldOut", R5)
	a.Inst("LSL", Imm(2), R5, R5) // bytes
	a.MOVD(Imm(34), R20)          // bytes of an activation block
	a.ADD(Imm(2), R8, R8)         // the quants, after the scale
	p.consts(a)
	a.Label("tile")
	a.MOVD(R8, ptrs[0])
	for i := 1; i < cols; i++ {
		a.ADD(ptrs[i-1], R4, ptrs[i])
	}
	for _, acc := range accs {
		a.Zero(acc)
	}
	a.MOVD(R7, R0)
	a.MOVD(R6, R2)
	a.Label("block")
	p.load(a, R0, V6, sm.ws)
	if !p.scalesF32 {
		a.FCVTL4S(V6, V6)
	}
	var ds []Vec
	for _, d := range dyf {
		ds = append(ds, d.S4())
	}
	a.VLD1P(4*cols, R1, ds...)
	for c, y := range ptrs {
		a.VLD1PR(R20, y, V24.B16(), V25.B16())
		packedDots(a, lv, []sums{sm}, V24, V25, V0, V1, V4, V5)
		scaleSums(a, p, sm.a, V6, dyf[c/4], c%4, sm.b, accs[c])
	}
	a.SUBS(Imm(1), R2)
	a.BNE("block")
	a.MOVD(R9, R19)
	for _, acc := range accs {
		a.VST1(R19, acc.S4())
		a.ADDto(R5, R19)
	}
	a.MOVD(R19, R9)
	a.ADD(R4.Lsl(log2(cols)), R8, R8)
	a.SUBS(Imm(1), R3)
	a.BNE("tile")
	a.RET()
}

// colScales: func(y *byte, ystride, nb, tiles int, s *float32) writes the
// f16 scales of tiles*cols Q8_0 activations of nb blocks, ystride bytes
// apart, as float32 into s: tile by tile, block by block, cols per block,
// as gemmPacked reads them.
func colScales(f *File, cols int) {
	name := fmt.Sprintf("colScales%d", cols)
	a := f.Func(name, "func(y *byte, ystride, nb, tiles int, s *float32)",
		fmt.Sprintf("%s writes the scales of tiles tiles of %d Q8_0 activations of nb blocks,\nystride bytes apart, as float32 into s, as the packed tiles read them.", name, cols))
	ptrs := []Reg{R10, R11, R12, R13, R14, R15, R16, R17}[:cols]
	dh := []VReg{V0, V1}[:(cols+3)/4]
	a.Load("y", R8)
	a.Load("ystride", R4)
	a.Load("nb", R6)
	a.Load("tiles", R3)
	a.Load("s", R1)
	a.MOVD(Imm(34), R20)
	a.Label("tile")
	a.MOVD(R8, ptrs[0])
	for i := 1; i < cols; i++ {
		a.ADD(ptrs[i-1], R4, ptrs[i])
	}
	a.MOVD(R6, R2)
	a.Label("block")
	for c, y := range ptrs {
		a.VLD1LanePR(R20, y, dh[c/4].H(c%4))
	}
	var ds []Vec
	for _, d := range dh {
		a.FCVTL4S(d, d)
		ds = append(ds, d.S4())
	}
	a.VST1P(4*cols, R1, ds...)
	a.SUBS(Imm(1), R2)
	a.BNE("block")
	a.ADD(R4.Lsl(log2(cols)), R8, R8)
	a.SUBS(Imm(1), R3)
	a.BNE("tile")
	a.RET()
}

// log2 of a power of two.
func log2(n int) int {
	k := 0
	for 1<<k < n {
		k++
	}
	return k
}
