package jinja_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/model/chat/jinja"
)

// refNow is the clock the reference renderings were made at.
var refNow = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// TestReferenceTemplates renders every template with every case as
// transformers' apply_chat_template does, and compares bytes.
func TestReferenceTemplates(t *testing.T) {
	refDir := testref.Dir(t, "templates")
	raw, err := os.ReadFile(filepath.Join(refDir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index map[string]struct {
		BOS *string `json:"bos_token"`
		EOS *string `json:"eos_token"`
	}
	if err := json.Unmarshal(raw, &index); err != nil {
		t.Fatal(err)
	}
	cases, _ := filepath.Glob(filepath.Join(refDir, "cases", "*.json"))
	if len(index) == 0 || len(cases) == 0 {
		t.Fatal("empty reference set")
	}
	for name, tok := range index {
		src, err := os.ReadFile(filepath.Join(refDir, name+".jinja"))
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := jinja.Parse(name, string(src))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, c := range cases {
			cn := strings.TrimSuffix(filepath.Base(c), ".json")
			t.Run(name+"/"+cn, func(t *testing.T) {
				vars := caseVars(t, c)
				if tok.BOS != nil {
					vars["bos_token"] = *tok.BOS
				}
				if tok.EOS != nil {
					vars["eos_token"] = *tok.EOS
				}
				got, err := tmpl.Render(vars, refNow)
				want, rerr := os.ReadFile(filepath.Join(refDir, "expected", name, cn+".txt"))
				var je *jinja.Error
				switch {
				case errors.Is(rerr, os.ErrNotExist): // transformers fails with a Python error
					if err == nil {
						t.Errorf("rendered %q, want an error", got)
					}
					pyerr, _ := os.ReadFile(filepath.Join(refDir, "expected", name, cn+".pyerror"))
					_, msg, _ := strings.Cut(string(pyerr), ": ")
					if !errors.As(err, &je) || je.Message != msg {
						t.Errorf("error %v; transformers fails with %q", err, pyerr)
					}
				case rerr != nil:
					t.Fatal(rerr)
				case strings.HasPrefix(string(want), "ERROR: "):
					msg := strings.TrimPrefix(string(want), "ERROR: ")
					if !errors.As(err, &je) || !je.Raised || je.Message != msg {
						t.Errorf("got %q, %v; want raise_exception(%q)", got, err, msg)
					}
				case err != nil:
					t.Errorf("error %v", err)
				case got != string(want):
					t.Errorf("differs at byte %d:\n got %q\nwant %q", diffAt(got, string(want)), got, want)
				}
			})
		}
	}
}

// caseVars returns a case's template variables as transformers passes
// them: tools and documents always (none when absent), every other key but
// description as it is.
func caseVars(t *testing.T, path string) map[string]jinja.Value {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jinja.FromJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	d := v.(*jinja.Dict)
	vars := map[string]jinja.Value{"tools": nil, "documents": nil}
	for _, k := range d.Keys() {
		if k != "description" {
			vars[k.(string)], _ = d.Get(k)
		}
	}
	return vars
}

func diffAt(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}
