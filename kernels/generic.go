package kernels

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/gollm/gollm/quant"
)

// The generic (pure Go) twins of the quantized dot products. They follow
// ggml's ggml_vec_dot_*_generic: integer products per block (per 16 or 32
// elements for K-quants), scaled once by the weight and activation scales.
// They build on every platform; the assembly levels are tested against them.

// iq4nlValues is the non-linear 4-bit codebook of IQ4_NL and IQ4_XS.
var iq4nlValues = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

func f16(b []byte) float32 { return quant.F16ToF32(binary.LittleEndian.Uint16(b)) }

func f32le(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

// dot32 is the integer dot product of 32 unpacked weights and a Q8_0
// activation block's quants (y[2:34]).
func dot32(v *[32]int8, y *[q8_0Bytes]byte) int32 {
	q := (*[32]byte)(y[2:])
	var s0, s1, s2, s3 int32
	for j := 0; j < 8; j++ {
		s0 += int32(v[j]) * int32(int8(q[j]))
		s1 += int32(v[j+8]) * int32(int8(q[j+8]))
		s2 += int32(v[j+16]) * int32(int8(q[j+16]))
		s3 += int32(v[j+24]) * int32(int8(q[j+24]))
	}
	return s0 + s1 + s2 + s3
}

// sumQ8 is the sum of a Q8_0 activation block's quants.
func sumQ8(y *[q8_0Bytes]byte) int32 {
	q := (*[32]byte)(y[2:])
	var s0, s1 int32
	for j := 0; j < 16; j++ {
		s0 += int32(int8(q[j]))
		s1 += int32(int8(q[j+16]))
	}
	return s0 + s1
}

// unpack32 decodes one block of a 32-element type into v, d and m such that
// element j is d*v[j] + m.
func unpack32(t quant.Type, b []byte, v *[32]int8) (d, m float32) {
	switch t {
	case quant.Q4_0:
		qs := (*[16]byte)(b[2:18])
		for j, c := range qs {
			v[j] = int8(c&15) - 8
			v[j+16] = int8(c>>4) - 8
		}
		return f16(b), 0
	case quant.Q4_1:
		qs := (*[16]byte)(b[4:20])
		for j, c := range qs {
			v[j] = int8(c & 15)
			v[j+16] = int8(c >> 4)
		}
		return f16(b), f16(b[2:])
	case quant.Q5_0:
		qh := binary.LittleEndian.Uint32(b[2:6])
		qs := (*[16]byte)(b[6:22])
		for j, c := range qs {
			v[j] = int8(c&15|byte(qh>>j&1)<<4) - 16
			v[j+16] = int8(c>>4|byte(qh>>(j+16)&1)<<4) - 16
		}
		return f16(b), 0
	case quant.Q5_1:
		qh := binary.LittleEndian.Uint32(b[4:8])
		qs := (*[16]byte)(b[8:24])
		for j, c := range qs {
			v[j] = int8(c&15 | byte(qh>>j&1)<<4)
			v[j+16] = int8(c>>4 | byte(qh>>(j+16)&1)<<4)
		}
		return f16(b), f16(b[2:])
	case quant.Q8_0:
		qs := (*[32]byte)(b[2:34])
		for j, c := range qs {
			v[j] = int8(c)
		}
		return f16(b), 0
	case quant.IQ4_NL:
		qs := (*[16]byte)(b[2:18])
		for j, c := range qs {
			v[j] = iq4nlValues[c&15]
			v[j+16] = iq4nlValues[c>>4]
		}
		return f16(b), 0
	}
	panic("kernels: unpack32: " + t.String())
}

// kblock is one unpacked 256-element block: element e is
// d*sc[e/16]*v[e] - dmin*mn[e/16].
type kblock struct {
	v       [256]int8
	sc, mn  [16]int32
	d, dmin float32
}

// scaleMinK4 decodes the j-th 6-bit scale and min of Q4_K/Q5_K (ggml's
// get_scale_min_k4).
func scaleMinK4(j int, q *[12]byte) (sc, m int32) {
	if j < 4 {
		return int32(q[j] & 63), int32(q[j+4] & 63)
	}
	return int32(q[j+4]&15 | q[j-4]>>6<<4), int32(q[j+4]>>4 | q[j]>>6<<4)
}

// unpackQ3KScales decodes Q3_K's sixteen 6-bit scales (ggml's kmask
// shuffle of scales[12]), minus 32.
func unpackQ3KScales(b *[110]byte, sc *[16]int32) {
	a0 := binary.LittleEndian.Uint32(b[96:])
	a1 := binary.LittleEndian.Uint32(b[100:])
	tmp := binary.LittleEndian.Uint32(b[104:])
	const m1, m2 = 0x03030303, 0x0f0f0f0f
	aux := [4]uint32{
		a0&m2 | (tmp>>0&m1)<<4,
		a1&m2 | (tmp>>2&m1)<<4,
		a0>>4&m2 | (tmp>>4&m1)<<4,
		a1>>4&m2 | (tmp>>6&m1)<<4,
	}
	for g := range 16 {
		sc[g] = int32(int8(aux[g/4]>>(8*(g%4)))) - 32
	}
}

// unpackK decodes one block of a 256-element type.
func unpackK(t quant.Type, b []byte, k *kblock) {
	switch t {
	case quant.Q2_K:
		b := (*[84]byte)(b)
		for g := range 16 {
			k.sc[g] = int32(b[g] & 15)
			k.mn[g] = int32(b[g] >> 4)
		}
		for h := range 2 {
			qs := (*[32]byte)(b[16+32*h:])
			for s := range 4 {
				o := (*[32]int8)(k.v[128*h+32*s:])
				for l, c := range qs {
					o[l] = int8(c >> (2 * s) & 3)
				}
			}
		}
		k.d, k.dmin = f16(b[80:]), f16(b[82:])
	case quant.Q3_K:
		b := (*[110]byte)(b)
		hm := (*[32]byte)(b[0:32])
		for h := range 2 {
			qs := (*[32]byte)(b[32+32*h:])
			for s := range 4 {
				o := (*[32]int8)(k.v[128*h+32*s:])
				m := byte(1) << (4*h + s)
				for l, c := range qs {
					x := int8(c >> (2 * s) & 3)
					if hm[l]&m == 0 {
						x -= 4
					}
					o[l] = x
				}
			}
		}
		unpackQ3KScales(b, &k.sc)
		clear(k.mn[:])
		k.d, k.dmin = f16(b[108:]), 0
	case quant.Q4_K, quant.Q5_K:
		sc := (*[12]byte)(b[4:16])
		for j := range 8 {
			s, m := scaleMinK4(j, sc)
			k.sc[2*j], k.sc[2*j+1] = s, s
			k.mn[2*j], k.mn[2*j+1] = m, m
		}
		k.d, k.dmin = f16(b), f16(b[2:])
		if t == quant.Q4_K {
			b := (*[144]byte)(b)
			for j := range 4 {
				qs := (*[32]byte)(b[16+32*j:])
				lo, hi := (*[32]int8)(k.v[64*j:]), (*[32]int8)(k.v[64*j+32:])
				for l, c := range qs {
					lo[l] = int8(c & 15)
					hi[l] = int8(c >> 4)
				}
			}
			return
		}
		b := (*[176]byte)(b)
		qh := (*[32]byte)(b[16:48])
		for j := range 4 {
			qs := (*[32]byte)(b[48+32*j:])
			lo, hi := (*[32]int8)(k.v[64*j:]), (*[32]int8)(k.v[64*j+32:])
			for l, c := range qs {
				h := qh[l] >> (2 * j)
				lo[l] = int8(c&15 | h&1<<4)
				hi[l] = int8(c>>4 | h&2<<3)
			}
		}
	case quant.Q6_K:
		b := (*[210]byte)(b)
		for h := range 2 {
			ql := (*[64]byte)(b[64*h:])
			qh := (*[32]byte)(b[128+32*h:])
			o := (*[128]int8)(k.v[128*h:])
			for l := range 32 {
				c := qh[l]
				o[l] = int8(ql[l]&15|c&3<<4) - 32
				o[l+32] = int8(ql[l+32]&15|c>>2&3<<4) - 32
				o[l+64] = int8(ql[l]>>4|c>>4&3<<4) - 32
				o[l+96] = int8(ql[l+32]>>4|c>>6&3<<4) - 32
			}
		}
		for g := range 16 {
			k.sc[g] = int32(int8(b[192+g]))
			k.mn[g] = 0
		}
		k.d, k.dmin = f16(b[208:]), 0
	case quant.IQ4_XS:
		b := (*[136]byte)(b)
		sh := uint32(binary.LittleEndian.Uint16(b[2:]))
		for ib := range 8 {
			ls := int32(b[4+ib/2]>>(4*(ib%2))&15) | int32(sh>>(2*ib)&3)<<4
			k.sc[2*ib], k.sc[2*ib+1] = ls-32, ls-32
			k.mn[2*ib], k.mn[2*ib+1] = 0, 0
			qs := (*[16]byte)(b[8+16*ib:])
			o := (*[32]int8)(k.v[32*ib:])
			for j, c := range qs {
				o[j] = iq4nlValues[c&15]
				o[j+16] = iq4nlValues[c>>4]
			}
		}
		k.d, k.dmin = f16(b[:]), 0
	default:
		panic("kernels: unpackK: " + t.String())
	}
}

// dotK is the dot product of an unpacked 256-block with a Q8_K block.
func dotK(k *kblock, y *[q8KBytes]byte, hasMin bool) float32 {
	yd := f32le(y[0:4])
	var isum int32
	for g := range 16 {
		a := (*[16]int8)(k.v[16*g:])
		q := (*[16]byte)(y[4+16*g:])
		var s0, s1 int32
		for j := 0; j < 8; j++ {
			s0 += int32(a[j]) * int32(int8(q[j]))
			s1 += int32(a[j+8]) * int32(int8(q[j+8]))
		}
		isum += k.sc[g] * (s0 + s1)
	}
	r := k.d * yd * float32(isum)
	if hasMin {
		bs := (*[32]byte)(y[260:q8KBytes])
		var ms int32
		for g := range 16 {
			ms += k.mn[g] * int32(int16(uint16(bs[2*g])|uint16(bs[2*g+1])<<8))
		}
		r -= k.dmin * yd * float32(ms)
	}
	return r
}

func hasMinK(t quant.Type) bool { return t == quant.Q2_K || t == quant.Q4_K || t == quant.Q5_K }

func dotRowQ8_0Generic(row, q []byte, nb int) float32 {
	var sum float32
	for i := range nb {
		x := (*[34]byte)(row[34*i:])
		y := (*[q8_0Bytes]byte)(q[q8_0Bytes*i:])
		a, b := (*[32]byte)(x[2:]), (*[32]byte)(y[2:])
		var s0, s1, s2, s3 int32
		for j := 0; j < 8; j++ {
			s0 += int32(int8(a[j])) * int32(int8(b[j]))
			s1 += int32(int8(a[j+8])) * int32(int8(b[j+8]))
			s2 += int32(int8(a[j+16])) * int32(int8(b[j+16]))
			s3 += int32(int8(a[j+24])) * int32(int8(b[j+24]))
		}
		sum += float32(s0+s1+s2+s3) * f16(x[:]) * f16(y[:])
	}
	return sum
}

func dotRowQ4_0Generic(row, q []byte, nb int) float32 {
	var sum float32
	for i := range nb {
		x := (*[18]byte)(row[18*i:])
		y := (*[q8_0Bytes]byte)(q[q8_0Bytes*i:])
		a, b := (*[16]byte)(x[2:]), (*[32]byte)(y[2:])
		var s0, s1, s2, s3 int32
		for j := 0; j < 8; j++ {
			c0, c1 := a[j], a[j+8]
			s0 += (int32(c0&15) - 8) * int32(int8(b[j]))
			s1 += (int32(c1&15) - 8) * int32(int8(b[j+8]))
			s2 += (int32(c0>>4) - 8) * int32(int8(b[j+16]))
			s3 += (int32(c1>>4) - 8) * int32(int8(b[j+24]))
		}
		sum += float32(s0+s1+s2+s3) * f16(x[:]) * f16(y[:])
	}
	return sum
}

// matVecGeneric is MatVec with t's generic row dot product.
func matVecGeneric(t quant.Type, w []byte, rb, nb int, q []byte, out []float32) {
	dot := lookup(t).generic
	for r := range out {
		out[r] = dot(w[r*rb:(r+1)*rb], q, nb)
	}
}

// matMulGeneric unpacks each weight block once and multiplies it with a
// tile of up to 4 columns.
func matMulGeneric(p *product) {
	t, w, rb, nb, rows, qs, ab, cols, out, ldOut := p.t, p.w, p.rb, p.nb, p.rows, p.qs, p.ab, p.cols, p.out, p.ldOut
	const tile = 4
	bb := t.BlockBytes()
	q8 := ActType(t) == quant.Q8_0
	hm := hasMinK(t)
	var v [32]int8
	var k kblock
	for c0 := 0; c0 < cols; c0 += tile {
		nc := min(tile, cols-c0)
		for r := range rows {
			row := w[r*rb : (r+1)*rb]
			var acc [tile]float32
			for i := range nb {
				blk := row[i*bb : (i+1)*bb]
				if q8 {
					d, m := unpack32(t, blk, &v)
					for c := range nc {
						y := (*[q8_0Bytes]byte)(qs[(c0+c)*ab+q8_0Bytes*i:])
						dy := f16(y[:])
						acc[c] += float32(dot32(&v, y)) * d * dy
						if m != 0 {
							acc[c] += m * dy * float32(sumQ8(y))
						}
					}
				} else {
					unpackK(t, blk, &k)
					for c := range nc {
						acc[c] += dotK(&k, (*[q8KBytes]byte)(qs[(c0+c)*ab+q8KBytes*i:]), hm)
					}
				}
			}
			for c := range nc {
				out[(c0+c)*ldOut+r] = acc[c]
			}
		}
	}
}

// dotFloatRow is the dot product of a float weight row (F32, F16 or BF16
// bytes, little-endian like every supported GOARCH) with x.
func dotFloatRow(t quant.Type, row []byte, x []float32) float32 {
	n := len(x)
	if n == 0 {
		return 0
	}
	switch t {
	case quant.F32:
		return Dot(unsafe.Slice((*float32)(unsafe.Pointer(&row[0])), n), x)
	case quant.F16:
		return DotF16(unsafe.Slice((*uint16)(unsafe.Pointer(&row[0])), n), x)
	}
	return dotBF16(unsafe.Slice((*uint16)(unsafe.Pointer(&row[0])), n), x)
}

func dotBF16Generic(a []uint16, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1 float32
	i := 0
	for ; i+1 < len(a); i += 2 {
		s0 += math.Float32frombits(uint32(a[i])<<16) * b[i]
		s1 += math.Float32frombits(uint32(a[i+1])<<16) * b[i+1]
	}
	if i < len(a) {
		s0 += math.Float32frombits(uint32(a[i])<<16) * b[i]
	}
	return s0 + s1
}
