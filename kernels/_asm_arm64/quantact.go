package main

import . "github.com/gollm/gollm/kernels/_asm_arm64/asm"

// Activation quantization (quantact_arm64.s), used at every arm64 level,
// bit for bit as quant.QuantizeQ8_0 compiled for arm64: no fused
// multiply-add anywhere (quant's TestNoFusedMultiplyAdd), so the products
// and quotients here are the single IEEE operations of the Go reference.
func quantactFile() *File {
	f := NewFile(`Activation quantization for every arm64 level, bit for bit as the quant
package's reference (no fused multiply-add). Each routine stops before
the first block it does not take and returns the number of blocks done;
the Go caller quantizes that block with the reference.`)

	a := f.Func("quantQ8_0NEON", "func(x *float32, q *byte, nb int) int",
		`quantQ8_0NEON quantizes nb blocks of 32 floats at x into Q8_0 blocks at q
and returns nb, or the index of the first block whose max |x| is Inf or
NaN or whose d = max/127 is subnormal, which it leaves untouched.
Otherwise d = amax/127, id = 1/d (0 when d is 0), d stored as F16
(nearest even), and each quant is round(x*id) (ties away from zero, as
roundf) in [-127, 127].`)
	a.Load("x", R0)
	a.Load("q", R1)
	a.Load("nb", R2)
	a.MOVD(Imm(0), R3)
	a.MOVW(Hex(0x42fe0000), R5) // 127
	a.FMOVS(R5, V24.F())
	a.MOVW(Hex(0x3f800000), R5) // 1
	a.FMOVS(R5, V25.F())
	a.Label("block")
	a.CMP(R2, R3)
	a.BEQ("done")
	a.VLD1(R0, V0.S4(), V1.S4(), V2.S4(), V3.S4())
	a.ADD(Imm(64), R0, R6)
	a.VLD1(R6, V4.S4(), V5.S4(), V6.S4(), V7.S4())
	a.Comment("amax: the largest |x| (NaN if any x is NaN)")
	for i := range 8 {
		a.FABS4S(V(i), V(16+i))
	}
	for _, p := range [][2]int{{16, 17}, {18, 19}, {20, 21}, {22, 23}, {16, 18}, {20, 22}, {16, 20}} {
		a.FMAX4S(V(p[1]), V(p[0]), V(p[0]))
	}
	a.FMAXV(V16, V16)
	a.FMOVS(V16.F(), R4)
	a.MOVW(Hex(0x7f800000), R5)
	a.CMPW(R5, R4)
	a.BHS("done")                      // Inf or NaN
	a.FDIVS(V24.F(), V16.F(), V17.F()) // d = amax / 127
	a.FMOVS(V17.F(), R6)
	a.Zero(V18) // id = 0 when d is 0
	a.CBZW(R6, "id")
	a.MOVW(Hex(0x00800000), R5)
	a.CMPW(R5, R6)
	a.BLO("done")                      // subnormal d
	a.FDIVS(V17.F(), V25.F(), V18.F()) // id = 1 / d
	a.Label("id")
	a.FCVTSH(V17.F(), V19.F())
	a.FMOVS(V19.F(), R7)
	a.MOVHP(2, R7, R1)
	a.Comment("q = round(x * id), narrowed to bytes (all in [-127, 127])")
	for i := range 8 {
		a.FMULE(V18, 0, V(i), V(i))
	}
	for i := range 8 {
		a.FCVTAS4S(V(i), V(i))
	}
	for i := 0; i < 8; i += 2 {
		a.VUZP1(V(i+1).H8(), V(i).H8(), V(i).H8())
	}
	a.VUZP1(V2.B16(), V0.B16(), V0.B16())
	a.VUZP1(V6.B16(), V4.B16(), V1.B16())
	a.VST1P(32, R1, V0.B16(), V1.B16())
	a.ADD(Imm(128), R0, R0)
	a.ADD(Imm(1), R3, R3)
	a.B("block")
	a.Label("done")
	a.Store(R3, "ret")
	a.RET()

	quantQ8K(f)
	return f
}

