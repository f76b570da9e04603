package model

import (
	"testing"

	"github.com/gollm/gollm/internal/testref"
)

// TestDecodeAllocatesNothing proves the decode path allocates nothing per
// token, at one and two threads.
func TestDecodeAllocatesNothing(t *testing.T) {
	m, err := Load(testref.Model(t, "tiny-qwen2-s1-q4_k_m"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, threads := range []int{1, 2} {
		s, err := m.NewSession(SessionOptions{ContextSize: 256, Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Prefill([]int32{1, 2, 3, 4}); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(50, func() {
			if _, err := s.Decode(7); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("threads=%d: Decode allocates %.1f times per token", threads, allocs)
		}
		s.Close()
	}
}
