package kernels

import (
	"encoding/binary"
	"math"

	"github.com/gollm/gollm/quant"
)

// quantizeQ8_0 is ggml's quantize_row_q8_0_ref: per block of 32, d =
// max|x|/127 stored as f16, q = round-half-away(x/d).
func quantizeQ8_0(x []float32, q []byte) {
	nb := len(x) / 32
	for i := range nb {
		xb := (*[32]float32)(x[i*32:])
		qb := (*[34]byte)(q[i*34:])
		var amax float32
		for _, v := range xb {
			a := float32(math.Abs(float64(v)))
			if !(amax > a) { // ggml's MAX(amax, a)
				amax = a
			}
		}
		d := amax / 127
		var id float32
		if d != 0 {
			id = 1 / d
		}
		binary.LittleEndian.PutUint16(qb[0:], quant.F32ToF16(d))
		for j, v := range xb {
			p := v * id
			qb[2+j] = byte(int8(math.Round(float64(p))))
		}
	}
}

// quantizeQ8K is ggml's quantize_row_q8_K_ref: per block of 256, the
// element of largest magnitude maps to -127, d = 1/iscale is stored as f32,
// q = round-half-even(iscale*x) (at most 127), and bsums holds the sums of
// each 16 quants. All-zero blocks get d = 0, zero quants and zero sums.
func quantizeQ8K(x []float32, q []byte) {
	nb := len(x) / 256
	for i := range nb {
		xb := (*[256]float32)(x[i*256:])
		qb := (*[292]byte)(q[i*292:])
		var vmax, amax float32
		for _, v := range xb {
			a := float32(math.Abs(float64(v)))
			if a > amax {
				amax = a
				vmax = v
			}
		}
		if amax == 0 {
			clear(qb[:])
			continue
		}
		iscale := -127 / vmax
		for j, v := range xb {
			p := iscale * v
			r := int32(math.RoundToEven(float64(p)))
			if r > 127 {
				r = 127
			}
			qb[4+j] = byte(int8(r))
		}
		for g := range 16 {
			s := int32(0)
			for _, c := range (*[16]byte)(qb[4+16*g:]) {
				s += int32(int8(c))
			}
			binary.LittleEndian.PutUint16(qb[260+2*g:], uint16(int16(s)))
		}
		binary.LittleEndian.PutUint32(qb[0:], math.Float32bits(1/iscale))
	}
}
