//go:build !linux

package gollm_test

import "time"

// cpuClocks reports whether threadCPU and processCPU read CPU time: not
// on this system, where the benchmark reports wall time only.
const cpuClocks = false

func threadCPU() time.Duration  { return 0 }
func processCPU() time.Duration { return 0 }
