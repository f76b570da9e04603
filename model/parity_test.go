package model

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testref"
)

func readInts(t testing.TB, path string) (ids []int32, extra []float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		id, err := strconv.Atoi(fields[0])
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		ids = append(ids, int32(id))
		if len(fields) > 1 {
			x, err := strconv.ParseFloat(fields[1], 64)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			extra = append(extra, x)
		}
	}
	return ids, extra
}

func readF32(t testing.TB, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// topTwo returns the best index of row and its margin over the second best.
func topTwo(row []float32) (int, float64) {
	best, second := 0, -1
	for i := 1; i < len(row); i++ {
		switch {
		case row[i] > row[best]:
			second, best = best, i
		case second < 0 || row[i] > row[second]:
			second = i
		}
	}
	return best, float64(row[best] - row[second])
}

// relRMS is sqrt(sum((got-ref)^2) / sum(ref^2)).
func relRMS(got, ref []float32) float64 {
	var num, den float64
	for i := range ref {
		d := float64(got[i]) - float64(ref[i])
		num += d * d
		den += float64(ref[i]) * float64(ref[i])
	}
	return math.Sqrt(num / den)
}

// parityBounds are the reference README's bounds.
type parityBounds struct {
	maxRelRMS float64
	margin    float64
}

func boundsFor(name string) parityBounds {
	if strings.HasSuffix(name, "-f32") || strings.HasSuffix(name, "-f16") {
		return parityBounds{5e-3, 0.05}
	}
	return parityBounds{5e-2, 0.5}
}

// TestParity checks every reference model against llama.cpp's logits and
// greedy tokens, at 1 and 2 threads and with F32 and F16 KV caches.
func TestParity(t *testing.T) {
	ref := testref.Dir(t)
	models, _ := filepath.Glob(filepath.Join(ref, "models", "*.gguf"))
	if len(models) == 0 {
		t.Skip("no reference models")
	}
	for _, path := range models {
		name := strings.TrimSuffix(filepath.Base(path), ".gguf")
		t.Run(name, func(t *testing.T) {
			m, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			for _, threads := range []int{1, 2} {
				for _, kv := range []KVType{KVF32, KVF16} {
					t.Run(fmt.Sprintf("threads=%d/kv=%s", threads, kvName(kv)), func(t *testing.T) {
						checkParity(t, m, filepath.Join(ref, "logits", name), boundsFor(name), threads, kv)
					})
				}
			}
		})
	}
}

func kvName(k KVType) string {
	if k == KVF32 {
		return "f32"
	}
	return "f16"
}

func checkParity(t *testing.T, m *Model, base string, b parityBounds, threads int, kv KVType) {
	tokens, _ := readInts(t, base+".tokens")
	refLogits := readF32(t, base+".logits")
	gen, genMargins := readInts(t, base+".gen")
	nv := m.Config.NVocab
	if len(refLogits) != len(tokens)*nv {
		t.Fatalf("reference logits hold %d floats, want %d x %d", len(refLogits), len(tokens), nv)
	}
	s, err := m.NewSession(SessionOptions{ContextSize: 512, Threads: threads, KVType: kv})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := make([]float32, len(tokens)*nv)
	if err := s.PrefillLogits(tokens, got); err != nil {
		t.Fatal(err)
	}
	worst, agree, counted := 0.0, 0, 0
	for i := range tokens {
		g, r := got[i*nv:(i+1)*nv], refLogits[i*nv:(i+1)*nv]
		worst = max(worst, relRMS(g, r))
		rb, margin := topTwo(r)
		if margin >= b.margin {
			counted++
			if gb, _ := topTwo(g); gb == rb {
				agree++
			}
		}
	}
	if worst > b.maxRelRMS {
		t.Errorf("worst-row relative RMS error %.3g exceeds %.3g", worst, b.maxRelRMS)
	}
	if counted > 0 && float64(agree) < 0.95*float64(counted) {
		t.Errorf("top-1 agrees at %d of %d confident positions (< 95%%)", agree, counted)
	}
	// Greedy continuation through the decode path, fed the reference's
	// tokens so that every step sees the reference's context. Steps before
	// the first low-margin one must agree; agreement after it is reported.
	logits := got[(len(tokens)-1)*nv:]
	matched, confident, lowSeen := 0, 0, false
	for step, want := range gen {
		next, _ := topTwo(logits)
		if genMargins[step] < b.margin {
			lowSeen = true
		} else {
			confident++
			if int32(next) == want {
				matched++
			} else if !lowSeen {
				t.Errorf("greedy step %d: got token %d, want %d (reference margin %.3f)", step, next, want, genMargins[step])
			}
		}
		if logits, err = s.Decode(want); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%s: worst-row rel RMS %.3g, top-1 %d/%d, greedy %d/%d confident steps agree", t.Name(), worst, agree, counted, matched, confident)
}
