//go:build !purego

package kernels

// expShiftAVX2 handles n elements, a multiple of 8, and returns their sum.
//
//go:noescape
func expShiftAVX2(dst, src *float32, n int, m float32) float64

func expShift(dst, src []float32, m float32) float64 {
	n8 := len(src) &^ 7
	if level < lvAVX2 || n8 == 0 {
		return expShiftGeneric(dst, src, m)
	}
	sum := expShiftAVX2(&dst[0], &src[0], n8, m)
	return sum + expShiftGeneric(dst[n8:], src[n8:], m)
}
