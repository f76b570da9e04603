package kernels

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"strings"
	"testing"
)

// The generator of dispatch_amd64.go and dispatch_arm64.go: for every
// shape of the type table, a function that switches on the level and the
// type to the one assembly kernel that runs (falling back level by level
// as shapesAt does), called directly. go generate (table.go) runs it with
// -generate under -tags purego, where the package builds without the
// assembly and these files (so a stale file that no longer compiles can
// still be regenerated); without the flag the test fails when a committed
// file differs from what the table gives now.

var generate = flag.Bool("generate", false, "write dispatch_<arch>.go from the type table")

// levelSuffix is the suffix of each level's kernel names.
var levelSuffix = [numLevels]string{
	lvAVX2: "AVX2", lvAVX512: "AVX512", lvNEON: "NEON", lvDotProd: "DP", lvI8MM: "I8MM",
}

// shapeFunc describes the generated dispatch function of some shapes.
type shapeFunc struct {
	shapes shape  // the table shapes whose types it covers
	doc    string // its doc comment
	sig    string // its parameters after t, and results
	name   string // the kernel name: %[1]s is the type, %[2]s the level suffix
	// pre starts the function; call is one type's code, with %[1]s
	// for the kernel's name: it must return.
	pre, call string
	// unpacker: the kernels are tile unpackers, whose level is the one
	// whose tiles a level reads (unpackLevel).
	unpacker bool
}

