package model

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
)

func loadTiny(t *testing.T, arch, typ string) *Model {
	t.Helper()
	m, err := Load(testmodel.Tiny(t, arch, typ))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func newSession(t *testing.T, m *Model, opts SessionOptions) *Session {
	t.Helper()
	s, err := m.NewSession(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestStateRoundTrip saves a session after a prompt and loads it into a
// fresh one: the tokens are the same and decoding goes on bit-identically,
// for both KV types, for full attention (qwen2), sliding windows whose
// ring has wrapped (gemma3, window 8) and recurrent layers (qwen35). A
// session with a smaller ring loads the file too and decodes the same to
// float rounding.
func TestStateRoundTrip(t *testing.T) {
	prompt := []int32{1, 5, 9, 200, 17, 33, 4, 250, 8, 61, 3, 77, 12, 90, 140, 6, 18, 2, 44, 310, 23, 9, 100}
	for _, arch := range []string{"qwen2", "gemma3", "qwen35"} {
		m := loadTiny(t, arch, "Q8_0")
		for _, kv := range []KVType{KVF16, KVF32} {
			opts := SessionOptions{ContextSize: 64, Threads: 1, BatchSize: 6, KVType: kv}
			a := newSession(t, m, opts)
			if _, err := a.Prefill(prompt); err != nil {
				t.Fatal(err)
			}
			var file bytes.Buffer
			if err := a.Save(&file); err != nil {
				t.Fatal(err)
			}
			bOpts := opts
			bOpts.Threads = 2
			b := newSession(t, m, bOpts)
			if _, err := b.Prefill([]int32{7, 7, 7}); err != nil { // overwritten by Load
				t.Fatal(err)
			}
			small := newSession(t, m, SessionOptions{ContextSize: 40, Threads: 1, BatchSize: 2, KVType: kv})
			for _, s := range []*Session{b, small} {
				if err := s.Load(bytes.NewReader(file.Bytes())); err != nil {
					t.Fatalf("%s: %v", arch, err)
				}
				if !slices.Equal(s.Tokens(), prompt) || s.Pos() != len(prompt) {
					t.Fatalf("%s: loaded tokens %v", arch, s.Tokens())
				}
			}
			for _, tok := range []int32{42, 7, 99, 5, 300, 11, 8, 2, 19, 4} {
				la, err := a.Decode(tok)
				if err != nil {
					t.Fatal(err)
				}
				want := slices.Clone(la)
				lb, err := b.Decode(tok)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(lb, want) {
					t.Fatalf("%s KV %d: logits after loading differ", arch, kv)
				}
				ls, err := small.Decode(tok)
				if err != nil {
					t.Fatal(err)
				}
				if e := relRMS(ls, want); e > 1e-5 {
					t.Fatalf("%s KV %d: a smaller ring decodes differently after loading: %.3g", arch, kv, e)
				}
			}
		}
	}
}

// TestTruncateRewinds checks what Truncate keeps for layers that cannot
// rewind on their own: the prefill checkpoint (the prompt minus its last
// token), a sliding-window ring within one batch, nothing otherwise; and
// that generation goes on from what it keeps as from a fresh prefill of the
// same tokens. With SWAFull, gemma3 rewinds anywhere as full attention
// does.
func TestTruncateRewinds(t *testing.T) {
	tokens := make([]int32, 60)
	for i := range tokens {
		tokens[i] = int32((i*53 + 7) % 590)
	}
	for _, run := range []struct {
		arch    string
		swaFull bool
	}{{"gemma3", false}, {"qwen35", false}, {"qwen2", false}, {"gemma3", true}} {
		arch := run.arch
		m := loadTiny(t, arch, "F32")
		opts := SessionOptions{ContextSize: 96, Threads: 1, BatchSize: 4, KVType: KVF32, SWAFull: run.swaFull}
		s := newSession(t, m, opts)
		// Turn one: a prompt of 20 tokens, 10 decoded; turn two: 15 more
		// prompt tokens, 5 decoded.
		if _, err := s.Prefill(tokens[:20]); err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens[20:30] {
			if _, err := s.Decode(tok); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Prefill(tokens[30:45]); err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens[45:50] {
			if _, err := s.Decode(tok); err != nil {
				t.Fatal(err)
			}
		}
		// Rewinds asked for, and what each architecture keeps: gemma3's
		// ring holds the window (8) and a batch (4): 11 positions.
		for _, c := range []struct {
			n                    int
			gemma3, qwen35, full int
		}{
			{50, 50, 50, 50}, // nothing to drop
			{47, 47, 44, 47}, // within gemma3's ring; qwen35's second checkpoint
			{44, 44, 44, 44}, // the second prompt's checkpoint
			{40, 19, 19, 40}, // before it: the first prompt's
			{10, 0, 0, 10},
		} {
			want := map[string]int{"gemma3": c.gemma3, "qwen35": c.qwen35}[arch]
			if arch == "qwen2" || run.swaFull {
				want = c.full
			}
			// Rebuild the history each time, as rewinding forgets it.
			s.Reset()
			if _, err := s.Prefill(tokens[:20]); err != nil {
				t.Fatal(err)
			}
			for _, tok := range tokens[20:30] {
				s.Decode(tok)
			}
			s.Prefill(tokens[30:45])
			for _, tok := range tokens[45:50] {
				s.Decode(tok)
			}
			got := s.Truncate(c.n)
			if got != want {
				t.Errorf("%s: Truncate(%d) kept %d, want %d", arch, c.n, got, want)
			}
			if !slices.Equal(s.Tokens(), tokens[:got]) {
				t.Fatalf("%s: Truncate(%d) left tokens %v", arch, c.n, s.Tokens())
			}
			// Going on from there matches a fresh prefill.
			next, err := s.Prefill(tokens[got:55])
			if err != nil {
				t.Fatal(err)
			}
			fresh := newSession(t, m, opts)
			ref, err := fresh.Prefill(tokens[:55])
			if err != nil {
				t.Fatal(err)
			}
			if e := relRMS(next, ref); e > 1e-4 {
				t.Errorf("%s: after Truncate(%d) to %d, logits differ from a fresh prefill by %.3g", arch, c.n, got, e)
			}
		}
	}
}

// TestStateRejectsBadFiles loads mismatched, truncated and corrupted files:
// each is a clear error, and the session is left empty and usable.
func TestStateRejectsBadFiles(t *testing.T) {
	m := loadTiny(t, "qwen2", "Q8_0")
	opts := SessionOptions{ContextSize: 64, Threads: 1}
	a := newSession(t, m, opts)
	if _, err := a.Prefill([]int32{1, 5, 9, 200, 17, 33}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := a.Save(&buf); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	s := newSession(t, m, opts)
	check := func(name string, data []byte, want string) {
		t.Helper()
		if _, err := s.Prefill([]int32{3, 4}); err != nil {
			t.Fatal(err)
		}
		err := s.Load(bytes.NewReader(data))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, want)
		}
		if s.Pos() != 0 || len(s.Tokens()) != 0 {
			t.Errorf("%s: the session holds %d tokens after a failed load", name, s.Pos())
		}
		if _, err := s.Prefill([]int32{3, 4}); err != nil || !slices.Equal(s.Tokens(), []int32{3, 4}) {
			t.Errorf("%s: the session is not usable after a failed load: %v %v", name, err, s.Tokens())
		}
		s.Reset()
	}
	check("empty", nil, "not a gollm session state file")
	check("other file", []byte("GGUF\x03\x00\x00\x00...."), "not a gollm session state file")
	for _, n := range []int{9, 14, 40, len(file) / 2, len(file) - 5, len(file) - 1} {
		check("truncated", file[:n], "truncated")
	}
	for _, at := range []int{60, len(file) / 2, len(file) - 10} {
		bad := slices.Clone(file)
		bad[at] ^= 0x40
		check("corrupted", bad, "")
	}
	bad := slices.Clone(file)
	bad[len(stateMagic)] = 9
	check("version", bad, "version 9")

	for _, other := range []struct {
		name string
		s    *Session
		want string
	}{
		{"KV type", newSession(t, m, SessionOptions{ContextSize: 64, Threads: 1, KVType: KVF32}), "KV cache type f16"},
		{"context", newSession(t, m, SessionOptions{ContextSize: 4, Threads: 1}), "do not fit"},
		{"model", newSession(t, loadTiny(t, "qwen2", "Q4_0"), opts), "written for model"},
	} {
		err := other.s.Load(bytes.NewReader(file))
		if !errors.Is(err, ErrStateMismatch) || !strings.Contains(err.Error(), other.want) {
			t.Errorf("%s: %v", other.name, err)
		}
	}
}

// FuzzStateLoad feeds arbitrary bytes to Load: it never panics, and
// whatever it accepts leaves a consistent session.
func FuzzStateLoad(f *testing.F) {
	m, err := Load(testmodel.Tiny(f, "qwen2", "Q8_0"))
	if err != nil {
		f.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSession(SessionOptions{ContextSize: 16, Threads: 1})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Prefill([]int32{1, 2, 3}); err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Save(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(stateMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := s.Load(bytes.NewReader(data)); err == nil && len(s.Tokens()) != s.Pos() {
			t.Fatalf("loaded %d tokens at position %d", len(s.Tokens()), s.Pos())
		}
	})
}

// TestCacheMemory checks Config.CacheBytes against what sessions allocate,
// and that a sliding-window layer's cache does not grow with the context.
func TestCacheMemory(t *testing.T) {
	for _, arch := range []string{"qwen2", "gemma3", "qwen35"} {
		m := loadTiny(t, arch, "Q8_0")
		for _, opts := range []SessionOptions{{ContextSize: 64}, {ContextSize: 512, BatchSize: 32, KVType: KVF32},
			{ContextSize: 8192}, {ContextSize: 8192, SWAFull: true}} {
			opts.Threads = 1
			s := newSession(t, m, opts)
			batch := opts.BatchSize
			if batch == 0 {
				batch = 512
			}
			kv, rec := m.Config.CacheBytes(opts.KVType, s.ContextSize(), batch, opts.SWAFull)
			mem := s.Memory()
			if mem.KV != kv || mem.Recurrent != rec {
				t.Errorf("%s %+v: session holds KV %d and state %d bytes, CacheBytes says %d and %d", arch, opts, mem.KV, mem.Recurrent, kv, rec)
			}
		}
	}
	// gemma3's five sliding layers in six hold window-1+batch positions
	// whatever the context.
	c := loadTiny(t, "gemma3", "Q8_0").Config
	small, _ := c.CacheBytes(KVF16, 1024, 16, false)
	large, _ := c.CacheBytes(KVF16, 8192, 16, false)
	perToken := int64(c.NHeadKV * (c.HeadDim + c.HeadDimV) * 2)
	if large-small != 7168*perToken*int64(c.LayersOf(FullAttention)) {
		t.Errorf("8192 tokens of context take %d bytes more than 1024; want only the full-attention layer's %d", large-small, 7168*perToken)
	}
	if full, _ := c.CacheBytes(KVF16, 8192, 16, true); full != 8192*perToken*int64(c.NLayer) {
		t.Errorf("with SWAFull, 8192 tokens take %d bytes; want every layer's %d", full, 8192*perToken*int64(c.NLayer))
	}
}
