package quant

import "math"

// Reference K-quant quantizers, transcribed from ggml's quantize_row_*_ref
// (what llama-quantize runs when no importance matrix is given).

// packQ2Levels stores 256 2-bit levels in 64 bytes the way Q2_K and Q3_K
// read them: byte l of half n holds elements 128n+l, +32, +64, +96 in bits
// 0-1, 2-3, 4-5, 6-7.
func packQ2Levels(L []uint8, qs []byte) {
	for n := 0; n < 2; n++ {
		for l := 0; l < 32; l++ {
			j := 128*n + l
			qs[32*n+l] = L[j] | L[j+32]<<2 | L[j+64]<<4 | L[j+96]<<6
		}
	}
}

// quantQ2K is quantize_row_q2_K_ref: per 16 values an asymmetric 2-bit fit
// (absolute-error search weighted by |x|), then 4-bit scales and mins
// relative to the largest of each, then a requantization with the rounded
// scales.
func quantQ2K(src []float32, dst []byte) {
	var L [QK8K]uint8
	var laux [16]uint8
	var weights [16]float32
	var scales, mins [16]float32
	for i := 0; i < len(src)/QK8K; i++ {
		x := src[i*QK8K : i*QK8K+QK8K]
		b := dst[i*84 : i*84+84]
		sc := b[0:16]
		var maxScale, maxMin float32
		for j := 0; j < 16; j++ {
			xs := x[16*j : 16*j+16]
			for l, v := range xs {
				weights[l] = abs32(v)
			}
			scales[j], mins[j] = makeQKX2Quants(3, xs, weights[:], L[16*j:16*j+16], laux[:], -0.5, 0.1, 15, true)
			maxScale = max(maxScale, scales[j])
			maxMin = max(maxMin, mins[j])
		}
		if maxScale > 0 {
			iscale := 15 / maxScale
			for j := range sc {
				sc[j] = uint8(nearestInt(iscale * scales[j]))
			}
			putF16(b[80:], maxScale/15)
		} else {
			clear(sc)
			putF16(b[80:], 0)
		}
		if maxMin > 0 {
			iscale := 15 / maxMin
			for j := range sc {
				sc[j] |= uint8(nearestInt(iscale*mins[j])) << 4
			}
			putF16(b[82:], maxMin/15)
		} else {
			putF16(b[82:], 0)
		}
		d, dmin := f16At(b[80:]), f16At(b[82:])
		for j := 0; j < 16; j++ {
			dl := d * float32(sc[j]&0xF)
			if dl == 0 {
				continue
			}
			dm := float32(dmin * float32(sc[j]>>4))
			for ii := 0; ii < 16; ii++ {
				l := nearestInt((x[16*j+ii] + dm) / dl)
				L[16*j+ii] = uint8(max(0, min(3, l)))
			}
		}
		packQ2Levels(L[:], b[16:80])
	}
}

