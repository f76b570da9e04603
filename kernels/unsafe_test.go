package kernels

import "unsafe"

func unsafeFloats(b []byte) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

func unsafeHalfs(b []byte) []uint16 {
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), len(b)/2)
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
