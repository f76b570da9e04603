package gguf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/gollm/gollm/quant"
)

// Writer streams a GGUF version 3 file to an io.Writer in three phases:
//
//  1. describe the file with AddKV (metadata, kept in call order) and
//     AddTensor (tensor infos, kept in call order);
//  2. WriteHeader writes the header, the metadata, the tensor infos and the
//     padding that aligns the data section;
//  3. WriteTensor (or CopyTensor) once per tensor, in the order the tensors
//     were added, then Finish.
//
// Tensors are laid out as llama.cpp lays them out: back to back in order,
// each padded with zeros to the alignment (general.alignment when set,
// DefaultAlignment otherwise). Only one tensor's bytes pass through the
// Writer at a time, so writing a file needs no memory for the whole of it.
//
// Misuse (a call out of phase, a duplicate key or tensor name, a tensor
// written out of order or with the wrong number of bytes, an invalid value)
// returns an error and leaves the Writer failed: every later call returns
// the same error.
type Writer struct {
	enc       encoder
	meta      []KeyValue
	keys      map[string]bool
	tensors   []TensorInfo
	names     map[string]bool
	alignment uint64
	dataSize  uint64 // bytes of the data section described so far
	phase     int    // phaseDescribe, phaseData or phaseDone
	next      int    // index of the next tensor to write
	dataStart int64  // enc.n at the start of the data section
	err       error  // sticky failure
}

const (
	phaseDescribe = iota
	phaseData
	phaseDone
)

// NewWriter returns a Writer that writes to w. It buffers its output; Finish
// flushes it.
func NewWriter(w io.Writer) *Writer {
	return &Writer{
		enc:       encoder{w: bufio.NewWriterSize(w, 1<<16)},
		keys:      map[string]bool{},
		names:     map[string]bool{},
		alignment: DefaultAlignment,
	}
}

// fail records err as the Writer's failure and returns it.
func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = fmt.Errorf("gguf: %w", err)
	}
	return w.err
}

func (w *Writer) inPhase(p int, call string) error {
	if w.err != nil {
		return w.err
	}
	if w.phase != p {
		return w.fail(fmt.Errorf("%s called out of order", call))
	}
	return nil
}

// AddKV appends a metadata entry. The key must be non-empty and new; v must
// be a valid value (see NewValue). general.alignment, if given, must be a
// uint32 power of two and is then used for the data section. AddKV must
// come before WriteHeader.
func (w *Writer) AddKV(key string, v Value) error {
	if err := w.inPhase(phaseDescribe, "AddKV"); err != nil {
		return err
	}
	if key == "" {
		return w.fail(errors.New("empty metadata key"))
	}
	if w.keys[key] {
		return w.fail(fmt.Errorf("duplicate metadata key %q", key))
	}
	if err := checkValue(v); err != nil {
		return w.fail(fmt.Errorf("metadata %q: %w", key, err))
	}
	if key == "general.alignment" {
		a, ok := v.v.(uint32)
		if !ok || a == 0 || a&(a-1) != 0 {
			return w.fail(fmt.Errorf("general.alignment must be a uint32 power of two, not %s %v", v.Type, v))
		}
		if len(w.tensors) > 0 {
			return w.fail(errors.New("general.alignment must be set before the first AddTensor"))
		}
		w.alignment = uint64(a)
	}
	w.keys[key] = true
	w.meta = append(w.meta, KeyValue{key, v})
	return nil
}

// AddTensor appends a tensor info: its name (at most MaxNameLen bytes,
// unique), type and shape in GGML order (dims[0] is the row length, which
// must be a whole number of typ's blocks). It returns the tensor's size in
// bytes, which is what WriteTensor will expect. AddTensor must come before
// WriteHeader.
func (w *Writer) AddTensor(name string, typ quant.Type, dims []uint64) (int64, error) {
	if err := w.inPhase(phaseDescribe, "AddTensor"); err != nil {
		return 0, err
	}
	if len(name) > MaxNameLen {
		return 0, w.fail(fmt.Errorf("tensor name %q is longer than %d bytes", name, MaxNameLen))
	}
	if w.names[name] {
		return 0, w.fail(fmt.Errorf("duplicate tensor name %q", name))
	}
	if len(dims) > MaxDims {
		return 0, w.fail(fmt.Errorf("tensor %q has %d dimensions (at most %d)", name, len(dims), MaxDims))
	}
	size, err := tensorSize(typ, dims)
	if err != nil {
		return 0, w.fail(fmt.Errorf("tensor %q: %w", name, err))
	}
	padded := alignUp(uint64(size), w.alignment)
	if padded < uint64(size) || w.dataSize > math.MaxInt64-padded {
		return 0, w.fail(fmt.Errorf("tensor %q: data section size overflows", name))
	}
	w.names[name] = true
	w.tensors = append(w.tensors, TensorInfo{
		Name:   name,
		Dims:   append([]uint64(nil), dims...),
		Type:   typ,
		Offset: w.dataSize,
		Size:   size,
	})
	w.dataSize += padded
	return size, nil
}

