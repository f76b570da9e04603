package asm

import "fmt"

// Instructions the Go assembler accepts, one method each, operands in Go
// order (sources first, destination last).

// Integer and control flow.

func (a *Func) MOVD(src, dst Operand)              { a.Inst("MOVD", src, dst) }
func (a *Func) MOVHU(src, dst Operand)             { a.Inst("MOVHU", src, dst) }
func (a *Func) MOVWU(src, dst Operand)             { a.Inst("MOVWU", src, dst) }
func (a *Func) ADD(src, n, dst Operand)            { a.Inst("ADD", src, n, dst) }
func (a *Func) ADDto(src, dst Operand)             { a.Inst("ADD", src, dst) }
func (a *Func) SUB(src, dst Operand)               { a.Inst("SUB", src, dst) }
func (a *Func) SUBS(src, dst Operand)              { a.Inst("SUBS", src, dst) }
func (a *Func) SUBW(src, n, dst Operand)           { a.Inst("SUBW", src, n, dst) }
func (a *Func) LSRW(sh Imm, n, dst Reg)            { a.Inst("LSRW", sh, n, dst) }
func (a *Func) LSLW(sh Imm, n, dst Reg)            { a.Inst("LSLW", sh, n, dst) }
func (a *Func) ANDW(src, n, dst Operand)           { a.Inst("ANDW", src, n, dst) }
func (a *Func) ORRW(src, n, dst Operand)           { a.Inst("ORRW", src, n, dst) }
func (a *Func) UBFXW(lsb Imm, n Reg, w Imm, d Reg) { a.Inst("UBFXW", lsb, n, w, d) }
func (a *Func) CMP(src, n Operand)                 { a.Inst("CMP", src, n) }
func (a *Func) CBZ(r Reg, l Label)                 { a.Inst("CBZ", r, l) }
func (a *Func) B(l Label)                          { a.Inst("B", l) }
func (a *Func) BNE(l Label)                        { a.Inst("BNE", l) }
func (a *Func) BLT(l Label)                        { a.Inst("BLT", l) }
func (a *Func) RET()                               { a.Inst("RET") }

// MOVHUP and MOVWUP load with post-increment: dst = *base; base += inc.
func (a *Func) MOVHUP(inc int, base, dst Reg) { a.Inst("MOVHU.P", M(base, inc), dst) }
func (a *Func) MOVWUP(inc int, base, dst Reg) { a.Inst("MOVWU.P", M(base, inc), dst) }

// MOVDP loads eight bytes with post-increment: dst = *base; base += inc
// (inc need not be 8).
func (a *Func) MOVDP(inc int, base, dst Reg) { a.Inst("MOVD.P", M(base, inc), dst) }

// Scalar floating point (Fn operands: VReg.F()).

func (a *Func) FMOVS(src, dst Operand)        { a.Inst("FMOVS", src, dst) }
func (a *Func) FMOVSP(src, dst Operand)       { a.Inst("FMOVS.P", src, dst) }
func (a *Func) FCVTHS(src, dst Operand)       { a.Inst("FCVTHS", src, dst) }
func (a *Func) SCVTFWS(src, dst Operand)      { a.Inst("SCVTFWS", src, dst) }
func (a *Func) FMULS(m, n, dst Operand)       { a.Inst("FMULS", m, n, dst) }
func (a *Func) FADDS(m, n, dst Operand)       { a.Inst("FADDS", m, n, dst) }
func (a *Func) FSUBS(m, n, dst Operand)       { a.Inst("FSUBS", m, n, dst) }
func (a *Func) FMADDS(m, acc, n, dst Operand) { a.Inst("FMADDS", m, acc, n, dst) }

// Vector.

func (a *Func) VEOR(m, n, d Vec)       { a.Inst("VEOR", m, n, d) }
func (a *Func) VAND(m, n, d Vec)       { a.Inst("VAND", m, n, d) }
func (a *Func) VORR(m, n, d Vec)       { a.Inst("VORR", m, n, d) }
func (a *Func) VADD(m, n, d Vec)       { a.Inst("VADD", m, n, d) }
func (a *Func) VSUB(m, n, d Vec)       { a.Inst("VSUB", m, n, d) }
func (a *Func) VADDP(m, n, d Vec)      { a.Inst("VADDP", m, n, d) }
func (a *Func) VCMTST(m, n, d Vec)     { a.Inst("VCMTST", m, n, d) }
func (a *Func) VZIP1(m, n, d Vec)      { a.Inst("VZIP1", m, n, d) }
func (a *Func) VZIP2(m, n, d Vec)      { a.Inst("VZIP2", m, n, d) }
func (a *Func) VUZP2(m, n, d Vec)      { a.Inst("VUZP2", m, n, d) }
func (a *Func) VUSHR(sh Imm, n, d Vec) { a.Inst("VUSHR", sh, n, d) }
func (a *Func) VSHL(sh Imm, n, d Vec)  { a.Inst("VSHL", sh, n, d) }
func (a *Func) VUXTL(n, d Vec)         { a.Inst("VUXTL", n, d) }
func (a *Func) VUXTL2(n, d Vec)        { a.Inst("VUXTL2", n, d) }
func (a *Func) VMOVI(i Imm, d Vec)     { a.Inst("VMOVI", i, d) }
func (a *Func) VADDV(n Vec, d VReg)    { a.Inst("VADDV", n, d) }

