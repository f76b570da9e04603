package main

import (
	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var f32Doc = []string{
	"f32 family: AVX2+FMA float helpers (f32.go, and MatVec of F32/F16 rows).",
	"Each processes 32 elements per iteration in four 8-lane accumulators, then",
	"8 at a time, then one at a time, so it never reads or writes past n",
	"elements.",
}

// A floatKind is how one element of a's or x's type becomes a float32.
type floatKind struct {
	name  string
	bytes int
}

var (
	kindF32  = floatKind{"F32", 4}
	kindF16  = floatKind{"F16", 2}
	kindBF16 = floatKind{"BF16", 2}
)

// load8 loads the 8 elements at m into dst as float32, in two phases so
// that several loads can be issued before their conversions (phase 1 only
// for BF16: the shift into the high half).
func (k floatKind) load8(c *build.Context, phase int, m Mem, dst VecPhysical) {
	switch {
	case phase == 0 && k == kindF32:
		c.VMOVUPS(m, dst)
	case phase == 0 && k == kindF16:
		c.VCVTPH2PS(m, dst)
	case phase == 0 && k == kindBF16:
		c.VPMOVZXWD(m, dst)
	case phase == 1 && k == kindBF16:
		c.VPSLLD(U8(16), dst, dst)
	}
}

// load1 loads the element at m into the low lane of dst (uses AX).
func (k floatKind) load1(c *build.Context, m Mem, dst VecPhysical) {
	if k == kindF32 {
		c.VMOVSS(m, dst)
		return
	}
	c.MOVWLZX(m, EAX)
	if k == kindBF16 {
		c.SHLL(U8(16), EAX)
	}
	c.VMOVD(EAX, dst)
	if k == kindF16 {
		c.VCVTPH2PS(dst, dst)
	}
}

func genF32(c *build.Context) {
	for _, k := range []floatKind{kindF32, kindF16, kindBF16} {
		a := "*uint16"
		if k == kindF32 {
			a = "*float32"
		}
		name := "dot" + k.name + "AVX2"
		c.Function(name)
		c.Attributes(attr.NOSPLIT)
		c.Doc(name + " is the dot product of the n elements at a and b.")
		c.Pragma("noescape")
		c.SignatureExpr("func(a " + a + ", b *float32, n int) float32")
		c.Load(c.Param("a"), RSI)
		c.Load(c.Param("b"), RDI)
		c.Load(c.Param("n"), RCX)
		floatDot(c, k, name)
		ret, _ := c.ReturnIndex(0).Resolve()
		c.VMOVSS(X0, ret.Addr)
		c.VZEROUPPER()
		c.RET()
	}
	for _, k := range []floatKind{kindF32, kindF16} {
		axpy(c, k)
	}
	for _, k := range []floatKind{kindF32, kindF16} {
		dotRows(c, k)
	}
}

// floatDot leaves in X0 the dot product of the CX elements of kind k at SI
// with the float32s at DI, advancing both; labels start with prefix.
func floatDot(c *build.Context, k floatKind, prefix string) {
	l := func(s string) string { return prefix + "_" + s }
	acc := []VecPhysical{Y0, Y1, Y2, Y3}
	val := []VecPhysical{Y4, Y5, Y6, Y7}
	for _, a := range acc {
		c.VXORPS(a, a, a)
	}
	c.Label(l("32"))
	c.CMPQ(RCX, U8(32))
	c.JLT(LabelRef(l("8")))
	for phase := range 2 {
		for i, v := range val {
			k.load8(c, phase, Mem{Base: RSI, Disp: 8 * k.bytes * i}, v)
		}
	}
	for i, v := range val {
		c.VFMADD231PS(Mem{Base: RDI, Disp: 32 * i}, v, acc[i])
	}
	c.ADDQ(U32(32*k.bytes), RSI)
	c.ADDQ(U32(128), RDI)
	c.SUBQ(U8(32), RCX)
	c.JMP(LabelRef(l("32")))
	c.Label(l("8"))
	c.CMPQ(RCX, U8(8))
	c.JLT(LabelRef(l("reduce")))
	for phase := range 2 {
		k.load8(c, phase, Mem{Base: RSI}, Y4)
	}
	c.VFMADD231PS(Mem{Base: RDI}, Y4, Y0)
	c.ADDQ(U8(8*k.bytes), RSI)
	c.ADDQ(U8(32), RDI)
	c.SUBQ(U8(8), RCX)
	c.JMP(LabelRef(l("8")))
	c.Label(l("reduce"))
	c.VADDPS(Y1, Y0, Y0)
	c.VADDPS(Y3, Y2, Y2)
	c.VADDPS(Y2, Y0, Y0)
	c.VEXTRACTF128(U8(1), Y0, X1)
	c.VADDPS(X1, X0, X0)
	c.VMOVHLPS(X0, X0, X1)
	c.VADDPS(X1, X0, X0)
	c.VMOVSHDUP(X0, X1)
	c.VADDSS(X1, X0, X0)
	c.TESTQ(RCX, RCX)
	c.JZ(LabelRef(l("done")))
	c.Label(l("1"))
	k.load1(c, Mem{Base: RSI}, X4)
	c.VFMADD231SS(Mem{Base: RDI}, X4, X0)
	c.ADDQ(U8(k.bytes), RSI)
	c.ADDQ(U8(4), RDI)
	c.DECQ(RCX)
	c.JNZ(LabelRef(l("1")))
	c.Label(l("done"))
}

// axpy writes axpy<K>AVX2: y += alpha*x.
func axpy(c *build.Context, k floatKind) {
	name := "axpy" + k.name + "AVX2"
	x := "*uint16"
	if k == kindF32 {
		x = "*float32"
	}
	c.Function(name)
	c.Attributes(attr.NOSPLIT)
	c.Doc(name + " adds alpha times the n elements at x to the float32s at y.")
	c.Pragma("noescape")
	c.SignatureExpr("func(alpha float32, x " + x + ", y *float32, n int)")
	alpha, _ := c.Param("alpha").Resolve()
	c.VBROADCASTSS(alpha.Addr, Y0)
	c.Load(c.Param("x"), RSI)
	c.Load(c.Param("y"), RDI)
	c.Load(c.Param("n"), RCX)
	l := func(s string) string { return name + "_" + s }
	ys := []VecPhysical{Y4, Y5, Y6, Y7}
	xs := []VecPhysical{Y8, Y9, Y10, Y11}
	// fma adds alpha times x element group i (memory for F32, converted
	// into xs[i] for F16) into ys[i].
	fma := func(i int) {
		if k == kindF32 {
			c.VFMADD231PS(Mem{Base: RSI, Disp: 32 * i}, Y0, ys[i])
		} else {
			c.VFMADD231PS(xs[i], Y0, ys[i])
		}
	}
	c.Label(l("32"))
	c.CMPQ(RCX, U8(32))
	c.JLT(LabelRef(l("8")))
	if k == kindF16 {
		for i, v := range xs {
			k.load8(c, 0, Mem{Base: RSI, Disp: 16 * i}, v)
		}
	}
	for i, v := range ys {
		c.VMOVUPS(Mem{Base: RDI, Disp: 32 * i}, v)
	}
	for i := range ys {
		fma(i)
	}
	for i, v := range ys {
		c.VMOVUPS(v, Mem{Base: RDI, Disp: 32 * i})
	}
	c.ADDQ(U32(32*k.bytes), RSI)
	c.ADDQ(U32(128), RDI)
	c.SUBQ(U8(32), RCX)
	c.JMP(LabelRef(l("32")))
	c.Label(l("8"))
	c.CMPQ(RCX, U8(8))
	c.JLT(LabelRef(l("tail")))
	if k == kindF16 {
		k.load8(c, 0, Mem{Base: RSI}, xs[0])
	}
	c.VMOVUPS(Mem{Base: RDI}, Y4)
	fma(0)
	c.VMOVUPS(Y4, Mem{Base: RDI})
	c.ADDQ(U8(8*k.bytes), RSI)
	c.ADDQ(U8(32), RDI)
	c.SUBQ(U8(8), RCX)
	c.JMP(LabelRef(l("8")))
	c.Label(l("tail"))
	c.TESTQ(RCX, RCX)
	c.JZ(LabelRef(l("done")))
	c.Label(l("1"))
	if k == kindF32 {
		c.VMOVSS(Mem{Base: RDI}, X4)
		c.VFMADD231SS(Mem{Base: RSI}, X0, X4)
	} else {
		k.load1(c, Mem{Base: RSI}, X8)
		c.VMOVSS(Mem{Base: RDI}, X4)
		c.VFMADD231SS(X8, X0, X4)
	}
	c.VMOVSS(X4, Mem{Base: RDI})
	c.ADDQ(U8(k.bytes), RSI)
	c.ADDQ(U8(4), RDI)
	c.DECQ(RCX)
	c.JNZ(LabelRef(l("1")))
	c.Label(l("done"))
	c.VZEROUPPER()
	c.RET()
}

// dotRows writes dotRows<K>AVX2: out[r] = dot(row r, x) for rows
// consecutive rows of n elements; SI runs through all rows, x is re-read
// from L1 for each.
func dotRows(c *build.Context, k floatKind) {
	name := "dotRows" + k.name + "AVX2"
	w := "*uint16"
	if k == kindF32 {
		w = "*float32"
	}
	c.Function(name)
	c.Attributes(attr.NOSPLIT)
	c.Doc(name+" sets out[r] = dot(row r, x) for rows consecutive rows of n",
		"elements at w: one call for all rows removes the per-row call overhead",
		"that dominates short rows (attention over a KV cache).")
	c.Pragma("noescape")
	c.SignatureExpr("func(w " + w + ", n, rows int, x, out *float32)")
	c.Load(c.Param("w"), RSI)
	c.Load(c.Param("n"), R8)
	c.Load(c.Param("rows"), R9)
	c.Load(c.Param("x"), R10)
	c.Load(c.Param("out"), R11)
	c.Label(name + "_rows")
	c.TESTQ(R9, R9)
	c.JZ(LabelRef(name + "_end"))
	c.MOVQ(R10, RDI)
	c.MOVQ(R8, RCX)
	floatDot(c, k, name)
	c.VMOVSS(X0, Mem{Base: R11})
	c.ADDQ(U8(4), R11)
	c.DECQ(R9)
	c.JMP(LabelRef(name + "_rows"))
	c.Label(name + "_end")
	c.VZEROUPPER()
	c.RET()
}
