package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
)

func TestBenchTableAndJSON(t *testing.T) {
	path := testmodel.Tiny(t, "qwen2", "Q4_K_M")
	code, out, errOut := runCmd("bench", "-m", path, "-p", "16", "-n", "4", "-r", "2", "-t", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"| model |", "| pp16 |", "| tg4 |", "peak memory:", "session (context 20): KV cache ", "weights repacked for the kernels:"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = runCmd("bench", "-m", path, "-p", "8", "-n", "0", "-r", "3", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rs []benchResult
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	if len(rs) != 1 || rs[0].Test != "pp8" || len(rs[0].Samples) != 3 || !(rs[0].Mean > 0) || rs[0].Memory.KV == 0 {
		t.Errorf("results %+v", rs)
	}
}

// TestBenchMemory checks the session memory bench reports for the
// architectures whose memory does not grow with the context as a plain
// cache does: gemma3's sliding windows (and --swa-full) and qwen35's
// recurrent state.
func TestBenchMemory(t *testing.T) {
	memory := func(arch string, args ...string) benchMemory {
		t.Helper()
		path := testmodel.Tiny(t, arch, "Q8_0")
		code, out, errOut := runCmd(append([]string{"bench", "-m", path, "-p", "4", "-n", "0", "-r", "1", "-t", "1", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var rs []benchResult
		if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != 1 {
			t.Fatalf("bad JSON (%v): %s", err, out)
		}
		return rs[0].Memory
	}
	window, full := memory("gemma3", "-c", "4096"), memory("gemma3", "-c", "4096", "--swa-full")
	if !(window.KV > 0 && window.KV < full.KV) || window.Recurrent != 0 {
		t.Errorf("gemma3 at 4096 tokens: KV %d with the windows, %d with --swa-full", window.KV, full.KV)
	}
	small, large := memory("qwen35", "-c", "256"), memory("qwen35", "-c", "4096")
	if !(small.Recurrent > 0 && small.Recurrent == large.Recurrent && small.KV < large.KV) || large.KVType != "F16" {
		t.Errorf("qwen35: %+v at 256 tokens, %+v at 4096", small, large)
	}
}

func TestBenchErrors(t *testing.T) {
	path := testmodel.Tiny(t, "qwen2", "Q8_0")
	for _, args := range [][]string{
		{"bench", "-m", path, "-r", "0"},
		{"bench", "-m", path, "-p", "0", "-n", "0"},
		{"bench", "-m", path, "-p", "-3"},
		{"bench", "-m", path, "-p", "64", "-c", "16"},
	} {
		if code, _, errOut := runCmd(args...); code != 1 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	if code, _, errOut := runCmd("bench"); code != 2 || errOut != "gollm bench: missing -m MODEL (see gollm bench -h)\n" {
		t.Errorf("bench: exit %d, stderr %q", code, errOut)
	}
}
