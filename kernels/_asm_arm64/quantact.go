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
	return f
}
