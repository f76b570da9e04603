package gguf

import (
	"bytes"
	"testing"

	"github.com/gollm/gollm/quant"
)

// FuzzParse feeds arbitrary bytes to Parse. Whatever it accepts must be
// internally consistent: every tensor's bytes lie in the buffer, and
// rewriting the file with Writer gives a file that parses and rewrites to the
// very same bytes (the Writer's layout is a fixed point). The seed corpus in
// testdata/fuzz/FuzzParse holds small valid files written by Writer and a
// few mutated ones.
func FuzzParse(f *testing.F) {
	f.Add(smallFile(f))
	f.Add(buildFile(f, nil, []testTensor{{"s", quant.F32, nil}, {"e", quant.Q4_K, []uint64{0, 3}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		gf, err := Parse(b)
		if err != nil {
			return
		}
		for i := range gf.Tensors {
			ti := &gf.Tensors[i]
			if int64(len(gf.Data(ti))) != ti.Size || ti.Elements() < 0 || ti.Rows() < 0 {
				t.Fatalf("tensor %q: inconsistent info %+v", ti.Name, ti)
			}
		}
		for _, kv := range gf.Metadata {
			_ = kv.Value.String()
		}
		var once, twice bytes.Buffer
		rewrite(t, gf, &once)
		gf2, err := Parse(once.Bytes())
		if err != nil {
			t.Fatalf("rewritten file does not parse: %v", err)
		}
		rewrite(t, gf2, &twice)
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("rewriting is not a fixed point (%d vs %d bytes)", once.Len(), twice.Len())
		}
	})
}
