package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

// maxArrayDepth bounds the nesting of arrays of arrays so that a hostile file
// cannot drive the decoder into deep recursion.
const maxArrayDepth = 8

// decoder reads GGUF header fields from an in-memory byte slice. Every length
// it is given is checked against the bytes that remain before anything is
// allocated, so a hostile count can never cause a large allocation.
type decoder struct {
	buf []byte
	off int
}

// fail builds an error that says where in the file the problem is.
func (d *decoder) fail(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", d.off, fmt.Sprintf(format, args...))
}

func (d *decoder) remaining() int { return len(d.buf) - d.off }

func (d *decoder) need(n int, what string) error {
	if n < 0 || d.remaining() < n {
		return d.fail("file truncated reading %s (need %d bytes, %d left)", what, n, d.remaining())
	}
	return nil
}

func (d *decoder) u8(what string) (uint8, error) {
	if err := d.need(1, what); err != nil {
		return 0, err
	}
	v := d.buf[d.off]
	d.off++
	return v, nil
}

func (d *decoder) u16(what string) (uint16, error) {
	if err := d.need(2, what); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint16(d.buf[d.off:])
	d.off += 2
	return v, nil
}

func (d *decoder) u32(what string) (uint32, error) {
	if err := d.need(4, what); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint32(d.buf[d.off:])
	d.off += 4
	return v, nil
}

func (d *decoder) u64(what string) (uint64, error) {
	if err := d.need(8, what); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint64(d.buf[d.off:])
	d.off += 8
	return v, nil
}

// count reads a length or count field: uint64 in GGUF v2 and v3. It refuses
// counts whose elements could not fit in the rest of the file given the
// minimum encoded size of one element. The field is described as what, plus
// suffix; the two are joined only for an error, keeping the hot path free of
// allocations.
func (d *decoder) count(what, suffix string, minElemSize int) (int, error) {
	start := d.off
	if d.remaining() < 8 {
		return 0, d.need(8, what+suffix)
	}
	n := binary.LittleEndian.Uint64(d.buf[d.off:])
	d.off += 8
	if n > uint64(math.MaxInt32) || (minElemSize > 0 && n > uint64(d.remaining()/minElemSize)) {
		d.off = start
		return 0, d.fail("%s%s %d is larger than the rest of the file allows", what, suffix, n)
	}
	return int(n), nil
}

func (d *decoder) str(what string) (string, error) {
	n, err := d.count(what, " length", 1)
	if err != nil {
		return "", err
	}
	s := string(d.buf[d.off : d.off+n])
	d.off += n
	return s, nil
}

// value reads a value of type t; depth counts the enclosing arrays.
func (d *decoder) value(t ValueType, depth int) (Value, error) {
	switch t {
	case TypeUint8:
		x, err := d.u8("uint8 value")
		return Value{t, x}, err
	case TypeInt8:
		x, err := d.u8("int8 value")
		return Value{t, int8(x)}, err
	case TypeBool:
		x, err := d.u8("bool value")
		if err == nil && x > 1 {
			d.off--
			return Value{}, d.fail("bool value %d is neither 0 nor 1", x)
		}
		return Value{t, x == 1}, err
	case TypeUint16:
		x, err := d.u16("uint16 value")
		return Value{t, x}, err
	case TypeInt16:
		x, err := d.u16("int16 value")
		return Value{t, int16(x)}, err
	case TypeUint32:
		x, err := d.u32("uint32 value")
		return Value{t, x}, err
	case TypeInt32:
		x, err := d.u32("int32 value")
		return Value{t, int32(x)}, err
	case TypeFloat32:
		x, err := d.u32("float32 value")
		return Value{t, math.Float32frombits(x)}, err
	case TypeUint64:
		x, err := d.u64("uint64 value")
		return Value{t, x}, err
	case TypeInt64:
		x, err := d.u64("int64 value")
		return Value{t, int64(x)}, err
	case TypeFloat64:
		x, err := d.u64("float64 value")
		return Value{t, math.Float64frombits(x)}, err
	case TypeString:
		s, err := d.str("string")
		return Value{t, s}, err
	case TypeArray:
		a, err := d.array(depth + 1)
		return Value{t, a}, err
	}
	return Value{}, d.fail("unknown metadata value type %d", uint32(t))
}

