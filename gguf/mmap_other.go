//go:build !unix && !windows

package gguf

import (
	"io"
	"os"
)

// evictPages does nothing: the file was read into memory, not mapped.
func evictPages([]byte) {}

// mapFile reads the file into memory on platforms without a mapping API.
func mapFile(fh *os.File, size int) ([]byte, func() error, error) {
	b := make([]byte, size)
	if _, err := io.ReadFull(fh, b); err != nil {
		return nil, nil, err
	}
	return b, func() error { return nil }, nil
}
