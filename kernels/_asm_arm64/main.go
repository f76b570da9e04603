// Command _asm_arm64 writes the arm64 assembly of package kernels and the
// Go declarations of its functions: for each kernel family, the program
// in <family>.go here builds ../<family>_arm64.s and ../<family>_arm64.go
// with the instruction-emitting library in ./asm. Run `go generate
// ./kernels` (or `go run .` in this directory); TestUpToDate fails when a
// committed file differs from what this writes.
package main

import (
	"fmt"
	"go/format"
	"os"

	"github.com/gollm/gollm/kernels/_asm_arm64/asm"
)

// families lists the generated files and the programs that build them.
var families = []struct {
	name  string
	build func() *asm.File
}{
	{"dot", dotFile},
	{"matvec", matvecFile},
	{"matmul", matmulFile},
	{"f32", f32File},
	{"packed", packedFile},
	{"gemm4", gemm4File},
	{"exp", expFile},
	{"quantact", quantactFile},
	{"floattile", floattileFile},
}

// output returns the generated files, path relative to this directory to
// contents.
func output() (map[string]string, error) {
	out := map[string]string{}
	for _, fam := range families {
		f := fam.build()
		decl, err := format.Source([]byte(f.Go()))
		if err != nil {
			return nil, fmt.Errorf("%s_arm64.go: %v", fam.name, err)
		}
		out["../"+fam.name+"_arm64.s"] = f.Asm()
		out["../"+fam.name+"_arm64.go"] = string(decl)
	}
	return out, nil
}

func main() {
	out, err := output()
	if err == nil {
		for path, text := range out {
			if err = os.WriteFile(path, []byte(text), 0o644); err != nil {
				break
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "_asm_arm64:", err)
		os.Exit(1)
	}
}
