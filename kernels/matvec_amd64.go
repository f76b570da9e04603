//go:build !purego

package kernels

import "github.com/gollm/gollm/quant"

// Streaming four-row kernels (matvec_amd64.s): out[i] = dot(row i, y), row
// i at x + i*xstride, with software prefetch and one scale conversion per
// block for the four rows.

//go:noescape
func dotQ8_0r4sAVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)

//go:noescape
func dotQ4_0r4sAVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)

//go:noescape
func dotQ5_0r4sAVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)

//go:noescape
func dotIQ4_NLr4sAVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)

// useStream enables the streaming four-row kernels (tests and benchmarks
// switch it off to run and compare the row kernels).
var useStream = true

// matVecStream runs the streaming four-row kernel of t over the rows of
// out and returns the number of rows done (0 when t has none): with q =
// len(out)/4, call i computes rows i, q+i, 2q+i and 3q+i, so the kernel
// reads four long sequential streams (see matvec_amd64.s). The rows past
// 4q (at most three) are left to the row kernels. Each row's result does
// not depend on which rows share its call.
func matVecStream(t quant.Type, w []byte, rb, nb int, y *byte, out []float32) int {
	if !useStream {
		return 0
	}
	switch t {
	case quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.IQ4_NL:
	default:
		return 0
	}
	// Direct calls (not a func value) keep o on the stack.
	q := len(out) / 4
	var o [4]float32
	for i := 0; i < q; i++ {
		x := &w[i*rb]
		switch t {
		case quant.Q8_0:
			dotQ8_0r4sAVX2(x, q*rb, y, nb, &o)
		case quant.Q4_0:
			dotQ4_0r4sAVX2(x, q*rb, y, nb, &o)
		case quant.Q5_0:
			dotQ5_0r4sAVX2(x, q*rb, y, nb, &o)
		case quant.IQ4_NL:
			dotIQ4_NLr4sAVX2(x, q*rb, y, nb, &o)
		}
		out[i], out[q+i], out[2*q+i], out[3*q+i] = o[0], o[1], o[2], o[3]
	}
	return 4 * q
}
