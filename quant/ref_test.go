package quant_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
)

// findShared returns ../shared beside the module root (the directory
// holding go.mod) when it holds the reference data.
func findShared() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
	shared := filepath.Join(filepath.Dir(dir), "shared")
	if _, err := os.Stat(filepath.Join(shared, "reference")); err != nil {
		return "", false
	}
	return shared, true
}

// sharedDir returns ../shared, or skips the test when it is absent.
func sharedDir(t testing.TB) string {
	t.Helper()
	shared, ok := findShared()
	if !ok {
		t.Skip("../shared/reference not found beside the module root; skipping reference test")
	}
	return shared
}

// openModel opens ../shared/reference/models/name, skipping when absent.
func openModel(t testing.TB, name string) *gguf.File {
	t.Helper()
	path := filepath.Join(sharedDir(t), "reference", "models", name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not available; skipping", path)
	}
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// tensorF32 dequantizes a whole tensor of f.
func tensorF32(t testing.TB, f *gguf.File, ti *gguf.TensorInfo) []float32 {
	t.Helper()
	out := make([]float32, ti.Elements())
	if err := quant.Dequantize(ti.Type, f.Data(ti), out); err != nil {
		t.Fatalf("%s: %v", ti.Name, err)
	}
	return out
}
