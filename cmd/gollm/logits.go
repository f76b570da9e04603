package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

func init() {
	register(command{
		name:    "logits",
		summary: "write the logits of every prompt position as float32",
		run:     runLogits,
	})
}

// runLogits computes the logits of every position of a token file in one
// prefill batch and writes them as little-endian float32
// [n_tokens][n_vocab].
func runLogits(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("logits", "-m MODEL --tokens-file FILE -o OUT [flags]", stdout)
	ef := addEngineFlags(fs)
	tokensFile := fs.String("tokens-file", "", "the prompt as token ids separated by white space (as gollm tokenize prints them), used exactly as given")
	out := fs.String("o", "", "output `file` (float32 little-endian, one row of n_vocab per token)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if *tokensFile == "" || *out == "" {
		return usageError(fs, "missing --tokens-file FILE or -o OUT")
	}
	ids, err := readTokenFile(*tokensFile)
	if err != nil {
		return err
	}
	if *ef.ctx == 0 {
		*ef.ctx = max(len(ids), 512)
	}
	if *ef.batch == 0 {
		*ef.batch = len(ids) // one prefill batch, as the contract says
	}
	m, s, err := ef.load(stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	defer s.Close()
	if len(ids) > s.ContextSize() {
		return fmt.Errorf("%d tokens do not fit in the context of %d (raise -c)", len(ids), s.ContextSize())
	}
	nv := m.Info().VocabSize
	logits := make([]float32, len(ids)*nv)
	if err := s.Engine().PrefillLogits(ids, logits); err != nil {
		return err
	}
	return writeFloat32File(*out, logits)
}

// writeFloat32File writes values to path through a temporary file that is
// renamed into place, so a failure leaves no partial output.
func writeFloat32File(path string, values []float32) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<20)
	var b [4]byte
	for _, v := range values {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		if _, err = w.Write(b[:]); err != nil {
			return err
		}
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
