package kernels

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
)

// A level is one set of kernel implementations. Higher levels are faster and
// need more CPU features.
type levelID int

const (
	lvGeneric levelID = iota // pure Go, every platform
	lvAVX2                   // amd64 AVX2 + FMA
	lvAVX512                 // amd64 AVX-512 F/BW/VL/VNNI (experimental: forced only)
	lvNEON                   // arm64 ASIMD (every arm64 CPU)
	lvDotProd                // arm64 SDOT (asimddp)
	lvI8MM                   // arm64 SMMLA (i8mm) for MatMul, SDOT otherwise
	numLevels
)

var levelNames = [numLevels]string{"generic", "avx2", "avx512", "neon", "dotprod", "i8mm"}

// levelGOARCH is the architecture of each level's kernels ("" for all).
var levelGOARCH = [numLevels]string{"", "amd64", "amd64", "arm64", "arm64", "arm64"}

// whyMissing is levelMissing that also refuses other architectures' levels.
func whyMissing(l levelID) string {
	if a := levelGOARCH[l]; a != "" && a != runtime.GOARCH {
		return "it is an " + a + " level and this is " + runtime.GOARCH
	}
	return levelMissing(l)
}

var (
	level    levelID // the level in use; read by every kernel call
	levelErr error   // why GOLLM_KERNELS could not be honoured
)

func init() {
	setLevel(bestLevel())
	if s := os.Getenv("GOLLM_KERNELS"); s != "" {
		if err := SetLevel(s); err != nil {
			levelErr = fmt.Errorf("GOLLM_KERNELS=%s: %w", s, err)
		}
	}
}

// setLevel makes l the level in use.
func setLevel(l levelID) {
	level = l
	for i := range weightTypes {
		t := weightTypes[i].t
		current[t] = shapesAt(t, l)
	}
}

func bestLevel() levelID {
	best := lvGeneric
	for l := lvGeneric; l < numLevels; l++ {
		if whyMissing(l) == "" && !levelExperimental(l) {
			best = l
		}
	}
	return best
}

// Level returns the name of the kernel level in use: "generic", "avx2",
// "avx512", "neon", "dotprod" or "i8mm".
func Level() string { return levelNames[level] }

// LevelError reports why the level requested by the GOLLM_KERNELS
// environment variable could not be used (nil when it was honoured or not
// set). The kernels then run at the best available level; a CLI should print
// the error and exit.
func LevelError() error { return levelErr }

// Levels lists the levels available on this CPU and build, slowest first.
// Experimental levels (avx512 for now: its kernels have not yet run on real
// hardware) are listed when available but only used when forced.
func Levels() []string {
	var out []string
	for l := lvGeneric; l < numLevels; l++ {
		if whyMissing(l) == "" {
			out = append(out, levelNames[l])
		}
	}
	return out
}

// SetLevel switches to the named level ("generic", "avx2", "avx512", "neon",
// "dotprod", "i8mm"). It
// returns an error, leaving the level unchanged, when the name is unknown or
// the CPU or build lacks the level. It must not run concurrently with
// kernel calls; it is meant for start-up and tests.
func SetLevel(name string) error {
	for l := lvGeneric; l < numLevels; l++ {
		if levelNames[l] == strings.ToLower(strings.TrimSpace(name)) {
			if why := whyMissing(l); why != "" {
				return fmt.Errorf("kernel level %s is not available: %s", levelNames[l], why)
			}
			setLevel(l)
			return nil
		}
	}
	return fmt.Errorf("unknown kernel level %q (want one of %s)", name, strings.Join(levelNames[:], ", "))
}

// CPU returns the CPU's brand name as reported by cpuid (empty when
// unknown), for start-up lines such as `gollm run -v`.
func CPU() string { return strings.TrimSpace(cpuid.CPU.BrandName) }
