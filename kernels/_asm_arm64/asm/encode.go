package asm

import "fmt"

// Instructions the Go assembler rejects, encoded here and emitted as WORD
// directives with the GNU syntax in a comment. Operands are in Go order
// like every other method: for a three-register form, (m, n, d) is the
// instruction "op vd, vn, vm". The encodings were checked with
// llvm-mc -triple=aarch64 -mattr=+dotprod,+i8mm -show-encoding (encode_test.go).

// rrr emits base | m<<16 | n<<5 | d.
func (a *Func) rrr(base uint32, gnu string, m, n, d VReg, dt, nt, mt string) {
	a.word(base|uint32(m)<<16|uint32(n)<<5|uint32(d),
		fmt.Sprintf("%s v%d.%s, v%d.%s, v%d.%s", gnu, d, dt, n, nt, m, mt))
}

// rr emits base | n<<5 | d.
func (a *Func) rr(base uint32, gnu string, n, d VReg, dt, nt string) {
	a.word(base|uint32(n)<<5|uint32(d), fmt.Sprintf("%s v%d.%s, v%d.%s", gnu, d, dt, n, nt))
}

func (a *Func) word(enc uint32, gnu string) {
	a.body.WriteString(fmt.Sprintf("\tWORD $0x%08x // %s\n", enc, gnu))
}

// SDOT: d.4S += the four-byte dot products of n.16B and m.16B (dotprod).
func (a *Func) SDOT(m, n, d VReg) { a.rrr(0x4e809400, "sdot", m, n, d, "4s", "16b", "16b") }

// SDOTE: d.4S += the four-byte dot products of n.16B with lane i of m
// (m.4B[i]): lane k of d gets n's bytes 4k..4k+3 times m's bytes
// 4i..4i+3 (dotprod).
func (a *Func) SDOTE(m VReg, i int, n, d VReg) {
	a.word(0x4f80e000|uint32(i&1)<<21|uint32(i>>1)<<11|uint32(m)<<16|uint32(n)<<5|uint32(d),
		fmt.Sprintf("sdot v%d.4s, v%d.16b, v%d.4b[%d]", d, n, m, i))
}

// SMMLA: d.4S (2x2 int32) += n (2x8 int8) times m (2x8 int8) transposed
// (i8mm).
func (a *Func) SMMLA(m, n, d VReg) { a.rrr(0x4e80a400, "smmla", m, n, d, "4s", "16b", "16b") }

// SMULL/SMULL2/SMLAL/SMLAL2 on bytes: d.8H = (+=) the products of the low
// (2: high) eight bytes of n and m.
func (a *Func) SMULL8H(m, n, d VReg)  { a.rrr(0x0e20c000, "smull", m, n, d, "8h", "8b", "8b") }
func (a *Func) SMULL28H(m, n, d VReg) { a.rrr(0x4e20c000, "smull2", m, n, d, "8h", "16b", "16b") }
func (a *Func) SMLAL8H(m, n, d VReg)  { a.rrr(0x0e208000, "smlal", m, n, d, "8h", "8b", "8b") }
func (a *Func) SMLAL28H(m, n, d VReg) { a.rrr(0x4e208000, "smlal2", m, n, d, "8h", "16b", "16b") }

// SMULL/SMLAL/SMLAL2 on halfwords: d.4S = (+=) products of four int16 lanes.
func (a *Func) SMULL4S(m, n, d VReg)  { a.rrr(0x0e60c000, "smull", m, n, d, "4s", "4h", "4h") }
func (a *Func) SMLAL4S(m, n, d VReg)  { a.rrr(0x0e608000, "smlal", m, n, d, "4s", "4h", "4h") }
func (a *Func) SMLAL24S(m, n, d VReg) { a.rrr(0x4e608000, "smlal2", m, n, d, "4s", "8h", "8h") }

// SADALP: d.4S += the pairwise sums of n.8H.
func (a *Func) SADALP(n, d VReg) { a.rr(0x4e606800, "sadalp", n, d, "4s", "8h") }

// MUL, MLA on int32 lanes; MLAE multiplies by lane i of m.
func (a *Func) MUL4S(m, n, d VReg) { a.rrr(0x4ea09c00, "mul", m, n, d, "4s", "4s", "4s") }
func (a *Func) MLA4S(m, n, d VReg) { a.rrr(0x4ea09400, "mla", m, n, d, "4s", "4s", "4s") }
func (a *Func) MLAE(m VReg, i int, n, d VReg) {
	a.word(0x6f800000|uint32(i&1)<<21|uint32(i>>1)<<11|uint32(m)<<16|uint32(n)<<5|uint32(d),
		fmt.Sprintf("mla v%d.4s, v%d.4s, v%d.s[%d]", d, n, m, i))
}

