package kernels

import "github.com/gollm/gollm/quant"

//go:generate go run -C _asm .
//go:generate go test -tags purego -run ^TestDispatchGenerated$ -args -generate

// The type table: every quantized weight type the kernels know, its block
// geometry, the activation format its integer dot products consume, its
// generic twin, and per CPU level the shapes of assembly kernel it has.
// Dispatch reads it: shapesNow(t) answers "which shapes of kernel run for t
// now", and the switches that call the assembly
// (dispatch_amd64.go, dispatch_arm64.go) are generated from it by
// TestDispatchGenerated (dispatch_gen_test.go), so that every call into
// assembly is a direct call: a call through a func value would make the
// escape analysis move the callers' stack tiles and result arrays to the
// heap.
//
// Adding a kernel of shape s for type t at level l: write it (its
// generator under _asm for amd64, _asm_arm64 for arm64) under the name
// kernelName(t, l, s) with the shape's signature (shapeFuncs in
// dispatch_gen_test.go), add s to t's entry at l below, and run go
// generate. A level without a shape falls back to the level below
// (levelBelow); a type with no row kernel at any level runs the generic
// twin.

// A shape is one form of assembly kernel; a type has a set of them per
// level.
type shape uint16

const (
	// row: the dot product of one weight row with one activation
	// (dot<T><L>(x, y *byte, nb int) float32). Every other shape falls
	// back to it.
	row shape = 1 << iota
	// rows4: four weight rows by one activation, the rows xstride bytes
	// apart (dot<T>r4<L>): MatVec shares each activation block.
	rows4
	// cols4: one weight row by four activations ystride bytes apart
	// (dot<T>x4<L>): MatMul unpacks each weight block once per four
	// columns.
	cols4
	// pair: two weight rows by two activations (dot<T>x2<L>, arm64's
	// SMMLA).
	pair
	// tile8: MatMul unpacks 8 rows into an int8 tile (unpack<T>x8<L>)
	// that one kernel for all such types (gemmQ8x4<L>) runs every column
	// over, four at a time (gemm_amd64.go).
	tile8
	// tile16: 16 rows of a 32-element type, unpacked 8 at a time
	// (unpack<T>x8<L>), by two columns per call of gemm<T>x16<L>.
	tile16
	// tileK: tile16 for the 256-element K-quants (scales unpacked in Go,
	// gemmk_amd64.go).
	tileK
	// packed: products of matrices Pack rearranged (pack.go: four rows
	// interleaved per block): gemv<T>p4<L> runs groups of four rows by
	// one activation, gemm<T>p4x8<L> and gemm<T>p4x4<L> one group by tiles
	// of eight and four columns (arm64). Pack rearranges a type's matrices
	// only where the current level has this shape.
	packed
	// tileQ8: MatMul unpacks four rows at a time of a 32-element type
	// whose blocks are d times 32 int8 values into Pack's layout of Q8_0
	// and multiplies the tile by every column with Q8_0's packed kernels
	// (tile_arm64.go; arm64, where Q8_0 has packed kernels). Batches too
	// short to repay the unpacking take the other shapes.
	tileQ8
	// tile4: MatMul unpacks four rows at a time in Go into a tile of
	// row-interleaved int8 quants with their scales (tile_arm64.go: the
	// K-quants with int32 sub-block scales, Q4_1 and Q5_1 with d and m)
	// that gemm<T>t4<L> multiplies by four columns per call (arm64), for
	// batches long enough to repay the unpacking.
	tile4
	// packedPairs: the packed matrices in the i8mm layout (pack.go:
	// interleave8, which Pack writes where the level has this shape) by
	// columns in pairs (gemm<T>p4x{12,8,4,2}<L>: arm64's SMMLA), the
	// activations first rearranged by pairActs, and by single columns
	// (gemv<T>p4<L>).
	packedPairs
	// tileKPairs: tile4 at i8mm for the K-quants, the tile unpacked in the
	// i8mm layout (rows in pairs, eight bytes side by side) and the
	// columns' quants in pairs (pairActsK) for the SMMLA kernels
	// gemm<T>t4<L>.
	tileKPairs
	// tileMPairs: tile4 at i8mm for Q4_1 and Q5_1, the tile in the i8mm
	// layout by a quad of columns as pairActs lays them out, by the SMMLA
	// kernels gemm<T>t4<L>.
	tileMPairs
)

// Activation block sizes in bytes: a Q8_0 block is an f16 scale and 32
// int8 quants; a Q8_K block is an f32 scale, 256 int8 quants and sixteen
// int16 sums of 16 quants.
const (
	q8_0Bytes = 2 + 32
	q8KBytes  = 4 + 256 + 16*2
)

// A weightType is one row of the type table.
type weightType struct {
	t quant.Type
	// act is the activation format: quant.Q8_0 (q8_0Bytes per 32
	// elements) or quant.Q8_K (q8KBytes per 256).
	act quant.Type
	// generic is the pure-Go row dot product (generic.go,
	// generic_fused.go), the twin every level is tested against.
	generic func(row, q []byte, nb int) float32
	// shapes lists the assembly kernels per level.
	shapes [numLevels]shape
}