// quantQ3K is quantize_row_q3_K_ref: per 16 values a symmetric 3-bit fit
// (make_q3_quants), 6-bit signed scales relative to the largest-magnitude
// one, requantization, then the third bit of each level moved to hmask.
func quantQ3K(src []float32, dst []byte) {
	var L [QK8K]int8
	var scales [16]float32
	var levels [QK8K]uint8
	for i := 0; i < len(src)/QK8K; i++ {
		x := src[i*QK8K : i*QK8K+QK8K]
		b := dst[i*110 : i*110+110]
		hmask, qs, sc := b[0:32], b[32:96], b[96:108]
		var maxScale, amax float32
		for j := 0; j < 16; j++ {
			scales[j] = makeQ3Quants(4, x[16*j:16*j+16], L[16*j:16*j+16])
			if a := abs32(scales[j]); a > amax {
				amax, maxScale = a, scales[j]
			}
		}
		clear(sc)
		if maxScale != 0 {
			iscale := -32 / maxScale
			for j := 0; j < 16; j++ {
				l := int(int8(nearestInt(iscale * scales[j])))
				l = max(-32, min(31, l)) + 32
				if j < 8 {
					sc[j] = uint8(l & 0xF)
				} else {
					sc[j-8] |= uint8(l&0xF) << 4
				}
				sc[j%4+8] |= uint8(l>>4) << (2 * (j / 4))
			}
			putF16(b[108:], 1/iscale)
		} else {
			putF16(b[108:], 0)
		}
		d := f16At(b[108:])
		unpacked := Q3KScales(sc)
		for j := 0; j < 16; j++ {
			dl := d * float32(int(unpacked[j])-32)
			if dl == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				l := nearestInt(x[16*j+ii] / dl)
				L[16*j+ii] = int8(max(-4, min(3, l)) + 4)
			}
		}
		// The high bit of element j goes to bit j/32 of hmask[j%32].
		clear(hmask)
		for j := 0; j < QK8K; j++ {
			v := uint8(L[j])
			if v > 3 {
				hmask[j%32] |= 1 << (j / 32)
				v -= 4
			}
			levels[j] = v
		}
		packQ2Levels(levels[:], qs)
	}
}

// putScaleMinK4 stores the 6-bit scale ls and min lm of sub-block j into a
// Q4_K/Q5_K scales field (the inverse of ScaleMinK4). Bytes must start at
// zero for j >= 4, which is ensured by writing j < 4 first.
func putScaleMinK4(j int, ls, lm uint8, scales []byte) {
	if j < 4 {
		scales[j] = ls
		scales[j+4] = lm
		return
	}
	scales[j+4] = ls&0xF | (lm&0xF)<<4
	scales[j-4] |= (ls >> 4) << 6
	scales[j] |= (lm >> 4) << 6
}

// quantQxK is the shared body of quantize_row_q4_K_ref and _q5_K_ref:
// per 32 values an asymmetric fit weighted by av_x+|x|, 6-bit scales and
// mins relative to the largest of each, and a requantization to levels
// 0..nmax with the rounded scales. It fills scales and L, and writes d and
// dmin at b[0:4].
func quantQxK(x []float32, b []byte, nmax int, rmin, rdelta float32, nstep int, L *[QK8K]uint8) {
	var laux [32]uint8
	var weights [32]float32
	var scales, mins [8]float32
	var maxScale, maxMin float32
	for j := 0; j < 8; j++ {
		xs := x[32*j : 32*j+32]
		var sumX2 float32
		for _, v := range xs {
			sumX2 += float32(v * v)
		}
		avX := float32(math.Sqrt(float64(sumX2 / 32)))
		for l, v := range xs {
			weights[l] = avX + abs32(v)
		}
		scales[j], mins[j] = makeQKX2Quants(nmax, xs, weights[:], L[32*j:32*j+32], laux[:], rmin, rdelta, nstep, false)
		maxScale = max(maxScale, scales[j])
		maxMin = max(maxMin, mins[j])
	}
	var invScale, invMin float32
	if maxScale > 0 {
		invScale = 63 / maxScale
	}
	if maxMin > 0 {
		invMin = 63 / maxMin
	}
	sc := b[4:16]
	for j := 0; j < 8; j++ {
		ls := min(63, uint8(nearestInt(invScale*scales[j])))
		lm := min(63, uint8(nearestInt(invMin*mins[j])))
		putScaleMinK4(j, ls, lm, sc)
	}
	putF16(b, maxScale/63)
	putF16(b[2:], maxMin/63)
	d, dmin := f16At(b), f16At(b[2:])
	for j := 0; j < 8; j++ {
		ls, lm := ScaleMinK4(j, sc)
		dl := d * float32(ls)
		if dl == 0 {
			continue
		}
		dm := float32(dmin * float32(lm))
		for ii := 0; ii < 32; ii++ {
			l := nearestInt((x[32*j+ii] + dm) / dl)
			L[32*j+ii] = uint8(max(0, min(nmax, l)))
		}
	}
}

