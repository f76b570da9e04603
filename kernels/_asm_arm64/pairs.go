package main

import (
	"fmt"

	. "github.com/gollm/gollm/kernels/_asm_arm64/asm"
)

// The i8mm packed kernels multiply kernels.Pack's groups of four rows in
// the i8mm layout: per block of four, the four f16 scales, then the quants
// eight bytes at a time, rows 0 and 1 side by side, then rows 2 and 3:
// row 0's bytes 0-7, row 1's 0-7, row 2's, row 3's, row 0's bytes 8-15,
// and so on (Q4_0: the nibble bytes, XOR 0x88). Each 16-byte load is then
// an SMMLA operand as it is: two rows of eight bytes.
//
// The tiles multiply columns in pairs with SMMLA, which adds a 2x8 int8
// matrix (two rows of eight bytes, one per register half) times the
// transpose of another (two columns) into a 2x2 int32 tile: 32
// multiply-adds per instruction, twice SDOT's. The activations are first
// rearranged once per input (pairActs, one pair of columns c0, c1 per
// call) into pairs of pairs (quads): per quad of columns and block, 160
// bytes: both pairs' scales as float32 [d0 d1 d0 d1] (32 bytes, one load
// for two pairs), then each pair's quants in four 16-byte chunks, chunk k
// holding c0's quants 8k..8k+7 and then c1's. A last odd pair keeps its
// own 80 bytes per block, its scales then its quants. A block of a tile
// ends per 2x2 tile as every packed kernel ends it:
// acc += float32(sum) * (d_r * d_c).
//
// One column (gemvPairs) loads each eight activation bytes twice, side by
// side (LD1R), and a vector SDOT of a weight register with them leaves
// each row's sum in two lanes; one ADDP gives the four rows' sums, which
// end the block as in the tiles (same bits).

// pairBytes is the size of one pair of columns' block in pairActs' layout.
const pairBytes = 16 + 64

// pairActs: func(y *byte, ystride, nb int, dst *byte, qoff, step int)
// rearranges two Q8_0 activations of nb blocks, ystride bytes apart: block
// b's scales go to dst + b*step, its quants to dst + qoff + b*step.
func pairActs(f *File) {
	a := f.Func("pairActs", "func(y *byte, ystride, nb int, dst *byte, qoff, step int)",
		"pairActs rearranges two Q8_0 activations of nb blocks, ystride bytes apart,\ninto the column-pair layout of the i8mm packed tiles: block b's scales go to\ndst + b*step, its quants to dst + qoff + b*step.")
	a.Load("y", R0)
	a.Load("ystride", R3)
	a.Load("nb", R2)
	a.Load("dst", R6)
	a.Load("qoff", R7)
	a.Load("step", R8)
	a.ADD(R0, R3, R1)
	a.ADDto(R6, R7)
	a.Label("block")
	a.VLD1LaneP(2, R0, V0.H(0))
	a.VLD1P(32, R0, V1.B16(), V2.B16())
	a.VLD1LaneP(2, R1, V0.H(1))
	a.VLD1P(32, R1, V3.B16(), V4.B16())
	a.FCVTL4S(V0, V0)
	a.VZIP1(V0.D2(), V0.D2(), V5.D2())
	zipRows(a, V1, V2, V3, V4, 6)
	a.VST1PR(R8, R6, V5.S4())
	a.VST1PR(R8, R7, V6.S4(), V7.S4(), V8.S4(), V9.S4())
	a.SUBS(Imm(1), R2)
	a.BNE("block")
	a.RET()
}

// pairWeights is how a type's block of four becomes the SMMLA operands in
// one form of a group of four rows: scales reads the block's scales at
// src (post-incremented) into V12 and V13 as float32 [d0 d0 d1 d1] and
// [d2 d2 d3 d3]; load then reads its quants and returns w[h][k], the
// operand of rows 2h, 2h+1 and elements 8k..8k+7, in V16-V23.
type pairWeights struct {
	typ    string
	form   string // in kernel names: p4 (Pack's i8mm layout) or e4 (expanded)
	bytes  int    // bytes of a block of four
	fbits  int
	consts func(a *Func) // loads what load needs, before any loop
	scales func(a *Func, src Reg)
	load   func(a *Func, src Reg) (w [2][4]VReg)
}

