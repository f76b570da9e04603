//go:build !purego

package kernels

import (
	"encoding/binary"
	"math"

	"github.com/gollm/gollm/quant"
)

// Prefill (MatMul) for the 32-element types whose blocks are d times 32
// signed 8-bit values after unpacking (Q8_0, Q4_0, Q5_0, IQ4_NL): a tile of
// gemmRows weight rows is unpacked once into a row-interleaved int8 layout
// (unpack_amd64.s, gemm_amd64.s) and every column then passes over it, four at a time, in
// one AVX2 kernel whose accumulators hold one lane per row. Q4_0, Q5_0,
// Q4_1 and Q5_1 use sixteen-row tiles (matMulGemm16), the K-quants and
// IQ4_XS sixteen-row tiles of 256-element blocks (matMulGemmK).

const (
	gemmRows      = 8                // weight rows per tile (one int32 lane each)
	gemmBlock     = 32 + 32*gemmRows // tile bytes per block: 8 f32 scales, 8x32 int8
	gemmMaxBlocks = 128              // blocks per tile (longer rows take several)
	gemmTileBytes = gemmMaxBlocks * gemmBlock
)

// matMulTile8 is the tile path of the tile8 types (Q8_0, IQ4_NL), nb > 0.
// Each tile kind has its own function so that only one tile is on the
// stack; nothing is allocated.
func matMulTile8(p *product) {
	t, w, rb, nb, rows, qs, ab, cols, out, ldOut := p.t, p.w, p.rb, p.nb, p.rows, p.qs, p.ab, p.cols, p.out, p.ldOut
	var tile [gemmTileBytes]byte
	var o [32]float32
	for r0 := 0; r0 < rows; r0 += gemmRows {
		nr := min(gemmRows, rows-r0)
		for b0 := 0; b0 < nb; b0 += gemmMaxBlocks {
			nbk := min(gemmMaxBlocks, nb-b0)
			unpackTile(t, w[r0*rb:], rb, nr, b0, nbk, &tile)
			gemm8Cols(t, &tile[0], nbk, qs[b0*q8_0Bytes:], ab, cols, nr, b0 == 0, out[r0:], ldOut, &o)
		}
	}
}

// gemmStore writes (first) or adds the kernel's nc columns of nr rows.
func gemmStore(o *[32]float32, nc, nr int, first bool, out []float32, ldOut int) {
	for j := range nc {
		dst := out[j*ldOut : j*ldOut+nr]
		src := o[j*gemmRows : j*gemmRows+nr]
		if first {
			copy(dst, src)
			continue
		}
		for r, v := range src {
			dst[r] += v
		}
	}
}

const bias = 0x8080808080808080

// unpackTile unpacks blocks [b0, b0+nbk) of nr rows (row i at w[i*rb:])
// into tile: full tiles in assembly, the last partial tile of a matrix in
// Go (unpackTileGo).
func unpackTile(t quant.Type, w []byte, rb, nr, b0, nbk int, tile *[gemmTileBytes]byte) {
	if nr < gemmRows {
		unpackTileGo(t, w, rb, nr, b0, nbk, tile)
		return
	}
	bb := t.BlockBytes()
	_ = w[7*rb+(b0+nbk)*bb-1]
	unpackRows8(t, &w[b0*bb], rb, nbk, &tile[0])
}

// unpackTileGo is unpackTile in Go for Q8_0 and IQ4_NL; rows
// nr..gemmRows-1 get zero scales and quants.
func unpackTileGo(t quant.Type, w []byte, rb, nr, b0, nbk int, tile *[gemmTileBytes]byte) {
	bb := t.BlockBytes()
	for r := range gemmRows {
		if r >= nr {
			for i := range nbk {
				blk := (*[gemmBlock]byte)(tile[i*gemmBlock:])
				binary.LittleEndian.PutUint32(blk[4*r:], 0)
				for k := range 8 {
					binary.LittleEndian.PutUint32(blk[32+32*k+4*r:], 0)
				}
			}
			continue
		}
		row := w[r*rb+b0*bb : r*rb+(b0+nbk)*bb]
		for i := range nbk {
			b := row[i*bb : (i+1)*bb]
			blk := (*[gemmBlock]byte)(tile[i*gemmBlock:])
			var e [4]uint64 // elements 8j..8j+7 in e[j], as int8 bytes
			switch t {
			case quant.Q8_0:
				q := (*[32]byte)(b[2:34])
				e[0] = binary.LittleEndian.Uint64(q[0:])
				e[1] = binary.LittleEndian.Uint64(q[8:])
				e[2] = binary.LittleEndian.Uint64(q[16:])
				e[3] = binary.LittleEndian.Uint64(q[24:])
			case quant.IQ4_NL:
				q := (*[16]byte)(b[2:18])
				for j := range 2 {
					var l, h uint64
					for i := range 8 {
						v := q[8*j+i]
						l |= uint64(uint8(iq4nlValues[v&15])) << (8 * i)
						h |= uint64(uint8(iq4nlValues[v>>4])) << (8 * i)
					}
					e[j], e[j+2] = l, h
				}
			}
			binary.LittleEndian.PutUint32(blk[4*r:], math.Float32bits(f16(b)))
			for j, v := range e {
				binary.LittleEndian.PutUint32(blk[32+64*j+4*r:], uint32(v))
				binary.LittleEndian.PutUint32(blk[64+64*j+4*r:], uint32(v>>32))
			}
		}
	}
}

