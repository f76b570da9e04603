package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var floatTileDoc = []string{
	"floattile family: register-blocked float matrix products for attention",
	"tiles, out[c*ldo + r] = dot(row r of w, column c of x) for rows a multiple",
	"of 4, cols a multiple of 3 and n a positive multiple of 8 (floattile.go).",
	"Each tile of 4 rows by 3 columns keeps twelve 8-lane accumulators, loads",
	"each column vector once per 4 rows and each row vector (converted from F16",
	"where needed) once per 3 columns, and reduces the four rows of a column",
	"into one 4-float store. And maxF32AVX2, the maximum of a slice.",
}

func genFloatTile(c *build.Context) {
	floatTile4x3(c, "tileF32x4x3AVX2", false)
	floatTile4x3(c, "tileF16x4x3AVX2", true)
	maxF32(c)
}

// floatTile4x3 writes the 4x3 tile kernel for F32 or F16 (f16) rows.
func floatTile4x3(c *build.Context, name string, f16 bool) {
	c.Function(name)
	c.Attributes(attr.NOSPLIT)
	c.Doc(name + " computes the tiles of rows 4 at a time by columns 3 at a time.")
	c.Pragma("noescape")
	c.SignatureExpr("func(w *byte, n, rows int, x *float32, cols int, out *float32, ldo int)")
	// w: SI, the row stride in bytes: DX, rows: R9, x: DI, the column
	// stride in bytes: BX, cols left: R10, out: R11, ldo in bytes: R8.
	c.Load(c.Param("w"), RSI)
	c.Load(c.Param("n"), RDX)
	c.Load(c.Param("rows"), R9)
	c.Load(c.Param("x"), RDI)
	c.Load(c.Param("cols"), R10)
	c.Load(c.Param("out"), R11)
	c.Load(c.Param("ldo"), R8)
	c.SHLQ(U8(2), R8)
	c.MOVQ(RDX, RBX)
	c.SHLQ(U8(2), RBX)
	elem := 4 // bytes per weight
	if f16 {
		elem = 2
	}
	c.SHLQ(U8(map[int]int{4: 2, 2: 1}[elem]), RDX)
	label := func(s string) string { return name + "_" + s }

	c.Label(label("cols"))
	c.CMPQ(R10, U8(3))
	c.JLT(LabelRef(label("done")))
	c.XORQ(RAX, RAX)
	c.MOVQ(RSI, R12)

	c.Label(label("rows"))
	c.CMPQ(RAX, R9)
	c.JGE(LabelRef(label("rowsdone")))
	// acc(r, col) is the accumulator of row r and column col: Y(4*col + r).
	acc := func(r, col int) VecPhysical { return ymm(4*col + r) }
	for i := range 12 {
		c.VXORPS(ymm(i), ymm(i), ymm(i))
	}
	n, _ := c.Param("n").Resolve()
	c.MOVQ(R12, R13) // rows 0-2
	c.LEAQ(Mem{Base: R12, Index: RDX, Scale: 2}, R15)
	c.ADDQ(RDX, R15) // row 3
	c.MOVQ(RDI, R14) // the columns
	c.MOVQ(n.Addr, RCX)

	c.Label(label("k"))
	cols := []VecPhysical{Y12, Y13, Y14}
	c.VMOVUPS(Mem{Base: R14}, cols[0])
	c.VMOVUPS(Mem{Base: R14, Index: RBX, Scale: 1}, cols[1])
	c.VMOVUPS(Mem{Base: R14, Index: RBX, Scale: 2}, cols[2])
	rowAt := []Mem{{Base: R13}, {Base: R13, Index: RDX, Scale: 1}, {Base: R13, Index: RDX, Scale: 2}, {Base: R15}}
	for r, m := range rowAt {
		if f16 {
			c.VCVTPH2PS(m, Y15)
		} else {
			c.VMOVUPS(m, Y15)
		}
		for col, x := range cols {
			c.VFMADD231PS(x, Y15, acc(r, col))
		}
	}
	c.ADDQ(U8(8*elem), R13)
	c.ADDQ(U8(8*elem), R15)
	c.ADDQ(U8(32), R14)
	c.SUBQ(U8(8), RCX)
	c.JNZ(LabelRef(label("k")))

	// Reduce each column's four accumulators into four floats.
	c.LEAQ(Mem{Base: R11, Index: RAX, Scale: 4}, RCX)
	for col, dst := range []Mem{{Base: RCX}, {Base: RCX, Index: R8, Scale: 1}, {Base: RCX, Index: R8, Scale: 2}} {
		a0, a1, a2, a3 := acc(0, col), acc(1, col), acc(2, col), acc(3, col)
		c.VHADDPS(a1, a0, a0)
		c.VHADDPS(a3, a2, a2)
		c.VHADDPS(a2, a0, a0)
		c.VEXTRACTF128(U8(1), a0, a1.AsX())
		c.VADDPS(a1.AsX(), a0.AsX(), a0.AsX())
		c.VMOVUPS(a0.AsX(), dst)
	}
	c.ADDQ(U8(4), RAX)
	c.LEAQ(Mem{Base: R12, Index: RDX, Scale: 4}, R12)
	c.JMP(LabelRef(label("rows")))

	c.Label(label("rowsdone"))
	c.LEAQ(Mem{Base: RDI, Index: RBX, Scale: 2}, RDI)
	c.ADDQ(RBX, RDI)
	c.LEAQ(Mem{Base: R11, Index: R8, Scale: 2}, R11)
	c.ADDQ(R8, R11)
	c.SUBQ(U8(3), R10)
	c.JMP(LabelRef(label("cols")))

	c.Label(label("done"))
	c.VZEROUPPER()
	c.RET()
}

