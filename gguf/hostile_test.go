package gguf

import (
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/gollm/gollm/quant"
)

// parseErr parses b and returns the error, failing the test if there is
// none or if it lacks want.
func parseErr(t *testing.T, b []byte, want string) {
	t.Helper()
	f, err := Parse(b)
	if err == nil {
		t.Fatalf("parsed a hostile file: %d tensors, %d keys; want error containing %q", len(f.Tensors), len(f.Metadata), want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
}

func TestHostileMagicAndVersion(t *testing.T) {
	parseErr(t, []byte("GG"), "not a GGUF file")
	parseErr(t, []byte("GGML\x03\x00\x00\x00"), "magic")
	parseErr(t, newHeader(1, 0, 0).Bytes(), "version 1")
	parseErr(t, newHeader(4, 0, 0).Bytes(), "version 4")
	parseErr(t, newHeader(0x03000000, 0, 0).Bytes(), "big-endian")
	parseErr(t, []byte("GGUF\x03\x00"), "truncated")
}

func TestHostileCounts(t *testing.T) {
	parseErr(t, newHeader(3, math.MaxUint64, 0).Bytes(), "tensor count")
	parseErr(t, newHeader(3, 0, 1<<40).Bytes(), "metadata count")
	// A count just small enough for the int32 bound but far beyond the file.
	parseErr(t, newHeader(3, 0, math.MaxInt32).Bytes(), "larger than the rest of the file")
}

func TestHostileStrings(t *testing.T) {
	parseErr(t, append(newHeader(3, 0, 1).u64(math.MaxUint64).Bytes(), make([]byte, 16)...), "key of metadata entry 0 length")
	parseErr(t, newHeader(3, 0, 1).u64(100).Bytes(), "larger than the rest of the file")
	parseErr(t, newHeader(3, 0, 1).str("").u32(uint32(TypeUint8)).Bytes(), "empty key")
	h := newHeader(3, 0, 1).str("k").u32(uint32(TypeString)).u64(1 << 62)
	parseErr(t, h.Bytes(), "string length")
}

func TestHostileValueTypes(t *testing.T) {
	parseErr(t, newHeader(3, 0, 1).str("k").u32(13).u64(0).Bytes(), "unknown metadata value type 13")
	parseErr(t, newHeader(3, 0, 1).str("k").u32(uint32(TypeArray)).u32(99).u64(0).Bytes(), "unknown array element type 99")
	b := newHeader(3, 0, 1).str("k").u32(uint32(TypeBool)).Bytes()
	parseErr(t, append(b, 2), "neither 0 nor 1")
	b = newHeader(3, 0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeBool)).u64(2).Bytes()
	parseErr(t, append(b, 1, 7), "neither 0 nor 1")
}

func TestHostileArrays(t *testing.T) {
	arr := func(elem ValueType, n uint64) *header {
		return newHeader(3, 0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(elem)).u64(n)
	}
	parseErr(t, arr(TypeFloat64, 1<<61).Bytes(), "array length")
	parseErr(t, arr(TypeString, 1<<30).Bytes(), "array length")
	parseErr(t, arr(TypeArray, 1<<40).Bytes(), "array length")
	// Arrays nested past maxArrayDepth.
	h := newHeader(3, 0, 1).str("k").u32(uint32(TypeArray))
	for range maxArrayDepth + 2 {
		h.u32(uint32(TypeArray)).u64(1)
	}
	parseErr(t, h.Bytes(), "nested deeper")
}

// TestHugeCountsDoNotAllocate checks that counts the file cannot back are
// refused before anything is allocated for them.
func TestHugeCountsDoNotAllocate(t *testing.T) {
	arr := func(elem ValueType, n uint64) []byte {
		h := newHeader(3, 0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(elem)).u64(n)
		return append(h.Bytes(), make([]byte, 256)...)
	}
	inputs := [][]byte{
		append(newHeader(3, math.MaxInt32, math.MaxInt32).Bytes(), make([]byte, 256)...),
		append(newHeader(3, 0, 1).str("k").u32(uint32(TypeString)).u64(math.MaxInt32).Bytes(), make([]byte, 256)...),
		arr(TypeString, math.MaxInt32),
		arr(TypeArray, math.MaxInt32),
		arr(TypeUint64, math.MaxInt32),
		// Counts the file can just about back but whose entries are
		// invalid: allocation grows only with what actually decodes.
		append(newHeader(3, 256/24, 256/12).Bytes(), make([]byte, 256)...),
	}
	for i, b := range inputs {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Parse(b)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("input %d parsed", i)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
			t.Errorf("input %d (%d bytes): parsing allocated %d bytes", i, len(b), n)
		}
	}
}

