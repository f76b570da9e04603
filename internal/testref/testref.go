// Package testref locates llama.cpp's reference data (../shared/reference
// beside the repository) for tests, skipping them cleanly when it is absent.
package testref

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the reference directory joined with the optional sub-path, or
// skips the test with a message when it does not exist.
func Dir(tb testing.TB, sub ...string) string {
	tb.Helper()
	root, err := repoRoot()
	if err != nil {
		tb.Skipf("reference data not available: %v", err)
	}
	p := filepath.Join(append([]string{root, "..", "shared", "reference"}, sub...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("reference data not available: %v", err)
	}
	return p
}

// Find returns the reference directory and true when it exists, for tests
// that run with or without it.
func Find() (string, bool) {
	root, err := repoRoot()
	if err != nil {
		return "", false
	}
	p := filepath.Join(root, "..", "shared", "reference")
	if _, err := os.Stat(p); err != nil {
		return "", false
	}
	return p, true
}

// Model returns the path of the reference model name (without .gguf), or
// skips the test.
func Model(tb testing.TB, name string) string {
	tb.Helper()
	return Dir(tb, "models", name+".gguf")
}

// repoRoot walks up from the working directory to the directory holding
// go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
