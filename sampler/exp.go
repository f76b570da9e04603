package sampler

import "github.com/gollm/gollm/kernels"

// expShift sets dst[i] = e**(src[i]-m) (0 below about -87.3), with
// the kernels' vectorized exponential.
func expShift(dst, src []float32, m float32) {
	kernels.ExpShift(dst, src, m)
}

// fastExp returns e**x for x <= 88 with expShift's accuracy.
func fastExp(x float32) float32 {
	a := [1]float32{x}
	expShift(a[:], a[:], 0)
	return a[0]
}

// sumExpShift returns the float64 sum of e**(v-m) over src, working in
// chunks on the stack.
func sumExpShift(src []float32, m float32) float64 {
	var buf [512]float32
	var sum float64
	for len(src) > 0 {
		n := min(len(src), len(buf))
		sum += kernels.ExpShift(buf[:n], src[:n], m)
		src = src[n:]
	}
	return sum
}
