package quant_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/quant"
)

// sharedDir returns ../shared, or skips the test when it is absent.
func sharedDir(t testing.TB) string {
	t.Helper()
	return filepath.Dir(testref.Dir(t))
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
