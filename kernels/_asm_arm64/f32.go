package main

import . "github.com/gollm/gollm/kernels/_asm_arm64/asm"

// The float kernels (f32_arm64.s), used at every arm64 level: dot
// products of float32, F16 or BF16 rows with float32 vectors, and axpy.
// Four FMLA accumulators over 16 elements per iteration, then 4 at a
// time, then a scalar tail.
func f32File() *File {
	f := NewFile(`Float kernels for every arm64 level: four FMLA accumulators over 16
elements per iteration, then 4 at a time, then a scalar tail.`)
	for _, e := range floatLoads {
		a := f.Func("dot"+e.name+"NEON", "func(a *"+e.goType+", b *float32, n int) float32",
			"dot"+e.name+"NEON returns the dot product of the n "+e.name+" values at a with the float32 values at b.")
		a.Load("a", R0)
		a.Load("b", R1)
		a.Load("n", R2)
		e.consts(a)
		dotBody(a, e)
	}
	for _, e := range floatLoads[:2] {
		a := f.Func("axpy"+e.name+"NEON", "func(alpha float32, x *"+e.goType+", y *float32, n int)",
			"axpy"+e.name+"NEON adds alpha times the n "+e.name+" values at x to the float32 values at y.")
		a.Load("alpha", V31.F())
		a.VDUP(V31.S(0), V31.S4())
		a.Load("x", R0)
		a.Load("y", R1)
		a.Load("n", R2)
		axpyBody(a, e)
	}
	normKernels(f)
	ropeKernels(f)
	return f
}

// ropeKernels writes RoPE's rotation (f32.go's ropeGeneric) for both pair
// layouts: four pairs per iteration, each product rounded before the sum
// (FMUL, FMUL, FSUB/FADD), so the results are the Go twin's bit for bit.
func ropeKernels(f *File) {
	for _, neox := range []bool{true, false} {
		name, pairs := "ropeNeoxNEON", "(x[j], x[j+half])"
		if !neox {
			name, pairs = "ropePairsNEON", "(x[2j], x[2j+1])"
		}
		a := f.Func(name, "func(x *float32, rows, hd int, cos, sin *float32, half int)",
			name+` rotates pair j < half (a multiple of 4) of each of the rows
of hd floats at x, `+pairs+`, by the angle whose cosine and sine are
cos[j] and sin[j]: (a*cos - b*sin, a*sin + b*cos), as ropeGeneric.`)
		// R0: the row; R1: rows left; R2: the row stride in bytes; R3, R4:
		// cos and sin; R5: half; R6 (and R7 for neox: the pairs' second
		// halves): the pairs; R8, R9: cos and sin of the pairs; R10: pairs
		// left in the row.
		a.Load("x", R0)
		a.Load("rows", R1)
		a.Load("hd", R2)
		a.LSL(Imm(2), R2, R2)
		a.Load("cos", R3)
		a.Load("sin", R4)
		a.Load("half", R5)
		a.CBZ(R1, "done")
		a.Label("row")
		a.MOVD(R0, R6)
		if neox {
			a.ADD(R5.Lsl(2), R0, R7)
		}
		a.MOVD(R3, R8)
		a.MOVD(R4, R9)
		a.MOVD(R5, R10)
		a.Label("pairs")
		if neox {
			a.VLD1(R6, V0.S4())
			a.VLD1(R7, V1.S4())
		} else {
			a.VLD1(R6, V16.S4(), V17.S4())
			a.VUZP1(V17.S4(), V16.S4(), V0.S4())
			a.VUZP2(V17.S4(), V16.S4(), V1.S4())
		}
		a.VLD1P(16, R8, V2.S4())
		a.VLD1P(16, R9, V3.S4())
		a.Comment("a*cos - b*sin, a*sin + b*cos")
		a.FMUL4S(V2, V0, V4)
		a.FMUL4S(V3, V1, V5)
		a.FSUB4S(V5, V4, V4)
		a.FMUL4S(V3, V0, V6)
		a.FMUL4S(V2, V1, V7)
		a.FADD4S(V7, V6, V6)
		if neox {
			a.VST1P(16, R6, V4.S4())
			a.VST1P(16, R7, V6.S4())
		} else {
			a.VZIP1(V6.S4(), V4.S4(), V16.S4())
			a.VZIP2(V6.S4(), V4.S4(), V17.S4())
			a.VST1P(32, R6, V16.S4(), V17.S4())
		}
		a.SUBS(Imm(4), R10)
		a.BNE("pairs")
		a.ADDto(R2, R0)
		a.SUBS(Imm(1), R1)
		a.BNE("row")
		a.Label("done")
		a.RET()
	}
}

