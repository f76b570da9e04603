//go:build !purego

package kernels

import (
	"encoding/binary"
	"math"
)

// Prefill (MatMul) tile path of the 256-element K-quants and IQ4_XS:
// sixteen rows by two columns per kernel call, scales unpacked in Go,
// quants in assembly (unpack_amd64.s, gemm_amd64.s).

const (
	gemmQ4KBlock   = 1152 + 64*64 // Q4_K tile bytes per block, see gemm_amd64.s
	gemmQ6KBlock   = 1600 + 64*64 // Q6_K tile bytes per block
	gemmXSBlock    = 576 + 64*64  // IQ4_XS tile bytes per block
	gemmQ3KBlock   = gemmQ6KBlock // Q3_K: the Q6_K layout
	gemmQ2KBlock   = 1664 + 64*64 // Q2_K tile bytes per block
	gemmKBlock     = gemmQ2KBlock // the largest
	gemmKMaxBlocks = 4            // a 22 KiB tile stays in L1
)

// unpackTileQ45K is unpackTile16's Go part for Q4_K (q5 false) and Q5_K
// (the Q4_K layout with quants 0..31): the scales and mins of every row,
// and the quants of rows the assembly did not unpack (all rows unless asm).
func unpackTileQ45K(q5 bool, w []byte, rb, nr, b0, nbk int, tile *[tile16Bytes]byte, asm bool) {
	le := binary.LittleEndian
	bb, qo := 144, 16 // block bytes, offset of qs
	if q5 {
		bb, qo = 176, 48
	}
	for r := range gemm16Rows {
		at := 32*(r/8) + 4*(r%8)
		if r >= nr {
			for i := range nbk {
				blk := (*[gemmQ4KBlock]byte)(tile[i*gemmQ4KBlock:])
				for o := 0; o < gemmQ4KBlock; o += 64 {
					le.PutUint32(blk[o+at:], 0)
				}
			}
			continue
		}
		row := w[r*rb+b0*bb : r*rb+(b0+nbk)*bb]
		for i := range nbk {
			b := row[i*bb : (i+1)*bb]
			blk := (*[gemmQ4KBlock]byte)(tile[i*gemmQ4KBlock:])
			le.PutUint32(blk[at:], math.Float32bits(f16(b[0:])))
			le.PutUint32(blk[64+at:], math.Float32bits(f16(b[2:])))
			sc := (*[12]byte)(b[4:16])
			scales, mins := blk[128+at:], blk[640+at:]
			for j := range 8 {
				s, m := scaleMinK4(j, sc)
				le.PutUint32(scales[64*j:], uint32(s)|uint32(s)<<16)
				le.PutUint32(mins[64*j:], uint32(m)|uint32(m)<<16)
			}
			if asm {
				continue
			}
			// Sub-blocks 2p and 2p+1: low and high nibbles of qs[32p:32p+32]
			// (Q5_K: bits 2p and 2p+1 of qh[0:32] on top).
			for p := range 4 {
				for h := range 4 {
					x := le.Uint64(b[qo+32*p+8*h:])
					lo, hi := x&lo4, x>>4&lo4
					if q5 {
						qh := le.Uint64(b[16+8*h:])
						const m1 = 0x0101010101010101
						lo |= (qh >> (2 * p) & m1) << 4
						hi |= (qh >> (2*p + 1) & m1) << 4
					}
					g := 16*p + 2*h // group of the low nibbles
					le.PutUint32(blk[1152+64*g+at:], uint32(lo))
					le.PutUint32(blk[1152+64*(g+1)+at:], uint32(lo>>32))
					le.PutUint32(blk[1152+64*(g+8)+at:], uint32(hi))
					le.PutUint32(blk[1152+64*(g+9)+at:], uint32(hi>>32))
				}
			}
		}
	}
}