// pairScales loads a block of four's f16 scales from src into V12 and V13
// as float32 [d0 d0 d1 d1] and [d2 d2 d3 d3].
func pairScales(a *Func, src Reg) {
	a.VLD1P(8, src, V12.H4())
	a.VZIP1(V12.H8(), V12.H8(), V12.H8())
	a.FCVTL24S(V12, V13)
	a.FCVTL4S(V12, V12)
}

// pairOperands returns the operands of a block whose eight registers
// V16-V23 hold w[0][0], w[1][0], w[0][1], w[1][1] and so on.
func pairOperands() (w [2][4]VReg) {
	for k := range 4 {
		w[0][k], w[1][k] = V(16+2*k), V(17+2*k)
	}
	return w
}

func noConsts(*Func) {}

// formNames says in doc comments what each form of a group is.
var formNames = map[string]string{"p4": "a packed", "e4": "an expanded"}

var pairTypes = []pairWeights{
	{"Q4_0", "p4", 72, 4, func(a *Func) { a.VMOVI(0xf0, packMask.B16()) }, pairScales, func(a *Func, src Reg) (w [2][4]VReg) {
		// V20, V21: rows 0-1 and 2-3, nibble bytes 0-7; V22, V23: 8-15.
		a.VLD1P(64, src, V20.B16(), V21.B16(), V22.B16(), V23.B16())
		// Low nibbles (elements 0-15) shifted up, high ones (16-31) in
		// place: (n - 8) * 16 (Pack stores the nibbles XOR 8).
		for i := range 4 {
			a.VSHL(4, V(20+i).B16(), V(16+i).B16())
			a.VAND(packMask.B16(), V(20+i).B16(), V(20+i).B16())
		}
		return pairOperands()
	}},
	{"Q8_0", "p4", 136, 0, noConsts, pairScales, func(a *Func, src Reg) (w [2][4]VReg) {
		a.VLD1P(64, src, V16.B16(), V17.B16(), V18.B16(), V19.B16())
		a.VLD1P(64, src, V20.B16(), V21.B16(), V22.B16(), V23.B16())
		return pairOperands()
	}},
}

// expandedTypes are the types whose groups several tiles read in an
// expanded form (expandPairs): per block of four, the scales as float32
// [d0 d0 d1 d1 d2 d2 d3 d3] (32 bytes), then the eight SMMLA operands as
// the Pack form's load leaves them (128 bytes, pairOperands' order), so
// that a tile reads a block in three loads with nothing to convert. Q4_0
// only: its nibbles take a shift and a mask per operand and its scales
// four instructions per block, which each tile over Pack's form repeats;
// Q8_0's operands are ready as they are.
var expandedTypes = []pairWeights{
	{"Q4_0", "e4", 32 + 128, 4, noConsts, func(a *Func, src Reg) { a.VLD1P(32, src, V12.S4(), V13.S4()) },
		func(a *Func, src Reg) (w [2][4]VReg) {
			a.VLD1P(64, src, V16.B16(), V17.B16(), V18.B16(), V19.B16())
			a.VLD1P(64, src, V20.B16(), V21.B16(), V22.B16(), V23.B16())
			return pairOperands()
		}},
}

// expandPairs: func(w *byte, nb int, dst *byte) writes nb blocks of a
// group of four rows in p's form at w into the expanded form at dst
// (expandedTypes).
func expandPairs(f *File, p pairWeights) {
	name := "expand" + p.typ + p.form + "I8MM"
	a := f.Func(name, "func(w *byte, nb int, dst *byte)",
		name+" writes nb blocks of a group of four "+p.typ+" rows in the i8mm\nlayout into the expanded form the "+p.typ+" e4 tiles read (nb >= 1).")
	a.Load("w", R0)
	a.Load("nb", R2)
	a.Load("dst", R1)
	p.consts(a)
	a.Label("block")
	p.scales(a, R0)
	w := p.load(a, R0)
	if w != pairOperands() {
		panic("expandPairs: " + p.typ + "'s operands are not in pairOperands' registers")
	}
	a.VST1P(32, R1, V12.S4(), V13.S4())
	a.VST1P(64, R1, V16.B16(), V17.B16(), V18.B16(), V19.B16())
	a.VST1P(64, R1, V20.B16(), V21.B16(), V22.B16(), V23.B16())
	a.SUBS(Imm(1), R2)
	a.BNE("block")
	a.RET()
}