func TestHostileDuplicates(t *testing.T) {
	h := newHeader(3, 0, 2)
	h.str("k").u32(uint32(TypeUint32)).u32(1)
	h.str("k").u32(uint32(TypeUint32)).u32(2)
	parseErr(t, h.Bytes(), `duplicate metadata key "k"`)
	h = newHeader(3, 2, 0).tensor("t", quant.F32, 0, 8).tensor("t", quant.F32, 32, 8)
	parseErr(t, h.data(64), `duplicate tensor name "t"`)
}

func TestHostileAlignment(t *testing.T) {
	h := newHeader(3, 0, 1).str("general.alignment").u32(uint32(TypeUint64)).u64(32)
	parseErr(t, h.Bytes(), "want uint32")
	h = newHeader(3, 0, 1).str("general.alignment").u32(uint32(TypeUint32)).u32(48)
	parseErr(t, h.Bytes(), "not a power of two")
	h = newHeader(3, 0, 1).str("general.alignment").u32(uint32(TypeUint32)).u32(0)
	parseErr(t, h.Bytes(), "not a power of two")
}

func TestHostileTensorInfos(t *testing.T) {
	cases := []struct {
		name string
		h    *header
		want string
	}{
		{"dims", newHeader(3, 1, 0).tensor("t", quant.F32, 0, 1, 1, 1, 1, 1), "5 dimensions"},
		{"dim over int64", newHeader(3, 1, 0).tensor("t", quant.F32, 0, 1<<63), "overflows"},
		{"dim over int64 beside zero", newHeader(3, 1, 0).tensor("t", quant.F32, 0, 0, 1<<63), "overflows"},
		{"rows overflow beside zero", newHeader(3, 1, 0).tensor("t", quant.F32, 0, 0, 1<<32, 1<<32), "overflows"},
		{"elements overflow", newHeader(3, 1, 0).tensor("t", quant.F32, 0, 1<<32, 1<<31), "overflows"},
		{"bytes overflow", newHeader(3, 1, 0).tensor("t", quant.F32, 0, 1<<62), "overflow"},
		{"type id", newHeader(3, 1, 0).tensor("t", quant.Type(4), 0, 8), "unsupported tensor type"},
		{"type id huge", newHeader(3, 1, 0).tensor("t", quant.Type(1<<31), 0, 8), "unsupported tensor type"},
		{"block size", newHeader(3, 1, 0).tensor("t", quant.Q4_0, 0, 33), "block size"},
		{"long name", newHeader(3, 1, 0).tensor(strings.Repeat("n", 64), quant.F32, 0, 1), "64 bytes long"},
		{"offset unaligned", newHeader(3, 1, 0).tensor("t", quant.F32, 4, 1), "not a multiple of the alignment"},
		{"offset past end", newHeader(3, 1, 0).tensor("t", quant.F32, 1<<40, 1), "past its end"},
		{"offset near max", newHeader(3, 1, 0).tensor("t", quant.F32, math.MaxUint64-31, 1), "past its end"},
		{"size past end", newHeader(3, 1, 0).tensor("t", quant.F32, 0, 1000), "past its end"},
		{"overlap", newHeader(3, 2, 0).tensor("a", quant.F32, 0, 16).tensor("b", quant.F32, 32, 8), "overlap"},
		{"overlap spanning", newHeader(3, 3, 0).tensor("a", quant.F32, 0, 32).tensor("z", quant.F32, 64, 0).tensor("c", quant.F32, 96, 1), `"a" and "c" overlap`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { parseErr(t, c.h.data(128), c.want) })
	}
}

