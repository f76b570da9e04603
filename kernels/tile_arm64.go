//go:build !purego

package kernels

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/gollm/gollm/quant"
)

// Prefill (MatMul) tile path of arm64: four weight rows at a time are
// unpacked once, in Go, into a tile of row-interleaved int8 quants (four
// bytes of each row in turn, as Pack's layout), and every column of the
// product then runs over the tile, its activation bytes meeting the four
// rows at once by-element (SDOT at dotprod, SMULL/SADALP at neon). The
// unpacking costs a fixed amount per call, whatever the number of columns.
//
// tileQ8 types (Q5_0, IQ4_NL: blocks of 32 that unpack to d times 32 int8
// values, exactly a Q8_0 block) are unpacked into Pack's layout of Q8_0
// and multiplied by Q8_0's packed kernels (matMulPackedTiles); at i8mm,
// into its i8mm layout, by the SMMLA tiles over the columns in pairs
// (matMulTileQ8Pairs).

// The tiles are unpacked in Go, a fixed cost per call that more columns
// repay. Counted under qemu at dotprod (Qwen2.5-0.5B Q4_K_M, a 16-token
// prefill): a K-quant tile costs about 1900 instructions per row and
// super-block to unpack and then about 29 per column, against 68 for the
// four-column kernels (cols4) and 108 for the row kernel; a Q5_0 tile about
// 230 per row and block, then about 4 per column, against 13 for cols4.
// MatMul takes the tile from these batch sizes on.
const (
	tile4MinCols     = 48 // types with four-column kernels
	tile4MinColsRows = 24 // the other tile4 types (against the row kernel)
	tileQ8MinCols    = 24
)

// takesTile4 reports whether MatMul takes the tile4 path for a type of
// shapes s and cols columns.
func takesTile4(s shape, cols int) bool {
	return s&tile4 != 0 && (cols >= tile4MinCols || s&cols4 == 0 && cols >= tile4MinColsRows)
}

const (
	tileRows     = packGroup // weight rows per tile
	tileQ8Blocks = 160       // blocks of 32 per tile (longer rows take several)
	tileQ8Cols   = 64        // columns per pass over a tile through o
)

// matMulTileQ8 is MatMul's tileQ8 path. A last group of fewer than four
// rows is padded with zero rows, so that every row goes through the same
// kernels and a row's result does not depend on how a caller splits the
// rows. Partial sums of rows longer than a tile are added in order.
func matMulTileQ8(p *product) {
	if level >= lvI8MM && p.nb <= tileQ8Blocks {
		matMulTileQ8Pairs(p)
		return
	}
	t, w, rb, nb, qs, ab, cols, out, ldOut := p.t, p.w, p.rb, p.nb, p.qs, p.ab, p.cols, p.out, p.ldOut
	var tile [tileQ8Blocks * tileRows * q8_0Bytes]byte
	var o [tileQ8Cols * tileRows]float32
	// Whole groups of rows that fit one tile all take every column: their
	// scales are converted once, into p.sc (the last, partial group and
	// rows longer than a tile convert theirs per call there, after).
	var s []float32
	if nb <= tileQ8Blocks && p.rows >= tileRows {
		s = packedTileScales(p.sc, qs, ab, nb, cols)
	}
	for r0 := 0; r0 < p.rows; r0 += tileRows {
		nr := min(tileRows, p.rows-r0)
		for b0 := 0; b0 < nb; b0 += tileQ8Blocks {
			nbk := min(tileQ8Blocks, nb-b0)
			unpackTileQ8[tileLayout4](t, w[r0*rb:], rb, nr, b0, nbk, tile[:])
			x := tile[:nbk*tileRows*q8_0Bytes]
			y := qs[b0*q8_0Bytes:]
			if nr == tileRows && nbk == nb {
				matMulPackedTilesScaled(quant.Q8_0, x, nbk, 1, y, ab, cols, s, out[r0:], ldOut)
				continue
			}
			for c0 := 0; c0 < cols; c0 += tileQ8Cols {
				nc := min(tileQ8Cols, cols-c0)
				matMulPackedTiles(quant.Q8_0, x, nbk, 1, y[c0*ab:], ab, nc, o[:], tileRows, p.sc)
				for c := range nc {
					dst := out[(c0+c)*ldOut+r0 : (c0+c)*ldOut+r0+nr]
					src := o[c*tileRows : c*tileRows+nr]
					if b0 == 0 {
						copy(dst, src)
						continue
					}
					for r, v := range src {
						dst[r] += v
					}
				}
			}
		}
	}
}

