package jinja_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gollm/gollm/model/chat/jinja"
)

// snippetVars are the variables every snippet in testdata/snippets.jinja
// is rendered with.
const snippetVars = `{
  "messages": [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi there, friend"},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "abc", "type": "function", "function": {"name": "f", "arguments": {"x": 1}}}]},
    {"role": "user", "content": "  Thanks é  "}
  ],
  "tools": [{"type": "function", "function": {"name": "f", "description": "Does f.", "parameters": {"type": "object", "properties": {"x": {"type": "integer", "default": 5}}, "required": ["x"]}}}],
  "s": "héllo wörld", "n": 3, "f": 2.5, "b": true, "none_v": null,
  "d": {"k": "v", "num": 1, "list": [1, 2.0, "three"]},
  "l": [3, 1, 2]
}`

// TestAgainstJinja2 renders the snippets of testdata/snippets.jinja
// (separated by "----" lines) and compares with Python's Jinja2 set up as
// transformers sets it up (testdata/jinja2_oracle.py): the same output, or
// both an error with the same message. It needs python3 with jinja2 and
// skips without them.
func TestAgainstJinja2(t *testing.T) {
	if err := exec.Command("python3", "-c", "import jinja2").Run(); err != nil {
		t.Skip("python3 with jinja2 is not installed")
	}
	raw, err := os.ReadFile("testdata/snippets.jinja")
	if err != nil {
		t.Fatal(err)
	}
	snippets := strings.Split(string(raw), "\n----\n")
	type job struct {
		Src  string          `json:"src"`
		Vars json.RawMessage `json:"vars"`
	}
	var jobs []job
	for _, s := range snippets {
		jobs = append(jobs, job{s, json.RawMessage(snippetVars)})
	}
	want := runOracle(t, jobs)
	v, err := jinja.FromJSON([]byte(snippetVars))
	if err != nil {
		t.Fatal(err)
	}
	goVars := map[string]jinja.Value{}
	for _, k := range v.(*jinja.Dict).Keys() {
		goVars[k.(string)], _ = v.(*jinja.Dict).Get(k)
	}
	for i, src := range snippets {
		got, err := render(src, goVars)
		w := want[i]
		switch {
		case w.Error != "":
			_, msg, _ := strings.Cut(w.Error, ": ")
			var je *jinja.Error
			if !errors.As(err, &je) || je.Message != msg {
				t.Errorf("snippet %d %q:\n got %q, %v\nwant error %s", i, src, got, err, w.Error)
			}
		case err != nil:
			t.Errorf("snippet %d %q: %v\nwant %q", i, src, err, w.Out)
		case got != w.Out:
			t.Errorf("snippet %d %q:\n got %q\nwant %q", i, src, got, w.Out)
		}
	}
}

func render(src string, vars map[string]jinja.Value) (string, error) {
	tmpl, err := jinja.Parse("snippet", src)
	if err != nil {
		return "", err
	}
	return tmpl.Render(vars, refNow)
}

type oracleResult struct {
	Out   string `json:"out"`
	Error string `json:"error"`
}

// runOracle renders jobs with testdata/jinja2_oracle.py.
func runOracle(t *testing.T, jobs any) []oracleResult {
	t.Helper()
	in, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", "testdata/jinja2_oracle.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jinja2_oracle.py: %v\n%s", err, stderr.String())
	}
	var res []oracleResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return res
}