// normKernels writes the pieces of RMSNorm and the F16 store of the KV
// cache.
func normKernels(f *File) {
	a := f.Func("sumSquaresNEON", "func(x *float32, n int) (even, odd float64)",
		`sumSquaresNEON returns the float64 sums of x[i]*x[i] over the even and
the odd i < n (a multiple of 4), each added in order of i: the two lanes
of one float64 accumulator, so the sums are RMSNorm's s0 and s1 bit for
bit (a float32 squared is exact in float64, fused or not). 16 elements per
iteration, then 4 at a time.`)
	a.Load("x", R0)
	a.Load("n", R1)
	a.Zero(V16)
	a.Label("loop16")
	a.CMP(Imm(16), R1)
	a.BLT("loop4")
	a.VLD1P(64, R0, V0.S4(), V1.S4(), V2.S4(), V3.S4())
	for i := range 4 {
		a.FCVTL2D(V(i), V(4+2*i))
		a.FCVTL22D(V(i), V(5+2*i))
	}
	for i := range 8 { // in order of i: the lanes' sums stay sumSquaresGeneric's
		a.FMLA2D(V(4+i), V(4+i), V16)
	}
	a.SUB(Imm(16), R1)
	a.B("loop16")
	a.Label("loop4")
	a.CBZ(R1, "done")
	a.VLD1P(16, R0, V0.S4())
	a.FCVTL2D(V0, V1)
	a.FCVTL22D(V0, V2)
	a.FMLA2D(V1, V1, V16)
	a.FMLA2D(V2, V2, V16)
	a.SUB(Imm(4), R1)
	a.B("loop4")
	a.Label("done")
	a.Store(V16.F(), "even")
	a.VDUP(V16.D(1), V17.D2())
	a.Store(V17.F(), "odd")
	a.RET()

	a = f.Func("scaleMulNEON", "func(dst, x, w *float32, n int, scale float32)",
		`scaleMulNEON sets dst[i] = x[i] * scale * w[i] (two roundings, in that
order) for n elements (a multiple of 4), 16 per iteration, then 4 at a
time.`)
	a.Load("dst", R0)
	a.Load("x", R1)
	a.Load("w", R2)
	a.Load("n", R3)
	a.Load("scale", V31.F())
	a.VDUP(V31.S(0), V31.S4())
	a.Label("loop16")
	a.CMP(Imm(16), R3)
	a.BLT("loop4")
	a.VLD1P(64, R1, V0.S4(), V1.S4(), V2.S4(), V3.S4())
	a.VLD1P(64, R2, V4.S4(), V5.S4(), V6.S4(), V7.S4())
	for i := range 4 {
		a.FMUL4S(V31, V(i), V(i))
	}
	for i := range 4 {
		a.FMUL4S(V(4+i), V(i), V(i))
	}
	a.VST1P(64, R0, V0.S4(), V1.S4(), V2.S4(), V3.S4())
	a.SUB(Imm(16), R3)
	a.B("loop16")
	a.Label("loop4")
	a.CBZ(R3, "done")
	a.VLD1P(16, R1, V0.S4())
	a.VLD1P(16, R2, V1.S4())
	a.FMUL4S(V31, V0, V0)
	a.FMUL4S(V1, V0, V0)
	a.VST1P(16, R0, V0.S4())
	a.SUB(Imm(4), R3)
	a.B("loop4")
	a.Label("done")
	a.RET()

	a = f.Func("scaleNEON", "func(dst, src *float32, n int, s float32)",
		`scaleNEON sets dst[i] = src[i] * s for n elements (a multiple of 4),
16 per iteration, then 4 at a time; dst may be src.`)
	a.Load("dst", R0)
	a.Load("src", R1)
	a.Load("n", R2)
	a.Load("s", V31.F())
	a.VDUP(V31.S(0), V31.S4())
	a.Label("loop16")
	a.CMP(Imm(16), R2)
	a.BLT("loop4")
	a.VLD1P(64, R1, V0.S4(), V1.S4(), V2.S4(), V3.S4())
	for i := range 4 {
		a.FMUL4S(V31, V(i), V(i))
	}
	a.VST1P(64, R0, V0.S4(), V1.S4(), V2.S4(), V3.S4())
	a.SUB(Imm(16), R2)
	a.B("loop16")
	a.Label("loop4")
	a.CBZ(R2, "done")
	a.VLD1P(16, R1, V0.S4())
	a.FMUL4S(V31, V0, V0)
	a.VST1P(16, R0, V0.S4())
	a.SUB(Imm(4), R2)
	a.B("loop4")
	a.Label("done")
	a.RET()

	a = f.Func("f32ToF16NEON", "func(dst *uint16, src *float32, n int)",
		`f32ToF16NEON converts n float32 values (a multiple of 8) to F16, rounding
to nearest even.`)
	a.Load("dst", R0)
	a.Load("src", R1)
	a.Load("n", R2)
	a.CBZ(R2, "done")
	a.Label("loop")
	a.VLD1P(32, R1, V0.S4(), V1.S4())
	a.FCVTN4H(V0, V2)
	a.FCVTN28H(V1, V2)
	a.VST1P(16, R0, V2.H8())
	a.SUBS(Imm(8), R2)
	a.BNE("loop")
	a.Label("done")
	a.RET()
}

// floatLoad is how a float format at R0 becomes float32 lanes: 16 into
// V2..V5, 4 into V2, one into F0.
type floatLoad struct {
	name, goType         string
	consts               func(a *Func)
	load16, load4, load1 func(a *Func)
}

