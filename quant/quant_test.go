package quant_test

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gollm/gollm/quant"
)

// allTypes are the types Dequantize handles, in id order.
var allTypes = []quant.Type{
	quant.F32, quant.F16, quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.Q8_0, quant.Q8_1,
	quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.Q8_K, quant.IQ4_NL, quant.IQ4_XS, quant.BF16,
}

// roundTripBound is the largest relative RMS error (RMS of the error over
// RMS of the input) accepted for Gaussian input, about 1.3x what each
// format achieves.
var roundTripBound = map[quant.Type]float64{
	quant.F32: 0, quant.F16: 3e-4, quant.BF16: 2.2e-3,
	quant.Q8_0: 7e-3, quant.Q8_1: 7e-3, quant.Q8_K: 9e-3,
	quant.Q6_K: 0.023, quant.Q5_0: 0.055, quant.Q5_1: 0.05, quant.Q5_K: 0.047,
	quant.Q4_0: 0.11, quant.Q4_1: 0.1, quant.Q4_K: 0.093, quant.IQ4_NL: 0.1, quant.IQ4_XS: 0.1,
	quant.Q3_K: 0.2, quant.Q2_K: 0.38,
}

func gaussian(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// roundTrip quantizes x to t and back.
func roundTrip(t *testing.T, ty quant.Type, x []float32) []float32 {
	t.Helper()
	buf := make([]byte, len(x)/ty.BlockSize()*ty.BlockBytes())
	if err := quant.Quantize(ty, x, buf); err != nil {
		t.Fatalf("%s: Quantize: %v", ty, err)
	}
	y := make([]float32, len(x))
	if err := quant.Dequantize(ty, buf, y); err != nil {
		t.Fatalf("%s: Dequantize: %v", ty, err)
	}
	return y
}

func relRMS(x, y []float32) float64 {
	var e, s float64
	for i := range x {
		d := float64(x[i]) - float64(y[i])
		e += d * d
		s += float64(x[i]) * float64(x[i])
	}
	if s == 0 {
		return math.Sqrt(e)
	}
	return math.Sqrt(e / s)
}

func TestRoundTripGaussian(t *testing.T) {
	x := gaussian(8192, 42)
	for _, ty := range allTypes {
		if !quant.CanQuantize(ty) {
			t.Errorf("%s: CanQuantize is false", ty)
			continue
		}
		y := roundTrip(t, ty, x)
		e := relRMS(x, y)
		t.Logf("%-6s relative RMS error %.3e (bound %.3g)", ty, e, roundTripBound[ty])
		if e > roundTripBound[ty] {
			t.Errorf("%s: relative RMS error %g above %g", ty, e, roundTripBound[ty])
		}
	}
}

// TestRoundTripEdges covers all-zero, constant, huge and tiny blocks: the
// result must be finite, zero stays exactly zero, and the error stays
// within the format's bound relative to the block's magnitude.
func TestRoundTripEdges(t *testing.T) {
	const n = 512
	cases := map[string]func(i int) float32{
		"zero":        func(int) float32 { return 0 },
		"negzero":     func(int) float32 { return float32(math.Copysign(0, -1)) },
		"constant":    func(int) float32 { return 0.75 },
		"negconstant": func(int) float32 { return -3 },
		"onehot":      func(i int) float32 { return float32(b2f(i%97 == 5)) * 2.5 },
		"huge":        func(i int) float32 { return float32(math.Sin(float64(i))) * 3e3 },
		"tiny":        func(i int) float32 { return float32(math.Sin(float64(i))) * 1e-30 },
		"mixed":       func(i int) float32 { return float32(math.Sin(float64(i))) * float32(math.Pow(10, float64(i%7-3))) },
	}
	for name, gen := range cases {
		x := make([]float32, n)
		var amax float64
		for i := range x {
			x[i] = gen(i)
			amax = max(amax, math.Abs(float64(x[i])))
		}
		for _, ty := range allTypes {
			y := roundTrip(t, ty, x)
			var worst float64
			for i := range y {
				if math.IsNaN(float64(y[i])) || math.IsInf(float64(y[i]), 0) {
					t.Fatalf("%s/%s: element %d is %v", name, ty, i, y[i])
				}
				if amax == 0 && y[i] != 0 {
					t.Fatalf("%s/%s: zero element %d became %v", name, ty, i, y[i])
				}
				worst = max(worst, math.Abs(float64(y[i])-float64(x[i])))
			}
			// Absolute error is bounded by the block's magnitude times a
			// generous per-format factor (tiny values may flush to zero).
			limit := amax * max(4*roundTripBound[ty], 1e-7)
			if name == "tiny" || name == "mixed" {
				limit = amax // f16 scales cannot hold 1e-30; flushing to 0 is fine
			}
			if worst > limit {
				t.Errorf("%s/%s: worst error %g above %g", name, ty, worst, limit)
			}
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestConstantBlocksExact: a constant block is represented exactly (up to
// f16 rounding of the scale) by the symmetric formats.
func TestConstantBlocksExact(t *testing.T) {
	x := make([]float32, 256)
	for i := range x {
		x[i] = -0.5 // -0.5 = max/-8 * -8 exactly, with d a power of two
	}
	for _, ty := range []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q4_0, quant.Q5_0, quant.Q8_0, quant.Q8_K, quant.Q6_K, quant.Q4_1, quant.Q5_1} {
		y := roundTrip(t, ty, x)
		for i := range y {
			if math.Abs(float64(y[i]-x[i])) > 1e-3 {
				t.Errorf("%s: element %d = %v, want %v", ty, i, y[i], x[i])
				break
			}
		}
	}
}

func TestIQ4NLZeroBlock(t *testing.T) {
	buf := make([]byte, 18)
	if err := quant.Quantize(quant.IQ4_NL, make([]float32, 32), buf); err != nil {
		t.Fatal(err)
	}
	// ggml stores d = 0 and the level nearest zero (index 8) everywhere.
	for i, b := range buf[2:] {
		if b != 0x88 {
			t.Fatalf("qs[%d] = %#x, want 0x88", i, b)
		}
	}
	if buf[0] != 0 || buf[1] != 0 {
		t.Fatalf("d = %x, want 0", buf[:2])
	}
}

func TestQuantizeQ8K(t *testing.T) {
	x := gaussian(512, 7)
	x[3] = 10 // positive largest magnitude: d must come out negative
	x[256+9] = -8
	dst := make([]byte, 2*292)
	quant.QuantizeQ8K(x, dst)
	for blk := 0; blk < 2; blk++ {
		b := dst[blk*292:]
		d := math.Float32frombits(binary.LittleEndian.Uint32(b))
		qs := b[4:260]
		if blk == 0 {
			if d >= 0 || int8(qs[3]) != -127 {
				t.Errorf("block 0: d = %v, q[3] = %d; want d < 0 and q = -127", d, int8(qs[3]))
			}
		} else if d <= 0 || int8(qs[9]) != -127 {
			t.Errorf("block 1: d = %v, q[9] = %d; want d > 0 and q = -127", d, int8(qs[9]))
		}
		for j := 0; j < 16; j++ {
			sum := 0
			for _, q := range qs[16*j : 16*j+16] {
				sum += int(int8(q))
			}
			if got := int16(binary.LittleEndian.Uint16(b[260+2*j:])); int(got) != sum {
				t.Errorf("block %d bsums[%d] = %d, want %d", blk, j, got, sum)
			}
		}
		for j, q := range qs {
			v := d * float32(int8(q))
			if e := math.Abs(float64(v - x[256*blk+j])); e > math.Abs(float64(d))/2*1.0001 {
				t.Errorf("block %d elem %d: %v vs %v", blk, j, v, x[256*blk+j])
				break
			}
		}
	}
	// All-zero block: d = 0, every quant and sum 0.
	zero := make([]byte, 292)
	for i := range zero {
		zero[i] = 0xAA
	}
	quant.QuantizeQ8K(make([]float32, 256), zero)
	for i, b := range zero {
		if b != 0 {
			t.Fatalf("zero block byte %d = %#x", i, b)
		}
	}
}

func TestQuantizeQ8_1(t *testing.T) {
	x := gaussian(64, 9)
	dst := make([]byte, 72)
	quant.QuantizeQ8_1(x, dst)
	q80 := make([]byte, 68)
	quant.QuantizeQ8_0(x, q80)
	for blk := 0; blk < 2; blk++ {
		b := dst[36*blk:]
		c := q80[34*blk:]
		if string(b[0:2]) != string(c[0:2]) || string(b[4:36]) != string(c[2:34]) {
			t.Errorf("block %d: Q8_1 d/qs differ from Q8_0's", blk)
		}
		var amax float32
		for _, v := range x[32*blk : 32*blk+32] {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		d := amax / 127 // s uses the unrounded d
		sum := 0
		for _, q := range b[4:36] {
			sum += int(int8(q))
		}
		if got, want := binary.LittleEndian.Uint16(b[2:]), quant.F32ToF16(float32(sum)*d); got != want {
			t.Errorf("block %d: s = %#x, want %#x (d*sum)", blk, got, want)
		}
	}
}

func TestActivationPanicsOnBadSizes(t *testing.T) {
	for name, f := range map[string]func(){
		"Q8_0": func() { quant.QuantizeQ8_0(make([]float32, 32), make([]byte, 33)) },
		"Q8_1": func() { quant.QuantizeQ8_1(make([]float32, 31), make([]byte, 36)) },
		"Q8_K": func() { quant.QuantizeQ8K(make([]float32, 256), make([]byte, 291)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestDequantizeErrors(t *testing.T) {
	cases := []struct {
		name string
		ty   quant.Type
		src  int
		dst  int
		want string
	}{
		{"unknown type", quant.Type(99), 18, 32, "unknown"},
		{"retired type", quant.Type(4), 18, 32, "unknown"},
		{"not whole blocks", quant.Q4_0, 18, 33, "multiple"},
		{"short src", quant.Q4_K, 143, 256, "bytes"},
		{"long src", quant.Q8_0, 35, 32, "bytes"},
		{"f32 short", quant.F32, 7, 2, "bytes"},
	}
	for _, c := range cases {
		err := quant.Dequantize(c.ty, make([]byte, c.src), make([]float32, c.dst))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Dequantize %s: err = %v, want one mentioning %q", c.name, err, c.want)
		}
		err = quant.Quantize(c.ty, make([]float32, c.dst), make([]byte, c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Quantize %s: err = %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	if quant.CanQuantize(quant.Type(99)) {
		t.Error("CanQuantize(99) is true")
	}
	// Empty input is fine.
	if err := quant.Dequantize(quant.Q4_K, nil, nil); err != nil {
		t.Errorf("empty Q4_K: %v", err)
	}
}

func BenchmarkDequantize(b *testing.B) {
	const n = 1 << 16
	x := gaussian(n, 1)
	y := make([]float32, n)
	for _, ty := range allTypes {
		buf := make([]byte, n/ty.BlockSize()*ty.BlockBytes())
		if err := quant.Quantize(ty, x, buf); err != nil {
			b.Fatal(err)
		}
		b.Run(ty.String(), func(b *testing.B) {
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				quant.Dequantize(ty, buf, y)
			}
		})
	}
}

func BenchmarkQuantize(b *testing.B) {
	const n = 1 << 14
	x := gaussian(n, 1)
	for _, ty := range allTypes {
		buf := make([]byte, n/ty.BlockSize()*ty.BlockBytes())
		b.Run(ty.String(), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				quant.Quantize(ty, x, buf)
			}
		})
	}
}
