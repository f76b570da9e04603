package model

import (
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
)

// TestDecodeAllocatesNothing proves the decode path allocates nothing per
// token, for each architecture, at one and two threads.
func TestDecodeAllocatesNothing(t *testing.T) {
	for _, arch := range testmodel.Architectures {
		m, err := Load(testmodel.Tiny(t, arch, "Q4_K_M"))
		if err != nil {
			t.Fatal(err)
		}
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
				t.Errorf("%s threads=%d: Decode allocates %.1f times per token", arch, threads, allocs)
			}
			s.Close()
		}
		m.Close()
	}
}
