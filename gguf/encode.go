package gguf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
)

// encoder writes GGUF fields in little-endian order and counts the bytes it
// has written. The first write error sticks: later writes do nothing and err
// reports it.
type encoder struct {
	w   *bufio.Writer
	n   int64
	err error
	tmp [8]byte
}

func (e *encoder) bytes(b []byte) {
	if e.err != nil {
		return
	}
	var k int
	k, e.err = e.w.Write(b)
	e.n += int64(k)
}

func (e *encoder) u8(x uint8) { e.tmp[0] = x; e.bytes(e.tmp[:1]) }

func (e *encoder) u16(x uint16) {
	binary.LittleEndian.PutUint16(e.tmp[:], x)
	e.bytes(e.tmp[:2])
}

func (e *encoder) u32(x uint32) {
	binary.LittleEndian.PutUint32(e.tmp[:], x)
	e.bytes(e.tmp[:4])
}

func (e *encoder) u64(x uint64) {
	binary.LittleEndian.PutUint64(e.tmp[:], x)
	e.bytes(e.tmp[:8])
}

func (e *encoder) str(s string) {
	e.u64(uint64(len(s)))
	if e.err == nil {
		var k int
		k, e.err = e.w.WriteString(s)
		e.n += int64(k)
	}
}

// pad writes zero bytes up to the next multiple of align.
func (e *encoder) pad(align uint64) {
	var zeros [64]byte
	for n := alignUp(uint64(e.n), align) - uint64(e.n); n > 0; {
		k := min(n, uint64(len(zeros)))
		e.bytes(zeros[:k])
		n -= k
	}
}

// value writes v's type tag and payload; v must have passed checkValue.
func (e *encoder) value(v Value) {
	e.u32(uint32(v.Type))
	e.payload(v.v)
}

// payload writes a value without its type tag.
func (e *encoder) payload(x any) {
	switch x := x.(type) {
	case uint8:
		e.u8(x)
	case int8:
		e.u8(uint8(x))
	case bool:
		e.u8(boolByte(x))
	case uint16:
		e.u16(x)
	case int16:
		e.u16(uint16(x))
	case uint32:
		e.u32(x)
	case int32:
		e.u32(uint32(x))
	case float32:
		e.u32(math.Float32bits(x))
	case uint64:
		e.u64(x)
	case int64:
		e.u64(uint64(x))
	case float64:
		e.u64(math.Float64bits(x))
	case string:
		e.str(x)
	case *Array:
		e.array(x)
	}
}

func (e *encoder) array(a *Array) {
	e.u32(uint32(a.ElemType))
	e.u64(uint64(a.Len()))
	switch d := a.Data.(type) {
	case []uint8:
		e.bytes(d)
	case []string:
		for _, s := range d {
			e.str(s)
		}
	case []*Array:
		for _, sub := range d {
			e.array(sub)
		}
	default:
		// Fixed-width numbers and bools: binary.Write encodes them in
		// GGUF's layout (bools as one byte, 0 or 1).
		if e.err == nil {
			e.err = binary.Write(e.w, binary.LittleEndian, d)
			e.n += int64(a.Len() * a.ElemType.scalarSize())
		}
	}
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// checkValue reports whether v can be written: its tag matches the Go type it
// holds, and an array's element tag matches its slice type, recursively.
func checkValue(v Value) error {
	if got := goValueType(v.v); got != v.Type || got == typeInvalid {
		return fmt.Errorf("value tagged %s holds a %T", v.Type, v.v)
	}
	if a, ok := v.v.(*Array); ok {
		return checkArray(a, 1)
	}
	return nil
}

func checkArray(a *Array, depth int) error {
	if a == nil {
		return fmt.Errorf("nil array")
	}
	if depth > maxArrayDepth {
		return fmt.Errorf("arrays nested deeper than %d", maxArrayDepth)
	}
	if want := sliceElemType(a.Data); want != a.ElemType || want == typeInvalid {
		return fmt.Errorf("array of %s holds a %T", a.ElemType, a.Data)
	}
	if subs, ok := a.Data.([]*Array); ok {
		for i, sub := range subs {
			if err := checkArray(sub, depth+1); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
	}
	return nil
}

// typeInvalid marks a Go type that has no GGUF encoding.
const typeInvalid ValueType = math.MaxUint32

// goValueType returns the tag of a scalar Go value or *Array.
func goValueType(x any) ValueType {
	switch x.(type) {
	case uint8:
		return TypeUint8
	case int8:
		return TypeInt8
	case uint16:
		return TypeUint16
	case int16:
		return TypeInt16
	case uint32:
		return TypeUint32
	case int32:
		return TypeInt32
	case float32:
		return TypeFloat32
	case bool:
		return TypeBool
	case string:
		return TypeString
	case *Array:
		return TypeArray
	case uint64:
		return TypeUint64
	case int64:
		return TypeInt64
	case float64:
		return TypeFloat64
	}
	return typeInvalid
}

// sliceElemType returns the element tag of an array's Data slice.
func sliceElemType(d any) ValueType {
	switch d.(type) {
	case []uint8:
		return TypeUint8
	case []int8:
		return TypeInt8
	case []uint16:
		return TypeUint16
	case []int16:
		return TypeInt16
	case []uint32:
		return TypeUint32
	case []int32:
		return TypeInt32
	case []float32:
		return TypeFloat32
	case []bool:
		return TypeBool
	case []string:
		return TypeString
	case []*Array:
		return TypeArray
	case []uint64:
		return TypeUint64
	case []int64:
		return TypeInt64
	case []float64:
		return TypeFloat64
	}
	return typeInvalid
}