// matMulTileQ8Pairs is matMulTileQ8 at i8mm for rows of up to
// tileQ8Blocks blocks: the columns are rearranged in pairs once per call
// (pairActsAll, into p.sc), each group of four rows is unpacked into
// Pack's i8mm layout of Q8_0 and multiplied by the SMMLA tiles
// (matMulPackedPairs); a last group of fewer than four rows is padded with
// zero rows and goes through o, tileQ8Cols columns at a time.
func matMulTileQ8Pairs(p *product) {
	t, w, rb, nb, qs, ab, cols, out, ldOut := p.t, p.w, p.rb, p.nb, p.qs, p.ab, p.cols, p.out, p.ldOut
	var tile [tileQ8Blocks * tileRows * q8_0Bytes]byte
	var o [tileQ8Cols * tileRows]float32
	ps := nb * pairBytes // bytes of one pair of columns
	y := p.sc.bytes(cols / 2 * ps)
	pairActsAll(qs, ab, nb, cols/2, y)
	x := tile[:nb*tileRows*q8_0Bytes]
	for r0 := 0; r0 < p.rows; r0 += tileRows {
		nr := min(tileRows, p.rows-r0)
		unpackTileQ8[tileLayout8](t, w[r0*rb:], rb, nr, 0, nb, x)
		if nr == tileRows {
			matMulPackedPairs(quant.Q8_0, x, nb, 1, qs, ab, cols, y, out[r0:], ldOut)
			continue
		}
		// Chunks of tileQ8Cols columns start on a quad: their pairs
		// are laid out as pairActsAll would lay them out alone.
		for c0 := 0; c0 < cols; c0 += tileQ8Cols {
			nc := min(tileQ8Cols, cols-c0)
			matMulPackedPairs(quant.Q8_0, x, nb, 1, qs[c0*ab:], ab, nc, y[c0/2*ps:], o[:], tileRows)
			for c := range nc {
				copy(out[(c0+c)*ldOut+r0:(c0+c)*ldOut+r0+nr], o[c*tileRows:c*tileRows+nr])
			}
		}
	}
}

// The tile unpackers are instantiated once per layout they write, the
// layout a type (tileLayout4 for interleave4, tileLayout8 for
// interleave8) whose size the instantiation knows as a constant: their
// stores of eight quants then test no layout at run time (a test in each
// store cost about 7% of a Q4_K_M prefill at dotprod).
type (
	tileLayout4 int32
	tileLayout8 int64
	tileLayout  interface{ tileLayout4 | tileLayout8 }
)

// unpackTileQ8 writes blocks [b0, b0+nbk) of nr rows (row i at w[i*rb:])
// of type t (Q5_0 or IQ4_NL) into tile as a packed group of four Q8_0 rows
// in layout L (pack.go: per block of four the rows' f16 scales, then
// their int8 values four bytes of each row in turn, or with interleave8
// eight bytes of rows 0 and 1 side by side, then of rows 2 and 3). Rows
// nr..3 are zero.
func unpackTileQ8[L tileLayout](t quant.Type, w []byte, rb, nr, b0, nbk int, tile []byte) {
	var l L
	il8 := unsafe.Sizeof(l) == 8 // a constant in each instantiation
	le := binary.LittleEndian
	const gb = tileRows * q8_0Bytes // bytes of a packed block of four
	bb := t.BlockBytes()
	if nr < tileRows {
		clear(tile[:nbk*gb])
	}
	for r := range nr {
		row := w[r*rb+b0*bb : r*rb+(b0+nbk)*bb]
		for i := range nbk {
			b := row[i*bb : (i+1)*bb]
			d := (*[gb]byte)(tile[i*gb:])
			d[2*r], d[2*r+1] = b[0], b[1]
			// put writes values 8k..8k+7 of the row, the bytes of v.
			put := func(k int, v uint64) {
				if il8 {
					le.PutUint64(d[8+32*k+8*r:], v)
					return
				}
				le.PutUint32(d[8+32*k+4*r:], uint32(v))
				le.PutUint32(d[8+32*k+16+4*r:], uint32(v>>32))
			}
			switch t {
			case quant.Q5_0:
				// Value j: nibble j of qs (low nibbles first) with bit j
				// of qh on top, minus 16. u = v XOR 16 is v-16 in
				// five-bit two's complement; bytes with bit 4 set get
				// bits 5-7 too.
				const m4 = 0x1010101010101010
				qh := le.Uint32(b[2:])
				for h := range 2 {
					x := le.Uint64(b[6+8*h:])
					lo := x&lo4 | q5hi[byte(qh>>(8*h))]
					hi := x>>4&lo4 | q5hi[byte(qh>>(16+8*h))]
					lo ^= m4
					hi ^= m4
					put(h, lo|(lo&m4)*14)
					put(2+h, hi|(hi&m4)*14)
				}
			case quant.IQ4_NL:
				for h := range 2 {
					var lo, hi uint64
					for j, c := range b[2+8*h : 10+8*h] {
						lo |= uint64(uint8(iq4nlValues[c&15])) << (8 * j)
						hi |= uint64(uint8(iq4nlValues[c>>4])) << (8 * j)
					}
					put(h, lo)
					put(2+h, hi)
				}
			}
		}
	}
}

