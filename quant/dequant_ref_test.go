package quant_test

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/gollm/gollm/quant"
)

type zooEntry struct {
	Type       string  `json:"type"`
	Ne         []int   `json:"ne"`
	RowsOffset int     `json:"rows_offset_floats"`
	Rows       int     `json:"rows"`
	Sum        float64 `json:"sum"`
	SumSq      float64 `json:"sumsq"`
}

// TestDequantizeZoo checks every tensor of the zoo model (15 tensor types)
// against llama.cpp's own dequantized rows and whole-tensor sums.
func TestDequantizeZoo(t *testing.T) {
	shared := sharedDir(t)
	dir := filepath.Join(shared, "reference", "dequant")
	js, err := os.ReadFile(filepath.Join(dir, "tiny-llama-s3-zoo.json"))
	if err != nil {
		t.Skipf("dequant reference not available: %v", err)
	}
	var index map[string]zooEntry
	if err := json.Unmarshal(js, &index); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "tiny-llama-s3-zoo.rows.f32"))
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]float32, len(raw)/4)
	for i := range rows {
		rows[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	f := openModel(t, "tiny-llama-s3-zoo.gguf")

	names := make([]string, 0, len(index))
	for name := range index {
		names = append(names, name)
	}
	sort.Strings(names)
	seen := map[string]bool{}
	for _, name := range names {
		e := index[name]
		ti, ok := f.Tensor(name)
		if !ok {
			t.Errorf("%s: not in the model", name)
			continue
		}
		if ti.Type.String() != e.Type {
			t.Errorf("%s: type %s, reference says %s", name, ti.Type, e.Type)
			continue
		}
		seen[e.Type] = true
		got := tensorF32(t, f, ti)
		n := e.Ne[0] * e.Rows
		want := rows[e.RowsOffset : e.RowsOffset+n]
		exact := ti.Type == quant.F32 || ti.Type == quant.F16 || ti.Type == quant.BF16
		var worst float64
		mismatches := 0
		for i, w := range want {
			g := got[i]
			if exact {
				if math.Float32bits(g) != math.Float32bits(w) {
					mismatches++
				}
				continue
			}
			rel := math.Abs(float64(g)-float64(w)) / math.Max(math.Abs(float64(w)), 1e-30)
			if g == w {
				rel = 0
			}
			worst = max(worst, rel)
			if rel > 1e-6 {
				mismatches++
			}
		}
		var sum, sumsq float64
		for _, v := range got {
			sum += float64(v)
			sumsq += float64(v) * float64(v)
		}
		relSum := math.Abs(sum-e.Sum) / math.Max(math.Abs(e.Sum), 1e-12)
		relSq := math.Abs(sumsq-e.SumSq) / math.Max(math.Abs(e.SumSq), 1e-12)
		t.Logf("%-26s %-6s %d rows checked, %d mismatches, worst rel %.2g, sum rel %.2g, sumsq rel %.2g",
			name, e.Type, e.Rows, mismatches, worst, relSum, relSq)
		if mismatches > 0 {
			t.Errorf("%s (%s): %d of %d reference values differ (worst rel %g)", name, e.Type, mismatches, n, worst)
		}
		if relSum > 1e-5 || relSq > 1e-5 {
			t.Errorf("%s (%s): sum %v (want %v), sumsq %v (want %v)", name, e.Type, sum, e.Sum, sumsq, e.SumSq)
		}
	}
	t.Logf("types covered: %d", len(seen))
	if len(seen) != 15 {
		t.Errorf("expected 15 tensor types in the zoo, saw %d", len(seen))
	}
}
