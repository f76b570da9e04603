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
// for both KV types.
func TestStateRoundTrip(t *testing.T) {
	m := loadTiny(t, "qwen2", "Q8_0")
	prompt := []int32{1, 5, 9, 200, 17, 33, 4, 250, 8, 61, 3}
	for _, kv := range []KVType{KVF16, KVF32} {
		opts := SessionOptions{ContextSize: 64, Threads: 1, KVType: kv}
		a := newSession(t, m, opts)
		if _, err := a.Prefill(prompt); err != nil {
			t.Fatal(err)
		}
		var file bytes.Buffer
		if err := a.Save(&file); err != nil {
			t.Fatal(err)
		}
		b := newSession(t, m, SessionOptions{ContextSize: 32, Threads: 2, KVType: kv})
		if _, err := b.Prefill([]int32{7, 7, 7}); err != nil { // overwritten by Load
			t.Fatal(err)
		}
		if err := b.Load(bytes.NewReader(file.Bytes())); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(b.Tokens(), prompt) || b.Pos() != len(prompt) {
			t.Fatalf("loaded tokens %v", b.Tokens())
		}
		for _, tok := range []int32{42, 7, 99} {
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
				t.Fatalf("KV %d: logits after loading differ", kv)
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
