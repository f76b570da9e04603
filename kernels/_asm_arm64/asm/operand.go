package asm

import (
	"fmt"
	"strings"
)

// Operand is anything an instruction takes: registers, vector
// arrangements and lanes, immediates, memory references.
type Operand interface{ String() string }

// Reg is a general-purpose register. Go's ABI reserves R18 (platform),
// R27 (assembler temporary), R28 (g), R29 (frame pointer) and R30 (link
// register): kernels use R0-R17 and R19-R26.
type Reg int

func (r Reg) String() string {
	switch r {
	case 18, 27, 28, 29, 30:
		panic(fmt.Sprintf("asm: R%d is reserved", int(r)))
	}
	return fmt.Sprintf("R%d", int(r))
}

// Lsl is r shifted left by n, as the second source of ADD/ORR.
func (r Reg) Lsl(n int) Operand { return Raw(fmt.Sprintf("%v<<%d", r, n)) }

// VReg is a SIMD register V0-V31; all are free in Go's ABI.
type VReg int

func (v VReg) String() string { return fmt.Sprintf("V%d", int(v)) }

// F is the register's low 32 bits as a scalar float (Fn).
func (v VReg) F() Operand { return Raw(fmt.Sprintf("F%d", int(v))) }

// Arrangements.
func (v VReg) B16() Vec { return Vec{v, "B16"} }
func (v VReg) B8() Vec  { return Vec{v, "B8"} }
func (v VReg) H8() Vec  { return Vec{v, "H8"} }
func (v VReg) H4() Vec  { return Vec{v, "H4"} }
func (v VReg) S4() Vec  { return Vec{v, "S4"} }
func (v VReg) S2() Vec  { return Vec{v, "S2"} }
func (v VReg) D2() Vec  { return Vec{v, "D2"} }

// Lanes.
func (v VReg) B(i int) Lane { return Lane{v, "B", i} }
func (v VReg) H(i int) Lane { return Lane{v, "H", i} }
func (v VReg) S(i int) Lane { return Lane{v, "S", i} }
func (v VReg) D(i int) Lane { return Lane{v, "D", i} }

// Vec is a vector register with an arrangement, such as V1.B16.
type Vec struct {
	V   VReg
	Arr string
}

func (x Vec) String() string { return fmt.Sprintf("%v.%s", x.V, x.Arr) }

// Lane is one element of a vector register, such as V1.S[2].
type Lane struct {
	V    VReg
	Kind string
	I    int
}

func (x Lane) String() string { return fmt.Sprintf("%v.%s[%d]", x.V, x.Kind, x.I) }

// List is a register list, such as [V0.B16, V1.B16].
type List []Vec

func (l List) String() string {
	s := make([]string, len(l))
	for i, v := range l {
		s[i] = v.String()
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// Imm is an immediate ($n).
type Imm int64

func (i Imm) String() string { return fmt.Sprintf("$%d", int64(i)) }

// Hex is an immediate written in hexadecimal ($0x...), for masks.
type Hex uint64

func (h Hex) String() string { return fmt.Sprintf("$0x%x", uint64(h)) }

// Mem is the memory reference off(base).
type Mem struct {
	Base Reg
	Off  int
}

func (m Mem) String() string {
	if m.Off == 0 {
		return fmt.Sprintf("(%v)", m.Base)
	}
	return fmt.Sprintf("%d(%v)", m.Off, m.Base)
}

// M is Mem{base, off}; Mem with a zero offset prints as (Rn).
func M(base Reg, off int) Mem { return Mem{base, off} }

// Label is a branch target.
type Label string

func (l Label) String() string { return string(l) }

// Raw is an operand written as is.
type Raw string

func (r Raw) String() string { return string(r) }

// V returns vector register n; R general register n.
func V(n int) VReg { return VReg(n) }
func R(n int) Reg  { return Reg(n) }

// Registers by name.
const (
	R0 Reg = iota
	R1
	R2
	R3
	R4
	R5
	R6
	R7
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
	R16
	R17
	_
	R19
	R20
	R21
	R22
	R23
	R24
	R25
	R26
)

const (
	V0 VReg = iota
	V1
	V2
	V3
	V4
	V5
	V6
	V7
	V8
	V9
	V10
	V11
	V12
	V13
	V14
	V15
	V16
	V17
	V18
	V19
	V20
	V21
	V22
	V23
	V24
	V25
	V26
	V27
	V28
	V29
	V30
	V31
)
