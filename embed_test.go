package gollm_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/testref"
)

// embedText is the text of ../shared/reference/embeddings.
const embedText = "The quick brown fox jumps over the lazy dog."

// TestEmbeddingsMatchLlamaCpp compares mean and last pooling with
// llama-embedding's vectors: relative L2 distance at most 1e-3 for the F32
// model, 3e-2 for quantized ones (the reference README's bounds). The
// prompt must tokenize as llama.cpp tokenized it.
func TestEmbeddingsMatchLlamaCpp(t *testing.T) {
	dir := testref.Dir(t, "embeddings")
	files, _ := filepath.Glob(filepath.Join(dir, "*.tokens"))
	if len(files) == 0 {
		t.Skip("no reference embeddings")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".tokens")
		t.Run(name, func(t *testing.T) {
			m, err := gollm.Load(testref.Model(t, name), gollm.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			var want []int32
			readJSON(t, f, &want)
			if got := m.Tokenize(embedText, true); !slices.Equal(got, want) {
				t.Fatalf("tokens %v, llama.cpp %v", got, want)
			}
			bound := 3e-2
			if strings.HasSuffix(name, "-f32") {
				bound = 1e-3
			}
			for _, p := range []gollm.Pooling{gollm.PoolingMean, gollm.PoolingLast} {
				var ref struct {
					Data []struct{ Embedding []float64 }
				}
				readJSON(t, filepath.Join(dir, name+"."+string(p)+".json"), &ref)
				got, err := m.EmbedTokens(context.Background(), [][]int32{want}, gollm.EmbedOptions{Pooling: p})
				if err != nil {
					t.Fatal(err)
				}
				if d := relDist(got[0], ref.Data[0].Embedding); d > bound {
					t.Errorf("%s pooling: relative L2 distance %.2e > %.0e", p, d, bound)
				} else {
					t.Logf("%s pooling: relative L2 distance %.2e", p, d)
				}
			}
		})
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// relDist is |a-b| / |b|.
func relDist(a []float32, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range a {
		num += (float64(a[i]) - b[i]) * (float64(a[i]) - b[i])
		den += b[i] * b[i]
	}
	return math.Sqrt(num / den)
}

// TestEmbeddingsSameAcrossCallsAndBatches embeds texts alone and in batches
// of different makeup: every vector is bit-identical, unit length, and
// different texts differ.
func TestEmbeddingsSameAcrossCallsAndBatches(t *testing.T) {
	m := loadTiny(t, "llama", "Q4_0")
	texts := []string{"a short one", embedText, "a third text, somewhat longer than the first two, to span more tokens", "x"}
	all, err := m.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		alone, err := m.Embed(context.Background(), []string{text})
		if err != nil {
			t.Fatal(err)
		}
		mixed, err := m.Embed(context.Background(), []string{texts[(i+1)%len(texts)], text, text})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(alone[0], all[i]) || !slices.Equal(mixed[1], all[i]) || !slices.Equal(mixed[2], all[i]) {
			t.Errorf("text %d: embeddings differ across calls and batches", i)
		}
		var n float64
		for _, x := range all[i] {
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-5 || len(all[i]) != m.Info().Embedding {
			t.Errorf("text %d: %d dimensions, squared norm %v", i, len(all[i]), n)
		}
	}
	if slices.Equal(all[0], all[1]) {
		t.Error("different texts, same embedding")
	}
	if _, err := m.Embed(context.Background(), []string{"a", ""}); err == nil {
		t.Error("an empty text was embedded")
	}
	if _, err := m.EmbedTokens(context.Background(), [][]int32{{1, 2}}, gollm.EmbedOptions{Pooling: "max"}); err == nil {
		t.Error("unknown pooling accepted")
	}
}
