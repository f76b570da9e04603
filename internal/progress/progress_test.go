package progress

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestSilentWhenNotTerminal(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "x")
	b.Set("stage", 1, 2)
	b.SetBytes("bytes", 1<<20, 2<<20)
	b.Done()
	if buf.Len() != 0 || b.Enabled() {
		t.Fatalf("bar on a buffer wrote %q", buf.String())
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Fatal("a regular file is not a terminal")
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for name, f := range map[string]any{"/dev/null": null, "a pipe's reader": r, "a pipe's writer": w, "a buffer": &buf} {
		if IsTerminal(f) {
			t.Errorf("%s is not a terminal", name)
		}
	}
	var nilBar *Bar
	nilBar.Set("s", 1, 2)
	nilBar.Done()
}

func TestDrawsInPlace(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "quantize")
	b.on = true // force drawing on a buffer
	b.Set("blk.0.attn_q.weight", 1, 4)
	b.Set("blk.0.attn_q.weight", 2, 4) // throttled: same stage, too soon
	b.Set("blk.1", 4, 4)               // the end is always drawn
	var out bytes.Buffer
	b.Println(&out, "a message")
	b.Done()
	b.Done()
	s := buf.String()
	if strings.Count(s, "\r") < 4 || !strings.Contains(s, "25% 1/4") || strings.Contains(s, "50%") || !strings.Contains(s, "100% 4/4") {
		t.Fatalf("unexpected drawing %q", s)
	}
	if out.String() != "a message\n" {
		t.Fatalf("Println wrote %q", out.String())
	}
}