func TestHostileDataSectionMissing(t *testing.T) {
	// Tensor infos, but the file ends before the aligned data section.
	h := newHeader(3, 1, 0).tensor("t", quant.F32, 0, 0)
	parseErr(t, h.Bytes(), "data section")
}

// TestTruncatedEverywhere cuts a small valid file at every byte: each prefix
// must give an error, never a panic, until only the zero padding after the
// last tensor is missing (which llama.cpp's loader accepts too).
func TestTruncatedEverywhere(t *testing.T) {
	b := smallFile(t)
	f, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	end := f.DataOffset
	for _, ti := range f.Tensors {
		end = max(end, f.DataOffset+int64(ti.Offset)+ti.Size)
	}
	if end == int64(len(b)) {
		t.Fatal("test file has no trailing padding")
	}
	for n := range len(b) {
		_, err := Parse(b[:n:n])
		if int64(n) < end && err == nil {
			t.Fatalf("prefix of %d of %d bytes parsed", n, len(b))
		}
		if int64(n) >= end && err != nil {
			t.Fatalf("prefix of %d bytes (data ends at %d): %v", n, end, err)
		}
	}
}

// TestOtherTypes checks sizes of GGML types that quant does not handle.
func TestOtherTypes(t *testing.T) {
	b := buildFile(t, nil, []testTensor{
		{"iq2", quant.Type(16), []uint64{512, 2}},
		{"mx", quant.Type(39), []uint64{64}},
		{"f64", quant.Type(28), []uint64{3}},
		{"nv", quant.Type(40), []uint64{64, 1, 3}},
	})
	f, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		name string
		size int64
	}{{"IQ2_XXS", 2 * 2 * 66}, {"MXFP4", 2 * 17}, {"F64", 24}, {"NVFP4", 3 * 36}} {
		ti := &f.Tensors[i]
		if TypeName(ti.Type) != want.name || ti.Size != want.size {
			t.Errorf("tensor %q: %s, %d bytes; want %s, %d", ti.Name, TypeName(ti.Type), ti.Size, want.name, want.size)
		}
	}
	parseErr(t, newHeader(3, 1, 0).tensor("t", quant.Type(16), 0, 255).data(512), "IQ2_XXS: row of 255 elements")
	for _, id := range []quant.Type{4, 5, 31, 36, 38, 1000} {
		parseErr(t, newHeader(3, 1, 0).tensor("t", id, 0, 256).data(512), "unsupported tensor type")
	}
}

func TestZeroSizedTensors(t *testing.T) {
	b := buildFile(t, nil, []testTensor{
		{"scalar", quant.F32, nil},
		{"empty", quant.F32, []uint64{0, 5}},
		{"emptyq", quant.Q4_K, []uint64{0}},
		{"after", quant.F16, []uint64{4}},
	})
	f, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name           string
		elements, rows int64
		size           int64
	}{
		{"scalar", 1, 1, 4},
		{"empty", 0, 5, 0},
		{"emptyq", 0, 1, 0},
		{"after", 4, 1, 8},
	} {
		ti, ok := f.Tensor(c.name)
		if !ok {
			t.Fatalf("tensor %q missing", c.name)
		}
		if ti.Elements() != c.elements || ti.Rows() != c.rows || ti.Size != c.size || int64(len(f.Data(ti))) != c.size {
			t.Errorf("%s: elements %d rows %d size %d, want %d %d %d", c.name, ti.Elements(), ti.Rows(), ti.Size, c.elements, c.rows, c.size)
		}
	}
}
