// Package gguf reads and writes GGUF files (versions 2 and 3), the container
// format of llama.cpp models. A file is memory-mapped: tensor data is a slice
// of the mapping, never a copy. Everything a file claims (counts, lengths,
// shapes, types, offsets, sizes) is validated, so a truncated or hostile file
// gets an error that says what is wrong and where, never a panic.
package gguf

import (
	"fmt"
	"math"
	"math/bits"
	"sort"

	"github.com/gollm/gollm/quant"
)

// Magic is the four bytes every GGUF file starts with.
const Magic = "GGUF"

// DefaultAlignment is the data alignment used when general.alignment is
// absent.
const DefaultAlignment = 32

// MaxDims is the largest number of dimensions a GGUF tensor may have.
const MaxDims = 4

// KeyValue is one metadata entry, in file order.
type KeyValue struct {
	Key   string
	Value Value
}

// TensorInfo describes one tensor: its name, shape, type and where its bytes
// are.
type TensorInfo struct {
	Name string
	// Dims is the shape in GGML order: Dims[0] is the row length (the
	// fastest-varying dimension).
	Dims []uint64
	Type quant.Type
	// Offset is the position of the tensor's bytes relative to the start of
	// the data section.
	Offset uint64
	// Size is the number of bytes the tensor occupies.
	Size int64
}

// Elements returns the number of elements of the tensor.
func (t *TensorInfo) Elements() int64 {
	n := int64(1)
	for _, d := range t.Dims {
		n *= int64(d)
	}
	return n
}

// Rows returns the number of rows (all dimensions but the first multiplied).
func (t *TensorInfo) Rows() int64 {
	if len(t.Dims) == 0 {
		return 1
	}
	return t.Elements() / max(int64(t.Dims[0]), 1)
}

// File is a parsed GGUF file. Tensor data is read through Data, which returns
// a slice of the underlying memory mapping; it stays valid until Close.
type File struct {
	Version   uint32
	Metadata  []KeyValue
	Tensors   []TensorInfo
	Alignment uint64
	// DataOffset is the file offset where the tensor data section starts.
	DataOffset int64

	meta    map[string]int
	tensors map[string]int
	data    []byte // the whole file
	closer  func() error
}

// Parse parses a GGUF file held in memory. The returned File refers to buf;
// the caller keeps it alive and unchanged.
func Parse(buf []byte) (*File, error) {
	f, err := parse(buf)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	return f, nil
}

