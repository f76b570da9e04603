package main

import (
	"fmt"

	. "github.com/gollm/gollm/kernels/_asm_arm64/asm"
)

// The four-row tile kernels (gemm4_arm64.s) multiply a tile of four weight
// rows that package kernels unpacked in Go (tile_arm64.go) by four
// activation columns: func(tile *byte, nb int, y *byte, ystride int, out
// *[16]float32), out[4c+r] = dot(row r, column c), column c at y +
// c*ystride. K-quants (gemmK, Q8_K columns): a tile super-block holds the four rows' d (four float32),
// with mins their dmin (four float32), then per sub-block of sub elements
// the rows' integer scales (four int32) and their quants interleaved four
// bytes at a time (row 0's bytes 0-3, row 1's, row 2's, row 3's, row 0's
// bytes 4-7, ...), then with mins the rows' mins per sub-block (four
// int16 each). By-element SDOT (dotprod) or broadcast bytes and
// SMULL/SADALP (neon) leave the four rows' sums of a sub-block in the four
// lanes of one register, which MLA scales into the column's integer sum;
// the mins meet the activation's sums of sixteen by by-element SMLAL.
// Q4_1 and Q5_1 (gemmM, Q8_0 columns): a tile block holds the four rows'
// d and m (four float32 each) and their quants, interleaved as above; the
// min term m * sum(y) takes the activation block's sum, by SDOT with ones.
func gemm4File() *File {
	f := NewFile(`Four-row tile kernels: four rows unpacked in Go to int8 tiles by four
columns (by-element SDOT at dotprod, SMULL/SADALP at neon).`)
	for _, lv := range levels {
		for _, k := range kTiles {
			gemmK(f, lv, k)
		}
		for _, t := range []string{"Q4_1", "Q5_1"} {
			gemmM(f, lv, t)
		}
	}
	pairActsK(f)
	for _, k := range kTiles {
		gemmKPairs(f, k)
	}
	for _, t := range []string{"Q4_1", "Q5_1"} {
		gemmMPairs(f, t)
	}
	return f
}

// kTile is the tile format of a K-quant type: sub elements per integer
// scale (16 or 32), and whether the rows have mins.
type kTile struct {
	typ  string
	sub  int
	mins bool
}

var kTiles = []kTile{
	{"Q2_K", 16, true}, {"Q3_K", 16, false}, {"Q4_K", 32, true}, {"Q5_K", 32, true}, {"Q6_K", 16, false},
	{"IQ4_XS", 32, false},
}

// tileDots adds to acc the four rows' integer sums of the quants ws (ws[j]
// holding four bytes of each row, meeting activation bytes 4j..4j+3) with
// the activation ys (16 bytes each). neon: each activation lane pair is
// broadcast into t0, t1 and multiplied by SMULL (rows 0-1, into p) and
// SMULL2 (rows 2-3, into q); two products (|w| <= 127, |y| <= 127) share
// an int16 lane before SADALP widens them into acc and b, and ADDP adds
// each row's two lanes (b is zeroed here).
func tileDots(a *Func, lv level, ws, ys []VReg, acc, b, t0, t1, p, q VReg) {
	ylane := func(j int) (VReg, int) { return ys[j/4], j % 4 }
	if lv.sdot {
		for j, x := range ws {
			y, i := ylane(j)
			a.SDOTE(y, i, x, acc)
		}
		return
	}
	a.Zero(b)
	for j := 0; j < len(ws); j += 2 {
		y, i := ylane(j)
		a.VDUP(y.S(i), t0.S4())
		y, i = ylane(j + 1)
		a.VDUP(y.S(i), t1.S4())
		a.SMULL8H(t0, ws[j], p)
		a.SMLAL8H(t1, ws[j+1], p)
		a.SMULL28H(t0, ws[j], q)
		a.SMLAL28H(t1, ws[j+1], q)
		a.SADALP(p, acc)
		a.SADALP(q, b)
	}
	a.VADDP(b.S4(), acc.S4(), acc.S4())
}

