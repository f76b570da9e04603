package model

import (
	"math"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
)

// TestRopeScalingTypes reads rope.scaling.type as llama.cpp does: "none"
// ignores the factor, "linear" (and the older rope.scale_linear key) divides
// every angle by it, an unknown type is refused by name.
func TestRopeScalingTypes(t *testing.T) {
	base := testmodel.Tiny(t, "qwen2", "F32")
	for _, tc := range []struct {
		name  string
		kv    map[string]any
		scale float32
		err   string
	}{
		{"absent", nil, 1, ""},
		{"linear", map[string]any{"qwen2.rope.scaling.type": "linear", "qwen2.rope.scaling.factor": float32(4)}, 0.25, ""},
		{"factor without type", map[string]any{"qwen2.rope.scaling.factor": float32(4)}, 0.25, ""},
		{"older key", map[string]any{"qwen2.rope.scale_linear": float32(2)}, 0.5, ""},
		{"none", map[string]any{"qwen2.rope.scaling.type": "none", "qwen2.rope.scaling.factor": float32(4)}, 1, ""},
		{"unknown", map[string]any{"qwen2.rope.scaling.type": "dynamic"}, 0, `rope.scaling.type "dynamic"`},
		{"zero factor", map[string]any{"qwen2.rope.scaling.factor": float32(-1)}, 0, "rope.scaling.factor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Load(testmodel.WithMetadata(t, base, tc.kv))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one mentioning %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if m.Config.RopeScale != tc.scale || m.Config.RopeYaRN || m.ropes[0].scale != tc.scale {
				t.Errorf("RoPE scale %g (yarn %v), want %g", m.Config.RopeScale, m.Config.RopeYaRN, tc.scale)
			}
		})
	}
}

// TestRopeYaRN checks the cos and sin tables of a YaRN model (factor 4
// over an original context of 128) against Hugging Face transformers'
// formulation, in float64: per-frequency blending of the interpolated and
// extrapolated inverse frequencies between the correction dims of
// beta_fast 32 and beta_slow 1, and cos and sin times 0.1 ln(factor) + 1.
// ggml blends the angles instead, and in float32, hence the tolerance.
func TestRopeYaRN(t *testing.T) {
	path := testmodel.WithMetadata(t, testmodel.Tiny(t, "qwen2", "F32"), map[string]any{
		"qwen2.rope.scaling.type": "yarn", "qwen2.rope.scaling.factor": float32(4),
		"qwen2.rope.scaling.original_context_length": uint32(128),
	})
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := &m.Config
	if !c.RopeYaRN || c.RopeScale != 0.25 || c.RopeOrigCtx != 128 {
		t.Fatalf("yarn %v, scale %g, original context %d", c.RopeYaRN, c.RopeScale, c.RopeOrigCtx)
	}
	s, err := m.NewSession(SessionOptions{ContextSize: 256, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	dim, base, factor := float64(c.RopeDim), float64(c.RopeBase), 4.0
	corrDim := func(beta float64) float64 { return dim * math.Log(128/(beta*2*math.Pi)) / (2 * math.Log(base)) }
	low, high := math.Max(0, math.Floor(corrDim(32))), math.Min(dim-1, math.Ceil(corrDim(1)))
	if high == low {
		high += 0.001
	}
	half := c.RopeDim / 2
	invFreq := make([]float64, half)
	blended := 0
	for j := range invFreq {
		extra := 1 / math.Pow(base, float64(2*j)/dim)
		extraFactor := 1 - math.Min(1, math.Max(0, (float64(j)-low)/(high-low)))
		invFreq[j] = extra/factor*(1-extraFactor) + extra*extraFactor
		if extraFactor > 0 && extraFactor < 1 {
			blended++
		}
	}
	if blended == 0 || high >= float64(half-1) {
		t.Fatalf("correction range [%g, %g] of %d pairs: the test would not test YaRN", low, high, half)
	}
	mscale := 0.1*math.Log(factor) + 1
	const first, n = 100, 40
	s.ropeTables(first, n)
	worst := 0.0
	for i := range n {
		for j := range half {
			angle := float64(first+i) * invFreq[j]
			worst = max(worst, math.Abs(float64(s.ropeCos[0][i*half+j])-math.Cos(angle)*mscale),
				math.Abs(float64(s.ropeSin[0][i*half+j])-math.Sin(angle)*mscale))
		}
	}
	if worst > 5e-5 {
		t.Errorf("cos/sin differ from transformers' YaRN by up to %.3g", worst)
	}
	t.Logf("pairs %d..%g blended of %d; worst cos/sin difference %.3g", int(low), high, half, worst)
}

// TestPerLayerKeys reads feed_forward_length and the head counts as
// llama.cpp does, as one value or one per layer: equal values per layer
// load as that value, differing ones are refused by name.
func TestPerLayerKeys(t *testing.T) {
	base := testmodel.Tiny(t, "qwen2", "Q8_0")
	m0, err := Load(base)
	if err != nil {
		t.Fatal(err)
	}
	c := m0.Config
	m0.Close()
	same := func(v int) []uint32 {
		a := make([]uint32, c.NLayer)
		for i := range a {
			a[i] = uint32(v)
		}
		return a
	}
	m, err := Load(testmodel.WithMetadata(t, base, map[string]any{
		"qwen2.feed_forward_length": same(c.NFF), "qwen2.attention.head_count": same(c.NHead),
		"qwen2.attention.head_count_kv": same(c.NHeadKV)}))
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.NFF != c.NFF || m.Config.NHead != c.NHead || m.Config.NHeadKV != c.NHeadKV {
		t.Errorf("per-layer arrays read as %d/%d/%d, want %d/%d/%d",
			m.Config.NFF, m.Config.NHead, m.Config.NHeadKV, c.NFF, c.NHead, c.NHeadKV)
	}
	m.Close()
	differ := same(c.NHeadKV)
	differ[0]++
	for _, kv := range []map[string]any{
		{"qwen2.attention.head_count_kv": differ},
		{"qwen2.feed_forward_length": []uint32{uint32(c.NFF)}},
		{"qwen2.attention.head_count": []uint32{}},
	} {
		if _, err := Load(testmodel.WithMetadata(t, base, kv)); err == nil || !strings.Contains(err.Error(), "layers of different shapes") {
			t.Errorf("%v: error %v, want a refusal naming layers of different shapes", kv, err)
		}
	}
}
