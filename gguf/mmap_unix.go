//go:build unix

package gguf

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapFile maps size bytes of fh read-only.
func mapFile(fh *os.File, size int) ([]byte, func() error, error) {
	b, err := unix.Mmap(int(fh.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return b, func() error { return unix.Munmap(b) }, nil
}

// evictPages drops the pages entirely inside b (a slice of a read-only
// shared mapping) from the process's memory: MADV_DONTNEED on such a
// mapping only unmaps them, and the next access reads the file again.
func evictPages(b []byte) {
	page := uintptr(os.Getpagesize())
	start := uintptr(unsafe.Pointer(&b[0]))
	lo := (start + page - 1) &^ (page - 1)
	hi := (start + uintptr(len(b))) &^ (page - 1)
	if hi > lo {
		// Advice only: an error leaves the pages where they were.
		_ = unix.Madvise(b[lo-start:hi-start], unix.MADV_DONTNEED)
	}
}
