package gollm_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/testmodel"
)

func loadTiny(t *testing.T, arch, fileType string) *gollm.Model {
	t.Helper()
	m, err := gollm.Load(testmodel.Tiny(t, arch, fileType), gollm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// generate collects a whole generation.
func generate(t *testing.T, s *gollm.Session, ctx context.Context, prompt string, opts gollm.GenerateOptions) (ids []int32, text string) {
	t.Helper()
	var sb strings.Builder
	for tok, err := range s.Generate(ctx, prompt, opts) {
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID >= 0 {
			ids = append(ids, tok.ID)
		}
		sb.WriteString(tok.Text)
	}
	return ids, sb.String()
}

func TestGenerateStreamsTextOfTheTokens(t *testing.T) {
	m := loadTiny(t, "qwen2", "Q8_0")
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 128, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids, text := generate(t, s, context.Background(), "hello world", gollm.GenerateOptions{MaxTokens: 16})
	st := s.Stats()
	if st.GeneratedTokens != len(ids) || len(ids) == 0 {
		t.Fatalf("stats count %d tokens, stream gave %d", st.GeneratedTokens, len(ids))
	}
	if want := m.Detokenize(ids); text != want {
		t.Errorf("streamed text %q, detokenized ids %q", text, want)
	}
	if st.StopReason != gollm.StopMaxTokens && st.StopReason != gollm.StopEOG {
		t.Errorf("stop reason %q", st.StopReason)
	}
	if !(st.Confidence > 0 && st.Confidence <= 1) || st.MinTokenProb > st.Confidence {
		t.Errorf("confidence %v, min token prob %v", st.Confidence, st.MinTokenProb)
	}
	if st.PromptTokens == 0 || st.TimeToFirstToken <= 0 {
		t.Errorf("timings missing: %+v", st)
	}
}

// TestSessionsShareOneModel runs several sessions on one model at once (run
// with -race) and checks each matches a sequential greedy run.
func TestSessionsShareOneModel(t *testing.T) {
	m := loadTiny(t, "llama", "Q4_K_M")
	prompts := []string{"one", "two three", "four five six", "seven"}
	want := make([]string, len(prompts))
	for i, p := range prompts {
		s, err := m.NewSession(gollm.SessionOptions{ContextSize: 64, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, want[i] = generate(t, s, context.Background(), p, gollm.GenerateOptions{MaxTokens: 12})
		s.Close()
	}
	var wg sync.WaitGroup
	got := make([]string, len(prompts))
	for i, p := range prompts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := m.NewSession(gollm.SessionOptions{ContextSize: 64, Threads: 2})
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Close()
			for tok, err := range s.Generate(context.Background(), p, gollm.GenerateOptions{MaxTokens: 12}) {
				if err != nil {
					t.Error(err)
					return
				}
				got[i] += tok.Text
			}
		}()
	}
	wg.Wait()
	for i := range prompts {
		if got[i] != want[i] {
			t.Errorf("prompt %q: concurrent %q, sequential %q", prompts[i], got[i], want[i])
		}
	}
}

func TestGenerateStopsOnCancel(t *testing.T) {
	m := loadTiny(t, "phi3", "Q8_0")
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 256})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	for _, err := range s.Generate(ctx, "a", gollm.GenerateOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			cancel()
		}
	}
	if st := s.Stats(); st.StopReason != gollm.StopCancelled || st.GeneratedTokens != 3 {
		t.Errorf("after cancel: %d tokens, reason %q", st.GeneratedTokens, st.StopReason)
	}
}

func TestGenerateStopString(t *testing.T) {
	m := loadTiny(t, "qwen3", "Q8_0")
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 128})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, full := generate(t, s, context.Background(), "x y", gollm.GenerateOptions{MaxTokens: 24})
	if len(full) < 4 {
		t.Skipf("generation %q too short to pick a stop string", full)
	}
	stop := full[len(full)/2 : len(full)/2+2]
	s.Reset()
	_, text := generate(t, s, context.Background(), "x y", gollm.GenerateOptions{MaxTokens: 24, Stop: []string{stop}})
	if strings.Contains(text, stop) || !strings.HasPrefix(full, text) {
		t.Errorf("stop %q: got %q from %q", stop, text, full)
	}
	if s.Stats().StopReason != gollm.StopString {
		t.Errorf("stop reason %q", s.Stats().StopReason)
	}
}

func TestPromptLongerThanContext(t *testing.T) {
	m := loadTiny(t, "qwen2", "Q4_0")
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, err := range s.Generate(context.Background(), strings.Repeat("word ", 40), gollm.GenerateOptions{}) {
		if !errors.Is(err, gollm.ErrContextFull) {
			t.Fatalf("error %v, want ErrContextFull", err)
		}
		return
	}
	t.Fatal("no error")
}
