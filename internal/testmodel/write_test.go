package testmodel

import (
	"bytes"
	"crypto/sha256"
	"path/filepath"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/model"
)

func TestDeterministic(t *testing.T) {
	s := Presets["tiny-qwen2"]
	hash := func(s Spec, ft string, threads int) [32]byte {
		var buf bytes.Buffer
		if _, err := (Options{Threads: threads}).WriteTo(&buf, s, ft); err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(buf.Bytes())
	}
	for _, ft := range []string{"Q4_K_M", "F16"} {
		a, b := hash(s, ft, 1), hash(s, ft, 3)
		if a != b {
			t.Errorf("%s: two writes differ", ft)
		}
	}
	other := s
	other.Seed = 7
	if hash(s, "Q8_0", 2) == hash(other, "Q8_0", 2) {
		t.Error("seed does not change the file")
	}
	// Write (to a file) gives the bytes WriteTo gives.
	path := filepath.Join(t.TempDir(), "m.gguf")
	if err := Write(path, s, "Q4_K_M"); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Size() == 0 {
		t.Fatal("empty file")
	}
}

func TestLoadedConfig(t *testing.T) {
	for _, arch := range testArchs {
		s := Presets["tiny-"+arch].withDefaults()
		m, err := model.Load(Tiny(t, arch, "Q4_K_M"))
		if err != nil {
			t.Fatal(err)
		}
		c := m.Config
		if c.Arch != arch || c.NEmbd != s.NEmbd || c.NLayer != s.NLayer || c.NHead != s.NHead ||
			c.NHeadKV != s.NHeadKV || c.HeadDim != s.HeadDim || c.NFF != s.NFF || c.NVocab != s.NVocab ||
			c.CtxTrain != s.NCtx || c.RopeBase != s.RopeBase || c.NormEps != s.NormEps {
			t.Errorf("%s: loaded config %+v from spec %+v", arch, c, s)
		}
		if got, want := m.ParamCount(), s.ParamCount(); got != want {
			t.Errorf("%s: %d parameters, spec says %d", arch, got, want)
		}
		ft, _ := m.File().Int("general.file_type")
		if ft != 15 {
			t.Errorf("%s: general.file_type %d, want 15", arch, ft)
		}
		m.Close()
	}
}

func TestWriteErrors(t *testing.T) {
	if _, err := WriteTo(&bytes.Buffer{}, Presets["tiny-qwen2"], "Q9_K"); err == nil {
		t.Error("unknown file type accepted")
	}
	bad := Presets["tiny-qwen2"]
	bad.NHeadKV = 3
	if _, err := WriteTo(&bytes.Buffer{}, bad, "Q8_0"); err == nil {
		t.Error("NHead 4 with NHeadKV 3 accepted")
	}
	bad = Presets["tiny-qwen2"]
	bad.Arch = "gpt2"
	if err := bad.Validate(); err == nil {
		t.Error("unknown architecture accepted")
	}
	if _, err := Preset("nope"); err == nil {
		t.Error("unknown preset accepted")
	}
	if _, err := Preset("Qwen2.5-0.5B"); err != nil {
		t.Error(err)
	}
}

func TestPresetsValid(t *testing.T) {
	for _, name := range PresetNames() {
		if err := Presets[name].Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Parameter counts of the real shapes (llama.cpp reports the same).
	for name, want := range map[string]int64{"qwen2.5-0.5b": 494032768, "smollm2-135m": 134515008} {
		if got := Presets[name].ParamCount(); got != want {
			t.Errorf("%s: %d parameters, want %d", name, got, want)
		}
	}
}

func TestProgress(t *testing.T) {
	var last Progress
	calls := 0
	o := Options{Threads: 2, Progress: func(p Progress) {
		if p.Done < last.Done || p.Total != last.Total && calls > 0 {
			t.Errorf("progress went from %+v to %+v", last, p)
		}
		last = p
		calls++
	}}
	n, err := o.WriteTo(&bytes.Buffer{}, Presets["tiny-phi3"], "Q8_0")
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last.Done != last.Total || last.Index != last.Count-1 || last.Total <= 0 || last.Total >= n {
		t.Errorf("last progress %+v after %d calls, file of %d bytes", last, calls, n)
	}
}
