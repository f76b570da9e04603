package main

import . "github.com/gollm/gollm/kernels/_asm_arm64/asm"

// The MatMul kernels (matmul_arm64.s): four-column kernels at the neon and
// dotprod levels, func(x, y *byte, ystride, nb int, out *[4]float32),
// out[c] = dot(row x, column c) with column c's activation at
// y + c*ystride, each weight block unpacked once for the four columns; and
// 2x2 SMMLA kernels at the i8mm level.
func matmulFile() *File {
	f := NewFile(`MatMul kernels: four columns per weight row (neon, dotprod) and 2x2
tiles of rows and columns with SMMLA (i8mm).`)
	for _, lv := range levels {
		// The tiles (tile_arm64.go) pay a fixed unpacking cost per call:
		// short batches run these.
		for _, u := range unpackers {
			x4(f, lv, u)
		}
		k4x4(f, lv, "Q4_K", false)
		k4x4(f, lv, "Q5_K", true)
		q6Kx4(f, lv)
	}
	for _, u := range i8mmUnpackers {
		x2I8MM(f, u)
	}
	return f
}

const x4sig = "func(x, y *byte, ystride, nb int, out *[4]float32)"

// x4cols are the four columns' activation pointers.
var x4cols = []Reg{R1, R5, R6, R7}

// x4Start loads the arguments of a four-column kernel (columns at
// x4cols) and zeroes the sums given.
func x4Start(a *Func, sums ...VReg) {
	a.Load("x", R0)
	a.Load("y", R1)
	a.Load("ystride", R10)
	a.ADD(R1, R10, R5)
	a.ADD(R5, R10, R6)
	a.ADD(R6, R10, R7)
	a.Load("nb", R2)
	for _, s := range sums {
		a.Zero(s)
	}
}

// x4: per block the four columns' integer sums (V26..V29) are reduced
// together and scaled as scale32 does, lane c of V16 summing column c.
func x4(f *File, lv level, u unpack32) {
	name := "dot" + u.typ + "x4" + lv.suffix
	a := f.Func(name, x4sig, name+" is the "+lv.name()+" four-column kernel of "+u.typ+".")
	x4Start(a, V16)
	u.consts(a)
	a.CBZ(R2, "done")
	a.Label("loop")
	u.load(a, R0)
	a.FMOVS(R4, V23.F())
	a.FCVTHS(V23.F(), V23.F())
	a.VDUP(V23.S(0), V23.S4())
	for c, y := range x4cols {
		a.MOVHUP(2, y, R8)
		a.VMOV(R8, V24.H(c))
		a.VLD1P(32, y, V20.B16(), V21.B16())
		a.Zero(V(26 + c))
		u.dot2(a, lv, V(26+c), V20, V21)
	}
	tree4(a)
	a.FCVTL4S(V24, V25)
	a.FMUL4S(V23, V26, V26)
	a.FMUL4S(V25, V26, V26)
	a.FADD4S(V26, V16, V16)
	a.SUBS(Imm(1), R2)
	a.BNE("loop")
	a.Label("done")
	a.Load("out", R9)
	a.VST1(R9, V16.S4())
	a.RET()
}

// x4yd loads the four columns' Q8_K scales into R21-R24 and zeroes their
// integer sums V12-V15.
func x4yd(a *Func) {
	for c, y := range x4cols {
		a.MOVWUP(4, y, R(21+c))
		a.Zero(V(12 + c))
	}
}

// x4end stores the float sums F16-F19 to out.
func x4end(a *Func) {
	a.SUBS(Imm(1), R2)
	a.BNE("loop")
	a.Label("done")
	a.Load("out", R9)
	for c := range 4 {
		a.FMOVS(V(16+c).F(), M(R9, 4*c))
	}
	a.RET()
}