// unpackTileQ6K fills the tile of gemmQ6_Kx16AVX2 with blocks [b0, b0+nbk)
// of nr rows; missing rows are zero.
func unpackTileQ6K(w []byte, rb, nr, b0, nbk int, tile *[tile16Bytes]byte, asm bool) {
	le := binary.LittleEndian
	const m2 = 0x0303030303030303
	for r := range gemm16Rows {
		at := 32*(r/8) + 4*(r%8)
		if r >= nr {
			for i := range nbk {
				blk := (*[gemmQ6KBlock]byte)(tile[i*gemmQ6KBlock:])
				for o := 0; o < gemmQ6KBlock; o += 64 {
					le.PutUint32(blk[o+at:], 0)
				}
			}
			continue
		}
		row := w[r*rb+b0*210 : r*rb+(b0+nbk)*210]
		for i := range nbk {
			b := (*[210]byte)(row[i*210:])
			blk := (*[gemmQ6KBlock]byte)(tile[i*gemmQ6KBlock:])
			le.PutUint32(blk[at:], math.Float32bits(f16(b[208:])))
			for s := range 16 {
				sc := uint32(uint16(int16(int8(b[192+s]))))
				le.PutUint32(blk[64+64*s+at:], sc|sc<<16)
			}
			for j := range 8 {
				lo := uint32(uint16(int16(int8(b[192+2*j]))))
				hi := uint32(uint16(int16(int8(b[193+2*j]))))
				le.PutUint32(blk[1088+64*j+at:], lo|hi<<16)
			}
			if asm {
				continue
			}
			for h := range 2 {
				for c := range 4 {
					ql0 := le.Uint64(b[64*h+8*c:])
					ql1 := le.Uint64(b[64*h+32+8*c:])
					qh := le.Uint64(b[128+32*h+8*c:])
					v := [4]uint64{
						ql0&lo4 | (qh&m2)<<4,
						ql1&lo4 | (qh>>2&m2)<<4,
						ql0>>4&lo4 | (qh>>4&m2)<<4,
						ql1>>4&lo4 | (qh>>6&m2)<<4,
					}
					for q, x := range v {
						g := (128*h + 32*q + 8*c) / 4
						le.PutUint32(blk[1600+64*g+at:], uint32(x))
						le.PutUint32(blk[1600+64*(g+1)+at:], uint32(x>>32))
					}
				}
			}
		}
	}
}

// unpackTileIQ4XS fills the tile of gemmIQ4_XSx16AVX2 with blocks
// [b0, b0+nbk) of nr rows; missing rows are zero.
func unpackTileIQ4XS(w []byte, rb, nr, b0, nbk int, tile *[tile16Bytes]byte, asm bool) {
	le := binary.LittleEndian
	for r := range gemm16Rows {
		at := 32*(r/8) + 4*(r%8)
		if r >= nr {
			for i := range nbk {
				blk := (*[gemmXSBlock]byte)(tile[i*gemmXSBlock:])
				for o := 0; o < gemmXSBlock; o += 64 {
					le.PutUint32(blk[o+at:], 0)
				}
			}
			continue
		}
		row := w[r*rb+b0*136 : r*rb+(b0+nbk)*136]
		for i := range nbk {
			b := (*[136]byte)(row[i*136:])
			blk := (*[gemmXSBlock]byte)(tile[i*gemmXSBlock:])
			le.PutUint32(blk[at:], math.Float32bits(f16(b[0:])))
			sh := uint32(b[2]) | uint32(b[3])<<8
			scales := blk[64+at:]
			for ib := range 8 {
				ls := int32(b[4+ib/2]>>(4*(ib%2))&15) | int32(sh>>(2*ib)&3)<<4
				s := uint32(uint16(int16(ls - 32)))
				le.PutUint32(scales[64*ib:], s|s<<16)
			}
			if asm {
				continue
			}
			// Sub-block ib: low nibbles of qs[16ib:16ib+16] are elements
			// 0-15, high nibbles 16-31.
			for ib := range 8 {
				q := (*[16]byte)(b[8+16*ib:])
				var e [32]byte
				for j, c := range q {
					e[j] = byte(iq4nlValues[c&15])
					e[j+16] = byte(iq4nlValues[c>>4])
				}
				for k := range 8 {
					copy(blk[576+64*(8*ib+k)+at:][:4], e[4*k:])
				}
			}
		}
	}
}

