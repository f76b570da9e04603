// Package kernels holds the numeric inner loops of gollm: quantized
// matrix-vector and matrix-matrix products computed directly on GGUF blocks,
// activation quantization, and the float32 helpers of the forward pass.
//
// A quantized weight row never meets a float32 activation. The activation
// vector is quantized once per product (QuantizeAct) into the 8-bit format
// that the weight type's dot product consumes (ActType): Q8_0 blocks for the
// 32-element types, Q8_K blocks (with per-16 sums) for the 256-element
// K-quants and IQ4_XS. Each weight block then meets one activation block as
// an integer dot product, scaled once per block (per sub-block for
// K-quants). Q4_1 and Q5_1 use Q8_0 activations: their min term needs the
// activation block's sum, which the kernels compute on the fly.
//
// Every kernel has a pure-Go twin (the "generic" level) that builds on every
// platform and is what GOARCH=arm and -tags purego run. The fastest level
// the CPU supports is chosen once at start-up; the GOLLM_KERNELS
// environment variable (or SetLevel) forces one, and LevelError reports
// when the forced level is not available. The avx512 level is experimental
// and only used when forced.
//
// Finding a kernel: the type table (table.go) lists every quantized weight
// type with its activation format, its generic row twin (generic.go,
// generic_fused.go) and, per level, the shapes of assembly kernel it has:
// row (one weight row by one activation), rows4 (four rows, MatVec),
// cols4 and pair (several columns, MatMul on arm64), tile8, tile16 and tileK
// (MatMul's prefill tiles on amd64: rows unpacked once into an int8 tile
// that every column runs over), tileQ8 and tileK4 (arm64's: four rows
// unpacked in Go into a row-interleaved int8 tile), packed (arm64's
// load-time layout of Q4_0 and Q8_0, pack.go). A level without a shape uses the level
// below's (avx512 -> avx2, i8mm -> dotprod -> neon), and a type without a
// row kernel the generic twin. A kernel of type T, level L and shape S is
// the assembly routine named as in dispatch_gen_test.go's shapeFuncs
// (dotQ4_KAVX2, dotQ8_0r4AVX2, dotQ4_0x4DP, gemmQ6_Kx16AVX512, ...),
// declared in <family>_<arch>.go and written in <family>_<arch>.s, both
// generated: on amd64 by the avo programs in _asm (one per family: dot for
// rows, dot512 for avx512 rows, matvec for rows4, unpack for the tile
// unpackers, gemm for the avx2 tile kernels, gemm512 for the avx512 ones),
// on arm64 by _asm_arm64 (dot, matvec, matmul for cols4 and pair, packed,
// gemmk for the K-quant tiles). The tiles' Go drivers and the K-quants' Go
// scale unpacking are in tile_amd64.go and tilek_amd64.go, arm64's tile
// drivers and unpackers in tile_arm64.go. dispatch_<arch>.go, generated from the
// table, holds the only switches that call the assembly; the drivers that
// loop over rows and columns are matVec and matMul in kernels_<arch>.go
// (the generic ones in generic.go). Float kernels (f32, floattile, exp) and
// the activation quantizers (quantact) follow the same file pattern without
// the table.
//
// Activation quants must lie in [-127, 127], as QuantizeAct produces: the
// AVX2 kernels rely on it to keep VPMADDUBSW's int16 pair sums exact.
package kernels

import (
	"fmt"

	"github.com/gollm/gollm/quant"
)