// ymm returns the vector register Y<i>.
func ymm(i int) VecPhysical {
	ys := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}
	if i < 0 || i >= len(ys) {
		panic(fmt.Sprintf("no register Y%d", i))
	}
	return ys[i]
}

// maxF32 writes maxF32AVX2: 16, then 8, then one float at a time.
func maxF32(c *build.Context) {
	c.Function("maxF32AVX2")
	c.Attributes(attr.NOSPLIT)
	c.Doc("maxF32AVX2 is the largest of the n > 0 floats at x.")
	c.Pragma("noescape")
	c.SignatureExpr("func(x *float32, n int) float32")
	c.Load(c.Param("x"), RSI)
	c.Load(c.Param("n"), RCX)
	c.VBROADCASTSS(Mem{Base: RSI}, Y0)
	c.VMOVAPS(Y0, Y1)
	c.Label("maxf_l16")
	c.CMPQ(RCX, U8(16))
	c.JLT(LabelRef("maxf_l8"))
	c.VMAXPS(Mem{Base: RSI}, Y0, Y0)
	c.VMAXPS(Mem{Base: RSI, Disp: 32}, Y1, Y1)
	c.ADDQ(U8(64), RSI)
	c.SUBQ(U8(16), RCX)
	c.JMP(LabelRef("maxf_l16"))
	c.Label("maxf_l8")
	c.CMPQ(RCX, U8(8))
	c.JLT(LabelRef("maxf_reduce"))
	c.VMAXPS(Mem{Base: RSI}, Y0, Y0)
	c.ADDQ(U8(32), RSI)
	c.SUBQ(U8(8), RCX)
	c.Label("maxf_reduce")
	c.VMAXPS(Y1, Y0, Y0)
	c.VEXTRACTF128(U8(1), Y0, X1)
	c.VMAXPS(X1, X0, X0)
	c.VPERMILPS(U8(0x4e), X0, X1)
	c.VMAXPS(X1, X0, X0)
	c.VPERMILPS(U8(0xb1), X0, X1)
	c.VMAXPS(X1, X0, X0)
	c.Label("maxf_l1")
	c.TESTQ(RCX, RCX)
	c.JZ(LabelRef("maxf_done"))
	c.VMAXSS(Mem{Base: RSI}, X0, X0)
	c.ADDQ(U8(4), RSI)
	c.DECQ(RCX)
	c.JMP(LabelRef("maxf_l1"))
	c.Label("maxf_done")
	ret, _ := c.ReturnIndex(0).Resolve()
	c.VMOVSS(X0, ret.Addr)
	c.VZEROUPPER()
	c.RET()
}
