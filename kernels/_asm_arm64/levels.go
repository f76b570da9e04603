package main

import . "github.com/gollm/gollm/kernels/_asm_arm64/asm"

// level is one emission of the integer kernels: the neon level multiplies
// bytes with SMULL/SMULL2 and accumulates with SADALP (every arm64 CPU);
// the dotprod level uses SDOT. Kernels written against level run at both.
type level struct {
	suffix string // appended to the kernel names: NEON, DP
	sdot   bool
}

var (
	neon    = level{"NEON", false}
	dotprod = level{"DP", true}
	levels  = []level{neon, dotprod}
)

// dot adds the int8 dot products of x and y to acc.4S in some lane layout:
// callers only use the sum of the four lanes. The neon form uses V30 and
// V31 as scratch.
func (l level) dot(a *Func, acc, x, y VReg) {
	if l.sdot {
		a.SDOT(y, x, acc)
		return
	}
	a.SMULL8H(y, x, V30)
	a.SMULL28H(y, x, V31)
	a.SADALP(V30, acc)
	a.SADALP(V31, acc)
}

// dots is dot for weights x of magnitude at most 32: at the neon level the
// products of a pair of bytes (each at most 32*128) add up exactly in an
// int16 lane before one SADALP (V30 scratch).
func (l level) dots(a *Func, acc, x, y VReg) {
	if l.sdot {
		a.SDOT(y, x, acc)
		return
	}
	a.SMULL8H(y, x, V30)
	a.SMLAL28H(y, x, V30)
	a.SADALP(V30, acc)
}

// dots2 is two dots into one accumulator; at the neon level four products
// share each int16 lane before one SADALP.
func (l level) dots2(a *Func, acc, x0, y0, x1, y1 VReg) {
	if l.sdot {
		a.SDOT(y0, x0, acc)
		a.SDOT(y1, x1, acc)
		return
	}
	a.SMULL8H(y0, x0, V30)
	a.SMLAL28H(y0, x0, V30)
	a.SMLAL8H(y1, x1, V30)
	a.SMLAL28H(y1, x1, V30)
	a.SADALP(V30, acc)
}

// name is the level's name in GOLLM_KERNELS.
func (l level) name() string {
	if l.sdot {
		return "dotprod"
	}
	return "neon"
}