// gemmK: registers R0 tile, R1/R5/R6/R7 the columns, R2 blocks left;
// V16-V19 the columns' float sums, V12-V15 their integer sums of a
// super-block, V20 d, V21 dmin, V22 the columns' activation scales, V24
// a sub-block's scales, V0-V7 its quants, V8-V9 a column's activation
// quants, V26-V29 sub-block sums.
func gemmK(f *File, lv level, k kTile) {
	name := "gemm" + k.typ + "t4" + lv.suffix
	a := f.Func(name, "func(tile *byte, nb int, y *byte, ystride int, out *[16]float32)",
		fmt.Sprintf("%s multiplies a tile of four %s rows by four columns (%s).", name, k.typ, lv.name()))
	cols := []Reg{R1, R5, R6, R7}
	nsub := 256 / k.sub
	ws := vregs(V0, k.sub/4)
	ys := vregs(V8, k.sub/16)
	kTileStart(a, k, nil)
	for c, y := range cols {
		a.VLD1LaneP(4, y, V22.S(c))
		a.Zero(V(12 + c))
	}
	for range nsub {
		a.VLD1P(16, R0, V24.S4())
		for i := 0; i < len(ws); i += 4 {
			a.VLD1P(64, R0, ws[i].B16(), ws[i+1].B16(), ws[i+2].B16(), ws[i+3].B16())
		}
		for c, y := range cols {
			s := V(26 + c)
			if len(ys) == 2 {
				a.VLD1P(32, y, ys[0].B16(), ys[1].B16())
			} else {
				a.VLD1P(16, y, ys[0].B16())
			}
			a.Zero(s)
			tileDots(a, lv, ws, ys, s, V23, V10, V11, V30, V31)
			a.MLA4S(V24, s, V(12+c))
		}
	}
	kTail(a, k, cols, vregs(V12, 4))
	tileEnd(a)
}

// kTileStart begins a K-quant tile kernel: its arguments (more loads any
// beyond tile, nb, y and ystride), the four column pointers R1, R5, R6,
// R7 ystride apart, the columns' float sums V16-V19 zeroed, and the head
// of the super-block loop: the rows' d into V20, with mins dmin into V21.
func kTileStart(a *Func, k kTile, more func()) {
	a.Load("tile", R0)
	a.Load("nb", R2)
	a.Load("y", R1)
	a.Load("ystride", R10)
	if more != nil {
		more()
	}
	a.ADD(R1, R10, R5)
	a.ADD(R5, R10, R6)
	a.ADD(R6, R10, R7)
	for c := range 4 {
		a.Zero(V(16 + c))
	}
	a.CBZ(R2, "done")
	a.Label("block")
	a.VLD1P(16, R0, V20.S4())
	if k.mins {
		a.VLD1P(16, R0, V21.S4())
	}
}

// tileEnd ends a four-column tile kernel: it stores the columns' float
// sums V16-V19 to out.
func tileEnd(a *Func) {
	a.Label("done")
	a.Load("out", R9)
	a.VST1(R9, V16.S4(), V17.S4(), V18.S4(), V19.S4())
	a.RET()
}

// kTail ends a K-quant tile kernel's super-block, its columns' integer
// sums of d's part in sums (per column, the four rows in lanes) and the
// column pointers at the activations' sums of sixteen: the mins' part,
// then acc += (d*sum - dmin*msum) * dy into V16-V19, and the loop branch.
func kTail(a *Func, k kTile, cols []Reg, sums []VReg) {
	nsub := 256 / k.sub
	if k.mins {
		// Mins of sub-blocks 2i and 2i+1 in V(i) (low and high halves);
		// the activation's sixteen sums in V8, V9, paired to sums of 32
		// in V8 for 32-element sub-blocks.
		for i := 0; i < nsub/2; i += 4 {
			a.VLD1P(64, R0, V(i).H8(), V(i+1).H8(), V(i+2).H8(), V(i+3).H8())
		}
		for c, y := range cols {
			s := V(26 + c)
			a.VLD1P(32, y, V8.H8(), V9.H8())
			bsum := func(j int) (VReg, int) { return V(8 + j/8), j % 8 }
			if k.sub == 32 {
				a.VADDP(V9.H8(), V8.H8(), V8.H8())
			}
			a.Zero(s)
			for j := range nsub {
				m, i := bsum(j)
				if j%2 == 0 {
					a.SMLALE(m, i, V(j/2), s)
				} else {
					a.SMLAL2E(m, i, V(j/2), s)
				}
			}
		}
	} else {
		for _, y := range cols {
			a.ADDto(Imm(32), y)
		}
	}
	// acc += (d*sum - dmin*msum) * dy, per row and column.
	for c := range 4 {
		s := sums[c]
		a.SCVTF4S(s, s)
		a.FMUL4S(V20, s, s)
		if k.mins {
			m := V(26 + c)
			a.SCVTF4S(m, m)
			a.FMUL4S(V21, m, m)
			a.FSUB4S(m, s, s)
		}
		a.FMULE(V22, c, s, s)
		a.FADD4S(s, V(16+c), V(16+c))
	}
	a.SUBS(Imm(1), R2)
	a.BNE("block")
}

