//go:build unix && !linux

package sysinfo

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// peakRSS uses getrusage: ru_maxrss is in bytes on Darwin and in kilobytes
// on the BSDs.
func peakRSS() (int64, bool) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss), true
	}
	return int64(ru.Maxrss) * 1024, true
}