// The K-quant tiles (tile4): per super-block of four rows, the rows' d
// (four float32), with mins their dmin (four float32), then per sub-block
// of kSub(t) elements the rows' integer scales (four int32) and quants (4
// bytes of each row in turn), then with mins the rows' mins per
// sub-block (four int16 each): the layout gemm<T>t4<L> reads
// (_asm_arm64/gemmk.go).
const (
	tileKBlocks = 8                 // super-blocks per tile
	tileKBlock  = 32 + 16*80 + 8*16 // the largest tile super-block (Q2_K's)
	tileKBytes  = tileKBlocks * tileKBlock
)

// kSub is the number of elements per integer scale of t's tile, kMins
// whether its rows have mins.
func kSub(t quant.Type) int {
	switch t {
	case quant.Q2_K, quant.Q3_K, quant.Q6_K:
		return 16
	}
	return 32
}

func kMins(t quant.Type) bool { return t == quant.Q2_K || t == quant.Q4_K || t == quant.Q5_K }

// kTileBlock is the size of one super-block of t's tile, kTileSub the
// offset of its first sub-block.
func kTileBlock(t quant.Type) int {
	nsub := 256 / kSub(t)
	n := kTileSub(t) + nsub*(16+4*kSub(t))
	if kMins(t) {
		n += 8 * nsub
	}
	return n
}

func kTileSub(t quant.Type) int {
	if kMins(t) {
		return 32
	}
	return 16
}

// tile4Geometry gives t's tile4 layout: bytes per tile block, blocks per
// tile, activation bytes per block.
func tile4Geometry(t quant.Type) (tb, blocks, act int) {
	if t == quant.Q4_1 || t == quant.Q5_1 {
		return tileMBlock, tileMBlocks, q8_0Bytes
	}
	return kTileBlock(t), tileKBlocks, q8KBytes
}