// Sign extensions (sshll #0): byte to halfword, halfword to word; the 2
// forms take the high half.
func (a *Func) SXTL8H(n, d VReg)  { a.rr(0x0f08a400, "sxtl", n, d, "8h", "8b") }
func (a *Func) SXTL28H(n, d VReg) { a.rr(0x4f08a400, "sxtl2", n, d, "8h", "16b") }
func (a *Func) SXTL4S(n, d VReg)  { a.rr(0x0f10a400, "sxtl", n, d, "4s", "4h") }
func (a *Func) SXTL24S(n, d VReg) { a.rr(0x4f10a400, "sxtl2", n, d, "4s", "8h") }

// SSHR24: d.4S = n.4S >> 24 (arithmetic).
func (a *Func) SSHR24(n, d VReg) {
	a.word(0x4f280400|uint32(n)<<5|uint32(d), fmt.Sprintf("sshr v%d.4s, v%d.4s, #24", d, n))
}

// Float vectors of four float32 lanes.
func (a *Func) SCVTF4S(n, d VReg)  { a.rr(0x4e21d800, "scvtf", n, d, "4s", "4s") }
func (a *Func) FCVTL4S(n, d VReg)  { a.rr(0x0e217800, "fcvtl", n, d, "4s", "4h") }
func (a *Func) FCVTL24S(n, d VReg) { a.rr(0x4e217800, "fcvtl2", n, d, "4s", "8h") }
func (a *Func) FMUL4S(m, n, d VReg) {
	a.rrr(0x6e20dc00, "fmul", m, n, d, "4s", "4s", "4s")
}
func (a *Func) FMLA4S(m, n, d VReg) {
	a.rrr(0x4e20cc00, "fmla", m, n, d, "4s", "4s", "4s")
}
func (a *Func) FADD4S(m, n, d VReg) {
	a.rrr(0x4e20d400, "fadd", m, n, d, "4s", "4s", "4s")
}
func (a *Func) FSUB4S(m, n, d VReg) {
	a.rrr(0x4ea0d400, "fsub", m, n, d, "4s", "4s", "4s")
}
func (a *Func) FADDP4S(m, n, d VReg) {
	a.rrr(0x6e20d400, "faddp", m, n, d, "4s", "4s", "4s")
}

// SCVTFX: d.4S = n.4S as float32 with fbits fraction bits (n / 2^fbits,
// exactly when it fits in 24 bits).
func (a *Func) SCVTFX(fbits int, n, d VReg) {
	a.word(0x4f00e400|uint32(64-fbits)<<16|uint32(n)<<5|uint32(d), fmt.Sprintf("scvtf v%d.4s, v%d.4s, #%d", d, n, fbits))
}

// FMULE: d.4S = n.4S * m.S[i].
func (a *Func) FMULE(m VReg, i int, n, d VReg) {
	a.word(0x4f809000|uint32(i&1)<<21|uint32(i>>1)<<11|uint32(m)<<16|uint32(n)<<5|uint32(d),
		fmt.Sprintf("fmul v%d.4s, v%d.4s, v%d.s[%d]", d, n, m, i))
}

// FMLAE: d.4S += n.4S * m.S[0].
func (a *Func) FMLAE(m, n, d VReg) {
	a.word(0x4f801000|uint32(m)<<16|uint32(n)<<5|uint32(d), fmt.Sprintf("fmla v%d.4s, v%d.4s, v%d.s[0]", d, n, m))
}

// SMLALE: d.4S += n.4H times lane i (0-7) of m.8H, m in V0-V15; SMLAL2E
// takes n's high four halfwords (n.8H).
func (a *Func) SMLALE(m VReg, i int, n, d VReg) { a.smlalE(0x0f402000, "smlal", "4h", m, i, n, d) }
func (a *Func) SMLAL2E(m VReg, i int, n, d VReg) {
	a.smlalE(0x4f402000, "smlal2", "8h", m, i, n, d)
}

func (a *Func) smlalE(base uint32, gnu, nt string, m VReg, i int, n, d VReg) {
	if m > 15 {
		panic("smlal by element: m must be V0-V15")
	}
	a.word(base|uint32(i>>2&1)<<11|uint32(i>>1&1)<<21|uint32(i&1)<<20|uint32(m)<<16|uint32(n)<<5|uint32(d),
		fmt.Sprintf("%s v%d.4s, v%d.%s, v%d.h[%d]", gnu, d, n, nt, m, i))
}

// BIC: d.16B = n.16B AND NOT m.16B (the Go assembler has no VBIC).
func (a *Func) BIC16B(m, n, d VReg) { a.rrr(0x4e601c00, "bic", m, n, d, "16b", "16b", "16b") }

// FMLS4S: d.4S -= n.4S * m.4S, fused.
func (a *Func) FMLS4S(m, n, d VReg) { a.rrr(0x4ea0cc00, "fmls", m, n, d, "4s", "4s", "4s") }