// gemvPairs: func(w, y *byte, nb, groups int, out *float32), out[4g+r] =
// dot(row r of group g, y) for groups consecutive groups in the i8mm
// layout: up to eight groups share each activation block's loads.
func gemvPairs(f *File, p pairWeights) {
	name := "gemv" + p.typ + "p4I8MM"
	a := f.Func(name, "func(w, y *byte, nb, groups int, out *float32)",
		name+" multiplies groups packed groups of four "+p.typ+" rows in the i8mm\nlayout by one activation (vector SDOT on doubled activation bytes).")
	a.Load("w", R0)
	a.Load("y", R4)
	a.Load("nb", R6)
	a.Load("groups", R5)
	a.Load("out", R9)
	a.MOVD(Imm(p.bytes), R8)
	a.Inst("MUL", R8, R6, R7) // bytes of a group
	p.consts(a)
	ptrs := []Reg{R10, R11, R12, R13, R14, R15, R16, R17}
	ys := []VReg{V24, V25, V26, V27} // activation bytes 8k..8k+7, twice
	const dy = V30
	for _, n := range []int{8, 4, 2, 1} {
		top, loop, next := Label(fmt.Sprint("groups", n)), Label(fmt.Sprint("blocks", n)), Label(fmt.Sprint("groups", n/2))
		a.Label(top)
		a.CMP(Imm(n), R5)
		a.BLT(next)
		a.MOVD(R0, ptrs[0])
		for i := 1; i < n; i++ {
			a.ADD(R7, ptrs[i-1], ptrs[i])
		}
		a.MOVD(R4, R1)
		a.MOVD(R6, R2)
		for g := range n {
			a.Zero(V(g))
		}
		a.Label(loop)
		a.VLD1LaneP(2, R1, dy.H(0))
		a.FCVTHS(dy.F(), dy.F())
		for _, y := range ys {
			a.VLD1RP(8, R1, y.D2())
		}
		for g := range n {
			a.VLD1P(8, ptrs[g], V12.H4())
			w := p.load(a, ptrs[g])
			a.Zero(V28)
			a.Zero(V29)
			for k, y := range ys {
				for h := range 2 {
					a.SDOT(y, w[h][k], V28+VReg(h))
				}
			}
			a.VADDP(V29.S4(), V28.S4(), V28.S4())
			a.FCVTL4S(V12, V12)
			a.FMULE(dy, 0, V12, V13)
			if p.fbits > 0 {
				a.SCVTFX(p.fbits, V28, V28)
			} else {
				a.SCVTF4S(V28, V28)
			}
			a.FMLA4S(V28, V13, V(g))
		}
		a.SUBS(Imm(1), R2)
		a.BNE(loop)
		for g := 0; g < n; g += 4 {
			var vs []Vec
			for i := g; i < min(g+4, n); i++ {
				vs = append(vs, V(i).S4())
			}
			a.VST1P(16*len(vs), R9, vs...)
		}
		a.MOVD(ptrs[n-1], R0)
		a.SUBS(Imm(n), R5)
		a.B(top)
	}
	a.Label("groups0")
	a.RET()
}

