//go:build !purego

package kernels

import (
	"unsafe"

	"github.com/gollm/gollm/quant"
)

// packs reports whether Pack rearranges t at the current level: where the
// type table gives t packed kernels (packed_arm64.s).
func packs(t quant.Type) bool { return shapesNow(t)&packed != 0 }

// packLayout is the layout Pack writes at the current level: the i8mm
// kernels' where the level has them (packedPairs), else the dotprod ones'.
func packLayout(t quant.Type) layout {
	if shapesNow(t)&packedPairs != 0 {
		return interleave8
	}
	return interleave4
}

// matVecPacked computes out[4g+r] = dot(row r of group g, q) for groups
// whole packed groups at the start of w, in layout run: by the current
// level's kernels for that layout (i8mm multiplies interleave4 with the
// dotprod kernels), else the generic twin.
func matVecPacked(t quant.Type, w []byte, run layout, nb, groups int, q []byte, out []float32) {
	_ = out[packGroup*groups-1]
	switch {
	case run == interleave8 && shapesNow(t)&packedPairs != 0:
		gemvPairs(t, &w[0], &q[0], nb, groups, &out[0])
	case run == interleave4 && packs(t):
		gemvPacked(t, &w[0], &q[0], nb, groups, &out[0])
	default:
		packedGroupsGeneric(t, w, run, nb, groups, q, out)
	}
}

// matMulPacked computes out[c*ldOut + 4g+r] = dot(row r of group g,
// column c) for groups whole packed groups at the start of w (layout run)
// and the columns of a: group by group (its rows stay in L1), by the SMMLA
// tiles over column pairs for interleave8 at i8mm, by tiles of eight and
// four columns that read the columns' scales as float32 for interleave4,
// then one column at a time; the generic twin where the level has no
// kernels for the layout. Every kernel gives a row and column the same
// bits.
func matMulPacked(t quant.Type, w []byte, run layout, nb, groups int, a *PackedActs, out []float32, ldOut int, sc *Scratch) {
	cols := a.cols
	_ = out[(cols-1)*ldOut+packGroup*groups-1]
	ab := len(a.q) / cols
	switch prep := prepFor(t, cols); {
	case run == interleave8 && prep == prepPairs:
		matMulPackedPairs(t, w, nb, groups, a.q, ab, cols, a.prep, out, ldOut)
	case run == interleave8 && cols == 1 && shapesNow(t)&packedPairs != 0:
		gemvPairs(t, &w[0], &a.q[0], nb, groups, &out[0])
	case run == interleave4 && prep == prepScales:
		matMulPackedTilesScaled(t, w, nb, groups, a.q, ab, cols, floats(a.prep), out, ldOut)
	case run == interleave4 && prep == prepPairs:
		// Packed below i8mm: the dotprod tiles, their column scales
		// converted per call.
		matMulPackedTiles(t, w, nb, groups, a.q, ab, cols, out, ldOut, sc)
	default:
		matMulPackedGeneric(t, w, run, nb, groups, a.q, ab, cols, out, ldOut)
	}
}

// What packedActsPrep derives from the columns for the packed tiles.
const (
	prepNone   = iota // nothing: the generic twin reads the columns
	prepPairs         // the columns in pairs (pairActs) for the SMMLA tiles
	prepScales        // the columns' scales as float32 (colScales8, colScales4)
)

// prepFor is what the current level's packed products of t by cols
// columns read besides the columns.
func prepFor(t quant.Type, cols int) int {
	switch {
	case !packs(t):
		return prepNone
	case shapesNow(t)&packedPairs != 0 && cols >= 2:
		return prepPairs
	default:
		return prepScales
	}
}

// packedActsBytes is PackedActsBytes for nb blocks per column: the larger
// of the pair layout and the float32 scales.
func packedActsBytes(nb, cols int) int {
	return max(cols/2*nb*pairBytes, 4*nb*tileScaleCols(cols))
}

// tileScaleCols is how many columns the tiles of eight and four columns
// cover.
func tileScaleCols(cols int) int { return cols/8*8 + cols%8/4*4 }

