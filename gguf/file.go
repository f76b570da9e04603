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

// MaxNameLen is the longest tensor name, in bytes, that llama.cpp accepts
// (GGML_MAX_NAME minus the terminating NUL).
const MaxNameLen = 63

// maxPrealloc bounds the capacity reserved up front from a count the file
// claims; beyond it slices and maps grow only as entries actually decode, so a
// hostile count cannot make the parser allocate much more than the file holds.
const maxPrealloc = 1024

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
	// Type is the GGML type id. It may be a type package quant does not
	// handle (IQ2_XXS, I32, ...); TypeName names every type a file may hold.
	Type quant.Type
	// Offset is the position of the tensor's bytes relative to the start of
	// the data section.
	Offset uint64
	// Size is the number of bytes the tensor occupies.
	Size int64
}

// Elements returns the number of elements of the tensor: the product of its
// dimensions, 1 for a tensor with no dimensions (a scalar). The parser has
// checked that it fits in an int64.
func (t *TensorInfo) Elements() int64 {
	n := int64(1)
	for _, d := range t.Dims {
		n *= int64(d)
	}
	return n
}

// Rows returns the number of rows: the product of all dimensions but the
// first, 1 for a tensor of at most one dimension. A zero row length does not
// change the row count: shape [0 5] has 5 rows of 0 elements.
func (t *TensorInfo) Rows() int64 {
	n := int64(1)
	for i := 1; i < len(t.Dims); i++ {
		n *= int64(t.Dims[i])
	}
	return n
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
	mapped  bool // data is Open's mapping of the file (see Evict)
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
		if version != 0 && version&0xFFFF == 0 {
			return nil, fmt.Errorf("unsupported GGUF version %#x (a big-endian file?)", version)
		}
		return nil, fmt.Errorf("unsupported GGUF version %d (gollm reads versions 2 and 3)", version)
	}
	// A tensor info takes at least 8 (name length) + 4 (n_dims) + 4 (type)
	// + 8 (offset) bytes; a key-value at least 8 + 4.
	nTensors, err := d.count("tensor count", "", 24)
	if err != nil {
		return nil, err
	}
	nKV, err := d.count("metadata count", "", 12)
	if err != nil {
		return nil, err
	}
	f := &File{
		Version:   version,
		Alignment: DefaultAlignment,
		meta:      make(map[string]int, min(nKV, maxPrealloc)),
		tensors:   make(map[string]int, min(nTensors, maxPrealloc)),
		data:      buf,
	}
	f.Metadata = make([]KeyValue, 0, min(nKV, maxPrealloc))
	for i := 0; i < nKV; i++ {
		key, err := d.str(fmt.Sprintf("key of metadata entry %d", i))
		if err != nil {
			return nil, err
		}
		if key == "" {
			return nil, d.fail("metadata entry %d has an empty key", i)
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
	f.Tensors = make([]TensorInfo, 0, min(nTensors, maxPrealloc))
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
	if len(name) > MaxNameLen {
		return t, fmt.Errorf("tensor %d: name %.20q... is %d bytes long (at most %d)", i, name, len(name), MaxNameLen)
	}
	nDims, err := d.u32(fmt.Sprintf("dimension count of tensor %q", name))
	if err != nil {
		return t, err
	}
	if nDims > MaxDims {
		return t, fmt.Errorf("tensor %q has %d dimensions (at most %d)", name, nDims, MaxDims)
	}
	t.Dims = make([]uint64, nDims)
	for j := range t.Dims {
		if t.Dims[j], err = d.u64(fmt.Sprintf("dimension %d of tensor %q", j, name)); err != nil {
			return t, err
		}
	}
	typ, err := d.u32(fmt.Sprintf("type of tensor %q", name))
	if err != nil {
		return t, err
	}
	t.Type = quant.Type(typ)
	if t.Size, err = tensorSize(t.Type, t.Dims); err != nil {
		return t, fmt.Errorf("tensor %q: %w", name, err)
	}
	if t.Offset, err = d.u64(fmt.Sprintf("offset of tensor %q", name)); err != nil {
		return t, err
	}
	return t, nil
}

// tensorSize returns the number of bytes of a tensor of type typ and shape
// dims. It fails when the element count does not fit in an int64, when the
// type is unknown or when a row is not a whole number of blocks. Rows are
// counted from dims[1:], so a tensor with a zero dimension has size 0 and a
// tensor with no dimensions is one element.
func tensorSize(typ quant.Type, dims []uint64) (int64, error) {
	rowLen, rows := uint64(1), uint64(1)
	for i, d := range dims {
		if i == 0 {
			rowLen = d
			continue
		}
		rows = mulInt64(rows, d)
	}
	// Both the row count alone and the element count must fit, so that
	// Rows and Elements are exact even when the row length is 0.
	if mulInt64(rowLen, rows) > math.MaxInt64 || rows > math.MaxInt64 {
		return 0, fmt.Errorf("shape %v overflows the element count", dims)
	}
	rb, err := rowBytes(typ, int64(rowLen))
	if err != nil {
		return 0, err
	}
	size := mulInt64(rows, uint64(rb))
	if size > math.MaxInt64 {
		return 0, fmt.Errorf("byte size of shape %v overflows", dims)
	}
	return int64(size), nil
}

// mulInt64 returns a*b, or math.MaxUint64 (more than any int64) when either
// operand or the product exceeds math.MaxInt64.
func mulInt64(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if a > math.MaxInt64 || b > math.MaxInt64 || hi != 0 || lo > math.MaxInt64 {
		return math.MaxUint64
	}
	return lo
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
	// end is where the furthest-reaching tensor seen so far (in offset
	// order) ends; comparing with it, not just the previous tensor, catches a
	// large tensor that spans several later ones.
	var end uint64
	var last *TensorInfo
	for _, k := range order {
		cur := &f.Tensors[k]
		if cur.Size == 0 {
			continue
		}
		if cur.Offset < end {
			return fmt.Errorf("tensors %q and %q overlap", last.Name, cur.Name)
		}
		if e := cur.Offset + uint64(cur.Size); e > end {
			end, last = e, cur
		}
	}
	return nil
}

func alignUp(n, a uint64) uint64 { return (n + a - 1) / a * a }

// Close releases the file's memory mapping. Slices returned by Data must not
// be used afterwards; Metadata and Tensors are copies and stay valid.
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

// Evict tells the operating system that the process no longer needs b, a
// slice of a tensor's Data, in memory for now: the whole pages inside b
// leave the process's resident memory and are read from the file again if
// b is touched later, so b's contents never change. The model calls it for
// weights it keeps a rearranged copy of. It does nothing for a File from
// Parse, nor where the file is read rather than mapped (Windows and
// platforms without mmap).
func (f *File) Evict(b []byte) {
	if f.mapped && len(b) > 0 {
		evictPages(b)
	}
}

// Size returns the size of the whole file in bytes.
func (f *File) Size() int64 { return int64(len(f.data)) }
