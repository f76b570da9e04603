package main

import (
	"math"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var expDoc = []string{
	"exp family: dst[i] = exp(src[i] - m) with the sum, for softmax (exp.go).",
}

// expConst is the table of expShiftAVX2's constants: Cephes' expf
// (exp.go's expOne) in float32.
var expConst = []struct {
	name string
	v    Constant
}{
	{"log2(e)", f32(1.44269504088896341)},
	{"magic: 1.5 * 2**23", f32(12582912.0)},
	{"c1", f32(0.693359375)},
	{"c2", f32(-2.12194440e-4)},
	{"p0", f32(1.9875691500e-4)},
	{"p1", f32(1.3981999507e-3)},
	{"p2", f32(8.3334519073e-3)},
	{"p3", f32(4.1665795894e-2)},
	{"p4", f32(1.6666665459e-1)},
	{"p5", f32(5.0000001201e-1)},
	{"one", f32(1.0)},
	{"low", f32(-87.3)},
	{"high", f32(88.3)},
	{"127 << 23", U32(0x3f800000)},
}

// f32 is v's bits: avo prints a float DATA operand as "$(1.442695)",
// which the Go assembler evaluates as an integer expression.
func f32(v float32) Constant { return U32(math.Float32bits(v)) }

// genExp writes expShiftAVX2: eight lanes per step, the polynomial's
// coefficients broadcast from the constant table (AX) as needed.
func genExp(c *build.Context) {
	tab := c.StaticGlobal("expconst")
	c.DataAttributes(attr.RODATA | attr.NOPTR)
	for i, k := range expConst {
		c.AddDatum(4*i, k.v)
	}
	// at returns the constant named name.
	at := func(name string) Mem {
		for i, k := range expConst {
			if k.name == name {
				return Mem{Base: RAX, Disp: 4 * i}
			}
		}
		panic("no constant " + name)
	}

	x, t, k, r, p, mask, shift, acc0, acc1, tmp := Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9

	c.Function("expShiftAVX2")
	c.Attributes(attr.NOSPLIT)
	c.Doc("expShiftAVX2 sets dst[i] = exp(src[i] - m) for n elements (a multiple",
		"of 8), as expOne, and returns their sum in float64.")
	c.Pragma("noescape")
	c.SignatureExpr("func(dst, src *float32, n int, m float32) float64")
	c.Load(c.Param("dst"), RDI)
	c.Load(c.Param("src"), RSI)
	c.Load(c.Param("n"), RCX)
	m, _ := c.Param("m").Resolve()
	c.VBROADCASTSS(m.Addr, shift)
	c.VXORPD(acc0, acc0, acc0)
	c.VXORPD(acc1, acc1, acc1)
	c.LEAQ(tab, RAX)

	c.Label("loop")
	c.VMOVUPS(Mem{Base: RSI}, x)
	c.VSUBPS(shift, x, x)
	c.Comment("mask = x > low (false for NaN); x = min(x, high)")
	c.VBROADCASTSS(at("low"), tmp)
	c.VCMPPS(U8(0x1e), tmp, x, mask)
	c.VBROADCASTSS(at("high"), tmp)
	c.VMINPS(tmp, x, x)
	c.Comment("t = x*log2e + magic, k = t - magic")
	c.VBROADCASTSS(at("magic: 1.5 * 2**23"), t)
	c.VBROADCASTSS(at("log2(e)"), tmp)
	c.VFMADD231PS(tmp, x, t)
	c.VBROADCASTSS(at("magic: 1.5 * 2**23"), tmp)
	c.VSUBPS(tmp, t, k)
	c.Comment("r = x - k*c1 - k*c2")
	c.VMOVAPS(x, r)
	c.VBROADCASTSS(at("c1"), tmp)
	c.VFNMADD231PS(tmp, k, r)
	c.VBROADCASTSS(at("c2"), tmp)
	c.VFNMADD231PS(tmp, k, r)
	c.Comment("Horner: p = ((((p0 r + p1) r + p2) r + p3) r + p4) r + p5")
	c.VBROADCASTSS(at("p0"), p)
	for _, coef := range []string{"p1", "p2", "p3", "p4", "p5"} {
		c.VBROADCASTSS(at(coef), tmp)
		c.VFMADD213PS(tmp, r, p)
	}
	c.Comment("p = p*r*r + r + 1")
	c.VMULPS(r, r, tmp)
	c.VFMADD213PS(r, tmp, p)
	c.VBROADCASTSS(at("one"), tmp)
	c.VADDPS(tmp, p, p)
	c.Comment("times 2**k from the low bits of t; 0 below low and for NaN")
	c.VPSLLD(U8(23), t, t)
	c.VPBROADCASTD(at("127 << 23"), tmp)
	c.VPADDD(tmp, t, t)
	c.VMULPS(t, p, p)
	c.VANDPS(mask, p, p)
	c.VMOVUPS(p, Mem{Base: RDI})
	c.Comment("the sum, in float64")
	c.VCVTPS2PD(p.AsX(), tmp)
	c.VADDPD(tmp, acc0, acc0)
	c.VEXTRACTF128(U8(1), p, p.AsX())
	c.VCVTPS2PD(p.AsX(), tmp)
	c.VADDPD(tmp, acc1, acc1)
	c.ADDQ(U8(32), RSI)
	c.ADDQ(U8(32), RDI)
	c.SUBQ(U8(8), RCX)
	c.JNZ(LabelRef("loop"))

	c.VADDPD(acc1, acc0, acc0)
	c.VEXTRACTF128(U8(1), acc0, X1)
	c.VADDPD(X1, acc0.AsX(), acc0.AsX())
	c.VUNPCKHPD(acc0.AsX(), acc0.AsX(), X1)
	c.VADDSD(X1, acc0.AsX(), acc0.AsX())
	ret, _ := c.ReturnIndex(0).Resolve()
	c.VMOVSD(acc0.AsX(), ret.Addr)
	c.VZEROUPPER()
	c.RET()
}