func (d *decoder) array(depth int) (*Array, error) {
	if depth > maxArrayDepth {
		return nil, d.fail("arrays nested deeper than %d", maxArrayDepth)
	}
	et, err := d.u32("array element type")
	if err != nil {
		return nil, err
	}
	elem := ValueType(et)
	minSize := elem.scalarSize()
	switch elem {
	case TypeString:
		minSize = 8
	case TypeArray:
		minSize = 12
	}
	if minSize == 0 {
		d.off -= 4
		return nil, d.fail("unknown array element type %d", et)
	}
	n, err := d.count("array length", "", minSize)
	if err != nil {
		return nil, err
	}
	a := &Array{ElemType: elem}
	if elem.scalarSize() > 0 {
		if a.Data, err = d.scalars(elem, n); err != nil {
			return nil, err
		}
		return a, nil
	}
	if elem == TypeString {
		ss, err := d.strings(n)
		if err != nil {
			return nil, err
		}
		a.Data = ss
		return a, nil
	}
	as := make([]*Array, 0, min(n, maxPrealloc))
	for range n {
		sub, err := d.array(depth + 1)
		if err != nil {
			return nil, err
		}
		as = append(as, sub)
	}
	a.Data = as
	return a, nil
}

// scalars decodes n fixed-width values of type t; the caller has checked that
// the bytes are there. Booleans must be 0 or 1, as in a scalar.
func (d *decoder) scalars(t ValueType, n int) (any, error) {
	b := d.buf[d.off : d.off+n*t.scalarSize()]
	if t == TypeBool {
		for i, x := range b {
			if x > 1 {
				d.off += i
				return nil, d.fail("bool array element %d is %d, neither 0 nor 1", i, x)
			}
		}
	}
	d.off += len(b)
	le := binary.LittleEndian
	switch t {
	case TypeUint8:
		return append([]uint8{}, b...), nil
	case TypeInt8:
		out := make([]int8, n)
		for i := range out {
			out[i] = int8(b[i])
		}
		return out, nil
	case TypeBool:
		out := make([]bool, n)
		for i := range out {
			out[i] = b[i] == 1
		}
		return out, nil
	case TypeUint16:
		out := make([]uint16, n)
		for i := range out {
			out[i] = le.Uint16(b[2*i:])
		}
		return out, nil
	case TypeInt16:
		out := make([]int16, n)
		for i := range out {
			out[i] = int16(le.Uint16(b[2*i:]))
		}
		return out, nil
	case TypeUint32:
		out := make([]uint32, n)
		for i := range out {
			out[i] = le.Uint32(b[4*i:])
		}
		return out, nil
	case TypeInt32:
		out := make([]int32, n)
		for i := range out {
			out[i] = int32(le.Uint32(b[4*i:]))
		}
		return out, nil
	case TypeFloat32:
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
		return out, nil
	case TypeUint64:
		out := make([]uint64, n)
		for i := range out {
			out[i] = le.Uint64(b[8*i:])
		}
		return out, nil
	case TypeInt64:
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(le.Uint64(b[8*i:]))
		}
		return out, nil
	case TypeFloat64:
		out := make([]float64, n)
		for i := range out {
			out[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
		return out, nil
	}
	return nil, fmt.Errorf("gguf: internal error: scalars of %s", t)
}

// strings decodes an array of n strings. A first pass validates the lengths;
// then all the strings are copied into one buffer and sliced from it, so a
// vocabulary of 150,000 tokens costs two allocations, not 150,000.
func (d *decoder) strings(n int) ([]string, error) {
	start, total := d.off, 0
	for range n {
		l, err := d.count("array string", " length", 1)
		if err != nil {
			return nil, err
		}
		d.off += l
		total += l
	}
	end := d.off
	d.off = start
	buf := make([]byte, 0, total)
	ss := make([]string, n)
	for i := range ss {
		l := int(binary.LittleEndian.Uint64(d.buf[d.off:]))
		d.off += 8
		buf = append(buf, d.buf[d.off:d.off+l]...)
		d.off += l
		ss[i] = unsafe.String(unsafe.SliceData(buf[len(buf)-l:]), l)
	}
	if d.off != end {
		panic("gguf: string array decoded inconsistently")
	}
	return ss, nil
}
