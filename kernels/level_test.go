package kernels

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestSetLevel(t *testing.T) {
	prev := Level()
	defer SetLevel(prev)
	if err := SetLevel("bogus"); err == nil || !strings.Contains(err.Error(), "unknown kernel level") {
		t.Errorf("SetLevel(bogus) = %v", err)
	}
	if Level() != prev {
		t.Errorf("failed SetLevel changed the level to %s", Level())
	}
	if err := SetLevel("generic"); err != nil || Level() != "generic" {
		t.Errorf("SetLevel(generic) = %v, level %s", err, Level())
	}
	avail := map[string]bool{}
	for _, l := range Levels() {
		avail[l] = true
	}
	for _, l := range levelNames {
		if err := SetLevel(l); (err == nil) != avail[l] {
			t.Errorf("SetLevel(%s) = %v, available %v", l, err, avail[l])
		}
	}
	t.Logf("CPU %q, levels %v, default %s", CPU(), Levels(), prev)
}

// TestEnvLevel runs this test binary with GOLLM_KERNELS set and checks
// what Level and LevelError report.
func TestEnvLevel(t *testing.T) {
	if v := os.Getenv("GOLLM_KERNELS_CHILD"); v != "" {
		err := LevelError()
		msg := "<nil>"
		if err != nil {
			msg = err.Error()
		}
		os.Stdout.WriteString("LEVEL=" + Level() + " ERR=" + msg + "\n")
		return
	}
	if testing.Short() {
		t.Skip("spawns the test binary")
	}
	run := func(env string) string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEnvLevel$")
		cmd.Env = append(os.Environ(), "GOLLM_KERNELS_CHILD=1", "GOLLM_KERNELS="+env)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := run("generic"); !strings.Contains(out, "LEVEL=generic ERR=<nil>") {
		t.Errorf("GOLLM_KERNELS=generic: %s", out)
	}
	if out := run("nosuch"); !strings.Contains(out, "ERR=GOLLM_KERNELS=nosuch: unknown kernel level") {
		t.Errorf("GOLLM_KERNELS=nosuch: %s", out)
	}
	for _, l := range levelNames {
		if levelMissing(levelID(indexOf(l))) == "" {
			continue
		}
		if out := run(l); !strings.Contains(out, "is not available") {
			t.Errorf("GOLLM_KERNELS=%s: %s", l, out)
		}
	}
}

func indexOf(name string) int {
	for i, l := range levelNames {
		if l == name {
			return i
		}
	}
	return -1
}
