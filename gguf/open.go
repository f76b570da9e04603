package gguf

import (
	"fmt"
	"os"
)

// Open memory-maps the GGUF file at path and parses it. Tensor data returned
// by Data is a slice of the mapping. Call Close when done.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("gguf: %s is a directory", path)
	}
	size := st.Size()
	if size < 8 {
		return nil, fmt.Errorf("gguf: %s is not a GGUF file (only %d bytes)", path, size)
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("gguf: %s: %d bytes do not fit in this platform's address space", path, size)
	}
	buf, release, err := mapFile(fh, int(size))
	if err != nil {
		return nil, fmt.Errorf("gguf: mapping %s: %w", path, err)
	}
	f, err := parse(buf)
	if err != nil {
		release()
		return nil, fmt.Errorf("gguf: %s: %w", path, err)
	}
	f.closer = release
	f.mapped = true
	return f, nil
}
