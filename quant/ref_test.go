package quant_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
)

// sharedDir finds ../shared beside the module root (the directory holding
// go.mod), or skips the test when it is absent.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the package directory; skipping reference test")
		}
		dir = parent
	}
	shared := filepath.Join(filepath.Dir(dir), "shared")
	if _, err := os.Stat(filepath.Join(shared, "reference")); err != nil {
		t.Skipf("reference data not available (%s absent); skipping", shared)
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