var shapeFuncs = []shapeFunc{
	{shapes: row, doc: "dotRow is the row dot product of t at the current level.",
		sig: "(x, y *byte, nb int) float32", name: "dot%s%s",
		call: "return %s(x, y, nb)"},
	{shapes: row, doc: `matVecRows computes out[r] = dot(row r, y) for r in [r0, len(out)) with
// the row kernel of t, called directly in a loop generated per type.`,
		sig: "(w []byte, rb, nb int, y *byte, out []float32, r0 int)", name: "dot%s%s",
		call: `for r := r0; r < len(out); r++ {
out[r] = %s(&w[r*rb], y, nb)
}
return`},
	{shapes: rows4, doc: `matVecRows4 runs the four-row kernel of t over the rows of out and returns
// how many it did, 4*(len(out)/4): with q = len(out)/4, call i computes rows
// i, q+i, 2q+i and 3q+i, so that the kernel reads four long sequential
// streams. Each row's result does not depend on the rows sharing its call.
// The loop is generated per type: a call per four rows through a shared
// dispatch function costs about 1% of a decode product.`,
		sig: "(w []byte, rb, nb int, y *byte, out []float32) int", name: "dot%sr4%s",
		pre: "q := len(out) / 4\nvar o [4]float32\n",
		call: `for i := range q {
%s(&w[i*rb], q*rb, y, nb, &o)
out[i], out[q+i], out[2*q+i], out[3*q+i] = o[0], o[1], o[2], o[3]
}
return 4 * q`},
	{shapes: cols4, doc: "dotCols4 computes one row by four activations ystride bytes apart.",
		sig: "(x, y *byte, ystride, nb int, out *[4]float32)", name: "dot%sx4%s",
		call: "%s(x, y, ystride, nb, out)\nreturn"},
	{shapes: pair, doc: "dotPair computes two rows by two activations: out = r0c0, r0c1, r1c0, r1c1.",
		sig: "(x *byte, xstride int, y *byte, ystride, nb int, out *[4]float32)", name: "dot%sx2%s",
		call: "%s(x, xstride, y, ystride, nb, out)\nreturn"},
	{shapes: tile8, doc: "unpackRows8 unpacks the quants of nb blocks of eight rows rb bytes apart into a tile.",
		sig: "(w *byte, rb, nb int, tile *byte)", name: "unpack%sx8%s",
		call: "%s(w, rb, nb, tile)\nreturn", unpacker: true},
	{shapes: tile16 | tileK, doc: `unpackRows16 unpacks the quants of nb blocks of sixteen rows rb bytes
// apart, rows 0-7 at w into the tile's first half at tile, rows 8-15 at w8
// into its second half at tile8 (one dispatch for both).`,
		sig: "(w, w8 *byte, rb, nb int, tile, tile8 *byte)", name: "unpack%sx8%s",
		call: "%[1]s(w, rb, nb, tile)\n%[1]s(w8, rb, nb, tile8)\nreturn", unpacker: true},
	{shapes: tile8, doc: `gemm8Cols runs the eight-row int8 tile kernel (one for all tile8 types)
// over the cols activation columns at qs, ab bytes apart, four at a time
// (fewer than four: one at a time, the kernel computing it four times over),
// and stores rows [0, nr) of each column into out (first: the tile's first
// blocks, so store instead of add). The loop is generated so that the kernel
// is called directly.`,
		sig: "(tile *byte, nb int, qs []byte, ab, cols, nr int, first bool, out []float32, ldOut int, o *[32]float32)", name: "gemmQ8x4%[2]s",
		call: `c := 0
for ; c+4 <= cols; c += 4 {
%[1]s(tile, nb, &qs[c*ab], ab, o)
gemmStore(o, 4, nr, first, out[c*ldOut:], ldOut)
}
for ; c < cols; c++ {
%[1]s(tile, nb, &qs[c*ab], 0, o)
gemmStore(o, 1, nr, first, out[c*ldOut:], ldOut)
}
return`},
	{shapes: tile16 | tileK, doc: "gemm16 runs the sixteen-row tile kernel of t over two columns ystride bytes apart.",
		sig: "(tile *byte, nb int, y *byte, ystride int, out *[32]float32)", name: "gemm%sx16%s",
		call: "%s(tile, nb, y, ystride, out)\nreturn"},
	{shapes: tile4, doc: "gemmTile4 multiplies a tile of four rows of t by four columns ystride bytes apart.",
		sig: "(tile *byte, nb int, y *byte, ystride int, out *[16]float32)", name: "gemm%st4%s",
		call: "%s(tile, nb, y, ystride, out)\nreturn"},
	{shapes: tileKPairs, doc: "gemmTileKPairs multiplies a tile of four rows of t in the i8mm layout by four columns, their quants in pairs at yq (pairActsK).",
		sig: "(tile *byte, nb int, y *byte, ystride int, yq *byte, out *[16]float32)", name: "gemm%st4%s",
		call: "%s(tile, nb, y, ystride, yq, out)\nreturn"},
	{shapes: tileMPairs, doc: "gemmTileMPairs multiplies a tile of four rows of t in the i8mm layout by a quad of columns in pairActs' layout.",
		sig: "(tile *byte, nb int, yp *byte, out *[16]float32)", name: "gemm%st4%s",
		call: "%s(tile, nb, yp, out)\nreturn"},
	{shapes: packed, doc: "gemvPacked multiplies groups packed groups of four rows of t by one activation.",
		sig: "(w, y *byte, nb, groups int, out *float32)", name: "gemv%sp4%s",
		call: "%s(w, y, nb, groups, out)\nreturn"},
	{shapes: packed, doc: "gemmPacked8 multiplies one packed group of four rows of t by tiles tiles of eight columns, their scales at s (colScales8).",
		sig: "(w, y *byte, ystride, nb, tiles int, s *float32, out *float32, ldOut int)", name: "gemm%sp4x8%s",
		call: "%s(w, y, ystride, nb, tiles, s, out, ldOut)\nreturn"},
	{shapes: packed, doc: "gemmPacked4 multiplies one packed group of four rows of t by tiles tiles of four columns, their scales at s (colScales4).",
		sig: "(w, y *byte, ystride, nb, tiles int, s *float32, out *float32, ldOut int)", name: "gemm%sp4x4%s",
		call: "%s(w, y, ystride, nb, tiles, s, out, ldOut)\nreturn"},
	{shapes: packedPairs, doc: "gemvPairs multiplies groups packed groups of four rows of t in the i8mm layout by one activation.",
		sig: "(w, y *byte, nb, groups int, out *float32)", name: "gemv%sp4%s",
		call: "%s(w, y, nb, groups, out)\nreturn"},
	{shapes: packedPairs, doc: "gemmPairs12 multiplies one packed group of four rows of t by tiles tiles of six column pairs (pairActs' layout).",
		sig: "(w, y *byte, ystride, nb, tiles int, out *float32, ldOut int)", name: "gemm%sp4x12%s",
		call: "%s(w, y, ystride, nb, tiles, out, ldOut)\nreturn"},
	{shapes: packedPairs, doc: "gemmPairs8 multiplies one packed group of four rows of t by tiles tiles of four column pairs (pairActs' layout).",
		sig: "(w, y *byte, ystride, nb, tiles int, out *float32, ldOut int)", name: "gemm%sp4x8%s",
		call: "%s(w, y, ystride, nb, tiles, out, ldOut)\nreturn"},
	{shapes: packedPairs, doc: "gemmPairs4 multiplies one packed group of four rows of t by tiles tiles of two column pairs (pairActs' layout).",
		sig: "(w, y *byte, ystride, nb, tiles int, out *float32, ldOut int)", name: "gemm%sp4x4%s",
		call: "%s(w, y, ystride, nb, tiles, out, ldOut)\nreturn"},
	{shapes: packedPairs, doc: "gemmPairs2 multiplies one packed group of four rows of t by tiles tiles of one column pair (pairActs' layout).",
		sig: "(w, y *byte, ystride, nb, tiles int, out *float32, ldOut int)", name: "gemm%sp4x2%s",
		call: "%s(w, y, ystride, nb, tiles, out, ldOut)\nreturn"},
}

