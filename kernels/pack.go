package kernels

import (
	"fmt"

	"github.com/gollm/gollm/quant"
)

// Packed weights.
//
// Where the current level has packed kernels (the type table's packed
// shape; arm64: Q4_0 and Q8_0), a
// weight matrix multiplies fastest rearranged once at load (Pack): its rows
// in groups of four, each group block by block, each "block of four"
// holding the four rows' f16 scales (8 bytes) and then their quants
// interleaved in runs of a few bytes, which the level at Pack chose (the
// packed matrix's layout, kept with it in Packed):
//
//   - interleave4 (neon, dotprod): row 0's quant bytes 0-3, row 1's 0-3,
//     row 2's, row 3's, row 0's bytes 4-7, and so on (llama.cpp's q4_0_4x4
//     arrangement). One 16-byte load then holds four bytes of each of four
//     rows, and a by-element SDOT multiplies all of them by the same four
//     activation bytes, leaving the four rows' sums in its four lanes: no
//     horizontal additions, one scale vector per four rows, one store of
//     four results.
//   - interleave8 (i8mm): row 0's bytes 0-7, row 1's 0-7, row 2's, row 3's,
//     row 0's bytes 8-15, and so on (q4_0_4x8). A 16-byte load is an SMMLA
//     operand as it is: two rows of eight bytes. One column multiplies
//     by vector SDOTs with each eight activation bytes loaded twice, side by
//     side, and one pairwise addition per block.
//
// Q4_0's quant bytes are stored XOR 0x88, which turns each nibble n into
// the four-bit two's complement of n - 8: a shift left by four gives the
// low nibble's value times 16, a mask of 0xf0 the high nibble's. The rows
// after the last whole group keep GGUF's layout. A packed matrix has
// exactly the size of the original.
//
// Products of several columns prepare the activations once per input
// (PrepareActs, whatever the number of matrices and row ranges that input
// meets): the dotprod and neon tiles read the columns' scales converted to
// float32; the i8mm tiles (SMMLA, 2x2 int32 tiles of two rows by two
// columns) read the columns rearranged in pairs, each block's quants
// interleaved eight bytes at a time. The caller owns that scratch
// (PackedActsBytes: about 1.2 times the quantized activations at i8mm).
//
// Every level multiplies packed matrices of either layout (the generic
// twin rebuilds each GGUF block; i8mm multiplies interleave4 with the
// dotprod kernels), so SetLevel may change the level after a model packed
// its weights.

// packGroup is the number of rows interleaved in a packed group.
const packGroup = 4

// layout is how a packed matrix interleaves the quant bytes of its groups'
// four rows: in runs of that many bytes.
type layout uint8

const (
	interleave4 layout = 4 // neon, dotprod
	interleave8 layout = 8 // i8mm
)

// Packed is a matrix Pack rearranged, with its layout.
type Packed struct {
	data []byte
	run  layout
}

// Size returns the bytes p holds (0 for nil).
func (p *Packed) Size() int {
	if p == nil {
		return 0
	}
	return len(p.data)
}

// packedTypes are the types with a packed layout.
var packedTypes = []quant.Type{quant.Q4_0, quant.Q8_0}

// hasPackedLayout reports whether t has a packed layout.
func hasPackedLayout(t quant.Type) bool {
	return t == quant.Q4_0 || t == quant.Q8_0
}

// packXOR is the mask a type's quant bytes are stored XOR'ed with.
func packXOR(t quant.Type) byte {
	if t == quant.Q4_0 {
		return 0x88
	}
	return 0
}

// Pack returns w, rows rows of cols elements of type t in GGUF's layout, in
// the current level's packed layout when it multiplies t fastest packed,
// and nil when it multiplies GGUF's layout as it is (always on amd64 and at
// the generic level). Products of the result go through MatVecPacked and
// MatMulPacked, at any level. w is not modified.
func Pack(t quant.Type, w []byte, rows, cols int) *Packed {
	if !packs(t) {
		return nil
	}
	rb := rowBytes(t, w, cols, rows)
	p := &Packed{data: make([]byte, rows*rb), run: packLayout(t)}
	packRows(t, w[:rows*rb], rb, rows, p.data, p.run)
	return p
}