func parse(buf []byte) (*File, error) {
	d := &decoder{buf: buf}
	if len(buf) < 4 || string(buf[:4]) != Magic {
		if len(buf) < 4 {
			return nil, fmt.Errorf("not a GGUF file (only %d bytes)", len(buf))
		}
		return nil, fmt.Errorf("not a GGUF file (magic %q, want %q)", buf[:4], Magic)
	}
	d.off = 4
	version, err := d.u32("version")
	if err != nil {
		return nil, err
	}
	if version != 2 && version != 3 {
		return nil, fmt.Errorf("unsupported GGUF version %d (gollm reads versions 2 and 3)", version)
	}
	d.version = version
	// A tensor info takes at least 8 (name length) + 4 (n_dims) + 4 (type)
	// + 8 (offset) bytes; a key-value at least 8 + 4.
	nTensors, err := d.count("tensor count", 24)
	if err != nil {
		return nil, err
	}
	nKV, err := d.count("metadata count", 12)
	if err != nil {
		return nil, err
	}
	f := &File{
		Version:   version,
		Alignment: DefaultAlignment,
		meta:      make(map[string]int, nKV),
		tensors:   make(map[string]int, nTensors),
		data:      buf,
	}
	f.Metadata = make([]KeyValue, 0, nKV)
	for i := 0; i < nKV; i++ {
		key, err := d.str(fmt.Sprintf("key of metadata entry %d", i))
		if err != nil {
			return nil, err
		}
		if _, dup := f.meta[key]; dup {
			return nil, d.fail("duplicate metadata key %q", key)
		}
		vt, err := d.u32(fmt.Sprintf("type of metadata %q", key))
		if err != nil {
			return nil, err
		}
		v, err := d.value(ValueType(vt), 0)
		if err != nil {
			return nil, fmt.Errorf("metadata %q: %w", key, err)
		}
		f.meta[key] = len(f.Metadata)
		f.Metadata = append(f.Metadata, KeyValue{key, v})
	}
	if v, ok := f.Get("general.alignment"); ok {
		a, isU32 := v.Any().(uint32)
		if !isU32 {
			return nil, fmt.Errorf("general.alignment has type %s, want uint32", v.Type)
		}
		if a == 0 || a&(a-1) != 0 {
			return nil, fmt.Errorf("general.alignment %d is not a power of two", a)
		}
		f.Alignment = uint64(a)
	}
	f.Tensors = make([]TensorInfo, 0, nTensors)
	for i := 0; i < nTensors; i++ {
		t, err := d.tensorInfo(i)
		if err != nil {
			return nil, err
		}
		if _, dup := f.tensors[t.Name]; dup {
			return nil, fmt.Errorf("duplicate tensor name %q", t.Name)
		}
		f.tensors[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}
	start := alignUp(uint64(d.off), f.Alignment)
	if nTensors > 0 && start > uint64(len(buf)) {
		return nil, fmt.Errorf("file truncated: data section would start at byte %d of %d", start, len(buf))
	}
	f.DataOffset = int64(min(start, uint64(len(buf))))
	if err := f.checkTensorPlacement(); err != nil {
		return nil, err
	}
	return f, nil
}

func (d *decoder) tensorInfo(i int) (TensorInfo, error) {
	var t TensorInfo
	name, err := d.str(fmt.Sprintf("name of tensor %d", i))
	if err != nil {
		return t, err
	}
	t.Name = name
	nDims, err := d.u32(fmt.Sprintf("dimension count of tensor %q", name))
	if err != nil {
		return t, err
	}
	if nDims > MaxDims {
		return t, fmt.Errorf("tensor %q has %d dimensions (at most %d)", name, nDims, MaxDims)
	}
	t.Dims = make([]uint64, nDims)
	elements := uint64(1)
	for j := range t.Dims {
		if t.Dims[j], err = d.u64(fmt.Sprintf("dimension %d of tensor %q", j, name)); err != nil {
			return t, err
		}
		hi, lo := bits.Mul64(elements, t.Dims[j])
		if hi != 0 || lo > math.MaxInt64 {
			return t, fmt.Errorf("tensor %q: shape %v overflows the element count", name, t.Dims[:j+1])
		}
		elements = lo
	}
	typ, err := d.u32(fmt.Sprintf("type of tensor %q", name))
	if err != nil {
		return t, err
	}
	t.Type = quant.Type(typ)
	if !t.Type.Known() || t.Type == quant.Q8_K || t.Type == quant.Q8_1 {
		return t, fmt.Errorf("tensor %q has unsupported tensor type %s", name, t.Type)
	}
	rowLen := int64(1)
	if nDims > 0 {
		rowLen = int64(t.Dims[0])
	}
	rowBytes, err := t.Type.RowBytes(rowLen)
	if err != nil {
		return t, fmt.Errorf("tensor %q: %w", name, err)
	}
	rows := uint64(1)
	if rowLen > 0 {
		rows = elements / uint64(rowLen)
	} else {
		rows = 0
	}
	hi, size := bits.Mul64(rows, uint64(rowBytes))
	if hi != 0 || size > math.MaxInt64 {
		return t, fmt.Errorf("tensor %q: byte size overflows", name)
	}
	t.Size = int64(size)
	if t.Offset, err = d.u64(fmt.Sprintf("offset of tensor %q", name)); err != nil {
		return t, err
	}
	return t, nil
}

// checkTensorPlacement verifies that every tensor is aligned, lies inside the
// data section and overlaps no other tensor.
func (f *File) checkTensorPlacement() error {
	dataLen := uint64(len(f.data)) - uint64(f.DataOffset)
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	for _, t := range f.Tensors {
		if t.Offset%f.Alignment != 0 {
			return fmt.Errorf("tensor %q: offset %d is not a multiple of the alignment %d", t.Name, t.Offset, f.Alignment)
		}
		if t.Offset > dataLen || uint64(t.Size) > dataLen-t.Offset {
			return fmt.Errorf("tensor %q: bytes %d..%d of the data section lie past its end (%d bytes): file truncated or offset wrong",
				t.Name, t.Offset, t.Offset+uint64(t.Size), dataLen)
		}
	}
	sort.Slice(order, func(a, b int) bool { return f.Tensors[order[a]].Offset < f.Tensors[order[b]].Offset })
	for k := 1; k < len(order); k++ {
		prev, cur := &f.Tensors[order[k-1]], &f.Tensors[order[k]]
		if prev.Size > 0 && cur.Size > 0 && prev.Offset+uint64(prev.Size) > cur.Offset {
			return fmt.Errorf("tensors %q and %q overlap", prev.Name, cur.Name)
		}
	}
	return nil
}

func alignUp(n, a uint64) uint64 { return (n + a - 1) / a * a }

// Close releases the file's memory mapping. Slices returned by Data must not
// be used afterwards.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	c := f.closer
	f.closer = nil
	f.data = nil
	return c()
}

// Tensor returns the info of the named tensor.
func (f *File) Tensor(name string) (*TensorInfo, bool) {
	i, ok := f.tensors[name]
	if !ok {
		return nil, false
	}
	return &f.Tensors[i], true
}

// Data returns the bytes of tensor t: a slice of the mapping, not a copy.
func (f *File) Data(t *TensorInfo) []byte {
	start := uint64(f.DataOffset) + t.Offset
	return f.data[start : start+uint64(t.Size) : start+uint64(t.Size)]
}

// Size returns the size of the whole file in bytes.
func (f *File) Size() int64 { return int64(len(f.data)) }
