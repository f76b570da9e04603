//go:build race

package kernels

import (
	"runtime"
	"unsafe"
)

// The race detector cannot see memory accessed by assembly; these tell it
// which ranges a kernel call reads and writes.

func raceReadBytes(b []byte) {
	if len(b) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&b[0]), len(b))
	}
}

func raceReadFloats(f []float32) {
	if len(f) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&f[0]), 4*len(f))
	}
}

func raceWriteFloats(f []float32) {
	if len(f) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&f[0]), 4*len(f))
	}
}

func raceWriteBytes(b []byte) {
	if len(b) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&b[0]), len(b))
	}
}
