package kernels

import (
	"fmt"
	"math"

	"github.com/gollm/gollm/quant"
)

// Dot returns the dot product of a and b over min(len(a), len(b)) elements.
func Dot(a, b []float32) float32 {
	n := min(len(a), len(b))
	raceReadFloats(a[:n])
	raceReadFloats(b[:n])
	return dot(a[:n], b[:n])
}

// Axpy computes y[i] += alpha*x[i] for i < min(len(x), len(y)).
func Axpy(alpha float32, x, y []float32) {
	n := min(len(x), len(y))
	raceReadFloats(x[:n])
	raceWriteFloats(y[:n])
	axpy(alpha, x[:n], y[:n])
}

// DotF16 returns the dot product of the IEEE half-precision values a with b
// over min(len(a), len(b)) elements (attention over an F16 KV cache).
func DotF16(a []uint16, b []float32) float32 {
	n := min(len(a), len(b))
	raceReadFloats(b[:n])
	return dotF16(a[:n], b[:n])
}

// AxpyF16 computes y[i] += alpha*x[i] for i < min(len(x), len(y)), where x
// holds IEEE half-precision values.
func AxpyF16(alpha float32, x []uint16, y []float32) {
	n := min(len(x), len(y))
	raceWriteFloats(y[:n])
	axpyF16(alpha, x[:n], y[:n])
}

// Scale multiplies every element of x by s.
func Scale(x []float32, s float32) { ScaleTo(x, x, s) }

// ScaleTo sets dst[i] = src[i] * s for i < min(len(dst), len(src)). dst
// may be src, but must not overlap it otherwise.
func ScaleTo(dst, src []float32, s float32) {
	n := min(len(dst), len(src))
	raceReadFloats(src[:n])
	raceWriteFloats(dst[:n])
	scaleTo(dst[:n], src[:n], s)
}

// scaleToGeneric is the portable twin of ScaleTo.
func scaleToGeneric(dst, src []float32, s float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = v * s
	}
}

// RMSNorm computes dst[i] = x[i] / rms(x) * w[i], where rms(x) =
// sqrt(mean(x²) + eps), as ggml's rms_norm followed by the weight multiply.
// dst, x and w must have the same length; dst may alias x.
func RMSNorm(dst, x, w []float32, eps float32) {
	if len(dst) != len(x) || len(w) != len(x) {
		panic("kernels: RMSNorm: length mismatch")
	}
	if len(x) == 0 {
		return
	}
	raceReadFloats(x)
	raceReadFloats(w)
	raceWriteFloats(dst)
	s0, s1 := sumSquares(x)
	mean := float32((s0 + s1) / float64(len(x)))
	scale := float32(1 / math.Sqrt(float64(mean+eps)))
	scaleMul(dst, x, w, scale)
}

// sumSquaresGeneric returns the float64 sums of x[i]² over the even and
// the odd i, each in order of i (RMSNorm's two accumulators).
func sumSquaresGeneric(x []float32) (s0, s1 float64) {
	i := 0
	for ; i+1 < len(x); i += 2 {
		s0 += float64(x[i]) * float64(x[i])
		s1 += float64(x[i+1]) * float64(x[i+1])
	}
	if i < len(x) {
		s0 += float64(x[i]) * float64(x[i])
	}
	return s0, s1
}

// scaleMulGeneric sets dst[i] = x[i] * scale * w[i] (slices of equal
// length).
func scaleMulGeneric(dst, x, w []float32, scale float32) {
	w = w[:len(x)]
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = v * scale * w[i]
	}
}

// RoPE rotates pairs of elements of each row of width hd in x (len(x)/hd
// rows) by the angles whose cosines and sines are cos and sin: pair j <
// len(cos) of a row, (x[j], x[j+len(cos)]) when neox (GPT-NeoX's halves),
// else (x[2j], x[2j+1]), becomes (a*cos[j] - b*sin[j], a*sin[j] +
// b*cos[j]). Each product is rounded before the sum, so the result is the
// same on every platform. The rotated pairs must fit in a row.
func RoPE(x []float32, hd int, cos, sin []float32, neox bool) {
	half := len(cos)
	if len(sin) < half || 2*half > hd || len(x)%hd != 0 {
		panic(fmt.Sprintf("kernels: RoPE: %d cosines, %d sines, rows of %d in %d floats", half, len(sin), hd, len(x)))
	}
	if half == 0 || len(x) == 0 {
		return
	}
	raceWriteFloats(x)
	raceReadFloats(cos)
	raceReadFloats(sin[:half])
	rope(x, hd, cos, sin[:half], neox)
}

