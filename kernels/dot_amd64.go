//go:build !purego

package kernels

// AVX2 row dot products (dot_amd64.s): x points at nb >= 1 weight blocks,
// y at nb activation blocks.

//go:noescape
func dotQ8_0AVX2(x, y *byte, nb int) float32

//go:noescape
func dotQ4_0AVX2(x, y *byte, nb int) float32

//go:noescape
func dotQ4_1AVX2(x, y *byte, nb int) float32

//go:noescape
func dotQ5_0AVX2(x, y *byte, nb int) float32

//go:noescape
func dotQ5_1AVX2(x, y *byte, nb int) float32

//go:noescape
func dotIQ4_NLAVX2(x, y *byte, nb int) float32

//go:noescape
func dotQ4_KAVX2(x, y *byte, nb int) float32

//go:noescape
func dotQ5_KAVX2(x, y *byte, nb int) float32

//go:noescape
func dotQ6_KAVX2(x, y *byte, nb int) float32

//go:noescape
func dotIQ4_XSAVX2(x, y *byte, nb int) float32

//go:noescape
func dotQ2_KAVX2(x, y *byte, nb int) float32

//go:noescape
func dotQ3_KAVX2(x, y *byte, nb int) float32
