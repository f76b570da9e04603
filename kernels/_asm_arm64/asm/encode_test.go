package asm

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestEncodings assembles the GNU form of every WORD instruction, with
// several register numbers, with llvm-mc and compares its encoding with
// ours. It skips when llvm-mc (Debian's llvm package) is absent.
func TestEncodings(t *testing.T) {
	mc, err := exec.LookPath("llvm-mc")
	if err != nil {
		t.Skip("llvm-mc not installed")
	}
	f := NewFile("")
	a := f.Func("all", "func()", "")
	for _, r := range [][3]VReg{{V0, V1, V2}, {V31, V17, V5}, {V9, V30, V28}} {
		m, n, d := r[0], r[1], r[2]
		a.SDOT(m, n, d)
		a.SMMLA(m, n, d)
		a.SMULL8H(m, n, d)
		a.SMULL28H(m, n, d)
		a.SMLAL8H(m, n, d)
		a.SMLAL28H(m, n, d)
		a.SMULL4S(m, n, d)
		a.SMLAL4S(m, n, d)
		a.SMLAL24S(m, n, d)
		a.SADALP(n, d)
		for i := range 4 {
			a.SDOTE(m, i, n, d)
			a.FMULE(m, i, n, d)
		}
		for _, fb := range []int{1, 4, 32} {
			a.SCVTFX(fb, n, d)
		}
		a.MUL4S(m, n, d)
		a.MLA4S(m, n, d)
		for i := range 4 {
			a.MLAE(m&15, i, n, d)
		}
		a.BIC16B(m, n, d)
		for i := range 8 {
			a.SMLALE(m&15, i, n, d)
			a.SMLAL2E(m&15, i, n, d)
		}
		a.SXTL8H(n, d)
		a.SXTL28H(n, d)
		a.SXTL4S(n, d)
		a.SXTL24S(n, d)
		a.SSHR24(n, d)
		a.SCVTF4S(n, d)
		a.FCVTL4S(n, d)
		a.FCVTL24S(n, d)
		a.FMUL4S(m, n, d)
		a.FMLA4S(m, n, d)
		a.FADD4S(m, n, d)
		a.FSUB4S(m, n, d)
		a.FADDP4S(m, n, d)
		a.FMLAE(m, n, d)
		a.FMLS4S(m, n, d)
		a.FDIV4S(m, n, d)
		a.FMIN4S(m, n, d)
		a.FMAX4S(m, n, d)
		a.FCMGT4S(m, n, d)
		a.FMAXV(n, d)
		a.FCVTL2D(n, d)
		a.FCVTL22D(n, d)
		a.FADD2D(m, n, d)
		a.FADDPD(n, d)
		a.FABS4S(n, d)
		a.FCVTAS4S(n, d)
		a.FCVTNS4S(n, d)
		a.UMAXV4S(n, d)
		a.FMLA2D(m, n, d)
		a.FCVTN4H(n, d)
		a.FCVTN28H(n, d)
		for i := range 4 {
			a.FMLAEi(m, i, n, d)
			a.FMLSEi(m, i, n, d)
		}
	}
	line := regexp.MustCompile(`WORD \$0x([0-9a-f]{8}) // (.*)`)
	var want []string
	var src strings.Builder
	for _, l := range strings.Split(a.body.String(), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			want = append(want, m[1])
			src.WriteString(m[2] + "\n")
		}
	}
	cmd := exec.Command(mc, "-triple=aarch64", "-mattr=+dotprod,+i8mm", "-show-encoding")
	cmd.Stdin = strings.NewReader(src.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("llvm-mc: %v\n%s", err, out)
	}
	enc := regexp.MustCompile(`encoding: \[0x(..),0x(..),0x(..),0x(..)\]`)
	got := enc.FindAllStringSubmatch(string(out), -1)
	if len(got) != len(want) {
		t.Fatalf("llvm-mc encoded %d instructions, want %d:\n%s", len(got), len(want), out)
	}
	lines := strings.Split(strings.TrimSpace(src.String()), "\n")
	for i, g := range got {
		if e := g[4] + g[3] + g[2] + g[1]; e != want[i] {
			t.Errorf("%s: ours %s, llvm-mc %s", lines[i], want[i], e)
		}
	}
}

// TestLayout checks frame offsets against Go's ABI0 on arm64.
func TestLayout(t *testing.T) {
	for _, c := range []struct {
		sig  string
		want string
		size int
	}{
		{"func(x, y *byte, nb int) float32", "x+0 y+8 nb+16 ret+24", 28},
		{"func(alpha float32, x *uint16, y *float32, n int)", "alpha+0 x+8 y+16 n+24", 32},
		{"func(x *byte, n int32, ok bool) (s float32, e int)", "x+0 n+8 ok+12 s+16 e+24", 32},
		{"func(x *float32, n int, s float32)", "x+0 n+8 s+16", 20},
	} {
		ps, size := layout(c.sig)
		var got []string
		for _, f := range strings.Fields(c.want) {
			name := f[:strings.IndexByte(f, '+')]
			got = append(got, fmt.Sprintf("%s+%d", name, ps[name].off))
		}
		if strings.Join(got, " ") != c.want || size != c.size {
			t.Errorf("%s: %v, size %d; want %s, size %d", c.sig, got, size, c.want, c.size)
		}
	}
}
