package gollm_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/model"
)

// TestSessionSaveLoad saves a session after an answer, loads the file into
// a new session and checks that a follow-up reuses the whole saved prefix
// and answers as the original session does.
func TestSessionSaveLoad(t *testing.T) {
	m := loadTiny(t, "llama", "Q4_0")
	so := gollm.SessionOptions{ContextSize: 128, Threads: 1}
	a, err := m.NewSession(so)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	prompt := m.Tokenize("A long system prompt that an app wants to keep warm across restarts.", true)
	generateIDs(t, a, prompt, gollm.GenerateOptions{MaxTokens: 5})
	path := filepath.Join(t.TempDir(), "warm.state")
	if err := a.Save(path); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want only the state file", len(entries))
	}
	b, err := m.NewSession(so)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Load(path); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.Tokens(), a.Tokens()) {
		t.Fatalf("loaded %d tokens, saved %d", len(b.Tokens()), len(a.Tokens()))
	}
	saved := len(b.Tokens())
	next := append(a.Tokens(), m.Tokenize(" And then?", false)...)
	want := generateIDs(t, a, next, gollm.GenerateOptions{MaxTokens: 6})
	got := generateIDs(t, b, next, gollm.GenerateOptions{MaxTokens: 6})
	if st := b.Stats(); st.CachedTokens != saved {
		t.Errorf("the loaded session reused %d tokens, want the %d saved", st.CachedTokens, saved)
	}
	if !slices.Equal(got, want) {
		t.Errorf("after loading %v, original %v", got, want)
	}

	other := loadTiny(t, "qwen2", "Q8_0")
	c, err := other.NewSession(so)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Load(path); !errors.Is(err, model.ErrStateMismatch) {
		t.Errorf("loading into another model: %v", err)
	}
	if err := b.Save(filepath.Join(t.TempDir(), "no", "such", "dir")); err == nil {
		t.Error("saving into a missing directory succeeded")
	}
}
