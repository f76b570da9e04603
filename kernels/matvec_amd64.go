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

// useStream enables the streaming four-row kernels (benchmarks switch it
// off to compare with the r4 kernels of dot_amd64.s; useR4 = false switches
// off both).
var useStream = true

// matVecStream runs the streaming four-row kernel of t over groups of four
// rows and returns the number of rows done (0 when t has none).
func matVecStream(t quant.Type, w []byte, rb, nb int, y *byte, out []float32) int {
	if !useStream || !useR4 {
		return 0
	}
	r := 0
	switch t {
	case quant.Q8_0:
		for ; r+4 <= len(out); r += 4 {
			dotQ8_0r4sAVX2(&w[r*rb], rb, y, nb, (*[4]float32)(out[r:r+4]))
		}
	case quant.Q4_0:
		for ; r+4 <= len(out); r += 4 {
			dotQ4_0r4sAVX2(&w[r*rb], rb, y, nb, (*[4]float32)(out[r:r+4]))
		}
	case quant.Q5_0:
		for ; r+4 <= len(out); r += 4 {
			dotQ5_0r4sAVX2(&w[r*rb], rb, y, nb, (*[4]float32)(out[r:r+4]))
		}
	case quant.IQ4_NL:
		for ; r+4 <= len(out); r += 4 {
			dotIQ4_NLr4sAVX2(&w[r*rb], rb, y, nb, (*[4]float32)(out[r:r+4]))
		}
	}
	return r
}
