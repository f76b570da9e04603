package gguf

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gollm/gollm/quant"
)

// testTensor is one tensor of a file built by buildFile.
type testTensor struct {
	name string
	typ  quant.Type
	dims []uint64
}

// buildFile writes a GGUF file with the given metadata and tensors through
// Writer; tensor bytes are a deterministic pattern.
func buildFile(t testing.TB, meta []KeyValue, tensors []testTensor) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, kv := range meta {
		if err := w.AddKV(kv.Key, kv.Value); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range tensors {
		if _, err := w.AddTensor(tt.name, tt.typ, tt.dims); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteHeader(); err != nil {
		t.Fatal(err)
	}
	for i, ti := range w.Tensors() {
		if err := w.WriteTensor(ti.Name, pattern(ti.Size, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pattern(n int64, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + seed*13 + 1)
	}
	return b
}

// smallFile is a valid file with a little of everything: used by the
// truncation test and as a fuzz seed.
func smallFile(t testing.TB) []byte {
	return buildFile(t, []KeyValue{
		{"general.architecture", MustValue("llama")},
		{"llama.block_count", MustValue(uint32(1))},
		{"general.alignment", MustValue(uint32(32))},
		{"tokenizer.ggml.tokens", MustValue([]string{"a", "bc"})},
		{"x.scores", MustValue([]float32{0.5, -1})},
	}, []testTensor{
		{"a", quant.F32, []uint64{3, 2}},
		{"b", quant.Q8_0, []uint64{32}},
	})
}

// header builds raw GGUF bytes by hand, for files the Writer refuses to
// produce.
type header struct{ bytes.Buffer }

func newHeader(version uint32, nTensors, nKV uint64) *header {
	h := &header{}
	h.WriteString(Magic)
	h.u32(version)
	h.u64(nTensors)
	h.u64(nKV)
	return h
}

func (h *header) u32(x uint32) *header {
	binary.Write(&h.Buffer, binary.LittleEndian, x)
	return h
}

func (h *header) u64(x uint64) *header {
	binary.Write(&h.Buffer, binary.LittleEndian, x)
	return h
}

func (h *header) str(s string) *header {
	h.u64(uint64(len(s)))
	h.WriteString(s)
	return h
}

// tensor appends a tensor info.
func (h *header) tensor(name string, typ quant.Type, offset uint64, dims ...uint64) *header {
	h.str(name)
	h.u32(uint32(len(dims)))
	for _, d := range dims {
		h.u64(d)
	}
	h.u32(uint32(typ))
	h.u64(offset)
	return h
}

// data pads to 32 and appends n bytes of tensor data.
func (h *header) data(n int) []byte {
	for h.Len()%DefaultAlignment != 0 {
		h.WriteByte(0)
	}
	h.Write(make([]byte, n))
	return h.Bytes()
}