// VMOV moves between general registers and lanes (VMOV R4, V1.H[2];
// VMOV V1.S[0], R6).
func (a *Func) VMOV(src, dst Operand) { a.Inst("VMOV", src, dst) }

// VDUP broadcasts a general register or a lane to every lane of d.
func (a *Func) VDUP(src Operand, d Vec) { a.Inst("VDUP", src, d) }

// VTBL looks up the bytes of idx in the table registers (0 when out of
// range).
func (a *Func) VTBL(idx Vec, table List, d Vec) { a.Inst("VTBL", idx, table, d) }

// VMOVV copies n to d (an alias of ORR).
func (a *Func) VMOVV(n, d VReg) { a.VORR(n.B16(), n.B16(), d.B16()) }

// VLD1R loads one element into every lane; VLD1RP also adds inc to base.
func (a *Func) VLD1R(base Reg, d Vec) { a.Inst("VLD1R", M(base, 0), List{d}) }
func (a *Func) VLD1RP(inc int, base Reg, d Vec) {
	a.Inst("VLD1R.P", M(base, inc), List{d})
}

// Zero clears every bit of v.
func (a *Func) Zero(v VReg) { a.VEOR(v.B16(), v.B16(), v.B16()) }

// VLD1 loads the registers from (base); VLD1P also adds inc to base.
func (a *Func) VLD1(base Reg, regs ...Vec) { a.Inst("VLD1", M(base, 0), List(regs)) }
func (a *Func) VLD1P(inc int, base Reg, regs ...Vec) {
	a.Inst("VLD1.P", M(base, inc), List(regs))
}

// VLD1PR loads the registers from (base) and adds register inc to base.
func (a *Func) VLD1PR(inc, base Reg, regs ...Vec) {
	a.Inst("VLD1.P", Raw(fmt.Sprintf("(%v)(%v)", base, inc)), List(regs))
}

// VLD1LaneP loads one element into lane l and adds inc to base;
// VLD1LanePR adds register inc.
func (a *Func) VLD1LaneP(inc int, base Reg, l Lane) { a.Inst("VLD1.P", M(base, inc), l) }
func (a *Func) VLD1LanePR(inc, base Reg, l Lane) {
	a.Inst("VLD1.P", Raw(fmt.Sprintf("(%v)(%v)", base, inc)), l)
}

// VST1 stores the registers to (base); VST1P also adds inc to base.
func (a *Func) VST1(base Reg, regs ...Vec) { a.Inst("VST1", List(regs), M(base, 0)) }
func (a *Func) VST1P(inc int, base Reg, regs ...Vec) {
	a.Inst("VST1.P", List(regs), M(base, inc))
}

// Added for the quantact family.

func (a *Func) MOVW(src, dst Operand)        { a.Inst("MOVW", src, dst) }
func (a *Func) CMPW(src, n Operand)          { a.Inst("CMPW", src, n) }
func (a *Func) CBZW(r Reg, l Label)          { a.Inst("CBZW", r, l) }
func (a *Func) BEQ(l Label)                  { a.Inst("BEQ", l) }
func (a *Func) BHS(l Label)                  { a.Inst("BHS", l) }
func (a *Func) BLO(l Label)                  { a.Inst("BLO", l) }
func (a *Func) FDIVS(m, n, dst Operand)      { a.Inst("FDIVS", m, n, dst) }
func (a *Func) FCVTSH(src, dst Operand)      { a.Inst("FCVTSH", src, dst) }
func (a *Func) VUZP1(m, n, d Vec)            { a.Inst("VUZP1", m, n, d) }
func (a *Func) MOVHP(inc int, src, base Reg) { a.Inst("MOVH.P", src, M(base, inc)) }

// Added for the floattile family.

func (a *Func) LSL(sh Imm, n, dst Reg)       { a.Inst("LSL", sh, n, dst) }
func (a *Func) FMAXS(m, n, dst Operand)      { a.Inst("FMAXS", m, n, dst) }
func (a *Func) VCMEQ(m, n, d Vec)            { a.Inst("VCMEQ", m, n, d) }
func (a *Func) CBNZW(r Reg, l Label)         { a.Inst("CBNZW", r, l) }
func (a *Func) MOVWP(inc int, src, base Reg) { a.Inst("MOVW.P", src, M(base, inc)) }

// Added for the i8mm column-quad layout.

func (a *Func) VST1PR(inc, base Reg, regs ...Vec) {
	a.Inst("VST1.P", List(regs), Raw(fmt.Sprintf("(%v)(%v)", base, inc)))
}
func (a *Func) TBZ(bit int, r Reg, l Label) { a.Inst("TBZ", Imm(bit), r, l) }
