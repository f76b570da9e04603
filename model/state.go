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
//	         one per layer: "ATTN" holds a full-attention layer's keys and
//	         values, "SWA " a sliding-window layer's (of the positions its
//	         ring holds), "RECR" a recurrent layer's state; the last
//	         section is "END " with no payload
//	crc      uint32 CRC-32C of everything after the magic
//
// Load refuses a tag it does not know, and a file whose version, model or
// sizes differ from the session's. Prefill checkpoints are not saved: a
// loaded session rewinds its sliding windows within what the file held,
// and its recurrent state not at all.
const (
	stateMagic   = "GOLLMSES"
	stateVersion = 1
	// maxStateHeader bounds the JSON header a file may claim.
	maxStateHeader = 1 << 16
)

// Section tags of a state file.
var (
	tagAttention = [4]byte{'A', 'T', 'T', 'N'}
	tagSliding   = [4]byte{'S', 'W', 'A', ' '}
	tagRecurrent = [4]byte{'R', 'E', 'C', 'R'}
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
	for l, ls := range s.m.Config.Layers {
		switch ls.Kind {
		case FullAttention:
			s.saveAttention(sw, l)
		case SlidingAttention:
			s.saveSliding(sw, l)
		case Recurrent:
			s.saveRecurrent(sw, l)
		}
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
		sw.bytes(kv.keys(l, h, 0, n))
		for d := range kv.hdv {
			sw.bytes(kv.values(l, h, d, 0, n))
		}
	}
}

// saveSliding writes a sliding-window layer's ring: the first position it
// holds, then per KV head the key rows and the value rows of the positions
// from there on, in order.
func (s *Session) saveSliding(sw *stateWriter, l int) {
	kv := &s.kv
	from := max(s.ringStart, s.pos-kv.layers[l].slots)
	n := s.pos - from
	sw.section(tagSliding, uint64(8+kv.nHeadKV*(n*kv.hd+kv.hdv*n)*kv.elemBytes))
	sw.u32(uint32(l))
	sw.u32(uint32(from))
	kv.visit(l, from, n, sw.bytes)
}

// saveRecurrent writes a recurrent layer's convolution inputs and state as
// float32.
func (s *Session) saveRecurrent(sw *stateWriter, l int) {
	conv, state := s.delta.conv[l], s.delta.state[l]
	sw.section(tagRecurrent, uint64(4+4*(len(conv)+len(state))))
	sw.u32(uint32(l))
	sw.bytes(bytesOf(conv))
	sw.bytes(bytesOf(state))
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
			s.clearState()
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
	s.clearState()
	s.checkpoints = s.checkpoints[:0]
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
		var err error
		switch tag {
		case tagAttention:
			err = s.loadAttention(sr, size, got.NTokens, seen)
		case tagSliding:
			err = s.loadSliding(sr, size, got.NTokens, seen)
		case tagRecurrent:
			err = s.loadRecurrent(sr, size, seen)
		default:
			return fmt.Errorf("unknown section %q (written by a newer gollm?)", tag[:])
		}
		if err != nil {
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
			return fmt.Errorf("no state for layer %d", l)
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

// sectionLayer reads a section's layer index and checks that it is a layer
// of kind k not seen before.
func (s *Session) sectionLayer(sr *stateReader, k LayerKind, seen []bool) (int, error) {
	l := int(sr.u32())
	if sr.err != nil {
		return 0, sr.fail()
	}
	if l < 0 || l >= len(seen) || seen[l] || s.m.Config.Layers[l].Kind != k {
		return 0, fmt.Errorf("%s section for layer %d: out of range, repeated or not that kind of layer", k, l)
	}
	seen[l] = true
	return l, nil
}

// loadAttention reads one "ATTN" section of n positions into the cache.
func (s *Session) loadAttention(sr *stateReader, size uint64, n int, seen []bool) error {
	kv := &s.kv
	if want := 4 + kv.nHeadKV*(n*kv.hd+kv.hdv*n)*kv.elemBytes; size != uint64(want) {
		return fmt.Errorf("attention section of %d bytes, want %d", size, want)
	}
	l, err := s.sectionLayer(sr, FullAttention, seen)
	if err != nil {
		return err
	}
	for h := range kv.nHeadKV {
		sr.into(kv.keys(l, h, 0, n))
		for d := range kv.hdv {
			sr.into(kv.values(l, h, d, 0, n))
		}
	}
	return nil
}

// loadSliding reads one "SWA " section: the positions from its first one
// to n, at least the window before n, are written into the ring in order
// (so that it keeps the last ones it has slots for).
func (s *Session) loadSliding(sr *stateReader, size uint64, n int, seen []bool) error {
	kv, w := &s.kv, s.m.Config.SlidingWindow
	if size < 8 {
		return fmt.Errorf("sliding-window section of %d bytes", size)
	}
	l, err := s.sectionLayer(sr, SlidingAttention, seen)
	if err != nil {
		return err
	}
	from := int(sr.u32())
	if sr.err != nil {
		return sr.fail()
	}
	if from > n || from > max(0, n-(w-1)) {
		return fmt.Errorf("sliding-window section starts at position %d: the window before %d is missing", from, n)
	}
	if want := 8 + kv.nHeadKV*((n-from)*kv.hd+kv.hdv*(n-from))*kv.elemBytes; size != uint64(want) {
		return fmt.Errorf("sliding-window section of %d bytes, want %d", size, want)
	}
	// The file lists per head all key rows, then all value rows; the ring
	// may hold fewer positions, so read in runs of at most one ring.
	slots := kv.layers[l].slots
	for h := range kv.nHeadKV {
		for p := from; p < n; p += slots {
			for _, sp := range kv.spans(l, p, min(p+slots, n)) {
				if sp.n > 0 {
					sr.into(kv.keys(l, h, sp.slot, sp.n))
				}
			}
		}
		for d := range kv.hdv {
			for p := from; p < n; p += slots {
				for _, sp := range kv.spans(l, p, min(p+slots, n)) {
					if sp.n > 0 {
						sr.into(kv.values(l, h, d, sp.slot, sp.n))
					}
				}
			}
		}
	}
	s.ringStart = max(s.ringStart, from, n-slots)
	return nil
}

// loadRecurrent reads one "RECR" section into a recurrent layer's state.
func (s *Session) loadRecurrent(sr *stateReader, size uint64, seen []bool) error {
	if s.delta == nil {
		return errors.New("recurrent section for a model without recurrent layers")
	}
	l, err := s.sectionLayer(sr, Recurrent, seen)
	if err != nil {
		return err
	}
	conv, state := s.delta.conv[l], s.delta.state[l]
	if want := 4 + 4*(len(conv)+len(state)); size != uint64(want) {
		return fmt.Errorf("recurrent section of %d bytes, want %d", size, want)
	}
	sr.into(bytesOf(conv))
	sr.into(bytesOf(state))
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
