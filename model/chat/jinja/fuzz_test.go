package jinja_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/model/chat/jinja"
)

// FuzzTemplate parses and renders arbitrary sources: whatever the input,
// Parse and Render return (a result or an *Error) without panicking or
// running away.
func FuzzTemplate(f *testing.F) {
	raw, err := os.ReadFile("testdata/snippets.jinja")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range strings.Split(string(raw), "\n----\n") {
		f.Add(s)
	}
	if dir, ok := testref.Find(); ok {
		refs, _ := filepath.Glob(filepath.Join(dir, "templates", "*.jinja"))
		for _, p := range refs {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(string(b))
			}
		}
	}
	v, err := jinja.FromJSON([]byte(snippetVars))
	if err != nil {
		f.Fatal(err)
	}
	vars := map[string]jinja.Value{}
	for _, k := range v.(*jinja.Dict).Keys() {
		vars[k.(string)], _ = v.(*jinja.Dict).Get(k)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tmpl, err := jinja.Parse("fuzz", src)
		if err != nil {
			if _, ok := err.(*jinja.Error); !ok {
				t.Fatalf("Parse error %T %v is not an *Error", err, err)
			}
			return
		}
		if _, err := tmpl.Render(vars, refNow); err != nil {
			if _, ok := err.(*jinja.Error); !ok {
				t.Fatalf("Render error %T %v is not an *Error", err, err)
			}
		}
	})
}