var floatLoads = []floatLoad{
	{"F32", "float32", func(*Func) {},
		func(a *Func) { a.VLD1P(64, R0, V2.S4(), V3.S4(), V4.S4(), V5.S4()) },
		func(a *Func) { a.VLD1P(16, R0, V2.S4()) },
		func(a *Func) { a.FMOVSP(M(R0, 4), V0.F()) }},
	{"F16", "uint16", func(*Func) {},
		func(a *Func) {
			a.VLD1P(32, R0, V0.H8(), V1.H8())
			a.FCVTL4S(V0, V2)
			a.FCVTL24S(V0, V3)
			a.FCVTL4S(V1, V4)
			a.FCVTL24S(V1, V5)
		},
		func(a *Func) {
			a.VLD1P(8, R0, V0.H4())
			a.FCVTL4S(V0, V2)
		},
		func(a *Func) {
			a.MOVHUP(2, R0, R4)
			a.FMOVS(R4, V0.F())
			a.FCVTHS(V0.F(), V0.F())
		}},
	// BF16 to float32: interleave with zero halves (V29 = 0).
	{"BF16", "uint16", func(a *Func) { a.Zero(V29) },
		func(a *Func) {
			a.VLD1P(32, R0, V0.H8(), V1.H8())
			a.VZIP1(V0.H8(), V29.H8(), V2.H8())
			a.VZIP2(V0.H8(), V29.H8(), V3.H8())
			a.VZIP1(V1.H8(), V29.H8(), V4.H8())
			a.VZIP2(V1.H8(), V29.H8(), V5.H8())
		},
		func(a *Func) {
			a.VLD1P(8, R0, V0.H4())
			a.VZIP1(V0.H8(), V29.H8(), V2.H8())
		},
		func(a *Func) {
			a.MOVHUP(2, R0, R4)
			a.LSLW(16, R4, R4)
			a.FMOVS(R4, V0.F())
		}},
}

// dotBody is the dot-product loop: a at R0 (loaded by e), b at R1, n in R2.
func dotBody(a *Func, e floatLoad) {
	for i := range 4 {
		a.Zero(V(16 + i))
	}
	a.Label("loop16")
	a.CMP(Imm(16), R2)
	a.BLT("loop4")
	e.load16(a)
	a.VLD1P(64, R1, V6.S4(), V7.S4(), V8.S4(), V9.S4())
	for i := range 4 {
		a.FMLA4S(V(6+i), V(2+i), V(16+i))
	}
	a.SUB(Imm(16), R2)
	a.B("loop16")
	a.Label("loop4")
	a.CMP(Imm(4), R2)
	a.BLT("tail")
	e.load4(a)
	a.VLD1P(16, R1, V6.S4())
	a.FMLA4S(V6, V2, V16)
	a.SUB(Imm(4), R2)
	a.B("loop4")
	a.Label("tail")
	a.FADD4S(V17, V16, V16)
	a.FADD4S(V19, V18, V18)
	a.FADD4S(V18, V16, V16)
	a.FADDP4S(V16, V16, V16)
	a.FADDP4S(V16, V16, V16)
	a.CBZ(R2, "done")
	a.Label("loop1")
	e.load1(a)
	a.FMOVSP(M(R1, 4), V1.F())
	a.FMADDS(V1.F(), V16.F(), V0.F(), V16.F())
	a.SUBS(Imm(1), R2)
	a.BNE("loop1")
	a.Label("done")
	a.Store(V16.F(), "ret")
	a.RET()
}

// axpyBody is the axpy loop: x at R0 (loaded by e), y at R1, n in R2,
// alpha in F31 and every lane of V31.
func axpyBody(a *Func, e floatLoad) {
	a.Label("loop16")
	a.CMP(Imm(16), R2)
	a.BLT("loop4")
	e.load16(a)
	a.VLD1(R1, V6.S4(), V7.S4(), V8.S4(), V9.S4())
	for i := range 4 {
		a.FMLA4S(V31, V(2+i), V(6+i))
	}
	a.VST1P(64, R1, V6.S4(), V7.S4(), V8.S4(), V9.S4())
	a.SUB(Imm(16), R2)
	a.B("loop16")
	a.Label("loop4")
	a.CMP(Imm(4), R2)
	a.BLT("tail")
	e.load4(a)
	a.VLD1(R1, V6.S4())
	a.FMLA4S(V31, V2, V6)
	a.VST1P(16, R1, V6.S4())
	a.SUB(Imm(4), R2)
	a.B("loop4")
	a.Label("tail")
	a.CBZ(R2, "done")
	a.Label("loop1")
	e.load1(a)
	a.FMOVS(M(R1, 0), V1.F())
	a.FMADDS(V31.F(), V1.F(), V0.F(), V1.F())
	a.FMOVSP(V1.F(), M(R1, 4))
	a.SUBS(Imm(1), R2)
	a.BNE("loop1")
	a.Label("done")
	a.RET()
}
