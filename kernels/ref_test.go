package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gollm/gollm/quant"
)

// dequantTest dequantizes one row of n elements with the unpack functions
// the generic kernels use, in ggml's dequantize_row_* float order.
func dequantTest(t quant.Type, row []byte, n int) []float32 {
	out := make([]float32, n)
	switch t {
	case quant.F32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(row[4*i:]))
		}
		return out
	case quant.F16:
		for i := range out {
			out[i] = quant.F16ToF32(binary.LittleEndian.Uint16(row[2*i:]))
		}
		return out
	case quant.BF16:
		for i := range out {
			out[i] = quant.BF16ToF32(binary.LittleEndian.Uint16(row[2*i:]))
		}
		return out
	}
	bb := t.BlockBytes()
	if ActType(t) == quant.Q8_0 {
		var v [32]int8
		for i := range n / 32 {
			d, m := unpack32(t, row[i*bb:], &v)
			for j := range 32 {
				out[32*i+j] = float32(v[j])*d + m
			}
		}
		return out
	}
	var k kblock
	for i := range n / 256 {
		unpackK(t, row[i*bb:(i+1)*bb], &k)
		for e := range 256 {
			g := e / 16
			dl := k.d * float32(k.sc[g])
			ml := k.dmin * float32(k.mn[g])
			out[256*i+e] = dl*float32(k.v[e]) - ml
		}
	}
	return out
}

// dequantAct dequantizes a Q8_0 or Q8_K activation of n elements.
func dequantAct(at quant.Type, q []byte, n int) []float32 {
	out := make([]float32, n)
	if at == quant.Q8_0 {
		for i := range n / 32 {
			d := f16(q[34*i:])
			for j := range 32 {
				out[32*i+j] = d * float32(int8(q[34*i+2+j]))
			}
		}
		return out
	}
	for i := range n / 256 {
		d := f32le(q[292*i:])
		for j := range 256 {
			out[256*i+j] = d * float32(int8(q[292*i+4+j]))
		}
	}
	return out
}

const zooPath = "../../shared/reference/models/tiny-llama-s3-zoo.gguf"
const zooRows = "../../shared/reference/dequant/tiny-llama-s3-zoo.rows.f32"
const zooJSON = "../../shared/reference/dequant/tiny-llama-s3-zoo.json"

// TestUnpackMatchesLlamaCpp checks the block decoders against llama.cpp's
// dequantization of the first rows of every tensor of the zoo model.
func TestUnpackMatchesLlamaCpp(t *testing.T) {
	rowsRaw, err := os.ReadFile(zooRows)
	if err != nil {
		t.Skipf("reference data absent: %v", err)
	}
	meta := readZooJSON(t)
	f, err := readGGUF(zooPath)
	if err != nil {
		t.Skipf("zoo model absent: %v", err)
	}
	seen := map[quant.Type]bool{}
	for name, m := range meta {
		ti, ok := f.tensors[name]
		if !ok {
			t.Fatalf("%s: not in the model", name)
		}
		n := int(ti.dims[0])
		rb := n / ti.typ.BlockSize() * ti.typ.BlockBytes()
		data := f.rows(ti, m.Rows)
		if m.Type != ti.typ.String() {
			t.Fatalf("%s: type %v, reference says %s", name, ti.typ, m.Type)
		}
		for r := range m.Rows {
			got := dequantTest(ti.typ, data[r*rb:(r+1)*rb], n)
			for i, g := range got {
				off := 4 * (m.Offset + r*n + i)
				want := math.Float32frombits(binary.LittleEndian.Uint32(rowsRaw[off:]))
				if d := math.Abs(float64(g - want)); d > 1e-6*math.Abs(float64(want))+1e-30 {
					t.Fatalf("%s (%v) row %d elem %d: got %g want %g", name, ti.typ, r, i, g, want)
				}
			}
		}
		seen[ti.typ] = true
	}
	for _, ty := range []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.Q8_0,
		quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.IQ4_NL, quant.IQ4_XS} {
		if !seen[ty] {
			t.Errorf("type %v not covered by the zoo", ty)
		}
	}
}

// TestUnpackMatchesDequantize checks the block decoders against
// quant.Dequantize on random blocks of every type.
func TestUnpackMatchesDequantize(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, ty := range allTypes {
		for _, mode := range []fillMode{fillRandom, fillExtreme, fillUnit} {
			n := 8 * 256
			b := make([]byte, n/ty.BlockSize()*ty.BlockBytes())
			fillWeights(ty, b, rng, mode)
			want := make([]float32, n)
			if err := quant.Dequantize(ty, b, want); err != nil {
				t.Fatal(err)
			}
			got := dequantTest(ty, b, n)
			for i := range want {
				if !sameFloat(got[i], want[i], 1e-6*math.Abs(float64(want[i]))) {
					t.Fatalf("%v %v elem %d: got %g, quant.Dequantize %g", ty, mode, i, got[i], want[i])
				}
			}
		}
	}
}