// weightTypes is the type table. The block geometry (elements and bytes
// per block) is quant's: t.BlockSize(), t.BlockBytes().
var weightTypes = []weightType{
	{t: quant.Q4_0, act: quant.Q8_0, generic: dotRowQ4_0Generic, shapes: levelShapes{
		lvAVX2: row | rows4 | tile16, lvAVX512: row | tile16,
		lvNEON: row | rows4 | cols4 | packed, lvDotProd: row | rows4 | cols4 | packed, lvI8MM: pair | packedPairs}},
	{t: quant.Q4_1, act: quant.Q8_0, generic: dotRowQ4_1Generic, shapes: levelShapes{
		lvAVX2: row | tile16, lvAVX512: tile16,
		lvNEON: row | tile4, lvDotProd: row | tile4, lvI8MM: tileMPairs}},
	{t: quant.Q5_0, act: quant.Q8_0, generic: dotRowQ5_0Generic, shapes: levelShapes{
		lvAVX2: row | rows4 | tile16, lvAVX512: row | tile16,
		lvNEON: row | rows4 | cols4 | tileQ8, lvDotProd: row | rows4 | cols4}},
	{t: quant.Q5_1, act: quant.Q8_0, generic: dotRowQ5_1Generic, shapes: levelShapes{
		lvAVX2: row | tile16, lvAVX512: tile16,
		lvNEON: row | tile4, lvDotProd: row | tile4, lvI8MM: tileMPairs}},
	{t: quant.Q8_0, act: quant.Q8_0, generic: dotRowQ8_0Generic, shapes: levelShapes{
		lvAVX2: row | rows4 | tile8, lvAVX512: row | tile8,
		lvNEON: row | rows4 | cols4 | packed, lvDotProd: row | rows4 | cols4 | packed, lvI8MM: pair | packedPairs}},
	{t: quant.IQ4_NL, act: quant.Q8_0, generic: dotRowIQ4_NLGeneric, shapes: levelShapes{
		lvAVX2: row | rows4 | tile8, lvAVX512: tile8,
		lvNEON: row | rows4 | cols4 | tileQ8, lvDotProd: row | rows4 | cols4}},
	{t: quant.Q2_K, act: quant.Q8_K, generic: dotRowQ2_KGeneric, shapes: levelShapes{
		lvAVX2: row | tileK, lvAVX512: tileK,
		lvNEON: row | tile4, lvDotProd: row | tile4, lvI8MM: tileKPairs}},
	{t: quant.Q3_K, act: quant.Q8_K, generic: dotRowQ3_KGeneric, shapes: levelShapes{
		lvAVX2: row | tileK, lvAVX512: tileK,
		lvNEON: row | tile4, lvDotProd: row | tile4, lvI8MM: tileKPairs}},
	{t: quant.Q4_K, act: quant.Q8_K, generic: dotRowQ4_KGeneric, shapes: levelShapes{
		lvAVX2: row | tileK, lvAVX512: row | tileK,
		lvNEON: row | cols4 | tile4, lvDotProd: row | cols4 | tile4, lvI8MM: tileKPairs}},
	{t: quant.Q5_K, act: quant.Q8_K, generic: dotRowQ5_KGeneric, shapes: levelShapes{
		lvAVX2: row | tileK, lvAVX512: tileK,
		lvNEON: row | cols4 | tile4, lvDotProd: row | cols4 | tile4, lvI8MM: tileKPairs}},
	{t: quant.Q6_K, act: quant.Q8_K, generic: dotRowQ6_KGeneric, shapes: levelShapes{
		lvAVX2: row | tileK, lvAVX512: row | tileK,
		lvNEON: row | cols4 | tile4, lvDotProd: row | cols4 | tile4, lvI8MM: tileKPairs}},
	{t: quant.IQ4_XS, act: quant.Q8_K, generic: dotRowIQ4_XSGeneric, shapes: levelShapes{
		lvAVX2: row | tileK, lvAVX512: tileK,
		lvNEON: row | tile4, lvDotProd: row | tile4, lvI8MM: tileKPairs}},
}

// levelShapes is a type's kernel shapes per level.
type levelShapes = [numLevels]shape

// levelBelow is the level whose kernels a level falls back to (lvGeneric
// falls back to nothing).
var levelBelow = [numLevels]levelID{
	lvAVX2:    lvGeneric,
	lvAVX512:  lvAVX2,
	lvNEON:    lvGeneric,
	lvDotProd: lvNEON,
	lvI8MM:    lvDotProd,
}

// unpackLevel is the level whose tile unpackers (and so tile layouts) the
// tile kernels of a level read: the avx512 level's VNNI tiles read the
// avx2 tiles, twice as many rows per register.
var unpackLevel = [numLevels]levelID{
	lvAVX2:    lvAVX2,
	lvAVX512:  lvAVX2,
	lvNEON:    lvNEON,
	lvDotProd: lvDotProd,
	lvI8MM:    lvI8MM,
}

// typeIndex maps a quant.Type to its row of weightTypes (-1: none).
var typeIndex = func() (ix [256]int8) {
	for i := range ix {
		ix[i] = -1
	}
	for i, w := range weightTypes {
		ix[w.t] = int8(i)
	}
	return
}()

// lookup returns t's row of the table, or nil for float and unknown types.
func lookup(t quant.Type) *weightType {
	if uint(t) >= uint(len(typeIndex)) || typeIndex[t] < 0 {
		return nil
	}
	return &weightTypes[typeIndex[t]]
}

// shapesAt is the set of shapes t has at level l or, shape by shape, at
// the levels below it.
func shapesAt(t quant.Type, l levelID) shape {
	w := lookup(t)
	if w == nil {
		return 0
	}
	var s shape
	for ; l != lvGeneric; l = levelBelow[l] {
		s |= w.shapes[l]
	}
	return s
}

// current holds shapesAt(t, level) for every type t (setLevel).
var current [256]shape

// shapesNow is the set of shapes t has at the current level.
func shapesNow(t quant.Type) shape {
	if uint(t) >= uint(len(current)) {
		return 0
	}
	return current[t]
}

// noKernel is the panic message of a generated dispatch function called
// for a type without a kernel of its shape.
func noKernel(t quant.Type, fn string) string {
	return "kernels: " + fn + ": no " + levelNames[level] + " kernel for " + t.String()
}