// matMulTile4 is MatMul's tile4 path, every row through the tile (a last
// group of fewer than four rows padded with zero rows) so that a row's
// result does not depend on how a caller splits the rows; columns four at
// a time, a last one to three columns one by one (the kernel computing
// the column four times). Partial sums of rows longer than a tile are
// added in order. At i8mm the SMMLA kernels run (tileKPairs, tileMPairs):
// the tile in the i8mm layout, the columns rearranged in pairs once per
// call into p.sc (tilePairActs).
func matMulTile4(p *product) {
	t, w, rb, nb, qs, ab, cols, out, ldOut := p.t, p.w, p.rb, p.nb, p.qs, p.ab, p.cols, p.out, p.ldOut
	var tile [tileKBytes]byte
	var o [16]float32
	tb, blocks, act := tile4Geometry(t)
	s := shapesNow(t)
	pairs := s&(tileKPairs|tileMPairs) != 0
	run := interleave4
	var yq []byte
	gb := tilePairBlock(t) // bytes per block of a group of columns in yq
	if pairs {
		run = interleave8
		yq = p.sc.bytes(tilePairGroups(cols) * nb * gb)
		tilePairActs(t, qs, ab, nb, cols, yq)
	}
	// column runs the tile kernel over columns c.. (four, or c four
	// times with ystride 0), column group g, from block b0 on.
	column := func(x []byte, nbk, b0, c, ystride, g int) {
		y := &qs[c*ab+b0*act]
		switch {
		case s&tileKPairs != 0:
			gemmTileKPairs(t, &x[0], nbk, y, ystride, &yq[(g*nb+b0)*gb], &o)
		case s&tileMPairs != 0:
			gemmTileMPairs(t, &x[0], nbk, &yq[(g*nb+b0)*gb], &o)
		default:
			gemmTile4(t, &x[0], nbk, y, ystride, &o)
		}
	}
	for r0 := 0; r0 < p.rows; r0 += tileRows {
		nr := min(tileRows, p.rows-r0)
		for b0 := 0; b0 < nb; b0 += blocks {
			nbk := min(blocks, nb-b0)
			x := tile[:nbk*tb]
			switch {
			case act == q8_0Bytes && run == interleave8:
				unpackTileM[tileLayout8](t, w[r0*rb:], rb, nr, b0, nbk, x)
			case act == q8_0Bytes:
				unpackTileM[tileLayout4](t, w[r0*rb:], rb, nr, b0, nbk, x)
			case run == interleave8:
				unpackTileK[tileLayout8](t, w[r0*rb:], rb, nr, b0, nbk, x)
			default:
				unpackTileK[tileLayout4](t, w[r0*rb:], rb, nr, b0, nbk, x)
			}
			first := b0 == 0
			c, g := 0, 0
			for ; c+4 <= cols; c, g = c+4, g+1 {
				column(x, nbk, b0, c, ab, g)
				tileStore(&o, 4, nr, first, out[c*ldOut+r0:], ldOut)
			}
			for ; c < cols; c, g = c+1, g+1 {
				column(x, nbk, b0, c, 0, g)
				tileStore(&o, 1, nr, first, out[c*ldOut+r0:], ldOut)
			}
		}
	}
}

// tilePairBlock is the size of a block of a group of four columns
// rearranged for t's SMMLA tile kernel: a K-quant super-block's quants in
// pairs (pairActsK), or a Q8_0 block as pairActs lays out a quad.
func tilePairBlock(t quant.Type) int {
	if t.BlockSize() == 256 {
		return 4 * 256
	}
	return 2 * pairBytes
}

// tilePairGroups is how many column groups matMulTile4 rearranges for
// cols columns at i8mm: the groups of four, then each last column alone
// (four times).
func tilePairGroups(cols int) int { return cols/4 + cols%4 }

// tilePairActs rearranges cols columns qs (ab bytes each, nb blocks) into
// yq for t's SMMLA tile kernel, group after group (tilePairGroups).
func tilePairActs(t quant.Type, qs []byte, ab, nb, cols int, yq []byte) {
	gb := tilePairBlock(t)
	for c, g := 0, 0; c < cols; g++ {
		// A group of four, or one of the last columns four times.
		n, stride, c2 := 4, ab, c+2 // c2: the second pair's first column
		if c+4 > cols {
			n, stride, c2 = 1, 0, c
		}
		d := yq[g*nb*gb:]
		if t.BlockSize() == 256 {
			pairActsK(&qs[c*ab], stride, nb, &d[0])
		} else {
			pairActs(&qs[c*ab], stride, nb, &d[0], 32, gb)
			pairActs(&qs[c2*ab], stride, nb, &d[16], 32-16+64, gb)
		}
		c += n
	}
}

// tileStore writes (first) or adds nc columns of nr rows of o (four rows
// per column).
func tileStore(o *[16]float32, nc, nr int, first bool, out []float32, ldOut int) {
	for c := range nc {
		dst := out[c*ldOut : c*ldOut+nr]
		src := o[c*tileRows : c*tileRows+nr]
		if first {
			copy(dst, src)
			continue
		}
		for r, v := range src {
			dst[r] += v
		}
	}
}

