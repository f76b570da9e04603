//go:build windows

package gguf

import (
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// evictPages does nothing: a read-only view's pages are trimmed by
// Windows itself under memory pressure.
func evictPages([]byte) {}

// mapFile maps size bytes of fh read-only through a file mapping object.
func mapFile(fh *os.File, size int) ([]byte, func() error, error) {
	h, err := windows.CreateFileMapping(windows.Handle(fh.Fd()), nil, windows.PAGE_READONLY, 0, 0, nil)
	if err != nil {
		return nil, nil, err
	}
	addr, err := windows.MapViewOfFile(h, windows.FILE_MAP_READ, 0, 0, uintptr(size))
	windows.CloseHandle(h)
	if err != nil {
		return nil, nil, err
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(addr)), size)
	return b, func() error { return windows.UnmapViewOfFile(addr) }, nil
}