// Tensors returns the tensor infos added so far, with the offsets and sizes
// the Writer assigned. The slice must not be modified.
func (w *Writer) Tensors() []TensorInfo { return w.tensors }

// WriteHeader writes everything before the tensor data: magic, version,
// counts, metadata, tensor infos and, when there are tensors, the zero
// padding that aligns the data section.
func (w *Writer) WriteHeader() error {
	if err := w.inPhase(phaseDescribe, "WriteHeader"); err != nil {
		return err
	}
	e := &w.enc
	e.bytes([]byte(Magic))
	e.u32(3)
	e.u64(uint64(len(w.tensors)))
	e.u64(uint64(len(w.meta)))
	for _, kv := range w.meta {
		e.str(kv.Key)
		e.value(kv.Value)
	}
	for i := range w.tensors {
		t := &w.tensors[i]
		e.str(t.Name)
		e.u32(uint32(len(t.Dims)))
		for _, d := range t.Dims {
			e.u64(d)
		}
		e.u32(uint32(t.Type))
		e.u64(t.Offset)
	}
	// Like gguf-py (and unlike llama.cpp's writer, which pads always), a
	// file without tensors ends right after its metadata: the reference
	// vocab-only files do.
	if len(w.tensors) > 0 {
		e.pad(w.alignment)
	}
	if e.err != nil {
		return w.fail(e.err)
	}
	w.dataStart = e.n
	w.phase = phaseData
	if len(w.tensors) == 0 {
		w.phase = phaseDone
	}
	return nil
}

// WriteTensor writes the bytes of the next tensor, which must be the one
// called name, followed by the padding to the alignment. len(data) must be
// the tensor's size.
func (w *Writer) WriteTensor(name string, data []byte) error {
	t, err := w.nextTensor(name, "WriteTensor")
	if err != nil {
		return err
	}
	if int64(len(data)) != t.Size {
		return w.fail(fmt.Errorf("tensor %q: got %d bytes, want %d (%s %v)", name, len(data), t.Size, t.Type, t.Dims))
	}
	w.enc.bytes(data)
	return w.endTensor()
}

// CopyTensor is WriteTensor for data read from r: it copies exactly the
// tensor's size in bytes, failing if r ends earlier.
func (w *Writer) CopyTensor(name string, r io.Reader) error {
	t, err := w.nextTensor(name, "CopyTensor")
	if err != nil {
		return err
	}
	e := &w.enc
	n, err := io.CopyN(e.w, r, t.Size)
	e.n += n
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("tensor %q: reader ended after %d of %d bytes", name, n, t.Size)
		}
		return w.fail(err)
	}
	return w.endTensor()
}

func (w *Writer) nextTensor(name, call string) (*TensorInfo, error) {
	if err := w.inPhase(phaseData, call); err != nil {
		return nil, err
	}
	t := &w.tensors[w.next]
	if name != t.Name {
		return nil, w.fail(fmt.Errorf("%s(%q): the next tensor to write is %q (tensor %d of %d)", call, name, t.Name, w.next, len(w.tensors)))
	}
	return t, nil
}

func (w *Writer) endTensor() error {
	w.enc.pad(w.alignment)
	if w.enc.err != nil {
		return w.fail(w.enc.err)
	}
	if want := w.dataStart + int64(w.tensors[w.next].Offset) + int64(alignUp(uint64(w.tensors[w.next].Size), w.alignment)); w.enc.n != want {
		return w.fail(fmt.Errorf("internal error: at byte %d after tensor %q, want %d", w.enc.n, w.tensors[w.next].Name, want))
	}
	w.next++
	if w.next == len(w.tensors) {
		w.phase = phaseDone
	}
	return nil
}

// Finish checks that the header and every tensor have been written and
// flushes the output. It does not close the underlying io.Writer.
func (w *Writer) Finish() error {
	if w.err != nil {
		return w.err
	}
	switch {
	case w.phase == phaseDescribe:
		return w.fail(errors.New("Finish called before WriteHeader"))
	case w.phase == phaseData:
		return w.fail(fmt.Errorf("Finish called with %d of %d tensors unwritten (next: %q)", len(w.tensors)-w.next, len(w.tensors), w.tensors[w.next].Name))
	}
	if err := w.enc.w.Flush(); err != nil {
		return w.fail(err)
	}
	return nil
}

// Written returns the number of bytes written so far (including bytes still
// buffered until Finish).
func (w *Writer) Written() int64 { return w.enc.n }