// FDIV4S: d.4S = n.4S / m.4S.
func (a *Func) FDIV4S(m, n, d VReg) { a.rrr(0x6e20fc00, "fdiv", m, n, d, "4s", "4s", "4s") }

// FMIN4S, FMAX4S: d.4S = min, max(n.4S, m.4S) (NaN if either is NaN).
func (a *Func) FMIN4S(m, n, d VReg) { a.rrr(0x4ea0f400, "fmin", m, n, d, "4s", "4s", "4s") }
func (a *Func) FMAX4S(m, n, d VReg) { a.rrr(0x4e20f400, "fmax", m, n, d, "4s", "4s", "4s") }

// FCMGT4S: d.4S = all ones where n.4S > m.4S (false for NaN), else 0.
func (a *Func) FCMGT4S(m, n, d VReg) { a.rrr(0x6ea0e400, "fcmgt", m, n, d, "4s", "4s", "4s") }

// FMAXV: d (a scalar Sd) = the largest lane of n.4S.
func (a *Func) FMAXV(n, d VReg) {
	a.word(0x6e30f800|uint32(n)<<5|uint32(d), fmt.Sprintf("fmaxv s%d, v%d.4s", d, n))
}

// FCVTL2D, FCVTL22D: d.2D = the low (2: high) two float32 lanes of n,
// widened to float64 (exact).
func (a *Func) FCVTL2D(n, d VReg)  { a.rr(0x0e617800, "fcvtl", n, d, "2d", "2s") }
func (a *Func) FCVTL22D(n, d VReg) { a.rr(0x4e617800, "fcvtl2", n, d, "2d", "4s") }

// FADD2D: d.2D = n.2D + m.2D.
func (a *Func) FADD2D(m, n, d VReg) { a.rrr(0x4e60d400, "fadd", m, n, d, "2d", "2d", "2d") }

// FADDPD: d (a scalar Dd) = the sum of n's two float64 lanes.
func (a *Func) FADDPD(n, d VReg) {
	a.word(0x7e70d800|uint32(n)<<5|uint32(d), fmt.Sprintf("faddp d%d, v%d.2d", d, n))
}

// FABS4S: d.4S = |n.4S|.
func (a *Func) FABS4S(n, d VReg) { a.rr(0x4ea0f800, "fabs", n, d, "4s", "4s") }

// FCVTAS4S: d.4S = n.4S rounded to the nearest integer, ties away from
// zero (math.Round), as int32.
func (a *Func) FCVTAS4S(n, d VReg) { a.rr(0x4e21c800, "fcvtas", n, d, "4s", "4s") }

// FCVTNS4S: d.4S = n.4S rounded to the nearest integer, ties to even, as
// int32.
func (a *Func) FCVTNS4S(n, d VReg) { a.rr(0x4e21a800, "fcvtns", n, d, "4s", "4s") }

// UMAXV4S: d (a scalar Sd) = the largest lane of n.4S, unsigned.
func (a *Func) UMAXV4S(n, d VReg) {
	a.word(0x6eb0a800|uint32(n)<<5|uint32(d), fmt.Sprintf("umaxv s%d, v%d.4s", d, n))
}

// FMLA2D: d.2D += n.2D * m.2D, fused.
func (a *Func) FMLA2D(m, n, d VReg) { a.rrr(0x4e60cc00, "fmla", m, n, d, "2d", "2d", "2d") }

// FCVTN4H, FCVTN28H: the four float32 lanes of n narrowed to F16 (nearest
// even) into the low (2: high) half of d.
func (a *Func) FCVTN4H(n, d VReg)  { a.rr(0x0e216800, "fcvtn", n, d, "4h", "4s") }
func (a *Func) FCVTN28H(n, d VReg) { a.rr(0x4e216800, "fcvtn2", n, d, "8h", "4s") }

// FMLAEi: d.4S += n.4S * m.S[i] (i 0-3), fused (FMLAE with any lane).
func (a *Func) FMLAEi(m VReg, i int, n, d VReg) {
	a.word(0x4f801000|uint32(i&1)<<21|uint32(i>>1)<<11|uint32(m)<<16|uint32(n)<<5|uint32(d),
		fmt.Sprintf("fmla v%d.4s, v%d.4s, v%d.s[%d]", d, n, m, i))
}

// FMLSEi: d.4S -= n.4S * m.S[i] (i 0-3), fused.
func (a *Func) FMLSEi(m VReg, i int, n, d VReg) {
	a.word(0x4f805000|uint32(i&1)<<21|uint32(i>>1)<<11|uint32(m)<<16|uint32(n)<<5|uint32(d),
		fmt.Sprintf("fmls v%d.4s, v%d.4s, v%d.s[%d]", d, n, m, i))
}
