package tokenizer

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testref"
)

// readCases splits a test-tokenizer-0 .inp file the way llama.cpp does.
func readCases(t *testing.T, path string) []string {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const sep = "\n__ggml_vocab_test__\n"
	s := string(raw)
	var cases []string
	for pos := 0; pos < len(s); {
		next := strings.Index(s[pos:], sep)
		if next < 0 {
			cases = append(cases, s[pos:])
			break
		}
		cases = append(cases, s[pos:pos+next])
		pos += next + len(sep)
	}
	return cases
}

func parseIDs(t testing.TB, s string) []int32 {
	var ids []int32
	for _, f := range strings.Fields(s) {
		v, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("bad id %q", f)
		}
		ids = append(ids, int32(v))
	}
	return ids
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReferenceVocabs(t *testing.T) {
	dir := filepath.Join(testref.Dir(t), "tokenizer")
	files, _ := filepath.Glob(filepath.Join(dir, "*.gguf"))
	if len(files) == 0 {
		t.Skip("no vocab files in " + dir)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			tok, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			cases := readCases(t, path+".inp")
			out, err := os.ReadFile(path + ".out")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			if len(lines) != len(cases) {
				t.Fatalf("%d cases but %d output lines", len(cases), len(lines))
			}
			pass := 0
			for i, c := range cases {
				want := parseIDs(t, lines[i])
				got := tok.Encode(c, false, false)
				if equalIDs(got, want) {
					pass++
					continue
				}
				t.Errorf("case %d %q:\n got %v\nwant %v", i, c, got, want)
			}
			t.Logf("%s: %d/%d cases pass", filepath.Base(path), pass, len(cases))
		})
	}
}

func TestReferencePrompt(t *testing.T) {
	ref := testref.Dir(t)
	prompt, err := os.ReadFile(filepath.Join(ref, "logits", "prompt.txt"))
	if err != nil {
		t.Skip(err)
	}
	models, _ := filepath.Glob(filepath.Join(ref, "models", "*.gguf"))
	if len(models) == 0 {
		t.Skip("no models")
	}
	for _, path := range models {
		name := strings.TrimSuffix(filepath.Base(path), ".gguf")
		t.Run(name, func(t *testing.T) {
			wantRaw, err := os.ReadFile(filepath.Join(ref, "logits", name+".tokens"))
			if err != nil {
				t.Skip(err)
			}
			tok, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			want := parseIDs(t, string(wantRaw))
			got := tok.Encode(string(prompt), true, true)
			if !equalIDs(got, want) {
				t.Fatalf("got  %v\nwant %v", got, want)
			}
			if dec := tok.Decode(got); dec != string(prompt) {
				t.Errorf("Decode = %q, want the prompt", dec)
			}
		})
	}
}
