//go:build !purego

package kernels

import (
	"math"

	"github.com/gollm/gollm/quant"
)

// quantQ8_0AVX2 quantizes nb blocks of 32 floats at x into Q8_0 blocks at q
// and returns nb, or the index of the first block it declined (max |x| Inf
// or NaN, or a subnormal scale), which it leaves untouched.
//
//go:noescape
func quantQ8_0AVX2(x *float32, q *byte, nb int) int

// quantQ8KAVX2 is quantQ8_0AVX2 for Q8_K blocks of 256 floats; it declines
// blocks holding an Inf or NaN and blocks whose iscale = -127/max
// overflows. fma fuses iscale*x + magic into one rounding (see q8KFused).
//
//go:noescape
func quantQ8KAVX2(x *float32, q *byte, nb int, fma bool) int

// q8KFused reports whether the reference quant.QuantizeQ8K, as compiled,
// rounds iscale*x + 1.5*2^23 (quant's nearestInt after inlining) once: Go
// fuses x*y + z into an FMA on amd64 from GOAMD64=v3. On this block the two
// roundings differ: iscale = -127/-3 and 0.17716536*iscale is
// 7.49999998..., 7.5 once rounded to float32, so 8 unfused and 7 fused.
var q8KFused = func() bool {
	x := make([]float32, quant.QK8K)
	x[0], x[1] = -3, math.Float32frombits(0x3e356ad6)
	q := make([]byte, 292)
	quant.QuantizeQ8K(x, q)
	return q[4+1] == 7
}()

// quantizeQ8_0 is quant.QuantizeQ8_0 (len(q) == len(x)/32*34), bit for bit.
func quantizeQ8_0(x []float32, q []byte) {
	if level < lvAVX2 {
		quant.QuantizeQ8_0(x, q)
		return
	}
	raceReadFloats(x)
	raceWriteBytes(q)
	for nb := len(x) / 32; nb > 0; {
		done := quantQ8_0AVX2(&x[0], &q[0], nb)
		if done == nb {
			return
		}
		// The declined block: Inf, NaN or a subnormal d, where the
		// reference's own overflow and NaN behaviour applies.
		x, q = x[32*done:], q[34*done:]
		quant.QuantizeQ8_0(x[:32], q[:34])
		x, q, nb = x[32:], q[34:], nb-done-1
	}
}

// quantizeQ8K is quant.QuantizeQ8K (len(q) == len(x)/256*292), bit for bit.
func quantizeQ8K(x []float32, q []byte) {
	if level < lvAVX2 {
		quant.QuantizeQ8K(x, q)
		return
	}
	raceReadFloats(x)
	raceWriteBytes(q)
	for nb := len(x) / quant.QK8K; nb > 0; {
		done := quantQ8KAVX2(&x[0], &q[0], nb, q8KFused)
		if done == nb {
			return
		}
		x, q = x[quant.QK8K*done:], q[292*done:]
		quant.QuantizeQ8K(x[:quant.QK8K], q[:292])
		x, q, nb = x[quant.QK8K:], q[292:], nb-done-1
	}
}
