package testmodel

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gollm/gollm/gguf"
)

// WithMetadata writes a copy of the GGUF file at src in tb's temporary
// directory with the keys of kv set (replacing the file's, or added after
// them in key order; values as gguf.MustValue takes them) and returns its
// path. Tests use it to give a generated model metadata its preset does
// not write. It calls tb.Fatal on failure.
func WithMetadata(tb testing.TB, src string, kv map[string]any) string {
	tb.Helper()
	f, err := gguf.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	path := filepath.Join(tb.TempDir(), filepath.Base(src))
	out, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	w := gguf.NewWriter(out)
	add := func(key string, v gguf.Value) {
		if err := w.AddKV(key, v); err != nil {
			tb.Fatal(err)
		}
	}
	for _, m := range f.Metadata {
		if _, replaced := kv[m.Key]; !replaced {
			add(m.Key, m.Value)
		}
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		add(k, gguf.MustValue(kv[k]))
	}
	for _, ti := range f.Tensors {
		if _, err := w.AddTensor(ti.Name, ti.Type, ti.Dims); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.WriteHeader(); err != nil {
		tb.Fatal(err)
	}
	for i := range f.Tensors {
		if err := w.WriteTensor(f.Tensors[i].Name, f.Data(&f.Tensors[i])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Finish(); err != nil {
		tb.Fatal(err)
	}
	return path
}