// quantQ8K writes quantQ8KNEON.
func quantQ8K(f *File) {
	a := f.Func("quantQ8KNEON", "func(x *float32, q *byte, nb int) int",
		`quantQ8KNEON is quantQ8_0NEON for Q8_K blocks of 256 floats: it declines
blocks holding an Inf or NaN and blocks whose iscale = -127/max overflows,
max being the first value of largest magnitude, as in the reference.
Each quant is iscale*x + 1.5*2**23 in two roundings, less the magic's
bits (nearestInt): |iscale*x| <= 127.00001, so quants are in [-127, 127];
the sixteen bsums are the int32 sums of each run of 16.`)
	a.Load("x", R0)
	a.Load("q", R1)
	a.Load("nb", R2)
	a.MOVD(Imm(0), R3)
	a.MOVW(Hex(0xc2fe0000), R5) // -127
	a.FMOVS(R5, V22.F())
	a.MOVW(Hex(0x3f800000), R5) // 1
	a.FMOVS(R5, V23.F())
	a.MOVW(Hex(0x4b400000), R5) // 1.5 * 2**23
	a.VDUP(R5, V29.S4())
	a.Label("block")
	a.CMP(R2, R3)
	a.BEQ("done")
	a.Comment("amax: the largest |x| (NaN if any x is NaN)")
	a.MOVD(R0, R4)
	for i := range 4 {
		a.Zero(V(16 + i))
	}
	for range 8 {
		a.VLD1P(64, R4, V0.S4(), V1.S4(), V2.S4(), V3.S4())
		a.VLD1P(64, R4, V4.S4(), V5.S4(), V6.S4(), V7.S4())
		for i := range 8 {
			a.FABS4S(V(i), V(i))
		}
		for i := range 8 {
			a.FMAX4S(V(i), V(16+i%4), V(16+i%4))
		}
	}
	a.FMAX4S(V17, V16, V16)
	a.FMAX4S(V19, V18, V18)
	a.FMAX4S(V18, V16, V16)
	a.FMAXV(V16, V16)
	a.FMOVS(V16.F(), R5)
	a.MOVW(Hex(0x7f800000), R6)
	a.CMPW(R6, R5)
	a.BHS("done") // Inf or NaN
	a.CBZW(R5, "zero")

	a.Comment("max: the first x with |x| == amax")
	a.VDUP(R5, V20.S4())
	a.MOVD(R0, R4)
	a.Label("find")
	a.VLD1P(16, R4, V0.S4())
	a.FABS4S(V0, V1)
	a.VCMEQ(V20.S4(), V1.S4(), V1.S4())
	a.UMAXV4S(V1, V2)
	a.FMOVS(V2.F(), R6)
	a.CBZW(R6, "find") // amax is in the block: stops by its last vector
	for l := range 3 {
		a.VMOV(V1.S(l), R6)
		a.CBNZW(R6, Label(fmtLabel("lane", l)))
	}
	a.VMOV(V0.S(3), R7)
	a.B("found")
	for l := range 3 {
		a.Label(Label(fmtLabel("lane", l)))
		a.VMOV(V0.S(l), R7)
		a.B("found")
	}
	a.Label("found")
	a.FMOVS(R7, V26.F())
	a.FDIVS(V26.F(), V22.F(), V27.F()) // iscale = -127 / max
	a.FMOVS(V27.F(), R6)
	a.ANDW(Hex(0x7fffffff), R6, R6)
	a.MOVW(Hex(0x7f800000), R5)
	a.CMPW(R5, R6)
	a.BHS("done")                      // overflowed (tiny max)
	a.FDIVS(V27.F(), V23.F(), V28.F()) // d = 1 / iscale
	a.FMOVS(V28.F(), M(R1, 0))
	a.VDUP(V27.S(0), V30.S4())

	a.Comment("quants and bsums, 64 values at a time")
	a.MOVD(R0, R4)
	a.ADD(Imm(4), R1, R8)
	a.ADD(Imm(260), R1, R9)
	for range 4 {
		for g := range 4 {
			a.VLD1P(64, R4, V(4*g).S4(), V(4*g+1).S4(), V(4*g+2).S4(), V(4*g+3).S4())
		}
		for i := range 16 {
			a.FMUL4S(V30, V(i), V(i))
		}
		for i := range 16 {
			a.FADD4S(V29, V(i), V(i))
		}
		for i := range 16 {
			a.VSUB(V29.S4(), V(i).S4(), V(i).S4())
		}
		for g := range 4 {
			a.VADD(V(4*g+1).S4(), V(4*g).S4(), V(16+g).S4())
			a.VADD(V(4*g+3).S4(), V(4*g+2).S4(), V(24+g).S4())
		}
		for g := range 4 {
			a.VADD(V(24+g).S4(), V(16+g).S4(), V(16+g).S4())
		}
		a.VADDP(V17.S4(), V16.S4(), V16.S4())
		a.VADDP(V19.S4(), V18.S4(), V18.S4())
		a.VADDP(V18.S4(), V16.S4(), V16.S4())
		a.VUZP1(V16.H8(), V16.H8(), V16.H8())
		a.Inst("FMOVD.P", V16.F(), M(R9, 8))
		for i := 0; i < 16; i += 2 {
			a.VUZP1(V(i+1).H8(), V(i).H8(), V(i).H8())
		}
		for g := range 4 {
			a.VUZP1(V(4*g+2).B16(), V(4*g).B16(), V(24+g).B16())
		}
		a.VST1P(64, R8, V24.B16(), V25.B16(), V26.B16(), V27.B16())
	}
	a.B("next")

	a.Label("zero")
	a.Comment("All zero (±0): the reference clears the block.")
	for i := range 4 {
		a.Zero(V(i))
	}
	a.MOVD(R1, R4)
	for range 4 {
		a.VST1P(64, R4, V0.B16(), V1.B16(), V2.B16(), V3.B16())
	}
	a.VST1P(32, R4, V0.B16(), V1.B16())
	a.Inst("MOVW", Raw("ZR"), M(R4, 0))

	a.Label("next")
	a.ADD(Imm(1024), R0, R0)
	a.ADD(Imm(292), R1, R1)
	a.ADD(Imm(1), R3, R3)
	a.B("block")
	a.Label("done")
	a.Store(R3, "ret")
	a.RET()
}
