package gguf

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/quant"
)

func TestWriterRoundTrip(t *testing.T) {
	for _, align := range []uint32{0, 1, 64} {
		meta := allValues()
		if align != 0 {
			meta = append(meta, KeyValue{"general.alignment", MustValue(align)})
		}
		tensors := []testTensor{
			{"tok", quant.Q4_K, []uint64{256, 3}},
			{"norm", quant.F32, []uint64{5}},
			{"s", quant.BF16, nil},
			{"z", quant.F16, []uint64{0, 2}},
			{"q", quant.Q8_0, []uint64{64, 1, 2, 1}},
		}
		b := buildFile(t, meta, tensors)
		f, err := Parse(b)
		if err != nil {
			t.Fatalf("align %d: %v", align, err)
		}
		wantAlign := uint64(DefaultAlignment)
		if align != 0 {
			wantAlign = uint64(align)
		}
		if f.Alignment != wantAlign || f.DataOffset%int64(wantAlign) != 0 || int64(len(b))%int64(wantAlign) != 0 {
			t.Errorf("align %d: alignment %d, data at %d, size %d", align, f.Alignment, f.DataOffset, len(b))
		}
		if f.Version != 3 || len(f.Metadata) != len(meta) || len(f.Tensors) != len(tensors) {
			t.Fatalf("align %d: version %d, %d keys, %d tensors", align, f.Version, len(f.Metadata), len(f.Tensors))
		}
		for i, kv := range meta {
			if got := f.Metadata[i]; got.Key != kv.Key || !reflect.DeepEqual(got.Value, kv.Value) {
				t.Errorf("key %d: got %v, want %v", i, got, kv)
			}
		}
		for i, tt := range tensors {
			ti := &f.Tensors[i]
			size, _ := tensorSize(tt.typ, tt.dims)
			if ti.Name != tt.name || ti.Type != tt.typ || len(ti.Dims) != len(tt.dims) || ti.Size != size {
				t.Errorf("tensor %d: got %+v, want %+v", i, ti, tt)
			}
			if !bytes.Equal(f.Data(ti), pattern(size, i)) {
				t.Errorf("tensor %q: data differs", tt.name)
			}
		}
	}
}

// wantMisuse checks that err is the Writer's failure and mentions want, and
// that the Writer stays failed.
func wantMisuse(t *testing.T, w *Writer, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want an error containing %q", err, want)
	}
	if err2 := w.Finish(); err2 == nil || err2.Error() != err.Error() {
		t.Fatalf("Finish after failure: %v", err2)
	}
}

