package gguf

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// ValueType is the type tag of a GGUF metadata value.
type ValueType uint32

// The GGUF metadata value types, numbered as in the file format.
const (
	TypeUint8   ValueType = 0
	TypeInt8    ValueType = 1
	TypeUint16  ValueType = 2
	TypeInt16   ValueType = 3
	TypeUint32  ValueType = 4
	TypeInt32   ValueType = 5
	TypeFloat32 ValueType = 6
	TypeBool    ValueType = 7
	TypeString  ValueType = 8
	TypeArray   ValueType = 9
	TypeUint64  ValueType = 10
	TypeInt64   ValueType = 11
	TypeFloat64 ValueType = 12
)

var valueTypeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"}

// String returns the GGUF name of the type ("uint32", "array", ...).
func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// scalarSize is the encoded size of fixed-width scalar types (0 for string
// and array).
func (t ValueType) scalarSize() int {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

// Value is one metadata value. Scalars hold the Go type matching their tag
// (uint8, int8, ..., float64, bool, string); arrays hold an *Array.
type Value struct {
	Type ValueType
	v    any
}

// Array is a metadata array: a typed Go slice ([]uint8 ... []float64,
// []bool, []string) or, for arrays of arrays, []*Array.
type Array struct {
	ElemType ValueType
	Data     any
}

// Len returns the number of elements of the array.
func (a *Array) Len() int {
	if v := reflect.ValueOf(a.Data); v.Kind() == reflect.Slice {
		return v.Len()
	}
	return 0
}

// NewValue wraps a Go value as a metadata value. It accepts the scalar types
// uint8 ... float64, bool, string, slices of them, []*Array and *Array.
func NewValue(x any) (Value, error) {
	if t := goValueType(x); t != typeInvalid {
		return Value{t, x}, nil
	}
	if t := sliceElemType(x); t != typeInvalid {
		return Value{TypeArray, &Array{t, x}}, nil
	}
	return Value{}, fmt.Errorf("gguf: cannot store a %T as metadata", x)
}

// MustValue is NewValue for values known to be valid; it panics otherwise.
func MustValue(x any) Value {
	v, err := NewValue(x)
	if err != nil {
		panic(err)
	}
	return v
}

// Any returns the underlying Go value (a scalar or an *Array).
func (v Value) Any() any { return v.v }

// Array returns the array held by v, or nil if v is not an array.
func (v Value) Array() *Array {
	a, _ := v.v.(*Array)
	return a
}

// Int returns v as an int64 when v is an integer of any width whose value
// fits.
func (v Value) Int() (int64, bool) {
	switch x := v.v.(type) {
	case uint8:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case int16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	}
	return 0, false
}

// Float returns v as a float64 when v is a float32 or float64.
func (v Value) Float() (float64, bool) {
	switch x := v.v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// String formats v for display: scalars as Go formats them, strings quoted,
// arrays as their element type and length with the first few elements.
func (v Value) String() string {
	switch x := v.v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case *Array:
		return x.summary(8)
	}
	return fmt.Sprint(v.v)
}

func (a *Array) summary(max int) string {
	n := a.Len()
	s := fmt.Sprintf("[%s × %d]", a.ElemType, n)
	if n == 0 {
		return s
	}
	if a.ElemType == TypeArray {
		return s + " …"
	}
	show := min(n, max)
	parts := make([]string, show)
	for i := range parts {
		if str, ok := a.At(i).(string); ok {
			parts[i] = strconv.Quote(str)
		} else {
			parts[i] = fmt.Sprint(a.At(i))
		}
	}
	s += " [" + strings.Join(parts, " ") + "]"
	if show < n {
		s += " …"
	}
	return s
}

// At returns element i of the array (a scalar, a string or an *Array). It
// panics if i is out of range, like indexing a slice.
func (a *Array) At(i int) any {
	return reflect.ValueOf(a.Data).Index(i).Interface()
}