const (
	gemm16Rows      = 16
	gemm16Block     = 192 + 512 // see gemm_amd64.s
	gemm16Block1    = 768       // Q4_1, Q5_1: + the f32 m' of the 16 rows
	gemm16MaxBlocks = 32        // a 24 KiB tile stays in L1
	tile16Bytes     = max(gemm16MaxBlocks*gemm16Block1, gemmKMaxBlocks*gemmKBlock)
)

// tile16Block is the tile bytes per block of t in matMulGemm16.
func tile16Block(t quant.Type) int {
	if t == quant.Q4_1 || t == quant.Q5_1 {
		return gemm16Block1
	}
	return gemm16Block
}

// matMulTile16 is the tile path of the tile16 and tileK types (nb > 0):
// sixteen rows by two columns per kernel call (gemm16), int16 sums for the
// 32-element types, int32 for the K-quants. The tile lives on the stack.
func matMulTile16(p *product) {
	t, w, rb, rows, qs, ab, cols, out, ldOut := p.t, p.w, p.rb, p.rows, p.qs, p.ab, p.cols, p.out, p.ldOut
	var tile [tile16Bytes]byte
	var o [32]float32
	maxBlocks, actBytes := gemm16MaxBlocks, q8_0Bytes
	if ActType(t) == quant.Q8_K {
		maxBlocks, actBytes = gemmKMaxBlocks, q8KBytes
	}
	for r0 := 0; r0 < rows; r0 += gemm16Rows {
		nr := min(gemm16Rows, rows-r0)
		for b0 := 0; b0 < p.nb; b0 += maxBlocks {
			nbk := min(maxBlocks, p.nb-b0)
			unpackTile16(t, w[r0*rb:], rb, nr, b0, nbk, &tile, nr == gemm16Rows)
			c := 0
			for ; c+2 <= cols; c += 2 {
				gemm16(t, &tile[0], nbk, &qs[c*ab+b0*actBytes], ab, &o)
				gemmStore16(&o, 2, nr, b0 == 0, out[c*ldOut+r0:], ldOut)
			}
			if c < cols {
				gemm16(t, &tile[0], nbk, &qs[c*ab+b0*actBytes], 0, &o)
				gemmStore16(&o, 1, nr, b0 == 0, out[c*ldOut+r0:], ldOut)
			}
		}
	}
}

// gemmStore16 writes (first) or adds nc columns of nr rows of o.
func gemmStore16(o *[32]float32, nc, nr int, first bool, out []float32, ldOut int) {
	for j := range nc {
		dst := out[j*ldOut : j*ldOut+nr]
		src := o[j*gemm16Rows : j*gemm16Rows+nr]
		if first {
			copy(dst, src)
			continue
		}
		for r, v := range src {
			dst[r] += v
		}
	}
}

// bsum8 is the sum of the eight bytes of x, as signed int8.
func bsum8(x uint64) int32 {
	x ^= bias // to unsigned: each byte + 128
	x = x&0x00ff00ff00ff00ff + x>>8&0x00ff00ff00ff00ff
	return int32(x*0x0001000100010001>>48) - 8*128
}

