package gguf

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/gollm/gollm/quant"
)

// TestEvict checks that an evicted tensor reads back unchanged and, on
// Linux, that its pages leave the mapping's resident set (/proc/self/smaps),
// while a File from Parse is left alone.
func TestEvict(t *testing.T) {
	buf := buildFile(t, nil, []testTensor{
		{"a", quant.F32, []uint64{1000}},
		{"big", quant.F32, []uint64{1 << 18}}, // 1 MiB
		{"b", quant.F32, []uint64{1000}},
	})
	path := filepath.Join(t.TempDir(), "evict.gguf")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want [][]byte
	for i := range f.Tensors {
		want = append(want, bytes.Clone(f.Data(&f.Tensors[i])))
	}
	big, _ := f.Tensor("big")
	before := mappedRSS(t, path)
	f.Evict(f.Data(big))
	after := mappedRSS(t, path)
	for i := range f.Tensors {
		if !bytes.Equal(f.Data(&f.Tensors[i]), want[i]) {
			t.Fatalf("tensor %s changed after Evict", f.Tensors[i].Name)
		}
	}
	if runtime.GOOS == "linux" && before-after < big.Size-2*int64(os.Getpagesize()) {
		t.Errorf("Evict of %d bytes: resident %d -> %d bytes", big.Size, before, after)
	}

	p, err := Parse(buf)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := p.Tensor("big")
	p.Evict(p.Data(pb))
	if !bytes.Equal(p.Data(pb), want[1]) {
		t.Fatal("Evict changed a parsed file's bytes")
	}
}

// mappedRSS returns the resident bytes of the mappings of path (Linux; 0
// elsewhere).
func mappedRSS(t *testing.T, path string) int64 {
	if runtime.GOOS != "linux" {
		return 0
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	var rss int64
	in := false
	for _, line := range strings.Split(string(smaps), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 5 && !strings.HasSuffix(fields[0], ":"): // a mapping's first line
			in = len(fields) >= 6 && fields[5] == path
		case in && len(fields) == 3 && fields[0] == "Rss:":
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			rss += kb << 10
		}
	}
	return rss
}
