package quant

// K-quants pack 256 elements in a super-block split into sub-blocks of 16
// or 32 elements, each with its own small integer scale (and, for Q2_K,
// Q4_K and Q5_K, a min) multiplied by the super-block's f16 d (and dmin).
// The element order inside qs is not linear: see each dequantizer.

// ScaleMinK4 unpacks the 6-bit scale and min of sub-block j (0..7) from the
// 12-byte scales field of a Q4_K or Q5_K block (ggml's get_scale_min_k4).
// Bytes 0-3 hold scales 0-3 in their low 6 bits and bytes 4-7 mins 0-3; for
// j >= 4 the low 4 bits come from byte j+4 (scale in the low nibble, min in
// the high one) and the top 2 bits from the spare high bits of bytes j-4
// (scale) and j (min).
func ScaleMinK4(j int, scales []byte) (sc, m uint8) {
	if j < 4 {
		return scales[j] & 63, scales[j+4] & 63
	}
	sc = scales[j+4]&0xF | (scales[j-4]>>6)<<4
	m = scales[j+4]>>4 | (scales[j]>>6)<<4
	return sc, m
}

// Q3KScales unpacks the sixteen 6-bit scales of a Q3_K block from its
// 12-byte scales field, without the -32 offset. Scale j has its low 4 bits
// in byte j (j < 8, low nibble) or byte j-8 (j >= 8, high nibble), and its
// high 2 bits in byte 8+j%4 at bit 2*(j/4).
func Q3KScales(scales []byte) (out [16]uint8) {
	for j := 0; j < 16; j++ {
		var lo uint8
		if j < 8 {
			lo = scales[j] & 0xF
		} else {
			lo = scales[j-8] >> 4
		}
		hi := scales[8+j%4] >> (2 * (j / 4)) & 3
		out[j] = lo | hi<<4
	}
	return out
}

// dequantQ2K: block = scales[16], qs[64], d, dmin. Sub-block s (16 values)
// has scale scales[s]&0xF and min scales[s]>>4. Each half of 128 elements
// uses 32 bytes of qs; element 32*k+l of the half (k = 0..3, l = 0..31) is
// bits 2k..2k+1 of byte l.
func dequantQ2K(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK8K; i++ {
		b := src[i*84 : i*84+84]
		scales, qs := b[0:16], b[16:80]
		d, dmin := f16At(b[80:]), f16At(b[82:])
		y := dst[i*QK8K : i*QK8K+QK8K]
		is := 0
		for n := 0; n < 2; n++ {
			q := qs[32*n : 32*n+32]
			for k := 0; k < 4; k++ {
				shift := 2 * k
				for h := 0; h < 2; h++ { // two sub-blocks of 16 per shift
					sc := scales[is]
					is++
					dl := float32(d * float32(sc&0xF))
					ml := float32(dmin * float32(sc>>4))
					for l := 0; l < 16; l++ {
						v := float32(q[16*h+l] >> shift & 3)
						y[l] = float32(dl*v) - ml
					}
					y = y[16:]
				}
			}
		}
	}
}

// dequantQ3K: block = hmask[32], qs[64], scales[12], d. Values are
// d*(scale-32)*(q-4) where q is 3 bits: the low 2 as Q2_K's qs, the third
// from hmask. Element 32*k+l of half n has its high bit in bit 4n+k of
// hmask[l]; a set bit means q as stored, a clear one subtracts 4.
func dequantQ3K(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK8K; i++ {
		b := src[i*110 : i*110+110]
		hm, qs := b[0:32], b[32:96]
		sc := Q3KScales(b[96:108])
		d := f16At(b[108:])
		y := dst[i*QK8K : i*QK8K+QK8K]
		is := 0
		for n := 0; n < 2; n++ {
			q := qs[32*n : 32*n+32]
			for k := 0; k < 4; k++ {
				shift, bit := 2*k, 4*n+k
				for h := 0; h < 2; h++ {
					dl := d * float32(int(sc[is])-32)
					is++
					for l := 16 * h; l < 16*h+16; l++ {
						// A clear hmask bit subtracts 4 from the stored 2 bits.
						v := int(q[l]>>shift&3) - 4 + 4*int(hm[l]>>bit&1)
						y[l-16*h] = dl * float32(v)
					}
					y = y[16:]
				}
			}
		}
	}
}

