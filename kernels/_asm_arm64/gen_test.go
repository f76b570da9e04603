package main

import (
	"os"
	"testing"
)

// TestUpToDate fails when a committed file of ../ differs from what the
// generator writes now.
func TestUpToDate(t *testing.T) {
	out, err := output()
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range out {
		have, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(have) != want {
			t.Errorf("kernels/%s is stale: run `go generate ./kernels`", path[3:])
		}
	}
}