// k4x4 is the four-column kernel of Q4_K (and of Q5_K with q5: the fifth
// bits of qh in V24, V25). Per pair of sub-blocks the unpacked quants
// serve four columns; each column's partial dots are scaled into its
// integer sum by MLA by element.
func k4x4(f *File, lv level, typ string, q5 bool) {
	name := "dot" + typ + "x4" + lv.suffix
	a := f.Func(name, x4sig, name+" is the "+lv.name()+" four-column kernel of "+typ+".")
	x4Start(a, V16, V17, V18, V19)
	a.VMOVI(15, V23.B16())
	a.CBZ(R2, "done")
	a.Label("loop")
	k4dec(a, R0, R14, R15, R16, R17, R19, R20)
	a.VMOV(R16, V26.S(0))
	a.VUXTL(V26.B8(), V26.H8())
	a.VUXTL(V26.H4(), V26.S4())
	a.VMOV(R17, V27.S(0))
	a.VUXTL(V27.B8(), V27.H8())
	a.VUXTL(V27.H4(), V27.S4())
	a.VMOV(R19, V28.S(0))
	a.VMOV(R20, V28.S(1))
	a.VUXTL(V28.B8(), V28.H8())
	a.ADD(Imm(16), R0, R8)
	x4yd(a)
	if q5 {
		a.VLD1P(32, R8, V24.B16(), V25.B16())
		a.VMOVI(16, V21.B16())
	}
	for j := range 4 {
		a.VLD1P(32, R8, V4.B16(), V5.B16())
		a.VAND(V23.B16(), V4.B16(), V0.B16())
		a.VAND(V23.B16(), V5.B16(), V1.B16())
		a.VUSHR(4, V4.B16(), V2.B16())
		a.VUSHR(4, V5.B16(), V3.B16())
		for i := 0; q5 && i < 4; i++ {
			q5Bit(a, 2*j+i/2, V(24+i%2), V20, V21, V(i))
		}
		for c, y := range x4cols {
			a.VLD1P(64, y, V6.B16(), V7.B16(), V8.B16(), V9.B16())
			a.Zero(V10)
			a.Zero(V11)
			lv.dots2(a, V10, V0, V6, V1, V7)
			lv.dots2(a, V11, V2, V8, V3, V9)
			a.MLAE(V(26+j/2), 2*(j%2), V10, V(12+c))
			a.MLAE(V(26+j/2), 2*(j%2)+1, V11, V(12+c))
		}
	}
	a.FMOVS(R14, V24.F())
	a.FCVTHS(V24.F(), V24.F())
	a.FMOVS(R15, V25.F())
	a.FCVTHS(V25.F(), V25.F())
	for c, y := range x4cols {
		a.VLD1P(32, y, V20.H8(), V21.H8())
		a.VADDP(V21.H8(), V20.H8(), V20.H8())
		a.SMULL4S(V28, V20, V22)
		a.SMLAL24S(V28, V20, V22)
		a.VADDV(V22.S4(), V22)
		a.VMOV(V22.S(0), R25)
		a.SCVTFWS(R25, V22.F())
		a.VADDV(V(12+c).S4(), V(12+c))
		a.VMOV(V(12+c).S(0), R25)
		a.SCVTFWS(R25, V21.F())
		a.FMOVS(R(21+c), V29.F())
		a.FMULS(V29.F(), V24.F(), V20.F())
		a.FMULS(V21.F(), V20.F(), V20.F())
		a.FMULS(V29.F(), V25.F(), V21.F())
		a.FMULS(V22.F(), V21.F(), V21.F())
		a.FSUBS(V21.F(), V20.F(), V20.F())
		a.FADDS(V20.F(), V(16+c).F(), V(16+c).F())
	}
	a.MOVD(R8, R0)
	x4end(a)
}

// q6Kx4: per 128-element half the 8 unpacked 16-element vectors serve four
// columns.
func q6Kx4(f *File, lv level) {
	name := "dotQ6_Kx4" + lv.suffix
	a := f.Func(name, x4sig, name+" is the "+lv.name()+" four-column kernel of Q6_K.")
	x4Start(a, V16, V17, V18, V19)
	a.VMOVI(15, V21.B16())
	a.VMOVI(48, V22.B16())
	a.VMOVI(32, V23.B16())
	a.CBZ(R2, "done")
	a.Label("loop")
	a.MOVD(R0, R3)
	a.ADD(Imm(192), R3, R9)
	a.VLD1(R9, V24.B16())
	a.SXTL28H(V24, V26)
	a.SXTL8H(V24, V24)
	a.SXTL24S(V24, V25)
	a.SXTL4S(V24, V24)
	a.SXTL24S(V26, V27)
	a.SXTL4S(V26, V26)
	a.ADD(Imm(128), R3, R8)
	x4yd(a)
	for h := range 2 {
		a.VLD1P(64, R0, V8.B16(), V9.B16(), V10.B16(), V11.B16())
		a.VLD1P(32, R8, V28.B16(), V29.B16())
		for k := range 4 {
			for pt := range 2 {
				dst := V(2*k + pt)
				q6Quarter(a, k, pt, [4]VReg{V8, V9, V10, V11}, [2]VReg{V28, V29}, V21, V22, V20, dst)
				a.VORR(V20.B16(), dst.B16(), dst.B16())
				a.VSUB(V23.B16(), dst.B16(), dst.B16())
			}
		}
		for c, y := range x4cols {
			for q := range 2 {
				a.VLD1P(64, y, V8.B16(), V9.B16(), V10.B16(), V11.B16())
				for i := range 4 {
					g := 8*h + 4*q + i
					a.Zero(V20)
					lv.dots(a, V20, V(4*q+i), V(8+i))
					a.MLAE(V(24+g/4), g%4, V20, V(12+c))
				}
			}
		}
	}
	for c, y := range x4cols {
		a.ADDto(Imm(32), y)
		a.VADDV(V(12+c).S4(), V(12+c))
		a.VMOV(V(12+c).S(0), R25)
		a.SCVTFWS(R25, V24.F())
		a.MOVHU(M(R3, 208), R25)
		a.FMOVS(R25, V20.F())
		a.FCVTHS(V20.F(), V20.F())
		a.FMOVS(R(21+c), V29.F())
		a.FMULS(V29.F(), V20.F(), V20.F())
		a.FMULS(V24.F(), V20.F(), V20.F())
		a.FADDS(V20.F(), V(16+c).F(), V(16+c).F())
	}
	a.ADD(Imm(210), R3, R0)
	x4end(a)
}
