//go:build !unix

package sysinfo

// peakRSS is not reported on this platform.
func peakRSS() (int64, bool) { return 0, false }