// PackedRowRange returns rows [r0, r1) of p, a packed matrix of rows rows
// of rb bytes, when they form a packed matrix themselves (they start at a
// group's first row and end at a group's end or at the matrix's end), and
// nil otherwise.
func PackedRowRange(p *Packed, rb, rows, r0, r1 int) *Packed {
	if r0%packGroup != 0 || (r1%packGroup != 0 && r1 != rows) || r0 > r1 || r1 > rows {
		return nil
	}
	return &Packed{data: p.data[r0*rb : r1*rb], run: p.run}
}

// quantOffset is the offset in a block of four of row r's quant byte j in
// layout run.
func quantOffset(run layout, r, j int) int {
	k := int(run)
	return 2*packGroup + j/k*packGroup*k + r*k + j%k
}

// packRows writes the packed layout run of w (rows rows of rb bytes of
// type t) into p.
func packRows(t quant.Type, w []byte, rb, rows int, p []byte, run layout) {
	bb := t.BlockBytes()
	nb := rb / bb
	qb := bb - 2 // quant bytes per block
	x := packXOR(t)
	groups := rows / packGroup
	for g := range groups {
		src := w[g*packGroup*rb:]
		dst := p[g*packGroup*rb:]
		for b := range nb {
			d := dst[b*packGroup*bb : (b+1)*packGroup*bb]
			for r := range packGroup {
				blk := src[r*rb+b*bb : r*rb+(b+1)*bb]
				copy(d[2*r:2*r+2], blk[:2])
				for j := range qb {
					d[quantOffset(run, r, j)] = blk[2+j] ^ x
				}
			}
		}
	}
	copy(p[groups*packGroup*rb:], w[groups*packGroup*rb:])
}

// packedGroupsGeneric computes out[4g+r] = dot(row r of group g, q) for
// the groups packed groups at the start of w (nb blocks per row, layout
// run), in the generic row kernels' order: per block, the integer sum times
// the weight scale times the activation scale, added to the row's sum.
func packedGroupsGeneric(t quant.Type, w []byte, run layout, nb, groups int, q []byte, out []float32) {
	bb := packGroup * t.BlockBytes()
	qb := t.BlockBytes() - 2
	x := packXOR(t)
	for g := range groups {
		var sum [packGroup]float32
		for b := range nb {
			p := w[(g*nb+b)*bb : (g*nb+b+1)*bb]
			y := (*[34]byte)(q[34*b:])
			dy := f16(y[:])
			for r := range packGroup {
				var s int32
				for k := range qb { // k: the activation byte it meets
					v := p[quantOffset(run, r, k)] ^ x
					if t == quant.Q4_0 {
						s += (int32(v&15) - 8) * int32(int8(y[2+k]))
						s += (int32(v>>4) - 8) * int32(int8(y[2+16+k]))
					} else {
						s += int32(int8(v)) * int32(int8(y[2+k]))
					}
				}
				sum[r] += float32(s) * f16(p[2*r:]) * dy
			}
		}
		copy(out[packGroup*g:], sum[:])
	}
}

// checkPacked checks the arguments of MatVecPacked/MatMulPacked and returns
// the bytes of one row.
func checkPacked(t quant.Type, w []byte, n, rows, r0, r1 int) int {
	if !hasPackedLayout(t) {
		panic(fmt.Sprintf("kernels: %v has no packed layout", t))
	}
	rb := rowBytes(t, w, n, rows)
	if r0 < 0 || r1 < r0 || r1 > rows {
		panic(fmt.Sprintf("kernels: rows [%d, %d) of a packed matrix of %d rows", r0, r1, rows))
	}
	return rb
}

