package gguf

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// allValues holds one entry per metadata value type, at the edges of its
// range, plus arrays of every element type and arrays of arrays.
func allValues() []KeyValue {
	nested := &Array{TypeArray, []*Array{
		{TypeInt32, []int32{1, -2}},
		{TypeString, []string{"x"}},
		{TypeArray, []*Array{{TypeBool, []bool{true}}}},
		{TypeUint8, []uint8{}},
	}}
	return []KeyValue{
		{"u8", MustValue(uint8(math.MaxUint8))},
		{"i8", MustValue(int8(math.MinInt8))},
		{"u16", MustValue(uint16(math.MaxUint16))},
		{"i16", MustValue(int16(math.MinInt16))},
		{"u32", MustValue(uint32(math.MaxUint32))},
		{"i32", MustValue(int32(math.MinInt32))},
		{"u64", MustValue(uint64(math.MaxUint64))},
		{"i64", MustValue(int64(math.MinInt64))},
		{"f32", MustValue(float32(-1.5e-39))}, // a subnormal
		{"f64", MustValue(math.Inf(-1))},
		{"bool.t", MustValue(true)},
		{"bool.f", MustValue(false)},
		{"str", MustValue("héllo\x00world")},
		{"str.empty", MustValue("")},
		{"a.u8", MustValue([]uint8{0, 255})},
		{"a.i8", MustValue([]int8{-128, 127})},
		{"a.u16", MustValue([]uint16{1, 65535})},
		{"a.i16", MustValue([]int16{-32768, 5})},
		{"a.u32", MustValue([]uint32{7, math.MaxUint32})},
		{"a.i32", MustValue([]int32{-1, math.MaxInt32})},
		{"a.u64", MustValue([]uint64{math.MaxUint64})},
		{"a.i64", MustValue([]int64{math.MinInt64, 0})},
		{"a.f32", MustValue([]float32{1, float32(math.Inf(1))})},
		{"a.f64", MustValue([]float64{math.SmallestNonzeroFloat64})},
		{"a.bool", MustValue([]bool{true, false, true})},
		{"a.str", MustValue([]string{"", "b", "ccc"})},
		{"a.empty", MustValue([]string{})},
		{"a.nested", MustValue(nested)},
	}
}

func TestValuesRoundTrip(t *testing.T) {
	want := allValues()
	f, err := Parse(buildFile(t, want, nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Metadata) != len(want) {
		t.Fatalf("got %d entries, want %d", len(f.Metadata), len(want))
	}
	for i, kv := range want {
		got := f.Metadata[i]
		if got.Key != kv.Key || got.Value.Type != kv.Value.Type || !reflect.DeepEqual(got.Value.Any(), kv.Value.Any()) {
			t.Errorf("entry %d: got %s=%v (%s), want %s=%v (%s)", i, got.Key, got.Value, got.Value.Type, kv.Key, kv.Value, kv.Value.Type)
		}
	}
}

func TestAccessors(t *testing.T) {
	f, err := Parse(buildFile(t, allValues(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.Int("i8"); err != nil || n != math.MinInt8 {
		t.Errorf("Int(i8) = %d, %v", n, err)
	}
	if n, err := f.Int("u32"); err != nil || n != math.MaxUint32 {
		t.Errorf("Int(u32) = %d, %v", n, err)
	}
	if x, err := f.Float("f64"); err != nil || !math.IsInf(x, -1) {
		t.Errorf("Float(f64) = %v, %v", x, err)
	}
	if b, err := f.Bool("bool.t"); err != nil || !b {
		t.Errorf("Bool = %v, %v", b, err)
	}
	if s, err := f.String("str"); err != nil || s != "héllo\x00world" {
		t.Errorf("String = %q, %v", s, err)
	}
	if ss, err := f.Strings("a.str"); err != nil || len(ss) != 3 {
		t.Errorf("Strings = %q, %v", ss, err)
	}
	if xs, err := f.Int32s("a.i32"); err != nil || len(xs) != 2 {
		t.Errorf("Int32s = %v, %v", xs, err)
	}
	if xs, err := f.Float32s("a.f32"); err != nil || len(xs) != 2 {
		t.Errorf("Float32s = %v, %v", xs, err)
	}

	// Errors name the key and the type found.
	for _, c := range []struct {
		err   error
		parts []string
	}{
		{errOf(f.Int("u64")), []string{`"u64"`, "integer"}}, // MaxUint64 does not fit
		{errOf(f.Int("str")), []string{`"str"`, "want integer", "found string"}},
		{errOf(f.String("u8")), []string{`"u8"`, "found uint8"}},
		{errOf(f.Float("i32")), []string{`"i32"`, "found int32"}},
		{errOf(f.Bool("a.bool")), []string{`"a.bool"`, "found array of bool"}},
		{errOf(f.Strings("a.i8")), []string{`"a.i8"`, "want array of string", "found array of int8"}},
		{errOf(f.Float32s("f32")), []string{`"f32"`, "found float32"}},
		{errOf(f.Int32s("a.nested")), []string{`"a.nested"`, "found array of array"}},
	} {
		if c.err == nil {
			t.Errorf("want an error containing %q", c.parts)
			continue
		}
		for _, p := range c.parts {
			if !strings.Contains(c.err.Error(), p) {
				t.Errorf("error %q does not contain %q", c.err, p)
			}
		}
	}
	_, err = f.String("missing.key")
	if !errors.Is(err, ErrKeyNotFound) || !strings.Contains(err.Error(), `"missing.key"`) {
		t.Errorf("missing key: %v", err)
	}
}

func errOf[T any](_ T, err error) error { return err }

func TestNewValueRejects(t *testing.T) {
	for _, x := range []any{1, uint(1), []int{1}, nil, map[string]int{}} {
		if _, err := NewValue(x); err == nil {
			t.Errorf("NewValue(%T) succeeded", x)
		}
	}
}

func TestValueString(t *testing.T) {
	long := make([]int32, 100)
	for _, c := range []struct {
		v    Value
		want string
	}{
		{MustValue("a\"b"), `"a\"b"`},
		{MustValue(uint32(7)), "7"},
		{MustValue(long), "[int32 × 100] [0 0 0 0 0 0 0 0] …"},
		{MustValue([]string{"x"}), `[string × 1] ["x"]`},
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}
