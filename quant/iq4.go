package quant

import "encoding/binary"

// IQ4NLValues is the non-linear 4-bit codebook shared by IQ4_NL and IQ4_XS
// (ggml's kvalues_iq4nl): a nibble q stands for d*IQ4NLValues[q].
var IQ4NLValues = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

// dequantIQ4NL: block = d, qs[16]; low nibbles are elements 0-15, high
// nibbles 16-31, as Q4_0.
func dequantIQ4NL(src []byte, dst []float32) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*18 : i*18+18]
		d := f16At(b)
		y := dst[i*qk : i*qk+qk]
		for j, v := range b[2:18] {
			y[j] = d * float32(IQ4NLValues[v&0xF])
			y[j+16] = d * float32(IQ4NLValues[v>>4])
		}
	}
}

// IQ4XSScale returns the 6-bit scale (0..63, to be offset by -32) of
// sub-block ib (0..7) of an IQ4_XS block: the low 4 bits are nibble ib%2 of
// scalesL[ib/2], the high 2 bits are bits 2ib..2ib+1 of scalesH.
func IQ4XSScale(ib int, scalesH uint16, scalesL []byte) uint8 {
	return scalesL[ib/2]>>(4*(ib%2))&0xF | uint8(scalesH>>(2*ib)&3)<<4
}

// dequantIQ4XS: block = d, scales_h (u16), scales_l[4], qs[128]. Sub-block
// ib (32 elements) has scale d*(ls-32) and 16 bytes of qs laid out as
// IQ4_NL's.
func dequantIQ4XS(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK8K; i++ {
		b := src[i*136 : i*136+136]
		d := f16At(b)
		sh := binary.LittleEndian.Uint16(b[2:])
		sl := b[4:8]
		for ib := 0; ib < 8; ib++ {
			dl := d * float32(int(IQ4XSScale(ib, sh, sl))-32)
			qs := b[8+16*ib : 8+16*ib+16]
			y := dst[i*QK8K+32*ib : i*QK8K+32*ib+32]
			for j, v := range qs {
				y[j] = dl * float32(IQ4NLValues[v&0xF])
				y[j+16] = dl * float32(IQ4NLValues[v>>4])
			}
		}
	}
}

// iq4Fit is the per-32 search of ggml's quantize_row_iq4_nl_impl with
// ntry = 7 and no importance matrix (weights x*x): it starts from the scale
// that maps the largest-magnitude value to ±127, then tries the 15 inverse
// scales (itry-127)/max, keeping the weighted least-squares scale of the
// best. It returns the scale (0 for an all-zero group) and leaves the levels
// of the first pass in L.
func iq4Fit(x []float32, L []uint8) float32 {
	const ntry = 7
	vals := IQ4NLValues[:]
	amax, xmax := absMax(x)
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	d := -xmax / float32(vals[0])
	id := 1 / d
	var sumqx, sumq2 float32
	for j, v := range x {
		l := bestIndexInt8(vals, id*v)
		L[j] = uint8(l)
		q := float32(vals[l])
		w := float32(v * v)
		sumqx += float32(float32(w*q) * v)
		sumq2 += float32(float32(w*q) * q)
	}
	d = 0
	if sumq2 > 0 {
		d = sumqx / sumq2
	}
	best := d * sumqx
	for itry := -ntry; itry <= ntry; itry++ {
		id = float32(itry+int(vals[0])) / xmax
		sumqx, sumq2 = 0, 0
		for _, v := range x {
			q := float32(vals[bestIndexInt8(vals, id*v)])
			w := float32(v * v)
			sumqx += float32(float32(w*q) * v)
			sumq2 += float32(float32(w*q) * q)
		}
		if sumq2 > 0 && float32(sumqx*sumqx) > float32(best*sumq2) {
			d = sumqx / sumq2
			best = d * sumqx
		}
	}
	return d
}

// packIQ4 stores 32 levels as 16 bytes: element j in the low nibble of
// byte j, element j+16 in the high nibble.
func packIQ4(L []uint8, qs []byte) {
	for j := 0; j < 16; j++ {
		qs[j] = L[j] | L[j+16]<<4
	}
}

// quantIQ4NL is ggml's quantize_iq4_nl without an importance matrix (what
// llama-quantize runs): iq4Fit's scale is stored as f16, and the values are
// requantized with the unrounded scale. An all-zero block stores d = 0 and
// the level nearest 0 (index 8) everywhere.
func quantIQ4NL(src []float32, dst []byte) {
	var L [32]uint8
	vals := IQ4NLValues[:]
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*18 : i*18+18]
		d := iq4Fit(x, L[:])
		putF16(b, d)
		id := inv(d)
		for j, v := range x {
			L[j] = uint8(bestIndexInt8(vals, id*v))
		}
		packIQ4(L[:], b[2:18])
	}
}

// quantIQ4XS is ggml's quantize_iq4_xs without an importance matrix: an
// iq4Fit scale per 32 values, then 6-bit signed sub-scales relative to the
// largest-magnitude one (d = -max/32) and a requantization with each
// sub-scale.
func quantIQ4XS(src []float32, dst []byte) {
	var L [32]uint8
	var scales [8]float32
	vals := IQ4NLValues[:]
	for i := 0; i < len(src)/QK8K; i++ {
		x := src[i*QK8K : i*QK8K+QK8K]
		b := dst[i*136 : i*136+136]
		var maxScale, amaxScale float32
		for ib := 0; ib < 8; ib++ {
			scales[ib] = iq4Fit(x[32*ib:32*ib+32], L[:])
			if a := abs32(scales[ib]); a > amaxScale {
				amaxScale, maxScale = a, scales[ib]
			}
		}
		d := -maxScale / 32
		putF16(b, d)
		id := inv(d)
		var sh uint16
		sl := b[4:8]
		for ib := 0; ib < 8; ib++ {
			l := max(-32, min(31, nearestInt(id*scales[ib])))
			dl := d * float32(l)
			idl := inv(dl)
			xb := x[32*ib : 32*ib+32]
			for j, v := range xb {
				L[j] = uint8(bestIndexInt8(vals, idl*v))
			}
			packIQ4(L[:], b[8+16*ib:8+16*ib+16])
			l += 32
			if ib%2 == 0 {
				sl[ib/2] = uint8(l & 0xF)
			} else {
				sl[ib/2] |= uint8(l&0xF) << 4
			}
			sh |= uint16(l>>4) << (2 * ib)
		}
		binary.LittleEndian.PutUint16(b[2:], sh)
	}
}
