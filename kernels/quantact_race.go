//go:build race

package kernels

import (
	"runtime"
	"unsafe"
)

// raceWriteBytes tells the race detector that assembly writes b.
func raceWriteBytes(b []byte) {
	if len(b) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&b[0]), len(b))
	}
}