// gemmPairs: func(w, y *byte, ystride, nb, tiles int, out *float32, ldOut
// int) multiplies one group of four rows in p's form (nb blocks of four) by
// tiles tiles of 2*pairs columns in pairActs' layout (pairs/2 quads,
// ystride bytes apart, or one lone pair when pairs is 1), and stores rows
// 0-3 of column c at out + c*ldOut floats.
func gemmPairs(f *File, p pairWeights, pairs int) {
	name := fmt.Sprintf("gemm%s%sx%dI8MM", p.typ, p.form, 2*pairs)
	unit := "quad"
	if pairs == 1 {
		unit = "pair"
	}
	a := f.Func(name, "func(w, y *byte, ystride, nb, tiles int, out *float32, ldOut int)",
		fmt.Sprintf("%s multiplies %s group of four %s rows by tiles tiles of\n%d columns in pairActs' layout, ystride bytes per %s (i8mm).", name, formNames[p.form], p.typ, 2*pairs, unit))
	quads := max(pairs/2, 1)
	ptrs := []Reg{R10, R11, R12}[:quads]
	a.Load("w", R7)
	a.Load("y", R8)
	a.Load("ystride", R4)
	a.Load("nb", R6)
	a.Load("tiles", R3)
	a.Load("out", R9)
	a.Load("ldOut", R5)
	a.Inst("LSL", Imm(2), R5, R5) // bytes
	p.consts(a)
	a.MOVD(Imm(quads), R1)
	a.Inst("MUL", R4, R1, R1) // bytes of a tile's quads
	// acc[j][h]: rows 2h, 2h+1 by columns 2j, 2j+1 (V0-V11 for six
	// pairs). A quad's two column scales go to V28, V29; the integer sums
	// of a pair's block to V30 and the load's second scratch register.
	acc := func(j, h int) VReg { return V(2*j + h) }
	a.Label("tile")
	a.MOVD(R8, ptrs[0])
	for i := 1; i < quads; i++ {
		a.ADD(ptrs[i-1], R4, ptrs[i])
	}
	for j := range 2 * pairs {
		a.Zero(V(j))
	}
	a.MOVD(R7, R0)
	a.MOVD(R6, R2)
	// The blocks two at a time (one loop branch per two), after a first
	// one alone when nb is odd.
	block := func() {
		p.scales(a, R0)
		w := p.load(a, R0)
		tmp := [2]VReg{V14, V15}
		scales := []VReg{V28, V29}
		sums := [2]VReg{V30, tmp[1]}
		for j := range pairs {
			y := ptrs[j/2]
			c := scales[j%2]
			if pairs == 1 {
				a.VLD1P(16, y, c.S4())
			} else if j%2 == 0 {
				a.VLD1P(32, y, V28.S4(), V29.S4())
			}
			a.VLD1P(64, y, V24.B16(), V25.B16(), V26.B16(), V27.B16())
			for _, s := range sums {
				a.Zero(s)
			}
			for k := range 4 {
				for h, s := range sums {
					a.SMMLA(V(24+k), w[h][k], s)
				}
			}
			// The scale products d_r * d_c of rows 0-1 in tmp[0], of rows
			// 2-3 in c itself (its last use).
			prod := [2]VReg{tmp[0], c}
			for h, s := range sums {
				a.FMUL4S(c, V12+VReg(h), prod[h])
				if p.fbits > 0 {
					a.SCVTFX(p.fbits, s, s)
				} else {
					a.SCVTF4S(s, s)
				}
				a.FMLA4S(s, prod[h], acc(j, h))
			}
		}
	}
	a.TBZ(0, R2, "blocks2")
	block()
	a.SUBS(Imm(1), R2)
	a.BEQ("stores")
	a.Label("blocks2")
	block()
	block()
	a.SUBS(Imm(2), R2)
	a.BNE("blocks2")
	a.Label("stores")
	// Each pair's two 2x2 tiles become its two columns' rows 0-3.
	a.MOVD(R9, R19)
	for j := range pairs {
		a.VUZP1(acc(j, 1).S4(), acc(j, 0).S4(), V24.S4())
		a.VUZP2(acc(j, 1).S4(), acc(j, 0).S4(), V25.S4())
		a.VST1(R19, V24.S4())
		a.ADDto(R5, R19)
		a.VST1(R19, V25.S4())
		a.ADDto(R5, R19)
	}
	a.MOVD(R19, R9)
	a.ADDto(R1, R8)
	a.SUBS(Imm(1), R3)
	a.BNE("tile")
	a.RET()
}
