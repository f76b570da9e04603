package testmodel

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// tinyCache maps "arch/fileType" to the path of a written tiny model, or
// to the error writing it gave.
var tinyCache sync.Map // string -> *tinyEntry

type tinyEntry struct {
	once sync.Once
	path string
	err  error
}

// Tiny returns the path of a tiny model (preset "tiny-"+arch: 2 layers,
// width 64-128, 600 tokens) of architecture arch ("llama", "qwen2",
// "qwen3", "phi3") and file type fileType, writing it once per process.
// Files are named by a hash of their contents in a shared directory under
// os.TempDir, so concurrent test processes reuse them safely. It calls
// tb.Fatal on failure.
func Tiny(tb testing.TB, arch, fileType string) string {
	tb.Helper()
	key := arch + "/" + fileType
	e, _ := tinyCache.LoadOrStore(key, &tinyEntry{})
	entry := e.(*tinyEntry)
	entry.once.Do(func() { entry.path, entry.err = writeTiny(arch, fileType) })
	if entry.err != nil {
		tb.Fatalf("testmodel.Tiny(%q, %q): %v", arch, fileType, entry.err)
	}
	return entry.path
}

func writeTiny(arch, fileType string) (string, error) {
	s, err := Preset("tiny-" + arch)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if _, err := WriteTo(&buf, s, fileType); err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	dir := filepath.Join(os.TempDir(), "gollm-testmodel")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("tiny-%s-%s-%s.gguf", arch, fileType, hex.EncodeToString(sum[:8])))
	if fi, err := os.Stat(path); err == nil && fi.Size() == int64(buf.Len()) {
		return path, nil
	}
	f, err := os.CreateTemp(dir, ".tiny-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(buf.Bytes())
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return path, nil
}
