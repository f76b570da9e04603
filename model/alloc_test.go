package model

import (
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
)

// TestDecodeAllocatesNothing proves the decode path allocates nothing per
// token, for each architecture, at one and two threads; Q4_0 also runs the
// packed kernels where the CPU has them (arm64).
func TestDecodeAllocatesNothing(t *testing.T) {
	for _, arch := range testmodel.Architectures {
		for _, ft := range []string{"Q4_K_M", "Q4_0"} {
			testDecodeAllocs(t, arch, ft)
		}
	}
}

func testDecodeAllocs(t *testing.T, arch, ft string) {
	m, err := Load(testmodel.Tiny(t, arch, ft))
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
			t.Errorf("%s %s threads=%d: Decode allocates %.1f times per token", arch, ft, threads, allocs)
		}
		s.Close()
	}
	m.Close()
}

// TestPrefillAllocatesNothing proves a prefill batch allocates nothing
// once the session's buffers have grown to its size, for each
// architecture, at one and two threads: the second prefill of the same
// batch (after Truncate(0)) runs without a single allocation.
func TestPrefillAllocatesNothing(t *testing.T) {
	batch := make([]int32, 40)
	for i := range batch {
		batch[i] = int32(1 + i%7)
	}
	for _, arch := range testmodel.Architectures {
		for _, ft := range []string{"Q4_K_M", "Q4_0"} {
			m, err := Load(testmodel.Tiny(t, arch, ft))
			if err != nil {
				t.Fatal(err)
			}
			for _, threads := range []int{1, 2} {
				s, err := m.NewSession(SessionOptions{ContextSize: 256, Threads: threads})
				if err != nil {
					t.Fatal(err)
				}
				allocs := testing.AllocsPerRun(5, func() {
					if kept := s.Truncate(0); kept != 0 {
						t.Fatalf("%s: Truncate(0) kept %d tokens", arch, kept)
					}
					if _, err := s.Prefill(batch); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("%s %s threads=%d: a prefill of %d tokens allocates %.1f times", arch, ft, threads, len(batch), allocs)
				}
				s.Close()
			}
			m.Close()
		}
	}
}
