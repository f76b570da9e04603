package gguf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FileWriter is a Writer to a named file that appears only when it is
// complete. Create writes to a temporary file in the same directory; Close
// finishes, syncs and renames it into place. If anything fails, or Abort is
// called first, the temporary file is removed and path is left as it was.
//
// The usual pattern:
//
//	fw, err := gguf.Create(path)
//	if err != nil { ... }
//	defer fw.Abort() // no-op after a successful Close
//	... fw.AddKV, fw.AddTensor, fw.WriteHeader, fw.WriteTensor ...
//	return fw.Close()
type FileWriter struct {
	*Writer
	f    *os.File
	path string
	done bool
}

// Create starts writing a GGUF file that will be named path once Close
// succeeds.
func Create(path string) (*FileWriter, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	return &FileWriter{Writer: NewWriter(f), f: f, path: path}, nil
}

// Close finishes the file (see Writer.Finish), flushes it to disk and
// renames it to the path given to Create. On any error the temporary file is
// removed.
func (fw *FileWriter) Close() error {
	if fw.done {
		return errors.New("gguf: FileWriter already closed")
	}
	if err := fw.Finish(); err != nil {
		fw.Abort()
		return err
	}
	err := fw.f.Sync()
	if err == nil {
		err = fw.f.Chmod(0o644)
	}
	if cerr := fw.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(fw.f.Name(), fw.path)
	}
	fw.done = true
	if err != nil {
		os.Remove(fw.f.Name())
		return fmt.Errorf("gguf: writing %s: %w", fw.path, err)
	}
	return nil
}

// Abort discards the file being written. It does nothing after Close.
func (fw *FileWriter) Abort() error {
	if fw.done {
		return nil
	}
	fw.done = true
	fw.fail(errors.New("write aborted"))
	fw.f.Close()
	return os.Remove(fw.f.Name())
}
