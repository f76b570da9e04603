//go:build !purego

package kernels

// Streaming four-row kernels (matvec_amd64.s, shape rows4, run by
// matVecRows4): out[i] = dot(row i, y), row i at x + i*xstride, with
// software prefetch and one scale conversion per block for the four rows.

//go:noescape
func dotQ8_0r4AVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)

//go:noescape
func dotQ4_0r4AVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)

//go:noescape
func dotQ5_0r4AVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)

//go:noescape
func dotIQ4_NLr4AVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)