func TestWriterMisuse(t *testing.T) {
	setup := func() *Writer {
		w := NewWriter(io.Discard)
		if err := w.AddKV("a", MustValue(uint8(1))); err != nil {
			t.Fatal(err)
		}
		if _, err := w.AddTensor("t1", quant.F32, []uint64{4}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.AddTensor("t2", quant.F32, []uint64{2}); err != nil {
			t.Fatal(err)
		}
		return w
	}
	header := func() *Writer {
		w := setup()
		if err := w.WriteHeader(); err != nil {
			t.Fatal(err)
		}
		return w
	}
	w := setup()
	wantMisuse(t, w, w.AddKV("a", MustValue(uint8(2))), `duplicate metadata key "a"`)
	w = setup()
	wantMisuse(t, w, w.AddKV("", MustValue(uint8(2))), "empty metadata key")
	w = setup()
	wantMisuse(t, w, w.AddKV("b", Value{}), "holds a <nil>")
	w = setup()
	wantMisuse(t, w, w.AddKV("b", Value{Type: TypeString, v: uint8(1)}), "tagged string holds a uint8")
	w = setup()
	wantMisuse(t, w, w.AddKV("b", MustValue(&Array{TypeInt8, []uint8{1}})), "array of int8 holds a []uint8")
	w = setup()
	wantMisuse(t, w, w.AddKV("b", MustValue(&Array{TypeArray, []*Array{nil}})), "nil array")
	w = setup()
	wantMisuse(t, w, w.AddKV("general.alignment", MustValue(uint32(64))), "before the first AddTensor")
	w = NewWriter(io.Discard)
	wantMisuse(t, w, w.AddKV("general.alignment", MustValue(uint64(64))), "uint32 power of two")
	w = NewWriter(io.Discard)
	wantMisuse(t, w, w.AddKV("general.alignment", MustValue(uint32(3))), "uint32 power of two")
	w = setup()
	wantMisuse(t, w, errOf(w.AddTensor("t1", quant.F32, []uint64{1})), `duplicate tensor name "t1"`)
	w = setup()
	wantMisuse(t, w, errOf(w.AddTensor(strings.Repeat("x", 64), quant.F32, []uint64{1})), "longer than 63")
	w = setup()
	wantMisuse(t, w, errOf(w.AddTensor("q", quant.Q4_0, []uint64{31})), "block size")
	w = setup()
	wantMisuse(t, w, errOf(w.AddTensor("q", quant.Type(99), []uint64{32})), "unsupported tensor type")
	w = setup()
	wantMisuse(t, w, errOf(w.AddTensor("q", quant.F32, []uint64{1, 1, 1, 1, 1})), "5 dimensions")
	w = setup()
	wantMisuse(t, w, errOf(w.AddTensor("q", quant.F32, []uint64{1 << 40, 1 << 40})), "overflows")
	w = setup()
	wantMisuse(t, w, w.WriteTensor("t1", make([]byte, 16)), "out of order")
	w = setup()
	wantMisuse(t, w, w.Finish(), "before WriteHeader")
	w = header()
	wantMisuse(t, w, w.AddKV("late", MustValue(true)), "AddKV called out of order")
	w = header()
	wantMisuse(t, w, w.WriteTensor("t2", make([]byte, 8)), `the next tensor to write is "t1"`)
	w = header()
	wantMisuse(t, w, w.WriteTensor("t1", make([]byte, 15)), "got 15 bytes, want 16")
	w = header()
	wantMisuse(t, w, w.CopyTensor("t1", bytes.NewReader(make([]byte, 3))), "ended after 3 of 16 bytes")
	w = header()
	if err := w.WriteTensor("t1", make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
	wantMisuse(t, w, w.Finish(), `1 of 2 tensors unwritten (next: "t2")`)
	w = header()
	w.WriteTensor("t1", make([]byte, 16))
	w.CopyTensor("t2", bytes.NewReader(make([]byte, 100)))
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	wantMisuse(t, w, w.WriteTensor("t2", make([]byte, 8)), "out of order")
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n < len(p) {
		k := f.n
		f.n = 0
		return k, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriterIOError(t *testing.T) {
	w := NewWriter(&failingWriter{n: 100})
	w.AddTensor("t", quant.F32, []uint64{1 << 16})
	err := w.WriteHeader()
	if err == nil {
		err = w.WriteTensor("t", make([]byte, 1<<18))
	}
	if err == nil {
		err = w.Finish()
	}
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v, want disk full", err)
	}
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.gguf")
	fw, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	fw.AddKV("general.architecture", MustValue("test"))
	fw.AddTensor("t", quant.F32, []uint64{2})
	if err := fw.WriteHeader(); err != nil {
		t.Fatal(err)
	}
	fw.WriteTensor("t", make([]byte, 8))
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("file visible before Close: %v", err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	fw.Abort() // no-op after Close
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if s, _ := f.String("general.architecture"); s != "test" || len(f.Tensors) != 1 {
		t.Fatalf("reopened file: %q, %d tensors", s, len(f.Tensors))
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Fatalf("directory holds %v", names)
	}

	// An incomplete write leaves nothing behind, and an existing file
	// untouched.
	fw, err = Create(path)
	if err != nil {
		t.Fatal(err)
	}
	fw.AddTensor("t", quant.F32, []uint64{2})
	fw.WriteHeader()
	if err := fw.Close(); err == nil || !strings.Contains(err.Error(), "unwritten") {
		t.Fatalf("Close of an incomplete file: %v", err)
	}
	fw, _ = Create(path)
	fw.Abort()
	if names := dirNames(t, dir); len(names) != 1 {
		t.Fatalf("directory holds %v", names)
	}
	if f2, err := Open(path); err != nil {
		t.Fatalf("original damaged: %v", err)
	} else {
		f2.Close()
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// rewrite writes f anew: every key, every tensor info and every tensor's
// bytes, in file order.
func rewrite(t testing.TB, f *File, out io.Writer) {
	t.Helper()
	w := NewWriter(out)
	for _, kv := range f.Metadata {
		if err := w.AddKV(kv.Key, kv.Value); err != nil {
			t.Fatal(err)
		}
	}
	for _, ti := range f.Tensors {
		if _, err := w.AddTensor(ti.Name, ti.Type, ti.Dims); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteHeader(); err != nil {
		t.Fatal(err)
	}
	for i := range f.Tensors {
		if err := w.WriteTensor(f.Tensors[i].Name, f.Data(&f.Tensors[i])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
}

// TestRewriteReference rewrites every reference GGUF (models written by
// gguf-py and llama-quantize, vocab-only files) and expects the very same
// bytes: the Writer lays files out exactly as llama.cpp does.
func TestRewriteReference(t *testing.T) {
	var paths []string
	for _, sub := range []string{"models", "tokenizer"} {
		m, _ := filepath.Glob(filepath.Join(testref.Dir(t, sub), "*.gguf"))
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Skip("no reference GGUF files")
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			f, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var buf bytes.Buffer
			buf.Grow(int(f.Size()))
			rewrite(t, f, &buf)
			orig := f.data
			if !bytes.Equal(buf.Bytes(), orig) {
				n := 0
				for n < min(buf.Len(), len(orig)) && buf.Bytes()[n] == orig[n] {
					n++
				}
				t.Fatalf("rewrite differs: %d bytes vs %d, first difference at byte %d (data section at %d)", buf.Len(), len(orig), n, f.DataOffset)
			}
		})
	}
}