// unpackTile16 fills the sixteen-row tile of t's gemm16 kernel with
// blocks [b0, b0+nbk) of nr rows (row i at w[i*rb:]); missing rows are
// zero. asm (nr == gemm16Rows) unpacks the quants in assembly, eight rows
// per call; the Go code does the rest (partial tiles, K-quant scales).
func unpackTile16(t quant.Type, w []byte, rb, nr, b0, nbk int, tile *[tile16Bytes]byte, asm bool) {
	if asm {
		bb := t.BlockBytes()
		_ = w[15*rb+(b0+nbk)*bb-1]
		unpackRows16(t, &w[b0*bb], &w[8*rb+b0*bb], rb, nbk, &tile[0], &tile[32])
	}
	switch t {
	case quant.Q4_K, quant.Q5_K:
		unpackTileQ45K(t == quant.Q5_K, w, rb, nr, b0, nbk, tile, asm)
	case quant.Q6_K:
		unpackTileQ6K(w, rb, nr, b0, nbk, tile, asm)
	case quant.IQ4_XS:
		unpackTileIQ4XS(w, rb, nr, b0, nbk, tile, asm)
	case quant.Q3_K:
		unpackTileQ3K(w, rb, nr, b0, nbk, tile, asm)
	case quant.Q2_K:
		unpackTileQ2K(w, rb, nr, b0, nbk, tile, asm)
	default:
		if !asm {
			unpackTile32x16(t, w, rb, nr, b0, nbk, tile)
		}
	}
}

// unpackTile32x16 is unpackTile16 in Go for Q4_0, Q5_0, Q4_1 and Q5_1 (the
// layout of gemm_amd64.s's gemmQ4_0x16AVX2: q-8 or q-16 and, for Q4_1 and
// Q5_1, m' = m + 8d or m + 16d at 704).
func unpackTile32x16(t quant.Type, w []byte, rb, nr, b0, nbk int, tile *[tile16Bytes]byte) {
	bb := t.BlockBytes()
	tb := tile16Block(t)
	le := binary.LittleEndian
	for r := range gemm16Rows {
		half, lane := 32*(r/8), 4*(r%8)
		if r >= nr {
			for i := range nbk {
				blk := tile[i*tb : (i+1)*tb]
				for o := 0; o < tb; o += 64 {
					le.PutUint32(blk[o+half+lane:], 0)
				}
			}
			continue
		}
		row := w[r*rb+b0*bb : r*rb+(b0+nbk)*bb]
		for i := range nbk {
			b := row[i*bb : (i+1)*bb]
			blk := tile[i*tb : (i+1)*tb]
			var e [4]uint64
			switch t {
			case quant.Q4_1:
				d, m := f16(b), f16(b[2:])
				le.PutUint32(blk[704+half+lane:], math.Float32bits(m+8*d))
				b = b[2:] // scale at 0, quants at 2 as in Q4_0
				fallthrough
			case quant.Q4_0:
				q := (*[16]byte)(b[2:18])
				a, c := le.Uint64(q[0:]), le.Uint64(q[8:])
				e[0] = (a&lo4 + 0x7878787878787878) ^ bias
				e[1] = (c&lo4 + 0x7878787878787878) ^ bias
				e[2] = (a>>4&lo4 + 0x7878787878787878) ^ bias
				e[3] = (c>>4&lo4 + 0x7878787878787878) ^ bias
			case quant.Q5_1:
				d, m := f16(b), f16(b[2:])
				le.PutUint32(blk[704+half+lane:], math.Float32bits(m+16*d))
				b = b[2:]
				fallthrough
			default:
				qh := le.Uint32(b[2:6])
				q := (*[16]byte)(b[6:22])
				a, c := le.Uint64(q[0:]), le.Uint64(q[8:])
				e[0] = (a&lo4 | q5hi[qh&255] + 0x7070707070707070) ^ bias
				e[1] = (c&lo4 | q5hi[qh>>8&255] + 0x7070707070707070) ^ bias
				e[2] = (a>>4&lo4 | q5hi[qh>>16&255] + 0x7070707070707070) ^ bias
				e[3] = (c>>4&lo4 | q5hi[qh>>24] + 0x7070707070707070) ^ bias
			}
			s0, s1 := bsum8(e[0])+bsum8(e[1]), bsum8(e[2])+bsum8(e[3])
			if t == quant.Q4_0 || t == quant.Q4_1 {
				s0, s1 = s0+s1, 0
			}
			le.PutUint32(blk[half+lane:], math.Float32bits(f16(row[i*bb:])))
			le.PutUint32(blk[64+half+lane:], uint32(128*s0))
			le.PutUint32(blk[128+half+lane:], uint32(128*s1))
			for j, v := range e {
				le.PutUint32(blk[192+128*j+half+lane:], uint32(v))
				le.PutUint32(blk[256+128*j+half+lane:], uint32(v>>32))
			}
		}
	}
}
