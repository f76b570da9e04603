package model

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"sync"
)

// A session state file holds what a session's KV cache holds, so that a
// long prompt can be kept warm across restarts. Layout (little-endian):
//
//	magic    "GOLLMSES"
//	version  uint32 (stateVersion)
//	header   uint32 length, then JSON (stateHeader): the model's identity
//	         and sizes, the KV type, the number of tokens
//	tokens   n_tokens int32 ids
//	sections each: a 4-byte tag, a uint64 payload length, the payload;
//	         "ATTN" holds one attention layer's keys and values, the last
//	         section is "END " with no payload
//	crc      uint32 CRC-32C of everything after the magic
//
// An architecture whose cache holds more than keys and values (recurrent
// state, a sliding window) adds its own section tags; Load refuses a tag it
// does not know, and a file whose version, model or sizes differ from the
// session's.
const (
	stateMagic   = "GOLLMSES"
	stateVersion = 1
	// maxStateHeader bounds the JSON header a file may claim.
	maxStateHeader = 1 << 16
)

// Section tags of a state file.
var (
	tagAttention = [4]byte{'A', 'T', 'T', 'N'}
	tagEnd       = [4]byte{'E', 'N', 'D', ' '}
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// stateHeader is the JSON header of a state file.
type stateHeader struct {
	Arch        string `json:"arch"`
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
	NLayer      int    `json:"n_layer"`
	NEmbd       int    `json:"n_embd"`
	NHeadKV     int    `json:"n_head_kv"`
	HeadDim     int    `json:"head_dim"`
	HeadDimV    int    `json:"head_dim_v"`
	NVocab      int    `json:"n_vocab"`
	KVType      string `json:"kv_type"`
	NTokens     int    `json:"n_tokens"`
}

// ErrStateMismatch is returned (wrapped) by Load for a state file written by
// another model, or with other sizes or KV type than the session's.
var ErrStateMismatch = errors.New("session state does not match this session")

// Fingerprint identifies the model's weights: a SHA-256 over the
// architecture, the tensor table (names, types, shapes) and the first 4 KiB
// of every tensor's data, so that two fine-tunes of one shape differ. It is
// computed once, on first use.
func (m *Model) Fingerprint() string {
	m.fingerprintOnce.Do(func() {
		h := sha256.New()
		fmt.Fprintf(h, "%s\x00%d\x00", m.Config.Arch, len(m.file.Tensors))
		for i := range m.file.Tensors {
			t := &m.file.Tensors[i]
			fmt.Fprintf(h, "%s\x00%d\x00%v\x00", t.Name, t.Type, t.Dims)
			d := m.file.Data(t)
			h.Write(d[:min(len(d), 4096)])
		}
		m.fingerprint = hex.EncodeToString(h.Sum(nil))
	})
	return m.fingerprint
}

// fingerprintState is the lazily computed fingerprint of a Model.
type fingerprintState struct {
	fingerprintOnce sync.Once
	fingerprint     string
}

func (s *Session) stateHeader() stateHeader {
	c := &s.m.Config
	kv := "f16"
	if s.opts.KVType == KVF32 {
		kv = "f32"
	}
	return stateHeader{Arch: c.Arch, Name: c.Name, Fingerprint: s.m.Fingerprint(), NLayer: c.NLayer, NEmbd: c.NEmbd,
		NHeadKV: c.NHeadKV, HeadDim: c.HeadDim, HeadDimV: c.HeadDimV, NVocab: c.NVocab, KVType: kv, NTokens: s.pos}
}

// Save writes the session's state (its tokens and KV cache) to w in the
// state file format. A partly written file fails Load's checksum; write to
// a temporary file and rename it to publish a file atomically.
func (s *Session) Save(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	sw := &stateWriter{w: bw, crc: crc32.New(castagnoli)}
	sw.raw([]byte(stateMagic))
	sw.u32(stateVersion)
	hdr, _ := json.Marshal(s.stateHeader())
	sw.u32(uint32(len(hdr)))
	sw.bytes(hdr)
	for _, t := range s.tokens[:s.pos] {
		sw.u32(uint32(t))
	}
	for l := range s.m.Config.NLayer {
		s.saveAttention(sw, l)
	}
	sw.section(tagEnd, 0)
	sw.raw(binary.LittleEndian.AppendUint32(nil, sw.crc.Sum32()))
	if sw.err != nil {
		return fmt.Errorf("saving session state: %w", sw.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("saving session state: %w", err)
	}
	return nil
}

// saveAttention writes layer l's keys and values for the cached positions:
// per KV head, the n key rows, then the head's value rows (one per value
// element, n positions each), in the cache's element type.
func (s *Session) saveAttention(sw *stateWriter, l int) {
	kv, n := &s.kv, s.pos
	size := 4 + kv.nHeadKV*(n*kv.hd+kv.hdv*n)*kv.elemBytes
	sw.section(tagAttention, uint64(size))
	sw.u32(uint32(l))
	for h := range kv.nHeadKV {
		sw.bytes(kv.keys(l, h, n))
		for d := range kv.hdv {
			sw.bytes(kv.values(l, h, d, 0, n))
		}
	}
}

// Load replaces the session's state with the one r holds, written by Save
// for the same model (by fingerprint), sizes and KV type, with no more
// tokens than the session's context. On any error (a mismatch wraps
// ErrStateMismatch; a truncated or corrupted file fails its checksum) the
// session is left empty.
func (s *Session) Load(r io.Reader) (err error) {
	defer func() {
		if err != nil {
			s.pos, s.tokens = 0, s.tokens[:0]
			err = fmt.Errorf("loading session state: %w", err)
		}
	}()
	sr := &stateReader{r: bufio.NewReaderSize(r, 1<<16), crc: crc32.New(castagnoli)}
	magic := make([]byte, len(stateMagic))
	if _, err := io.ReadFull(sr.r, magic); err != nil || string(magic) != stateMagic {
		return errors.New("not a gollm session state file")
	}
	if v := sr.u32(); sr.err == nil && v != stateVersion {
		return fmt.Errorf("state file version %d; this gollm reads version %d", v, stateVersion)
	}
	n := sr.u32()
	if sr.err == nil && n > maxStateHeader {
		return fmt.Errorf("header of %d bytes claimed", n)
	}
	raw := sr.bytes(int(n))
	if sr.err != nil {
		return sr.fail()
	}
	var got stateHeader
	if err := json.Unmarshal(raw, &got); err != nil {
		return fmt.Errorf("corrupt header: %w", err)
	}
	if err := s.checkHeader(got); err != nil {
		return err
	}
	s.pos, s.tokens = 0, s.tokens[:0]
	for range got.NTokens {
		t := int32(sr.u32())
		if sr.err == nil && (t < 0 || int(t) >= s.m.Config.NVocab) {
			return fmt.Errorf("token id %d is outside the vocabulary", t)
		}
		s.tokens = append(s.tokens, t)
	}
	seen := make([]bool, s.m.Config.NLayer)
	for sr.err == nil {
		tag, size := sr.section()
		if sr.err != nil {
			break
		}
		if tag == tagEnd {
			if size != 0 {
				return errors.New("corrupt end section")
			}
			break
		}
		if tag != tagAttention {
			return fmt.Errorf("unknown section %q (written by a newer gollm?)", tag[:])
		}
		if err := s.loadAttention(sr, size, got.NTokens, seen); err != nil {
			return err
		}
	}
	if sr.err != nil {
		return sr.fail()
	}
	want := sr.crc.Sum32()
	var sum [4]byte
	if _, err := io.ReadFull(sr.r, sum[:]); err != nil {
		return errors.New("truncated file (no checksum)")
	}
	if binary.LittleEndian.Uint32(sum[:]) != want {
		return errors.New("checksum mismatch: the file is corrupted")
	}
	for l, ok := range seen {
		if !ok {
			return fmt.Errorf("no keys and values for layer %d", l)
		}
	}
	s.pos = got.NTokens
	return nil
}

// checkHeader compares a file's header with the session.
func (s *Session) checkHeader(got stateHeader) error {
	want := s.stateHeader()
	if got.Fingerprint != want.Fingerprint || got.Arch != want.Arch {
		return fmt.Errorf("%w: written for model %q (%s, fingerprint %.12s), this is %q (%s, fingerprint %.12s)",
			ErrStateMismatch, got.Name, got.Arch, got.Fingerprint, want.Name, want.Arch, want.Fingerprint)
	}
	if got.NLayer != want.NLayer || got.NEmbd != want.NEmbd || got.NHeadKV != want.NHeadKV ||
		got.HeadDim != want.HeadDim || got.HeadDimV != want.HeadDimV || got.NVocab != want.NVocab {
		return fmt.Errorf("%w: sizes differ", ErrStateMismatch)
	}
	if got.KVType != want.KVType {
		return fmt.Errorf("%w: KV cache type %s, this session's is %s", ErrStateMismatch, got.KVType, want.KVType)
	}
	if got.NTokens < 0 || got.NTokens > s.nCtx {
		return fmt.Errorf("%w: %d tokens do not fit this session's context of %d", ErrStateMismatch, got.NTokens, s.nCtx)
	}
	return nil
}

// loadAttention reads one "ATTN" section of n positions into the cache.
func (s *Session) loadAttention(sr *stateReader, size uint64, n int, seen []bool) error {
	kv := &s.kv
	if want := 4 + kv.nHeadKV*(n*kv.hd+kv.hdv*n)*kv.elemBytes; size != uint64(want) {
		return fmt.Errorf("attention section of %d bytes, want %d", size, want)
	}
	l := int(sr.u32())
	if sr.err != nil {
		return sr.fail()
	}
	if l < 0 || l >= len(seen) || seen[l] {
		return fmt.Errorf("attention section for layer %d: out of range or repeated", l)
	}
	seen[l] = true
	for h := range kv.nHeadKV {
		sr.into(kv.keys(l, h, n))
		for d := range kv.hdv {
			sr.into(kv.values(l, h, d, 0, n))
		}
	}
	return nil
}

// stateWriter writes little-endian values, checksumming them and keeping
// the first error.
type stateWriter struct {
	w   io.Writer
	crc hash.Hash32
	err error
}

// raw writes b without checksumming it.
func (w *stateWriter) raw(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

func (w *stateWriter) bytes(b []byte) {
	w.crc.Write(b)
	w.raw(b)
}

func (w *stateWriter) u32(v uint32) { w.bytes(binary.LittleEndian.AppendUint32(nil, v)) }

func (w *stateWriter) section(tag [4]byte, size uint64) {
	w.bytes(tag[:])
	w.bytes(binary.LittleEndian.AppendUint64(nil, size))
}

// stateReader reads what stateWriter writes, keeping the first error.
type stateReader struct {
	r   io.Reader
	crc hash.Hash32
	err error
}

func (r *stateReader) into(b []byte) {
	if r.err != nil {
		return
	}
	if _, r.err = io.ReadFull(r.r, b); r.err == nil {
		r.crc.Write(b)
	}
}

func (r *stateReader) bytes(n int) []byte {
	b := make([]byte, n)
	r.into(b)
	return b
}

func (r *stateReader) u32() uint32 {
	var b [4]byte
	r.into(b[:])
	return binary.LittleEndian.Uint32(b[:])
}

func (r *stateReader) section() (tag [4]byte, size uint64) {
	r.into(tag[:])
	var b [8]byte
	r.into(b[:])
	return tag, binary.LittleEndian.Uint64(b[:])
}

// fail describes a read error.
func (r *stateReader) fail() error {
	if errors.Is(r.err, io.EOF) || errors.Is(r.err, io.ErrUnexpectedEOF) {
		return errors.New("truncated file")
	}
	return r.err
}