// kernelLevel is the level whose kernel of one of the shapes s runs for w
// at level l, or lvGeneric when there is none.
func kernelLevel(w *weightType, l levelID, s shape) levelID {
	for ; l != lvGeneric; l = levelBelow[l] {
		if w.shapes[l]&s != 0 {
			return l
		}
	}
	return lvGeneric
}

// renderDispatch writes the dispatch file of goarch.
func renderDispatch(goarch string) []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated by \"go test -tags purego -run ^TestDispatchGenerated$ -args -generate\" from the type table (table.go). DO NOT EDIT.\n\n")
	b.WriteString("//go:build !purego\n\npackage kernels\n\nimport \"github.com/gollm/gollm/quant\"\n")
	for _, f := range shapeFuncs {
		var cases bytes.Buffer
		for i := range weightTypes {
			w := &weightTypes[i]
			// The calls per level of goarch, in ascending level order; a
			// run of levels that share a kernel needs no test of the level.
			var calls []string
			var from []levelID
			for l := lvGeneric; l < numLevels; l++ {
				kl := kernelLevel(w, l, f.shapes)
				if f.unpacker {
					kl = kernelLevel(w, unpackLevel[l], f.shapes)
				}
				if levelGOARCH[l] != goarch || kl == lvGeneric {
					continue
				}
				call := fmt.Sprintf(f.call, fmt.Sprintf(f.name, w.t, levelSuffix[kl]))
				if n := len(calls); n > 0 && calls[n-1] == call {
					continue
				}
				calls = append(calls, call)
				from = append(from, l)
			}
			if len(calls) == 0 {
				continue
			}
			fmt.Fprintf(&cases, "case quant.%s:\n", w.t)
			for j := len(calls) - 1; j > 0; j-- {
				fmt.Fprintf(&cases, "if level >= %s {\n%s\n}\n", levelConst[from[j]], calls[j])
			}
			fmt.Fprintf(&cases, "%s\n", calls[0])
		}
		if cases.Len() == 0 {
			continue
		}
		name := strings.Fields(f.doc)[0]
		fmt.Fprintf(&b, "\n// %s\nfunc %s(t quant.Type, %s {\n%sswitch t {\n%s}\npanic(noKernel(t, %q))\n}\n",
			f.doc, name, strings.TrimPrefix(f.sig, "("), f.pre, cases.String(), name)
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		panic(fmt.Sprintf("%v\n%s", err, b.Bytes()))
	}
	return src
}

// levelConst is the Go name of each level constant.
var levelConst = [numLevels]string{"lvGeneric", "lvAVX2", "lvAVX512", "lvNEON", "lvDotProd", "lvI8MM"}

func TestDispatchGenerated(t *testing.T) {
	for _, goarch := range []string{"amd64", "arm64"} {
		file := "dispatch_" + goarch + ".go"
		want := renderDispatch(goarch)
		if *generate {
			if err := os.WriteFile(file, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./kernels", file)
		}
	}
}
