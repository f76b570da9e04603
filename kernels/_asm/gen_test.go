package main

import (
	"bytes"
	"os"
	"testing"
)

// TestGeneratedUpToDate fails when a committed kernels/<family>_amd64.s or
// _amd64.go differs from what the generator writes now.
func TestGeneratedUpToDate(t *testing.T) {
	for _, f := range families {
		asm, decl, err := render(f)
		if err != nil {
			t.Fatal(err)
		}
		ap, dp := paths(f)
		for _, c := range []struct {
			path string
			want []byte
		}{{ap, asm}, {dp, decl}} {
			got, err := os.ReadFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, c.want) {
				t.Errorf("%s is stale: run go generate ./kernels", c.path)
			}
		}
	}
}