// unpackTileK writes the tile of blocks [b0, b0+nbk) of nr rows (row i at
// w[i*rb:]) in layout L (interleave4: each sub-block's quants four bytes
// of each row in turn; interleave8: eight bytes of rows 0 and 1 side by
// side, then of rows 2 and 3); rows nr..3 are zero.
func unpackTileK[L tileLayout](t quant.Type, w []byte, rb, nr, b0, nbk int, tile []byte) {
	var l L
	il8 := unsafe.Sizeof(l) == 8
	le := binary.LittleEndian
	bb, tb, sub, s0 := t.BlockBytes(), kTileBlock(t), kSub(t), kTileSub(t)
	ss := 16 + 4*sub // bytes per tile sub-block
	if nr < tileRows {
		clear(tile[:nbk*tb])
	}
	for r := range nr {
		for i := range nbk {
			b := w[r*rb+(b0+i)*bb : r*rb+(b0+i+1)*bb]
			blk := tile[i*tb : (i+1)*tb]
			// q puts eight quants, elements e..e+7 of sub-block s, as
			// bytes of x.
			q := func(s, e int, x uint64) {
				if il8 {
					le.PutUint64(blk[s0+s*ss+16+32*(e/8)+8*r:], x)
					return
				}
				o := s0 + s*ss + 16 + 16*(e/4) + 4*r
				le.PutUint32(blk[o:], uint32(x))
				le.PutUint32(blk[o+16:], uint32(x>>32))
			}
			scale := func(s int, v int32) { le.PutUint32(blk[s0+s*ss+4*r:], uint32(v)) }
			switch t {
			case quant.Q4_K, quant.Q5_K:
				le.PutUint32(blk[4*r:], math.Float32bits(f16(b[0:])))
				le.PutUint32(blk[16+4*r:], math.Float32bits(f16(b[2:])))
				sc := (*[12]byte)(b[4:16])
				mins := blk[s0+8*ss:]
				for j := range 8 {
					s, m := scaleMinK4(j, sc)
					scale(j, s)
					le.PutUint16(mins[8*j+2*r:], uint16(m))
				}
				qo := 16
				if t == quant.Q5_K {
					qo = 48
				}
				// Sub-blocks 2p and 2p+1: low and high nibbles of
				// qs[32p:32p+32] (Q5_K: bits 2p and 2p+1 of qh on top).
				for p := range 4 {
					for h := range 4 {
						x := le.Uint64(b[qo+32*p+8*h:])
						lo, hi := x&lo4, x>>4&lo4
						if t == quant.Q5_K {
							const m1 = 0x0101010101010101
							qh := le.Uint64(b[16+8*h:])
							lo |= (qh >> (2 * p) & m1) << 4
							hi |= (qh >> (2*p + 1) & m1) << 4
						}
						q(2*p, 8*h, lo)
						q(2*p+1, 8*h, hi)
					}
				}
			case quant.Q6_K:
				le.PutUint32(blk[4*r:], math.Float32bits(f16(b[208:])))
				for s := range 16 {
					scale(s, int32(int8(b[192+s])))
				}
				// Element 128h + 32k + l (l < 32): nibble of ql (low
				// nibbles of ql[64h+l] for k = 0, of ql[64h+32+l] for
				// k = 1, their high nibbles for k = 2, 3) and bits 2k,
				// 2k+1 of qh[32h+l] on top, minus 32.
				const m2, m32 = 0x0303030303030303, 0x2020202020202020
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
						for k, x := range v {
							e := 128*h + 32*k + 8*c
							// x - 32 per byte: flip bit 5 (the six-bit
							// two's complement), then copy it to bits 6-7.
							x ^= m32
							q(e/16, e%16, x|(x&m32)*6)
						}
					}
				}
			case quant.Q3_K:
				b := (*[110]byte)(b)
				le.PutUint32(blk[4*r:], math.Float32bits(f16(b[108:])))
				var sc [16]int32
				unpackQ3KScales(b, &sc)
				for s, v := range sc {
					scale(s, v)
				}
				// Element 128h + 32s + l (l < 32): bits 2s, 2s+1 of
				// qs[32h+l] and bit 4h+s of hmask[l] over them, minus 4.
				const m1, m3, m4 = 0x0101010101010101, 0x0303030303030303, 0x0404040404040404
				for h := range 2 {
					for s := range 4 {
						for c := range 4 {
							x := le.Uint64(b[32+32*h+8*c:])>>(2*s)&m3 | (le.Uint64(b[8*c:])>>(4*h+s)&m1)<<2
							x ^= m4 // three-bit two's complement of x-4
							e := 128*h + 32*s + 8*c
							q(e/16, e%16, x|(x&m4)*63)
						}
					}
				}
			case quant.Q2_K:
				le.PutUint32(blk[4*r:], math.Float32bits(f16(b[80:])))
				le.PutUint32(blk[16+4*r:], math.Float32bits(f16(b[82:])))
				mins := blk[s0+16*ss:]
				for s := range 16 {
					scale(s, int32(b[s]&15))
					le.PutUint16(mins[8*s+2*r:], uint16(b[s]>>4))
				}
				// Element 128h + 32s + l (l < 32): bits 2s, 2s+1 of
				// qs[32h+l].
				const m3 = 0x0303030303030303
				for h := range 2 {
					for s := range 4 {
						for c := range 4 {
							e := 128*h + 32*s + 8*c
							q(e/16, e%16, le.Uint64(b[16+32*h+8*c:])>>(2*s)&m3)
						}
					}
				}
			case quant.IQ4_XS:
				le.PutUint32(blk[4*r:], math.Float32bits(f16(b[0:])))
				sh := uint32(le.Uint16(b[2:]))
				for ib := range 8 {
					ls := int32(b[4+ib/2]>>(4*(ib%2))&15) | int32(sh>>(2*ib)&3)<<4
					scale(ib, ls-32)
					// Low nibbles of qs[16ib:16ib+16] are elements 0-15,
					// high nibbles 16-31, through the codebook.
					for h := range 2 {
						var lo, hi uint64
						for i, c := range b[8+16*ib+8*h : 8+16*ib+8*h+8] {
							lo |= uint64(uint8(iq4nlValues[c&15])) << (8 * i)
							hi |= uint64(uint8(iq4nlValues[c>>4])) << (8 * i)
						}
						q(ib, 8*h, lo)
						q(ib, 16+8*h, hi)
					}
				}
			}
		}
	}
}