// unpackTileQ3K fills the tile of gemmQ3_Kx16AVX2 (the Q6_K layout, quants
// u = q | hbit<<2 for the value u-4) with blocks [b0, b0+nbk) of nr rows;
// missing rows are zero.
func unpackTileQ3K(w []byte, rb, nr, b0, nbk int, tile *[tile16Bytes]byte, asm bool) {
	le := binary.LittleEndian
	const m1, m3 = 0x0101010101010101, 0x0303030303030303
	for r := range gemm16Rows {
		at := 32*(r/8) + 4*(r%8)
		if r >= nr {
			for i := range nbk {
				blk := (*[gemmQ3KBlock]byte)(tile[i*gemmQ3KBlock:])
				for o := 0; o < gemmQ3KBlock; o += 64 {
					le.PutUint32(blk[o+at:], 0)
				}
			}
			continue
		}
		row := w[r*rb+b0*110 : r*rb+(b0+nbk)*110]
		for i := range nbk {
			b := (*[110]byte)(row[i*110:])
			blk := (*[gemmQ3KBlock]byte)(tile[i*gemmQ3KBlock:])
			le.PutUint32(blk[at:], math.Float32bits(f16(b[108:])))
			var sc [16]int32
			unpackQ3KScales(b, &sc)
			scales, pairs := blk[64+at:], blk[1088+at:]
			for s, v := range sc {
				u := uint32(uint16(int16(v)))
				le.PutUint32(scales[64*s:], u|u<<16)
			}
			for j := range 8 {
				lo, hi := uint32(uint16(int16(sc[2*j]))), uint32(uint16(int16(sc[2*j+1])))
				le.PutUint32(pairs[64*j:], lo|hi<<16)
			}
			if asm {
				continue
			}
			for h := range 2 {
				for s := range 4 {
					for c := range 4 {
						q := le.Uint64(b[32+32*h+8*c:])
						hm := le.Uint64(b[8*c:])
						x := q>>(2*s)&m3 | (hm>>(4*h+s)&m1)<<2
						g := 8*(4*h+s) + 2*c
						le.PutUint32(blk[1600+64*g+at:], uint32(x))
						le.PutUint32(blk[1600+64*(g+1)+at:], uint32(x>>32))
					}
				}
			}
		}
	}
}

// unpackTileQ2K fills the tile of gemmQ2_Kx16AVX2 with blocks [b0, b0+nbk)
// of nr rows; missing rows are zero.
func unpackTileQ2K(w []byte, rb, nr, b0, nbk int, tile *[tile16Bytes]byte, asm bool) {
	le := binary.LittleEndian
	const m3 = 0x0303030303030303
	for r := range gemm16Rows {
		at := 32*(r/8) + 4*(r%8)
		if r >= nr {
			for i := range nbk {
				blk := (*[gemmQ2KBlock]byte)(tile[i*gemmQ2KBlock:])
				for o := 0; o < gemmQ2KBlock; o += 64 {
					le.PutUint32(blk[o+at:], 0)
				}
			}
			continue
		}
		row := w[r*rb+b0*84 : r*rb+(b0+nbk)*84]
		for i := range nbk {
			b := (*[84]byte)(row[i*84:])
			blk := (*[gemmQ2KBlock]byte)(tile[i*gemmQ2KBlock:])
			le.PutUint32(blk[at:], math.Float32bits(f16(b[80:])))
			le.PutUint32(blk[64+at:], math.Float32bits(f16(b[82:])))
			scales, mins := blk[128+at:], blk[1152+at:]
			for s := range 16 {
				u := uint32(b[s] & 15)
				le.PutUint32(scales[64*s:], u|u<<16)
			}
			for j := range 8 {
				le.PutUint32(mins[64*j:], uint32(b[2*j]>>4)|uint32(b[2*j+1]>>4)<<16)
			}
			if asm {
				continue
			}
			for h := range 2 {
				for s := range 4 {
					for c := range 4 {
						x := le.Uint64(b[16+32*h+8*c:]) >> (2 * s) & m3
						g := 8*(4*h+s) + 2*c
						le.PutUint32(blk[1664+64*g+at:], uint32(x))
						le.PutUint32(blk[1664+64*(g+1)+at:], uint32(x>>32))
					}
				}
			}
		}
	}
}