// MatVecPacked is MatVec for a matrix that Pack rearranged: w is the whole
// packed matrix of rows rows of n elements, and out receives the products
// of rows [r0, r0+len(out)). It allocates nothing.
func MatVecPacked(t quant.Type, p *Packed, n, rows, r0 int, q []byte, out []float32) {
	w, run := p.data, p.run
	r1 := r0 + len(out)
	rb := checkPacked(t, w, n, rows, r0, r1)
	if need := ActBytes(t, n); len(q) < need {
		panic(fmt.Sprintf("kernels: %v: activation of %d bytes, need %d", t, len(q), need))
	}
	if n == 0 || r0 == r1 {
		clear(out)
		return
	}
	raceReadBytes(w[r0/packGroup*packGroup*rb : r1*rb])
	raceReadBytes(q[:ActBytes(t, n)])
	raceWriteFloats(out)
	nb := n / t.BlockSize()
	gb := packGroup * rb
	full := rows / packGroup * packGroup // rows in whole groups
	r := r0
	var part [packGroup]float32
	// A group the range starts or ends inside: all four rows, keep some.
	partial := func(r int) int {
		g := r / packGroup
		matVecPacked(t, w[g*gb:(g+1)*gb], run, nb, 1, q, part[:])
		k := copy(out[r-r0:], part[r-g*packGroup:min(packGroup, r1-g*packGroup)])
		return r + k
	}
	if r%packGroup != 0 && r < full {
		r = partial(r)
	}
	if g0, g1 := r/packGroup, min(r1, full)/packGroup; g1 > g0 && r < full {
		matVecPacked(t, w[g0*gb:g1*gb], run, nb, g1-g0, q, out[r-r0:])
		r = g1 * packGroup
	}
	if r < min(r1, full) {
		r = partial(r)
	}
	if r < r1 {
		matVec(t, w[r*rb:r1*rb], rb, nb, q, out[r-r0:])
	}
}

// PackedActs is a batch of quantized activation columns ready for
// MatMulPacked: the columns as QuantizeAct wrote them, and what the
// current level's packed tiles read derived from them (on arm64 the
// columns rearranged in pairs for the i8mm tiles, or their scales as
// float32 for the dotprod and neon tiles). PrepareActs makes it once per
// input, so that the products of that input with several matrices, each
// split into row ranges among workers, share the work.
type PackedActs struct {
	t    quant.Type // the weight type the columns were quantized for
	q    []byte     // cols columns of ActBytes(t, n) bytes
	n    int        // elements per column
	cols int
	lvl  levelID // the level prep was made for
	prep []byte  // what lvl's tiles read (packedActsPrep)
}

// Type returns the weight type the columns were prepared for.
func (a *PackedActs) Type() quant.Type { return a.t }

// PackedActsBytes returns the most scratch PrepareActs needs, at any
// level, for cols columns of n elements quantized for weights of type t.
func PackedActsBytes(t quant.Type, n, cols int) int {
	if !hasPackedLayout(t) || n <= 0 || cols <= 0 {
		return 0
	}
	return packedActsBytes(n/t.BlockSize(), cols)
}

// PrepareActs readies cols columns q of n elements, quantized by
// QuantizeAct for weights of type t, for MatMulPacked at the current
// level, deriving what the level's tiles read into buf (at least
// PackedActsBytes(t, n, cols) bytes, which the result keeps). It
// allocates nothing. Prepare again after SetLevel.
func PrepareActs(t quant.Type, q []byte, n, cols int, buf []byte) PackedActs {
	ab := ActBytes(t, n)
	if cols < 0 || len(q) < cols*ab {
		panic(fmt.Sprintf("kernels: PrepareActs: %d bytes do not hold %d columns of %d", len(q), cols, ab))
	}
	a := PackedActs{t: t, q: q[:cols*ab], n: n, cols: cols, lvl: level}
	if need := PackedActsBytes(t, n, cols); need > 0 {
		if len(buf) < need {
			panic(fmt.Sprintf("kernels: PrepareActs: buffer of %d bytes, need %d", len(buf), need))
		}
		a.prep = packedActsPrep(t, a.q, ab, n/t.BlockSize(), cols, buf)
	}
	return a
}

