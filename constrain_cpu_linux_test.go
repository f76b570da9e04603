package gollm_test

import (
	"time"

	"golang.org/x/sys/unix"
)

// cpuClocks reports whether threadCPU and processCPU read CPU time.
const cpuClocks = true

// threadCPU returns the CPU time the calling thread has used (lock the
// goroutine to its thread around the measurement).
func threadCPU() time.Duration { return rusage(unix.RUSAGE_THREAD) }

// processCPU returns the CPU time every thread of the process has used.
func processCPU() time.Duration { return rusage(unix.RUSAGE_SELF) }

func rusage(who int) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(who, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