// packedActsPrep derives into buf what the current level's packed tiles
// of t read from cols columns q (ab bytes each, nb blocks), and returns it.
func packedActsPrep(t quant.Type, q []byte, ab, nb, cols int, buf []byte) []byte {
	switch prepFor(t, cols) {
	case prepPairs:
		y := buf[:cols/2*nb*pairBytes]
		pairActsAll(q, ab, nb, cols/2, y)
		return y
	case prepScales:
		s := buf[:4*nb*tileScaleCols(cols)]
		if len(s) > 0 {
			colScales(q, ab, nb, cols, floats(s))
		}
		return s
	}
	return nil
}

// floats views b, 4-byte aligned, as float32.
func floats(b []byte) []float32 {
	if len(b) == 0 {
		return nil
	}
	if uintptr(unsafe.Pointer(&b[0]))%4 != 0 {
		panic("kernels: float32 scratch is not 4-byte aligned")
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// matMulPackedTiles is matMulPacked for the interleave4 layout by the
// packed shape's kernels, the column scales converted per call: MatMul's
// tileQ8 path (which writes that layout at every level), and interleave4
// matrices at i8mm.
func matMulPackedTiles(t quant.Type, w []byte, nb, groups int, qs []byte, ab, cols int, out []float32, ldOut int, sc *Scratch) {
	s := packedTileScales(sc, qs, ab, nb, cols)
	matMulPackedTilesScaled(t, w, nb, groups, qs, ab, cols, s, out, ldOut)
}

// packedTileScales converts the scales of cols Q8_0 columns of nb blocks
// (ab bytes apart) to float32 once, as matMulPackedTilesScaled reads them.
// They go to the start of sc.
func packedTileScales(sc *Scratch, qs []byte, ab, nb, cols int) []float32 {
	s := floats(sc.bytes(4 * nb * tileScaleCols(cols)))
	colScales(qs, ab, nb, cols, s)
	return s
}

// matMulScratchBytes is MatMulScratchBytes for nb blocks: what the tile4
// path at i8mm (the columns in pairs, tilePairActs) or the tileQ8 path
// derives from the columns: at i8mm the columns in pairs (rows
// of up to tileQ8Blocks blocks), otherwise their scales as float32 (for a
// tile of up to tileQ8Blocks blocks).
func matMulScratchBytes(t quant.Type, nb, cols int) int {
	s := shapesNow(t)
	if s&(tileKPairs|tileMPairs) != 0 && takesTile4(s, cols) {
		return tilePairGroups(cols) * nb * tilePairBlock(t)
	}
	if s&tileQ8 == 0 || cols < tileQ8MinCols {
		return 0
	}
	if level >= lvI8MM && nb <= tileQ8Blocks {
		return cols / 2 * nb * pairBytes
	}
	return 4 * min(nb, tileQ8Blocks) * tileScaleCols(cols)
}

// colScales writes the scales of cols Q8_0 columns of nb blocks (ab bytes
// apart) into s as float32: tiles of eight columns (colScales8), then one
// of four.
func colScales(qs []byte, ab, nb, cols int, s []float32) {
	n8, n4 := cols/8, cols%8/4 // tiles of eight and four columns
	if n8 > 0 {
		colScales8(&qs[0], ab, nb, n8, &s[0])
	}
	if n4 > 0 {
		colScales4(&qs[8*n8*ab], ab, nb, 1, &s[8*n8*nb])
	}
}

// matMulPackedTilesScaled is matMulPackedTiles with the column scales s
// from packedTileScales. Q4_0 groups that two or more tiles read are
// expanded first (matMulExpandedTiles).
func matMulPackedTilesScaled(t quant.Type, w []byte, nb, groups int, qs []byte, ab, cols int, s []float32, out []float32, ldOut int) {
	n8, n4 := cols/8, cols%8/4
	if t == quant.Q4_0 && nb <= expandedMaxBlocks && n8+n4 >= 2 {
		matMulExpandedTiles(w, nb, groups, qs, ab, cols, s, out, ldOut)
		return
	}
	s4 := s[8*n8*nb:]
	gb := packGroup * nb * t.BlockBytes()
	for g := range groups {
		x := &w[g*gb]
		o := out[packGroup*g:]
		c := 0
		if n8 > 0 {
			gemmPacked8(t, x, &qs[0], ab, nb, n8, &s[0], &o[0], ldOut)
			c = 8 * n8
		}
		if n4 > 0 {
			gemmPacked4(t, x, &qs[c*ab], ab, nb, 1, &s4[0], &o[c*ldOut], ldOut)
			c += 4
		}
		for ; c < cols; c++ {
			gemvPacked(t, x, &qs[c*ab], nb, 1, &o[c*ldOut])
		}
	}
}

// expandedTileBytes is the size of a block of four in the expanded form
// of the dotprod and neon tiles (expandQ4_0p4NEON): the scales as float32,
// then the eight int8 vectors.
const expandedTileBytes = 16 + 128

// matMulExpandedTiles is matMulPackedTilesScaled for Q4_0 groups that
// several tiles read: each group is expanded once (expandQ4_0p4NEON:
// nibbles split into int8, scales converted to float32) into a buffer on
// the stack, so that each tile reads a block in three loads instead of
// splitting and converting it again. Same bits as the tiles over Pack's
// form.
func matMulExpandedTiles(w []byte, nb, groups int, qs []byte, ab, cols int, s []float32, out []float32, ldOut int) {
	var e [expandedMaxBlocks * expandedTileBytes]byte
	n8, n4 := cols/8, cols%8/4
	s4 := s[8*n8*nb:]
	gb := packGroup * nb * quant.Q4_0.BlockBytes()
	dp := level >= lvDotProd
	for g := range groups {
		x := &w[g*gb]
		o := out[packGroup*g:]
		expandQ4_0p4NEON(x, nb, &e[0])
		c := 0
		if n8 > 0 {
			if dp {
				gemmQ4_0e4x8DP(&e[0], &qs[0], ab, nb, n8, &s[0], &o[0], ldOut)
			} else {
				gemmQ4_0e4x8NEON(&e[0], &qs[0], ab, nb, n8, &s[0], &o[0], ldOut)
			}
			c = 8 * n8
		}
		if n4 > 0 {
			if dp {
				gemmQ4_0e4x4DP(&e[0], &qs[c*ab], ab, nb, 1, &s4[0], &o[c*ldOut], ldOut)
			} else {
				gemmQ4_0e4x4NEON(&e[0], &qs[c*ab], ab, nb, 1, &s4[0], &o[c*ldOut], ldOut)
			}
			c += 4
		}
		for ; c < cols; c++ {
			gemvPacked(quant.Q4_0, x, &qs[c*ab], nb, 1, &o[c*ldOut])
		}
	}
}

// pairBytes is the size of one pair of columns' block in pairActs' layout:
// the two scales as float32 [d0 d1 d0 d1], then the quants interleaved
// eight bytes at a time.
const pairBytes = 16 + 64

// pairActsAll rearranges the first 2*pairs columns q (ab bytes apart, nb
// blocks) into y for the SMMLA tiles: pairs of pairs (quads), each block
// of a quad holding both pairs' scales (one load in the tiles) and then
// the first pair's quants and the second's; a last odd pair alone, its
// scales then its quants per block. A quad takes the bytes of two pairs.
func pairActsAll(q []byte, ab, nb, pairs int, y []byte) {
	ps := nb * pairBytes // bytes of one pair
	for p := 0; p+1 < pairs; p += 2 {
		d := y[p*ps:]
		pairActs(&q[2*p*ab], ab, nb, &d[0], 32, 2*pairBytes)
		pairActs(&q[(2*p+2)*ab], ab, nb, &d[16], 32-16+64, 2*pairBytes)
	}
	if p := pairs - 1; pairs%2 != 0 {
		pairActs(&q[2*p*ab], ab, nb, &y[p*ps], 16, pairBytes)
	}
}

// matMulPackedPairs is matMulPacked by the SMMLA tiles (the packedPairs
// shape) over y, the columns in quads and a last pair (pairActsAll): each
// group runs tiles of three, two and one quads, then the last pair; an odd
// last column goes through gemvPairs. The tiles end each block as the
// other packed kernels do, so a column's bits do not depend on its tile.
// Q4_0 groups that two or more tiles read are expanded first
// (matMulExpandedPairs).
func matMulPackedPairs(t quant.Type, w []byte, nb, groups int, qs []byte, ab, cols int, y []byte, out []float32, ldOut int) {
	if t == quant.Q4_0 && nb <= expandedMaxBlocks && pairTileCount(cols) >= 2 {
		matMulExpandedPairs(w, nb, groups, qs, ab, cols, y, out, ldOut)
		return
	}
	gb := packGroup * nb * t.BlockBytes()
	for g := range groups {
		x := &w[g*gb]
		o := out[packGroup*g:]
		pairTiles(t, false, x, nb, y, cols/2, o, ldOut)
		if c := cols - 1; cols%2 != 0 {
			gemvPairs(t, x, &qs[c*ab], nb, 1, &o[c*ldOut])
		}
	}
}

// expandedBlockBytes is the size of a block of four in the expanded form
// (expandQ4_0p4I8MM): the scales as float32 for the SMMLA tiles' lanes,
// then the eight SMMLA operands.
const expandedBlockBytes = 32 + 128

// expandedMaxBlocks is the longest row, in blocks, whose groups are
// expanded: matMulExpandedPairs' buffer (60 KiB on its stack) and
// matMulExpandedTiles' (54 KiB) hold one group of rows of up to 12288
// elements. Longer rows (none in the models of
// up to 5B parameters gollm is for) take the tiles over Pack's form.
const expandedMaxBlocks = 384

// matMulExpandedPairs is matMulPackedPairs for Q4_0 groups that several
// tiles read: each group is expanded once (expandQ4_0p4I8MM: nibbles split
// into int8, scales converted to float32), so that each tile reads a block
// in three loads instead of splitting and converting it again, about a
// tenth of a tile's instructions. Same bits as the tiles over Pack's form.
func matMulExpandedPairs(w []byte, nb, groups int, qs []byte, ab, cols int, y []byte, out []float32, ldOut int) {
	var e [expandedMaxBlocks * expandedBlockBytes]byte
	gb := packGroup * nb * quant.Q4_0.BlockBytes()
	for g := range groups {
		x := &w[g*gb]
		o := out[packGroup*g:]
		expandQ4_0p4I8MM(x, nb, &e[0])
		pairTiles(quant.Q4_0, true, &e[0], nb, y, cols/2, o, ldOut)
		if c := cols - 1; cols%2 != 0 {
			gemvPairs(quant.Q4_0, x, &qs[c*ab], nb, 1, &o[c*ldOut])
		}
	}
}

// pairTileCount is how many tiles pairTiles runs over a group for cols
// columns.
func pairTileCount(cols int) int {
	pairs := cols / 2
	n, rest := pairs/6, pairs%6
	for _, p := range []int{4, 2, 1} {
		if rest >= p {
			n, rest = n+1, rest-p
		}
	}
	return n
}

// pairTiles multiplies one group of four rows at x (nb blocks) by the
// first 2*pairs columns y (pairActsAll's layout) into o: tiles of three
// quads, then one of two quads, one quad and one pair as the rest needs.
// With expanded, x is the group in the expanded form and t is Q4_0.
func pairTiles(t quant.Type, expanded bool, x *byte, nb int, y []byte, pairs int, o []float32, ldOut int) {
	ps := nb * pairBytes // bytes of one pair
	p := 0
	if n := pairs / 6; n > 0 {
		if expanded {
			gemmQ4_0e4x12I8MM(x, &y[0], 2*ps, nb, n, &o[0], ldOut)
		} else {
			gemmPairs12(t, x, &y[0], 2*ps, nb, n, &o[0], ldOut)
		}
		p = 6 * n
	}
	if pairs-p >= 4 {
		if expanded {
			gemmQ4_0e4x8I8MM(x, &y[p*ps], 2*ps, nb, 1, &o[2*p*ldOut], ldOut)
		} else {
			gemmPairs8(t, x, &y[p*ps], 2*ps, nb, 1, &o[2*p*ldOut], ldOut)
		}
		p += 4
	}
	if pairs-p >= 2 {
		if expanded {
			gemmQ4_0e4x4I8MM(x, &y[p*ps], 2*ps, nb, 1, &o[2*p*ldOut], ldOut)
		} else {
			gemmPairs4(t, x, &y[p*ps], 2*ps, nb, 1, &o[2*p*ldOut], ldOut)
		}
		p += 2
	}
	if pairs-p == 1 {
		if expanded {
			gemmQ4_0e4x2I8MM(x, &y[p*ps], ps, nb, 1, &o[2*p*ldOut], ldOut)
		} else {
			gemmPairs2(t, x, &y[p*ps], ps, nb, 1, &o[2*p*ldOut], ldOut)
		}
	}
}