// dequantQ4K: block = d, dmin, scales[12], qs[128]. Each 64 elements use 32
// bytes of qs: the first 32 elements are the low nibbles (sub-block 2c), the
// next 32 the high nibbles (sub-block 2c+1). Value = d*sc*q - dmin*m.
func dequantQ4K(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK8K; i++ {
		b := src[i*144 : i*144+144]
		d, dmin := f16At(b), f16At(b[2:])
		scales, qs := b[4:16], b[16:144]
		y := dst[i*QK8K : i*QK8K+QK8K]
		for c := 0; c < 4; c++ {
			sc1, m1 := ScaleMinK4(2*c, scales)
			sc2, m2 := ScaleMinK4(2*c+1, scales)
			d1, dm1 := float32(d*float32(sc1)), float32(dmin*float32(m1))
			d2, dm2 := float32(d*float32(sc2)), float32(dmin*float32(m2))
			q := qs[32*c : 32*c+32]
			for l, v := range q {
				y[64*c+l] = float32(d1*float32(v&0xF)) - dm1
				y[64*c+32+l] = float32(d2*float32(v>>4)) - dm2
			}
		}
	}
}

// dequantQ5K: block = d, dmin, scales[12], qh[32], qs[128]. As Q4_K, plus a
// fifth bit: for chunk c (64 elements), element l of the low-nibble half has
// it in bit 2c of qh[l], of the high-nibble half in bit 2c+1.
func dequantQ5K(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK8K; i++ {
		b := src[i*176 : i*176+176]
		d, dmin := f16At(b), f16At(b[2:])
		scales, qh, qs := b[4:16], b[16:48], b[48:176]
		y := dst[i*QK8K : i*QK8K+QK8K]
		for c := 0; c < 4; c++ {
			sc1, m1 := ScaleMinK4(2*c, scales)
			sc2, m2 := ScaleMinK4(2*c+1, scales)
			d1, dm1 := float32(d*float32(sc1)), float32(dmin*float32(m1))
			d2, dm2 := float32(d*float32(sc2)), float32(dmin*float32(m2))
			shift := uint(2 * c)
			q := qs[32*c : 32*c+32]
			for l, v := range q {
				// Bit 2c of qh[l] is worth 16 in the low half, bit 2c+1 in the high.
				lo := v&0xF | (qh[l]>>shift&1)<<4
				hi := v>>4 | (qh[l]>>(shift+1)&1)<<4
				y[64*c+l] = float32(d1*float32(lo)) - dm1
				y[64*c+32+l] = float32(d2*float32(hi)) - dm2
			}
		}
	}
}

// dequantQ6K: block = ql[128], qh[64], int8 scales[16], d. Each half of 128
// elements uses 64 bytes of ql and 32 of qh. For l in 0..31, the four
// elements l, l+32, l+64, l+96 take their low 4 bits from ql[l]&0xF,
// ql[l+32]&0xF, ql[l]>>4, ql[l+32]>>4 and their high 2 bits from bits 0-1,
// 2-3, 4-5, 6-7 of qh[l]; value = d*scale*(q-32) with one scale per 16.
func dequantQ6K(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK8K; i++ {
		b := src[i*210 : i*210+210]
		d := f16At(b[208:])
		for n := 0; n < 2; n++ {
			ql := b[64*n : 64*n+64]
			qh := b[128+32*n : 128+32*n+32]
			sc := b[192+8*n : 192+8*n+8]
			y := dst[i*QK8K+128*n : i*QK8K+128*n+128]
			for l := 0; l < 32; l++ {
				is := l / 16
				q1 := int(ql[l]&0xF|(qh[l]>>0&3)<<4) - 32
				q2 := int(ql[l+32]&0xF|(qh[l]>>2&3)<<4) - 32
				q3 := int(ql[l]>>4|(qh[l]>>4&3)<<4) - 32
				q4 := int(ql[l+32]>>4|(qh[l]>>6&3)<<4) - 32
				y[l] = d * float32(int8(sc[is])) * float32(q1)
				y[l+32] = d * float32(int8(sc[is+2])) * float32(q2)
				y[l+64] = d * float32(int8(sc[is+4])) * float32(q3)
				y[l+96] = d * float32(int8(sc[is+6])) * float32(q4)
			}
		}
	}
}
