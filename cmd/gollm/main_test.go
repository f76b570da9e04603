package main

import (
	"strings"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/testref"
)

// TestUsageConvention checks every command's first contact: a bad flag
// or a missing argument is one line on stderr naming it and pointing at
// -h (exit 2); -h prints the usage on stdout (exit 0).
func TestUsageConvention(t *testing.T) {
	for name := range commands {
		code, stdout, stderr := runCmd(name, "--no-such-flag")
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
			!strings.Contains(stderr, "-no-such-flag") || !strings.Contains(stderr, "gollm "+name+" -h") {
			t.Errorf("%s --no-such-flag: exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
		}
		code, stdout, stderr = runCmd(name, "-h")
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "Usage: gollm "+name) {
			t.Errorf("%s -h: exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
		}
	}
	for _, args := range [][]string{{"run"}, {"chat"}, {"serve"}, {"bench"}, {"tokenize", "-p", "x"}, {"embed", "-p", "x"}, {"template", "case.json"}} {
		code, _, stderr := runCmd(args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "(see gollm "+args[0]+" -h)\n") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// TestTopLevelUsage: gollm -h, --help and help print the commands on
// stdout (exit 0); no command or an unknown one is one line on stderr
// pointing at -h (exit 2); version prints the module version.
func TestTopLevelUsage(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "help"} {
		code, stdout, stderr := runCmd(arg)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "Commands:") || !strings.Contains(stdout, "  template ") {
			t.Errorf("gollm %s: exit %d, stdout %q, stderr %q", arg, code, stdout, stderr)
		}
	}
	for _, args := range [][]string{nil, {"frobnicate"}} {
		code, stdout, stderr := runCmd(args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, `"gollm -h"`) {
			t.Errorf("gollm %q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	for _, arg := range []string{"version", "--version"} {
		code, stdout, _ := runCmd(arg)
		if code != 0 || stdout != "gollm "+gollm.Version()+"\n" {
			t.Errorf("gollm %s: exit %d, stdout %q", arg, code, stdout)
		}
	}
}

// TestLlamaCppLongNames runs commands with llama.cpp's spelling of the
// common flags.
func TestLlamaCppLongNames(t *testing.T) {
	path := testref.Model(t, "tiny-qwen2-s1-q8_0")
	_, short, _ := runCmd("tokenize", "-m", path, "-p", "Hello world")
	code, long, stderr := runCmd("tokenize", "--model", path, "--prompt", "Hello world")
	if code != 0 || long != short || short == "" {
		t.Errorf("tokenize --model --prompt: exit %d, %q vs %q, stderr %q", code, long, short, stderr)
	}
	code, out, stderr := runCmd("run", "--model", path, "--prompt", "Hi", "--n-predict", "3", "--threads", "1",
		"--ctx-size", "64", "--temp", "0", "--ids")
	if code != 0 || strings.Count(out, "\n") != 3 {
		t.Errorf("run with long names: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