// pairActsK: func(y *byte, ystride, nb int, dst *byte) rearranges the
// quants of four Q8_K activations of nb blocks, y + c*ystride (ystride 0:
// one column four times), into column pairs for gemmKPairs: per block and
// 16 elements, 64 bytes: columns 0 and 1's elements 0-7 side by side,
// their 8-15, then columns 2 and 3's.
func pairActsK(f *File) {
	a := f.Func("pairActsK", "func(y *byte, ystride, nb int, dst *byte)",
		"pairActsK rearranges the quants of four Q8_K activations of nb blocks,\nystride bytes apart, into the column pairs the i8mm K-quant tiles read.")
	cols := []Reg{R1, R5, R6, R7}
	a.Load("y", R1)
	a.Load("ystride", R10)
	a.Load("nb", R2)
	a.Load("dst", R3)
	a.ADD(R1, R10, R5)
	a.ADD(R5, R10, R6)
	a.ADD(R6, R10, R7)
	a.Label("block")
	for _, y := range cols {
		a.ADDto(Imm(4), y) // d
	}
	for range 4 { // 64 elements per round
		for c, y := range cols {
			a.VLD1P(64, y, V(4*c).B16(), V(4*c+1).B16(), V(4*c+2).B16(), V(4*c+3).B16())
		}
		for i := range 4 { // elements 16i..16i+15
			for p := range 2 {
				c0, c1 := V(4*(2*p)+i), V(4*(2*p+1)+i)
				a.VZIP1(c1.D2(), c0.D2(), V(16+4*i+2*p).D2())
				a.VZIP2(c1.D2(), c0.D2(), V(16+4*i+2*p+1).D2())
			}
		}
		a.VST1P(64, R3, V16.B16(), V17.B16(), V18.B16(), V19.B16())
		a.VST1P(64, R3, V20.B16(), V21.B16(), V22.B16(), V23.B16())
		a.VST1P(64, R3, V24.B16(), V25.B16(), V26.B16(), V27.B16())
		a.VST1P(64, R3, V28.B16(), V29.B16(), V30.B16(), V31.B16())
	}
	for _, y := range cols {
		a.ADDto(Imm(32), y) // the sums of sixteen
	}
	a.SUBS(Imm(1), R2)
	a.BNE("block")
	a.RET()
}

// gemmKPairs: the i8mm K-quant tile kernel, func(tile *byte, nb int, y
// *byte, ystride int, yq *byte, out *[16]float32), as gemmK for a tile in
// the i8mm layout (unpackTileK with interleave8: a sub-block's quants
// eight bytes of rows 0 and 1 side by side, then of rows 2 and 3) and the
// four columns' quants in pairs at yq (pairActsK); their d and sums are
// read at y + c*ystride. SMMLA of a column pair's operand (Vn) with a row
// pair's (Vm) gives lanes c0r0, c0r1, c1r0, c1r1: the rows' scales are
// [s0 s1 s0 s1] (DUP of the sub-block's low half) for rows 0-1, the high
// half for rows 2-3. Registers: V12-V15 the integer sums of row pair h and
// column pair j (V12 + 2h + j), V0-V7 a sub-block's operands (row pair h,
// elements 8k..8k+7 in V(2k+h)), V8-V11 and V26-V29 the columns' (pair j,
// elements 8k.. in V(8+2j+k), k >= 2 in V(26+2j+k-2)), V24-V25 scales,
// V30-V31 sums of a sub-block.
func gemmKPairs(f *File, k kTile) {
	name := "gemm" + k.typ + "t4I8MM"
	a := f.Func(name, "func(tile *byte, nb int, y *byte, ystride int, yq *byte, out *[16]float32)",
		fmt.Sprintf("%s multiplies a tile of four %s rows in the i8mm layout by four\ncolumns, their quants in pairs at yq (pairActsK; SMMLA).", name, k.typ))
	cols := []Reg{R1, R5, R6, R7}
	nsub := 256 / k.sub
	nk := k.sub / 8 // SMMLA per row pair, column pair and sub-block
	w := func(h, kk int) VReg { return V(2*kk + h) }
	y := func(j, kk int) VReg {
		if kk < 2 {
			return V(8 + 2*j + kk)
		}
		return V(26 + 2*j + kk - 2)
	}
	acc := func(h, j int) VReg { return V(12 + 2*h + j) }
	kTileStart(a, k, func() { a.Load("yq", R3) })
	for c, p := range cols {
		a.VLD1LaneP(4, p, V22.S(c))
		a.ADDto(Imm(256), p) // the quants: read in pairs at yq
		a.Zero(V(12 + c))
	}
	for range nsub {
		a.VLD1P(16, R0, V24.S4())
		for kk := 0; kk < nk; kk += 2 {
			a.VLD1P(64, R0, w(0, kk).B16(), w(1, kk).B16(), w(0, kk+1).B16(), w(1, kk+1).B16())
			a.VLD1P(64, R3, y(0, kk).B16(), y(0, kk+1).B16(), y(1, kk).B16(), y(1, kk+1).B16())
		}
		a.VDUP(V24.D(0), V25.D2())
		a.VDUP(V24.D(1), V24.D2())
		for h, sc := range []VReg{V25, V24} {
			for j := range 2 {
				s := V(30 + j)
				a.Zero(s)
				for kk := range nk {
					a.SMMLA(w(h, kk), y(j, kk), s)
				}
				a.MLA4S(sc, s, acc(h, j))
			}
		}
	}
	// Column c's four rows: the low halves (c even) or high halves of
	// row pairs 0 and 1 with column pair c/2.
	a.VZIP1(acc(1, 0).D2(), acc(0, 0).D2(), V30.D2())
	a.VZIP2(acc(1, 0).D2(), acc(0, 0).D2(), V31.D2())
	a.VZIP1(acc(1, 1).D2(), acc(0, 1).D2(), V14.D2())
	a.VZIP2(acc(1, 1).D2(), acc(0, 1).D2(), V15.D2())
	kTail(a, k, cols, []VReg{V30, V31, V14, V15})
	tileEnd(a)
}

