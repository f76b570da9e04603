package quant_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/quant"
)

// testdata/ggml_ref_sha256.txt holds the SHA-256 of the bytes that ggml's
// own reference quantizers (ggml-quants.c at ggml commit d99724f:
// quantize_row_*_ref, quantize_iq4_nl and quantize_iq4_xs without an
// importance matrix, built with -O2 -ffp-contract=off) produce for the
// inputs of refInputs, and of ggml's dequantize_row_* for the random blocks
// of randomBlocks. Each line is "input type sha256". The test requires
// Quantize to reproduce every one of them; this covers the types no
// llama.cpp model file in ../shared lets us check byte for byte (Q4_1, Q5_1,
// Q2_K, Q3_K, Q5_K, IQ4_NL, IQ4_XS, Q8_1, Q8_K).

// refTypes are the types checked against ggml's hashes.
var refTypes = []quant.Type{
	quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.Q8_0, quant.Q8_1,
	quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.Q8_K,
	quant.IQ4_NL, quant.IQ4_XS,
}

type refInput struct {
	name   string
	x      []float32
	rowLen int
}

// syntheticInput is 64 super-blocks of Gaussian values with edge cases: an
// all-zero super-block, a constant one, one of tiny values, one of huge
// values, scattered outliers and an all-zero 32-block.
func syntheticInput() []float32 {
	x := gaussian(256*64, 3)
	for i := 0; i < 256; i++ {
		x[i] = 0
		x[256+i] = 0.3
		x[512+i] = -1e-20 * float32(i%5)
		x[768+i] = float32(i%3) * 1e4
	}
	for i := 1024; i < len(x); i += 37 {
		x[i] *= 20
	}
	for i := 2048; i < 2048+32; i++ {
		x[i] = 0
	}
	return x
}

// refInputs returns the synthetic input and, unless -short or when
// ../shared is absent, a few tensors of tiny-qwen2-s1-f32.gguf.
func refInputs(t *testing.T) []refInput {
	ins := []refInput{{"synthetic", syntheticInput(), 256}}
	if testing.Short() {
		return ins
	}
	if _, ok := testref.Find(); !ok {
		t.Log("../shared absent: checking the synthetic input only")
		return ins
	}
	f := openModel(t, "tiny-qwen2-s1-f32.gguf")
	for _, name := range []string{"blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight", "blk.0.attn_output.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_down.weight"} {
		ti, ok := f.Tensor(name)
		if !ok {
			t.Fatalf("%s missing", name)
		}
		ins = append(ins, refInput{name, tensorF32(t, f, ti), int(ti.Dims[0])})
	}
	return ins
}

// readRefHashes reads testdata/ggml_ref_sha256.txt into "input type" ->
// hash.
func readRefHashes(t *testing.T) map[string]string {
	t.Helper()
	file, err := os.Open("testdata/ggml_ref_sha256.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 && !strings.HasPrefix(f[0], "#") {
			want[f[0]+" "+f[1]] = f[2]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return want
}

func TestQuantizeMatchesGGMLReference(t *testing.T) {
	want := readRefHashes(t)
	checked := map[quant.Type]int{}
	for _, in := range refInputs(t) {
		for _, ty := range refTypes {
			if in.rowLen%ty.BlockSize() != 0 {
				continue
			}
			key := in.name + " " + ty.String()
			h, ok := want[key]
			if !ok {
				t.Errorf("%s: no reference hash", key)
				continue
			}
			got := make([]byte, len(in.x)/ty.BlockSize()*ty.BlockBytes())
			if err := quant.Quantize(ty, in.x, got); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%x", sha256.Sum256(got)) != h {
				t.Errorf("%s: bytes differ from ggml's reference quantizer", key)
				continue
			}
			checked[ty]++
		}
	}
	var parts []string
	for _, ty := range refTypes {
		parts = append(parts, fmt.Sprintf("%s:%d", ty, checked[ty]))
	}
	t.Logf("inputs byte-identical to ggml's reference quantizers, per type: %s", strings.Join(parts, " "))
}

// dequantRefTypes are the block types whose dequantization of random bytes
// is checked against ggml's dequantize_row_* (hashes in the same file).
var dequantRefTypes = []quant.Type{
	quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.Q8_0,
	quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.Q8_K,
	quant.IQ4_NL, quant.IQ4_XS,
}

// randomBlocks returns 512 blocks of type t filled with pseudo-random bytes:
// every scale bit pattern (including f16 infinities and NaNs) and every
// packing of the quants occurs.
func randomBlocks(t quant.Type) []byte {
	r := rand.New(rand.NewPCG(uint64(t), 2))
	src := make([]byte, 512*t.BlockBytes())
	for i := range src {
		src[i] = byte(r.Uint32())
	}
	return src
}

// TestDequantizeMatchesGGMLReference dequantizes random blocks and requires
// the float32 bits (NaN payloads included) ggml's dequantize_row_* gives.
func TestDequantizeMatchesGGMLReference(t *testing.T) {
	want := readRefHashes(t)
	for _, ty := range dequantRefTypes {
		src := randomBlocks(ty)
		out := make([]float32, len(src)/ty.BlockBytes()*ty.BlockSize())
		if err := quant.Dequantize(ty, src, out); err != nil {
			t.Fatal(err)
		}
		raw := make([]byte, 4*len(out))
		for i, v := range out {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		key := "dequantize-random-blocks " + ty.String()
		if h, ok := want[key]; !ok {
			t.Errorf("%s: no reference hash", key)
		} else if fmt.Sprintf("%x", sha256.Sum256(raw)) != h {
			t.Errorf("%s: values differ from ggml's dequantize_row_*", key)
		}
	}
	t.Logf("%d types: 512 random blocks each dequantize bit-identically to ggml", len(dequantRefTypes))
}