// ropeGeneric is the portable twin of RoPE.
func ropeGeneric(x []float32, hd int, cs, sn []float32, neox bool) {
	half := len(cs)
	sn = sn[:half]
	for r := 0; r+hd <= len(x); r += hd {
		v := x[r : r+hd]
		if neox {
			for j, c := range cs {
				a, b := v[j], v[j+half]
				v[j] = float32(a*c) - float32(b*sn[j])
				v[j+half] = float32(a*sn[j]) + float32(b*c)
			}
			continue
		}
		for j, c := range cs {
			a, b := v[2*j], v[2*j+1]
			v[2*j] = float32(a*c) - float32(b*sn[j])
			v[2*j+1] = float32(a*sn[j]) + float32(b*c)
		}
	}
}

// SoftmaxInPlace replaces x by softmax(x), subtracting the maximum first.
// Elements equal to -Inf get probability 0.
func SoftmaxInPlace(x []float32) {
	if len(x) == 0 {
		return
	}
	sum := ExpShift(x, x, maxF32(x))
	Scale(x, float32(1/sum))
}

// SiLUMul computes gate[i] = silu(gate[i]) * up[i], silu(g) = g/(1+e^-g),
// for i < min(len(gate), len(up)). The exponential is ExpShift's (within 2
// ulp of e^g); silu(g) is taken as g * (e^g/(e^g+1)), which stays g for a
// large g (e^g clamped near 2e38) and -0 for a very negative one.
func SiLUMul(gate, up []float32) {
	n := min(len(gate), len(up))
	raceReadFloats(up[:n])
	raceWriteFloats(gate[:n])
	siluMul(gate[:n], up[:n])
}

// siluMulGeneric is the portable twin of SiLUMul.
func siluMulGeneric(gate, up []float32) { siluMulChunks(gate, up, true) }

// siluMulChunks is SiLUMul (on slices of equal length), 256 elements at a
// time, with the exponentials of expShiftGeneric or expShift. (A bool, not
// a func value: through a func value the buffer would escape to the heap.)
func siluMulChunks(gate, up []float32, generic bool) {
	var e [256]float32
	for start := 0; start < len(gate); start += len(e) {
		g := gate[start:min(start+len(e), len(gate))]
		if generic {
			expShiftGeneric(e[:len(g)], g, 0)
		} else {
			expShift(e[:len(g)], g, 0)
		}
		for i, v := range g {
			g[i] = v * (e[i] / (e[i] + 1)) * up[start+i]
		}
	}
}

// F16ToF32Slice converts half-precision values to float32:
// dst[i] = src[i] for i < min(len(dst), len(src)).
func F16ToF32Slice(dst []float32, src []uint16) {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, h := range src {
		dst[i] = quant.F16ToF32(h)
	}
}

// F32ToF16Slice converts float32 values to half precision (round to nearest
// even): dst[i] = src[i] for i < min(len(dst), len(src)).
func F32ToF16Slice(dst []uint16, src []float32) {
	n := min(len(dst), len(src))
	raceReadFloats(src[:n])
	f32ToF16(dst[:n], src[:n])
}

func f32ToF16Generic(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, f := range src {
		dst[i] = quant.F32ToF16(f)
	}
}

func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+3 < len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func axpyGeneric(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

func dotF16Generic(a []uint16, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1 float32
	i := 0
	for ; i+1 < len(a); i += 2 {
		s0 += quant.F16ToF32(a[i]) * b[i]
		s1 += quant.F16ToF32(a[i+1]) * b[i+1]
	}
	if i < len(a) {
		s0 += quant.F16ToF32(a[i]) * b[i]
	}
	return s0 + s1
}

func axpyF16Generic(alpha float32, x []uint16, y []float32) {
	y = y[:len(x)]
	for i, h := range x {
		y[i] += alpha * quant.F16ToF32(h)
	}
}