// quantQ4K is quantize_row_q4_K_ref; levels are packed as dequantQ4K reads
// them (low nibbles: first 32 of each 64, high nibbles: the next 32).
func quantQ4K(src []float32, dst []byte) {
	var L [QK8K]uint8
	for i := 0; i < len(src)/QK8K; i++ {
		x := src[i*QK8K : i*QK8K+QK8K]
		b := dst[i*144 : i*144+144]
		quantQxK(x, b, 15, -1, 0.1, 20, &L)
		qs := b[16:144]
		for c := 0; c < 4; c++ {
			for l := 0; l < 32; l++ {
				qs[32*c+l] = L[64*c+l] | L[64*c+32+l]<<4
			}
		}
	}
}

// quantQ5K is quantize_row_q5_K_ref; the fifth bits go to qh as dequantQ5K
// reads them.
func quantQ5K(src []float32, dst []byte) {
	var L [QK8K]uint8
	for i := 0; i < len(src)/QK8K; i++ {
		x := src[i*QK8K : i*QK8K+QK8K]
		b := dst[i*176 : i*176+176]
		quantQxK(x, b, 31, -0.5, 0.1, 15, &L)
		qh, qs := b[16:48], b[48:176]
		clear(qh)
		for c := 0; c < 4; c++ {
			m1, m2 := uint8(1)<<(2*c), uint8(2)<<(2*c)
			for l := 0; l < 32; l++ {
				l1, l2 := L[64*c+l], L[64*c+32+l]
				if l1 > 15 {
					l1 -= 16
					qh[l] |= m1
				}
				if l2 > 15 {
					l2 -= 16
					qh[l] |= m2
				}
				qs[32*c+l] = l1 | l2<<4
			}
		}
	}
}

// quantQ6K is quantize_row_q6_K_ref: per 16 values a symmetric 6-bit fit
// (make_qx_quants), 8-bit signed scales relative to the largest-magnitude
// one (iscale = -128/max), and a requantization to levels -32..31.
func quantQ6K(src []float32, dst []byte) {
	var L [QK8K]int8
	var scales [16]float32
	for i := 0; i < len(src)/QK8K; i++ {
		x := src[i*QK8K : i*QK8K+QK8K]
		b := dst[i*210 : i*210+210]
		var maxScale, maxAbsScale float32
		for ib := 0; ib < 16; ib++ {
			scales[ib] = makeQXQuants(32, x[16*ib:16*ib+16], L[16*ib:16*ib+16])
			if a := abs32(scales[ib]); a > maxAbsScale {
				maxAbsScale, maxScale = a, scales[ib]
			}
		}
		if maxAbsScale < groupMaxEps {
			clear(b)
			continue
		}
		iscale := -128 / maxScale
		putF16(b[208:], 1/iscale)
		sc := b[192:208]
		for ib := range sc {
			sc[ib] = uint8(int8(min(127, nearestInt(iscale*scales[ib]))))
		}
		d := f16At(b[208:])
		for j := 0; j < 16; j++ {
			dl := d * float32(int8(sc[j]))
			if dl == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				l := nearestInt(x[16*j+ii] / dl)
				L[16*j+ii] = int8(max(-32, min(31, l)) + 32)
			}
		}
		for n := 0; n < 2; n++ {
			ql := b[64*n : 64*n+64]
			qh := b[128+32*n : 128+32*n+32]
			for l := 0; l < 32; l++ {
				j := 128*n + l
				q1, q2, q3, q4 := uint8(L[j]), uint8(L[j+32]), uint8(L[j+64]), uint8(L[j+96])
				ql[l] = q1&0xF | (q3&0xF)<<4
				ql[l+32] = q2&0xF | (q4&0xF)<<4
				qh[l] = q1>>4 | (q2>>4)<<2 | (q3>>4)<<4 | (q4>>4)<<6
			}
		}
	}
}