// gemmMPairs: the i8mm tile kernel of Q4_1 or Q5_1, func(tile *byte, nb
// int, yp *byte, out *[16]float32), as gemmM for a tile in the i8mm layout
// (unpackTileM with interleave8) and four columns as pairActs lays out a
// quad (per block, both pairs' scales as float32 [d0 d1 d0 d1] [d2 d3 d2
// d3], then each pair's quants in four 16-byte chunks). SMMLA of a row
// pair's operand (Vn) with a column pair's (Vm) gives lanes r0c0, r0c1,
// r1c0, r1c1: the rows' d and m are zipped to [d0 d0 d1 d1] and [d2 d2 d3
// d3]; a pair's activation sums (SDOT with ones over its chunks, then
// ADDP) come out as [s0 s1 s0 s1]. Each 2x2 tile ends a block with gemmM's
// operations in gemmM's order: acc += ((d*sum) + m*ysum) * dy. Registers:
// V12-V15 the float sums of row pair h and column pair j (V12 + 2h + j),
// V0-V7 a block's operands (row pair h, elements 8k.. in V(2k+h)), V8-V11
// and V24-V27 the pairs' chunks, V16-V19 the rows' d and m by pair, V22
// and V23 the pairs' scales, V29 and V30 their sums, V28 ones.
func gemmMPairs(f *File, typ string) {
	name := "gemm" + typ + "t4I8MM"
	a := f.Func(name, "func(tile *byte, nb int, yp *byte, out *[16]float32)",
		fmt.Sprintf("%s multiplies a tile of four %s rows in the i8mm layout by a quad\nof columns in pairActs' layout (SMMLA).", name, typ))
	w := func(h, k int) VReg { return V(2*k + h) }
	y := func(j, k int) VReg { return []VReg{V8, V24}[j] + VReg(k) }
	acc := func(h, j int) VReg { return V(12 + 2*h + j) }
	d := [2]VReg{V16, V17}
	m := [2]VReg{V18, V19}
	dy := [2]VReg{V22, V23}
	ys := [2]VReg{V29, V30}
	a.Load("tile", R0)
	a.Load("nb", R2)
	a.Load("yp", R3)
	a.VMOVI(1, V28.B16())
	for i := range 4 {
		a.Zero(V(12 + i))
	}
	a.CBZ(R2, "done")
	a.Label("block")
	a.VLD1P(32, R0, V20.S4(), V21.S4())
	a.VZIP1(V20.S4(), V20.S4(), d[0].S4())
	a.VZIP2(V20.S4(), V20.S4(), d[1].S4())
	a.VZIP1(V21.S4(), V21.S4(), m[0].S4())
	a.VZIP2(V21.S4(), V21.S4(), m[1].S4())
	a.VLD1P(64, R0, V0.B16(), V1.B16(), V2.B16(), V3.B16())
	a.VLD1P(64, R0, V4.B16(), V5.B16(), V6.B16(), V7.B16())
	a.VLD1P(32, R3, dy[0].S4(), dy[1].S4())
	for j := range 2 {
		a.VLD1P(64, R3, y(j, 0).B16(), y(j, 1).B16(), y(j, 2).B16(), y(j, 3).B16())
	}
	for j, s := range ys {
		a.Zero(s)
		for k := range 4 {
			a.SDOT(V28, y(j, k), s)
		}
		a.VADDP(s.S4(), s.S4(), s.S4())
		a.SCVTF4S(s, s)
	}
	for h := range 2 {
		for j := range 2 {
			s := V31
			a.Zero(s)
			for k := range 4 {
				a.SMMLA(y(j, k), w(h, k), s)
			}
			a.SCVTF4S(s, s)
			a.FMUL4S(d[h], s, s)
			a.FMLA4S(ys[j], m[h], s)
			a.FMUL4S(dy[j], s, s)
			a.FADD4S(s, acc(h, j), acc(h, j))
		}
	}
	a.SUBS(Imm(1), R2)
	a.BNE("block")
	a.Label("done")
	// Column 2j's four rows: the even lanes of row pairs 0 and 1 with
	// column pair j; column 2j+1's: the odd lanes.
	for j := range 2 {
		a.VUZP1(acc(1, j).S4(), acc(0, j).S4(), V(2*j).S4())
		a.VUZP2(acc(1, j).S4(), acc(0, j).S4(), V(2*j+1).S4())
	}
	a.Load("out", R9)
	a.VST1(R9, V0.S4(), V1.S4(), V2.S4(), V3.S4())
	a.RET()
}

