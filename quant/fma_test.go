package quant_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
)

// TestNoFusedMultiplyAdd compiles this package for arm64 and requires that
// its assembly holds no fused multiply-add: every float32 product that is
// added to or subtracted from must be rounded on its own, as ggml's
// reference arithmetic is (see the package documentation). The quant tests
// under qemu-aarch64 (.ci/arm64.sh) check the results; this checks every
// path, including the ones no test input reaches.
func TestNoFusedMultiplyAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the package for arm64")
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		t.Skipf("no go command to compile with: %v", err)
	}
	cmd := exec.Command(goTool, "build", "-o", os.DevNull, "-gcflags=-S", ".")
	cmd.Env = append(os.Environ(), "GOARCH=arm64", "GOOS=linux", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build for arm64: %v\n%s", err, out)
	}
	fused := regexp.MustCompile(`\((\S+:\d+)\)\s+(FN?M(?:ADD|SUB)[SD])\b`)
	for _, m := range fused.FindAllSubmatch(out, -1) {
		t.Errorf("%s: %s fuses a multiplication into an addition; round the product with float32(...)", m[1], m[2])
	}
}
