//go:build !purego

package kernels

//go:noescape
func dotF32AVX2(a, b *float32, n int) float32

//go:noescape
func dotF16AVX2(a *uint16, b *float32, n int) float32

//go:noescape
func axpyF32AVX2(alpha float32, x, y *float32, n int)

//go:noescape
func axpyF16AVX2(alpha float32, x *uint16, y *float32, n int)

// The wrappers below get slices of equal length.

func dot(a, b []float32) float32 {
	if level >= lvAVX2 && len(a) > 0 {
		return dotF32AVX2(&a[0], &b[0], len(a))
	}
	return dotGeneric(a, b)
}

func axpy(alpha float32, x, y []float32) {
	if level >= lvAVX2 && len(x) > 0 {
		axpyF32AVX2(alpha, &x[0], &y[0], len(x))
		return
	}
	axpyGeneric(alpha, x, y)
}

func dotF16(a []uint16, b []float32) float32 {
	if level >= lvAVX2 && len(a) > 0 {
		return dotF16AVX2(&a[0], &b[0], len(a))
	}
	return dotF16Generic(a, b)
}

func axpyF16(alpha float32, x []uint16, y []float32) {
	if level >= lvAVX2 && len(x) > 0 {
		axpyF16AVX2(alpha, &x[0], &y[0], len(x))
		return
	}
	axpyF16Generic(alpha, x, y)
}

//go:noescape
func dotBF16AVX2(a *uint16, b *float32, n int) float32

func dotBF16(a []uint16, b []float32) float32 {
	if level >= lvAVX2 && len(a) > 0 {
		return dotBF16AVX2(&a[0], &b[0], len(a))
	}
	return dotBF16Generic(a, b)
}