// gemmM: registers R0 tile, R1/R5/R6/R7 the columns, R2 blocks left;
// V16-V19 the columns' float sums, V20 d, V21 m, V22 the columns'
// activation scales, V0-V7 a block's quants, V8-V9 a column's activation
// quants, V26 their integer sums, V27 the activation's sum, V28 ones.
func gemmM(f *File, lv level, typ string) {
	name := "gemm" + typ + "t4" + lv.suffix
	a := f.Func(name, "func(tile *byte, nb int, y *byte, ystride int, out *[16]float32)",
		fmt.Sprintf("%s multiplies a tile of four %s rows by four columns (%s).", name, typ, lv.name()))
	cols := []Reg{R1, R5, R6, R7}
	ws := vregs(V0, 8)
	a.Load("tile", R0)
	a.Load("nb", R2)
	a.Load("y", R1)
	a.Load("ystride", R10)
	a.ADD(R1, R10, R5)
	a.ADD(R5, R10, R6)
	a.ADD(R6, R10, R7)
	a.VMOVI(1, V28.B16())
	for c := range 4 {
		a.Zero(V(16 + c))
	}
	a.CBZ(R2, "done")
	a.Label("block")
	a.VLD1P(16, R0, V20.S4())
	a.VLD1P(16, R0, V21.S4())
	a.VLD1P(64, R0, V0.B16(), V1.B16(), V2.B16(), V3.B16())
	a.VLD1P(64, R0, V4.B16(), V5.B16(), V6.B16(), V7.B16())
	for c, y := range cols {
		a.VLD1LaneP(2, y, V22.H(c))
	}
	a.FCVTL4S(V22, V22)
	// acc += (d*sum + m*ysum) * dy, per row and column.
	for c, y := range cols {
		a.VLD1P(32, y, V8.B16(), V9.B16())
		a.Zero(V26)
		tileDots(a, lv, ws, []VReg{V8, V9}, V26, V23, V10, V11, V30, V31)
		a.Zero(V27)
		lv.dots2(a, V27, V28, V8, V28, V9)
		a.VADDV(V27.S4(), V27)
		a.SCVTF4S(V26, V26)
		a.SCVTF4S(V27, V27)
		a.FMUL4S(V20, V26, V26)
		a.FMLAE(V27, V21, V26)
		a.FMULE(V22, c, V26, V26)
		a.FADD4S(V26, V(16+c), V(16+c))
	}
	a.SUBS(Imm(1), R2)
	a.BNE("block")
	tileEnd(a)
}
