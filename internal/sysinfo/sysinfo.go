// Package sysinfo reports facts about the running process that gollm prints
// with its timings: the peak resident memory.
package sysinfo

import "fmt"

// PeakRSS returns the largest resident set size of the process so far, in
// bytes, and false where the platform does not report it.
func PeakRSS() (int64, bool) { return peakRSS() }

// FormatBytes formats n as a human-readable size ("512.3 MiB").
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
