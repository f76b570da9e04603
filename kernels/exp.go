package kernels

import "math"

// Constants of the exponential: a Cephes-style reduction x = k*ln2 + r and
// a degree-6 polynomial for e^r, about 2 ulp from the exact result.
const (
	expLog2e = 1.44269504088896341
	expMagic = 12582912 // 1.5 * 2**23: adding it rounds to an integer
	expC1    = 0.693359375
	expC2    = -2.12194440e-4
	// expLow: below it e^x is treated as 0 (NaN is too); expHigh: above it
	// x is clamped, so e^x stays finite (about 2e38).
	expLow  = -87.3
	expHigh = 88.3
)

// ExpShift sets dst[i] = e^(src[i]-m) for i < len(src) and returns the sum
// of the results in float64. dst must be at least as long as src; it may be
// src itself. Results are within about 2 ulp of the exact exponential;
// exponents below -87.3 (and NaN) give 0, and exponents above 88.3 are
// clamped to it. With m the maximum of src it is the numerator of a
// numerically safe softmax.
func ExpShift(dst, src []float32, m float32) float64 {
	dst = dst[:len(src)]
	return expShift(dst, src, m)
}

// expShiftGeneric is the portable twin of ExpShift.
func expShiftGeneric(dst, src []float32, m float32) float64 {
	var sum float64
	for i, v := range src {
		e := expOne(v - m)
		dst[i] = e
		sum += float64(e)
	}
	return sum
}

// expOne is the scalar exponential every implementation agrees with.
func expOne(x float32) float32 {
	if !(x > expLow) {
		return 0
	}
	x = min(x, expHigh)
	t := x*expLog2e + expMagic
	k := t - expMagic // round(x / ln 2)
	r := x - k*expC1 - k*expC2
	y := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+
		4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	// The low mantissa bits of t hold k; shifted into the exponent field
	// (the magic's own bits shift out) and biased, they make 2**k.
	return (y*r*r + r + 1) * math.Float32frombits(math.Float32bits(t)<<23+127<<23)
}
