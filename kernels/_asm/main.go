// Command _asm writes gollm's amd64 kernels: for every family, the
// assembly kernels/<family>_amd64.s and their Go declarations
// kernels/<family>_amd64.go, from the avo programs in this directory (one
// file per family). It runs from kernels/ through go generate:
//
//	go run -C _asm .
//
// gen_test.go fails when a committed file differs from what the programs
// write now. The module is separate so that gollm does not depend on avo.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/pass"
	"github.com/mmcloughlin/avo/printer"
)

// A family is one .s file and its declarations.
type family struct {
	name string
	doc  []string // the file comment, after the generated-code line
	gen  func(c *build.Context)
}

// families lists the generated kernel families.
var families = []family{
	{name: "exp", doc: expDoc, gen: genExp},
	{name: "floattile", doc: floatTileDoc, gen: genFloatTile},
	{name: "quantact", doc: quantActDoc, gen: genQuantAct},
	{name: "matvec", doc: matVecDoc, gen: genMatVec},
	{name: "f32", doc: f32Doc, gen: genF32},
	{name: "dot", doc: dotDoc, gen: genDot},
	{name: "dot512", doc: dot512Doc, gen: genDot512},
	{name: "gemm", doc: gemmDoc, gen: genGemm},
	{name: "unpack", doc: unpackDoc, gen: genUnpack},
	{name: "gemm512", doc: gemm512Doc, gen: genGemm512},
}

// render returns the assembly and the Go declarations of f.
func render(f family) (asm, decl []byte, err error) {
	c := build.NewContext()
	c.ConstraintExpr("!purego")
	f.gen(c)
	file, err := c.Result()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", f.name, err)
	}
	if err := pass.Compile.Execute(file); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", f.name, err)
	}
	cfg := printer.Config{Name: "kernels/_asm (go generate ./kernels)", Pkg: "kernels"}
	if asm, err = printer.NewGoAsm(cfg).Print(file); err != nil {
		return nil, nil, err
	}
	if decl, err = printer.NewStubs(cfg).Print(file); err != nil {
		return nil, nil, err
	}
	return withDoc(asm, "//", f.doc), withDoc(decl, "//", f.doc), nil
}

// withDoc inserts the family's comment after the generated-code line.
func withDoc(src []byte, prefix string, doc []string) []byte {
	i := bytes.IndexByte(src, '\n') + 1
	var b bytes.Buffer
	b.Write(src[:i])
	b.WriteString("\n")
	for _, l := range doc {
		if l == "" {
			b.WriteString(prefix + "\n")
			continue
		}
		b.WriteString(prefix + " " + l + "\n")
	}
	b.Write(src[i:])
	return b.Bytes()
}

// paths returns the files of f, relative to this directory.
func paths(f family) (asm, decl string) {
	return filepath.Join("..", f.name+"_amd64.s"), filepath.Join("..", f.name+"_amd64.go")
}

func main() {
	for _, f := range families {
		asm, decl, err := render(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ap, dp := paths(f)
		if err := os.WriteFile(ap, asm, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := os.WriteFile(dp, decl, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
