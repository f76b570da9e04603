//go:build !purego

package kernels

// NEON float kernels (f32_arm64.s), used at every arm64 level.

//go:noescape
func dotF32NEON(a, b *float32, n int) float32

//go:noescape
func dotF16NEON(a *uint16, b *float32, n int) float32

//go:noescape
func dotBF16NEON(a *uint16, b *float32, n int) float32

//go:noescape
func axpyF32NEON(alpha float32, x, y *float32, n int)

//go:noescape
func axpyF16NEON(alpha float32, x *uint16, y *float32, n int)

// The wrappers below get slices of equal length.

func dot(a, b []float32) float32 {
	if level >= lvNEON && len(a) > 0 {
		return dotF32NEON(&a[0], &b[0], len(a))
	}
	return dotGeneric(a, b)
}

func axpy(alpha float32, x, y []float32) {
	if level >= lvNEON && len(x) > 0 {
		axpyF32NEON(alpha, &x[0], &y[0], len(x))
		return
	}
	axpyGeneric(alpha, x, y)
}

func dotF16(a []uint16, b []float32) float32 {
	if level >= lvNEON && len(a) > 0 {
		return dotF16NEON(&a[0], &b[0], len(a))
	}
	return dotF16Generic(a, b)
}

func axpyF16(alpha float32, x []uint16, y []float32) {
	if level >= lvNEON && len(x) > 0 {
		axpyF16NEON(alpha, &x[0], &y[0], len(x))
		return
	}
	axpyF16Generic(alpha, x, y)
}

func dotBF16(a []uint16, b []float32) float32 {
	if level >= lvNEON && len(a) > 0 {
		return dotBF16NEON(&a[0], &b[0], len(a))
	}
	return dotBF16Generic(a, b)
}