// MatMulPacked is MatMul for a matrix that Pack rearranged: w is the whole
// packed matrix of rows rows of n elements of type t, a holds the columns
// (PrepareActs for t and n at the current level), and for c in
// [0, a's columns) and r in [r0, r1), out[c*ldOut + r-r0] = dot(row r,
// column c). sc is as for MatMul: MatMulPacked uses none at the level
// that packed the matrix (after SetLevel it may), and then allocates
// nothing.
func MatMulPacked(t quant.Type, p *Packed, n, rows, r0, r1 int, a *PackedActs, out []float32, ldOut int, sc *Scratch) {
	w, run := p.data, p.run
	rb := checkPacked(t, w, n, rows, r0, r1)
	if a.n != n || a.t != t {
		panic(fmt.Sprintf("kernels: MatMulPacked: %v rows of %d by activations prepared for %v rows of %d", t, n, a.t, a.n))
	}
	if a.lvl != level {
		panic(fmt.Sprintf("kernels: MatMulPacked: activations prepared at level %s, multiplied at %s", levelNames[a.lvl], levelNames[level]))
	}
	m, cols, qs := r1-r0, a.cols, a.q
	if cols <= 0 || m == 0 {
		return
	}
	if ldOut < m || len(out) < (cols-1)*ldOut+m {
		panic(fmt.Sprintf("kernels: MatMulPacked: output of %d floats with stride %d too small for %d x %d", len(out), ldOut, cols, m))
	}
	ab := ActBytes(t, n)
	if n == 0 {
		for c := range cols {
			clear(out[c*ldOut : c*ldOut+m])
		}
		return
	}
	raceReadBytes(w[r0/packGroup*packGroup*rb : r1*rb])
	raceReadBytes(qs)
	for c := range cols {
		raceWriteFloats(out[c*ldOut : c*ldOut+m])
	}
	nb := n / t.BlockSize()
	gb := packGroup * rb
	full := rows / packGroup * packGroup
	r := r0
	var part [packGroup]float32
	partial := func(r int) int {
		g := r / packGroup
		hi := min(packGroup, r1-g*packGroup)
		for c := range cols {
			matVecPacked(t, w[g*gb:(g+1)*gb], run, nb, 1, qs[c*ab:(c+1)*ab], part[:])
			copy(out[c*ldOut+r-r0:], part[r-g*packGroup:hi])
		}
		return g*packGroup + hi
	}
	if r%packGroup != 0 && r < full {
		r = partial(r)
	}
	if g0, g1 := r/packGroup, min(r1, full)/packGroup; g1 > g0 && r < full {
		matMulPacked(t, w[g0*gb:g1*gb], run, nb, g1-g0, a, out[r-r0:], ldOut, sc)
		r = g1 * packGroup
	}
	if r < min(r1, full) {
		r = partial(r)
	}
	if r < r1 {
		matMul(&product{t: t, w: w[r*rb : r1*rb], rb: rb, nb: nb, rows: r1 - r, qs: qs, ab: ab, cols: cols, out: out[r-r0:], ldOut: ldOut})
	}
}

// matMulPackedGeneric is matMulPacked one column at a time.
func matMulPackedGeneric(t quant.Type, w []byte, run layout, nb, groups int, qs []byte, ab, cols int, out []float32, ldOut int) {
	for c := range cols {
		packedGroupsGeneric(t, w, run, nb, groups, qs[c*ab:(c+1)*ab], out[c*ldOut:c*ldOut+packGroup*groups])
	}
}