// The Q4_1 and Q5_1 tiles (tile4): per block of four rows, the rows' d and
// m (four float32 each), then their 32 unsigned quants interleaved four
// bytes at a time (_asm_arm64/gemm4.go, gemmM).
const (
	tileMBlocks = 64               // blocks per tile
	tileMBlock  = 32 + 32*tileRows // tile bytes per block
)

// unpackTileM writes the tile of blocks [b0, b0+nbk) of nr rows (row i at
// w[i*rb:]) of Q4_1 or Q5_1 in layout L (as unpackTileK); rows nr..3
// are zero.
func unpackTileM[L tileLayout](t quant.Type, w []byte, rb, nr, b0, nbk int, tile []byte) {
	var l L
	il8 := unsafe.Sizeof(l) == 8
	le := binary.LittleEndian
	bb := t.BlockBytes()
	if nr < tileRows {
		clear(tile[:nbk*tileMBlock])
	}
	for r := range nr {
		for i := range nbk {
			b := w[r*rb+(b0+i)*bb : r*rb+(b0+i+1)*bb]
			blk := tile[i*tileMBlock : (i+1)*tileMBlock]
			le.PutUint32(blk[4*r:], math.Float32bits(f16(b[0:])))
			le.PutUint32(blk[16+4*r:], math.Float32bits(f16(b[2:])))
			// Elements 8h..8h+7: low nibbles of qs[8h:8h+8]; 16+8h..:
			// their high nibbles (Q5_1: bit e of qh on top of element e).
			qs := b[4:]
			var qh uint32
			if t == quant.Q5_1 {
				qh, qs = le.Uint32(b[4:]), b[8:]
			}
			for h := range 2 {
				x := le.Uint64(qs[8*h:])
				lo, hi := x&lo4, x>>4&lo4
				if t == quant.Q5_1 {
					lo |= q5hi[byte(qh>>(8*h))]
					hi |= q5hi[byte(qh>>(16+8*h))]
				}
				for k, v := range [2]uint64{lo, hi} {
					e := 16*k + 8*h
					if il8 {
						le.PutUint64(blk[32+32*(e/8)+8*r:], v)
						continue
					}
					o := 32 + 16*(e/4) + 4*r
					le.PutUint32(blk[o:], uint32(v))
					le.PutUint32(blk[o+16:], uint32(v>>32))
				}
			}
		}
	}
}
