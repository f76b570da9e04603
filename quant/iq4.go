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
