package sampler

import "math"

// expShift sets dst[i] = e**(src[i]-m) in float32, for src[i]-m <= 88,
// with a relative error below about 2e-7 (Cephes expf: Cody-Waite range
// reduction, a degree-6 polynomial, rounding by the 1.5*2**23 trick).
// Results that would be below about 1e-38 are 0, as are those for -Inf and
// NaN. It is several times faster than math.Exp, which matters when every
// Sample or Confidence.Add exponentiates a 150k-entry vocabulary; callers
// pass m = the largest logit, so every exponent is <= 0.
func expShift(dst, src []float32, m float32) {
	const (
		log2e = 1.44269504088896341
		magic = 12582912 // 1.5 * 2**23: adding it rounds to an integer
		c1    = 0.693359375
		c2    = -2.12194440e-4
	)
	dst = dst[:len(src)]
	for i, v := range src {
		x := v - m
		if !(x > -87.3) {
			dst[i] = 0
			continue
		}
		t := x*log2e + magic
		k := t - magic // round(x / ln 2)
		r := x - k*c1 - k*c2
		y := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+
			4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
		// The low mantissa bits of t hold k; shifted into the exponent
		// field (the magic's own bits shift out) and biased they make 2**k.
		dst[i] = (y*r*r + r + 1) * math.Float32frombits(math.Float32bits(t)<<23+127<<23)
	}
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
		expShift(buf[:n], src[:n], m)
		for _, e := range buf[:n] {
			sum += float64(e)
		}
		src = src[n:]
	}
	return sum
}
