//go:build !purego

package kernels

import "github.com/gollm/gollm/quant"

// Which arm64 kernels each type has, and the switches from a type and the
// current level to the assembly routines (dot_arm64.go).

// hasARMRow reports whether t has arm64 row dot products.
func hasARMRow(t quant.Type) bool {
	switch t {
	case quant.Q8_0, quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.IQ4_NL,
		quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.IQ4_XS:
		return true
	}
	return false
}

// dotRowARM dispatches to the row dot product of t (hasARMRow(t)) at the
// current level (neon or higher).
func dotRowARM(t quant.Type, x, y *byte, nb int) float32 {
	if level >= lvDotProd {
		switch t {
		case quant.Q8_0:
			return dotQ8_0DP(x, y, nb)
		case quant.Q4_0:
			return dotQ4_0DP(x, y, nb)
		case quant.Q4_1:
			return dotQ4_1DP(x, y, nb)
		case quant.Q5_0:
			return dotQ5_0DP(x, y, nb)
		case quant.Q5_1:
			return dotQ5_1DP(x, y, nb)
		case quant.IQ4_NL:
			return dotIQ4_NLDP(x, y, nb)
		case quant.Q2_K:
			return dotQ2_KDP(x, y, nb)
		case quant.Q3_K:
			return dotQ3_KDP(x, y, nb)
		case quant.Q4_K:
			return dotQ4_KDP(x, y, nb)
		case quant.Q5_K:
			return dotQ5_KDP(x, y, nb)
		case quant.Q6_K:
			return dotQ6_KDP(x, y, nb)
		case quant.IQ4_XS:
			return dotIQ4_XSDP(x, y, nb)
		}
	}
	switch t {
	case quant.Q8_0:
		return dotQ8_0NEON(x, y, nb)
	case quant.Q4_0:
		return dotQ4_0NEON(x, y, nb)
	case quant.Q4_1:
		return dotQ4_1NEON(x, y, nb)
	case quant.Q5_0:
		return dotQ5_0NEON(x, y, nb)
	case quant.Q5_1:
		return dotQ5_1NEON(x, y, nb)
	case quant.IQ4_NL:
		return dotIQ4_NLNEON(x, y, nb)
	case quant.Q2_K:
		return dotQ2_KNEON(x, y, nb)
	case quant.Q3_K:
		return dotQ3_KNEON(x, y, nb)
	case quant.Q4_K:
		return dotQ4_KNEON(x, y, nb)
	case quant.Q5_K:
		return dotQ5_KNEON(x, y, nb)
	case quant.Q6_K:
		return dotQ6_KNEON(x, y, nb)
	case quant.IQ4_XS:
		return dotIQ4_XSNEON(x, y, nb)
	}
	panic("kernels: no arm64 kernel for " + t.String())
}

// dotR4ARM dispatches to the four-row kernel of t (a 32-element type with
// hasARMx4(t)).
func dotR4ARM(t quant.Type, x *byte, xstride int, y *byte, nb int, out *[4]float32) {
	if level >= lvDotProd {
		switch t {
		case quant.Q8_0:
			dotQ8_0r4DP(x, xstride, y, nb, out)
		case quant.Q4_0:
			dotQ4_0r4DP(x, xstride, y, nb, out)
		case quant.Q5_0:
			dotQ5_0r4DP(x, xstride, y, nb, out)
		case quant.IQ4_NL:
			dotIQ4_NLr4DP(x, xstride, y, nb, out)
		}
		return
	}
	switch t {
	case quant.Q8_0:
		dotQ8_0r4NEON(x, xstride, y, nb, out)
	case quant.Q4_0:
		dotQ4_0r4NEON(x, xstride, y, nb, out)
	case quant.Q5_0:
		dotQ5_0r4NEON(x, xstride, y, nb, out)
	case quant.IQ4_NL:
		dotIQ4_NLr4NEON(x, xstride, y, nb, out)
	}
}

// hasARMx4 reports whether t has four-column kernels (neon and dotprod).
func hasARMx4(t quant.Type) bool {
	switch t {
	case quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.IQ4_NL, quant.Q4_K, quant.Q5_K, quant.Q6_K:
		return true
	}
	return false
}

// dotX4ARM dispatches to the four-column kernel of t (hasARMx4(t)).
func dotX4ARM(t quant.Type, x, y *byte, ystride, nb int, out *[4]float32) {
	if level >= lvDotProd {
		switch t {
		case quant.Q8_0:
			dotQ8_0x4DP(x, y, ystride, nb, out)
		case quant.Q4_0:
			dotQ4_0x4DP(x, y, ystride, nb, out)
		case quant.Q5_0:
			dotQ5_0x4DP(x, y, ystride, nb, out)
		case quant.IQ4_NL:
			dotIQ4_NLx4DP(x, y, ystride, nb, out)
		case quant.Q4_K:
			dotQ4_Kx4DP(x, y, ystride, nb, out)
		case quant.Q5_K:
			dotQ5_Kx4DP(x, y, ystride, nb, out)
		case quant.Q6_K:
			dotQ6_Kx4DP(x, y, ystride, nb, out)
		}
		return
	}
	switch t {
	case quant.Q8_0:
		dotQ8_0x4NEON(x, y, ystride, nb, out)
	case quant.Q4_0:
		dotQ4_0x4NEON(x, y, ystride, nb, out)
	case quant.Q5_0:
		dotQ5_0x4NEON(x, y, ystride, nb, out)
	case quant.IQ4_NL:
		dotIQ4_NLx4NEON(x, y, ystride, nb, out)
	case quant.Q4_K:
		dotQ4_Kx4NEON(x, y, ystride, nb, out)
	case quant.Q5_K:
		dotQ5_Kx4NEON(x, y, ystride, nb, out)
	case quant.Q6_K:
		dotQ6_Kx4NEON(x, y, ystride, nb, out)
	}
}

// hasI8MMx2 reports whether t has a 2x2 SMMLA kernel.
func hasI8MMx2(t quant.Type) bool {
	switch t {
	case quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.IQ4_NL, quant.Q4_K, quant.Q6_K:
		return true
	}
	return false
}

// dotX2I8MM dispatches to the 2x2 kernel of t (hasI8MMx2(t)).
func dotX2I8MM(t quant.Type, x *byte, xstride int, y *byte, ystride, nb int, out *[4]float32) {
	switch t {
	case quant.Q8_0:
		dotQ8_0x2I8MM(x, xstride, y, ystride, nb, out)
	case quant.Q4_0:
		dotQ4_0x2I8MM(x, xstride, y, ystride, nb, out)
	case quant.Q5_0:
		dotQ5_0x2I8MM(x, xstride, y, ystride, nb, out)
	case quant.IQ4_NL:
		dotIQ4_NLx2I8MM(x, xstride, y, ystride, nb, out)
	case quant.Q4_K:
		dotQ4_Kx2I8MM(x, xstride, y, ystride, nb, out)
	case quant.Q6_K:
		dotQ6_Kx2I8MM(x, xstride, y, ystride, nb, out)
	}
}