// ActType is the activation format a weight type's dot product consumes:
// quant.Q8_0 for Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and IQ4_NL; quant.Q8_K for
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and IQ4_XS; quant.F32 for F32, F16, BF16 (and
// for types without kernels).
func ActType(w quant.Type) quant.Type {
	if k := lookup(w); k != nil {
		return k.act
	}
	return quant.F32
}

// ActBytes is the size in bytes of the quantized activation of n elements
// for weight type w (0 for float types). n must be a multiple of w's block
// size.
func ActBytes(w quant.Type, n int) int {
	switch ActType(w) {
	case quant.Q8_0:
		return n / 32 * q8_0Bytes
	case quant.Q8_K:
		return n / quant.QK8K * q8KBytes
	}
	return 0
}

// Supported reports whether t has kernels (MatVec, MatMul, QuantizeAct).
func Supported(t quant.Type) bool {
	switch t {
	case quant.F32, quant.F16, quant.BF16:
		return true
	}
	return ActType(t) != quant.F32
}

// QuantizeAct quantizes x into q in ActType(w); it does nothing for float
// types. len(x) must be a multiple of w's block size and q must hold at least
// ActBytes(w, len(x)) bytes. At every level it is quant.QuantizeQ8_0 /
// quant.QuantizeQ8K (ggml's quantize_row_q8_0_ref and quantize_row_q8_K_ref)
// bit for bit; the avx2 level vectorizes them (quantact_amd64.s).
func QuantizeAct(w quant.Type, x []float32, q []byte) {
	a := ActType(w)
	if a == quant.F32 {
		return
	}
	need := checkAct(w, len(x), q)
	if a == quant.Q8_0 {
		quantizeQ8_0(x, q[:need])
	} else {
		quantizeQ8K(x, q[:need])
	}
}

// checkAct panics unless n is a whole number of w's blocks and q holds
// their activation; it returns the activation's size.
func checkAct(w quant.Type, n int, q []byte) int {
	if bs := w.BlockSize(); n%bs != 0 {
		panic(fmt.Sprintf("kernels: %v: %d elements is not a multiple of the block size %d", w, n, bs))
	}
	need := ActBytes(w, n)
	if len(q) < need {
		panic(fmt.Sprintf("kernels: %v: activation buffer of %d bytes, need %d", w, len(q), need))
	}
	return need
}

// rowBytes checks the arguments of MatVec/MatMul and returns the byte size
// of one weight row.
func rowBytes(t quant.Type, w []byte, n, rows int) int {
	if !Supported(t) {
		panic(fmt.Sprintf("kernels: no kernels for type %v", t))
	}
	bs := t.BlockSize()
	if n < 0 || n%bs != 0 {
		panic(fmt.Sprintf("kernels: %v: row of %d elements is not a multiple of the block size %d", t, n, bs))
	}
	rb := n / bs * t.BlockBytes()
	if rows < 0 || len(w) < rows*rb {
		panic(fmt.Sprintf("kernels: %v: weights of %d bytes, need %d rows of %d bytes", t, len(w), rows, rb))
	}
	return rb
}

// MatVec computes out[r] = dot(row r of w, x) for r in [0, len(out)). w holds
// len(out) consecutive rows of n elements of type t. For quantized types q
// must hold QuantizeAct(t, x) and x is not read; float types use x directly
// and ignore q. It allocates nothing.
func MatVec(t quant.Type, w []byte, n int, x []float32, q []byte, out []float32) {
	rb := rowBytes(t, w, n, len(out))
	switch t {
	case quant.F32, quant.F16, quant.BF16:
		if len(x) < n {
			panic(fmt.Sprintf("kernels: MatVec: x has %d elements, need %d", len(x), n))
		}
		x = x[:n]
		raceReadBytes(w[:len(out)*rb])
		raceReadFloats(x)
		raceWriteFloats(out)
		if matVecFloat(t, w, n, x, out) {
			return
		}
		for r := range out {
			out[r] = dotFloatRow(t, w[r*rb:(r+1)*rb], x)
		}
		return
	}
	if need := ActBytes(t, n); len(q) < need {
		panic(fmt.Sprintf("kernels: %v: activation of %d bytes, need %d", t, len(q), need))
	}
	if n == 0 {
		clear(out)
		return
	}
	raceReadBytes(w[:len(out)*rb])
	raceReadBytes(q[:ActBytes(t, n)])
	raceWriteFloats(out)
	matVec(t, w, rb, n/t.BlockSize(), q, out)
}

// MatMul computes, for c in [0, cols) and r in [0, rows),
// out[c*ldOut + r] = dot(row r of w, column c), where column c's float32
// values are xs[c*n:(c+1)*n] and its quantized activation is
// qs[c*ActBytes(t,n):(c+1)*ActBytes(t,n)] (QuantizeAct of those values).
// Quantized types read only qs, float types only xs. Each weight block is
// reused across a tile of several columns (unpacked once per four columns
// where a four-column kernel exists, once per call for a tile of rows on
// amd64's prefill path, otherwise re-read from L1). Workers
// may split the rows: w sliced to a row range, out offset by its first row,
// ldOut the full row count. sc lends the quantized tile paths their
// working memory (MatMulScratchBytes; float types use none): with a Scratch
// that holds enough, MatMul allocates nothing.
func MatMul(t quant.Type, w []byte, n, rows int, xs []float32, qs []byte, cols int, out []float32, ldOut int, sc *Scratch) {
	rb := rowBytes(t, w, n, rows)
	if cols <= 0 || rows == 0 {
		return
	}
	if ldOut < rows || len(out) < (cols-1)*ldOut+rows {
		panic(fmt.Sprintf("kernels: MatMul: output of %d floats with stride %d too small for %d x %d", len(out), ldOut, cols, rows))
	}
	switch t {
	case quant.F32, quant.F16, quant.BF16:
		if len(xs) < cols*n {
			panic(fmt.Sprintf("kernels: MatMul: xs has %d elements, need %d", len(xs), cols*n))
		}
		matMulFloat(t, w, rb, n, rows, xs, cols, out, ldOut)
		return
	}
	ab := ActBytes(t, n)
	if len(qs) < cols*ab {
		panic(fmt.Sprintf("kernels: MatMul: qs has %d bytes, need %d", len(qs), cols*ab))
	}
	if n == 0 {
		for c := range cols {
			clear(out[c*ldOut : c*ldOut+rows])
		}
		return
	}
	raceReadBytes(w[:rows*rb])
	raceReadBytes(qs[:cols*ab])
	for c := range cols {
		raceWriteFloats(out[c*ldOut : c*ldOut+rows]) // only these rows of each column
	}
	matMul(&product{t: t, w: w, rb: rb, nb: n / t.BlockSize(), rows: rows, qs: qs, ab: ab, cols: cols, out: out, ldOut: ldOut, sc: sc})
}

// product is one MatMul of quantized weights after MatMul's checks: rows
// rows of nb blocks (rb bytes) of type t in w, by cols activations of ab
// bytes in qs, into out with stride ldOut, with the caller's scratch sc.
// rows, cols and nb are positive.
type product struct {
	t            quant.Type
	w            []byte
	rb, nb, rows int
	qs           []byte
	ab, cols     int
	out          []float32
	ldOut        int
	sc           *Scratch
}

// matMulFloat is MatMul for float weights: blocks of rows small enough to
// stay in L2 are multiplied by every column in turn, with one multi-row
// kernel call per block and column where the level has one.
func matMulFloat(t quant.Type, w []byte, rb, n, rows int, xs []float32, cols int, out []float32, ldOut int) {
	blk := max(4, (64<<10)/max(rb, 1))
	for r0 := 0; r0 < rows; r0 += blk {
		r1 := min(r0+blk, rows)
		for c := range cols {
			x := xs[c*n : (c+1)*n]
			o := out[c*ldOut+r0 : c*ldOut+r1]
			if matVecFloat(t, w[r0*rb:r1*rb], n, x, o) {
				continue
			}
			for r := r0; r < r1; r++ {
				o[r-r0] = dotFloatRow(t, w[r*rb:(r+1)*rb], x)
			}
		}
	}
}
