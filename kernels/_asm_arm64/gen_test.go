package main

import (
	"os"
	"testing"
)

// TestUpToDate fails when ../dot_arm64.s is not what the generator writes.
func TestUpToDate(t *testing.T) {
	have, err := os.ReadFile("../dot_arm64.s")
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != generate() {
		t.Fatal("kernels/dot_arm64.s is stale: run `go run .` in kernels/_asm_arm64")
	}
}
