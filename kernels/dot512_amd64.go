//go:build !purego

package kernels

// AVX-512 VNNI row dot products (dot512_amd64.s), experimental.

//go:noescape
func dotQ8_0AVX512(x, y *byte, nb int) float32

//go:noescape
func dotQ4_0AVX512(x, y *byte, nb int) float32

//go:noescape
func dotQ4_KAVX512(x, y *byte, nb int) float32

//go:noescape
func dotQ5_0AVX512(x, y *byte, nb int) float32

//go:noescape
func dotQ6_KAVX512(x, y *byte, nb int) float32
