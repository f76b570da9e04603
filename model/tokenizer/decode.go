package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// buildPieces precomputes the bytes each token decodes to, as llama.cpp's
// token_to_piece with special rendering on.
func (t *Tokenizer) buildPieces() {
	t.pieces = make([]string, len(t.tokens))
	for id, text := range t.tokens {
		a := t.attrs[id]
		switch {
		case a&(attrControl|attrUnknown|attrUser) != 0:
			t.pieces[id] = text
		case a&attrNormal != 0:
			if t.kind == "spm" {
				t.pieces[id] = strings.ReplaceAll(text, "▁", " ")
			} else {
				t.pieces[id] = unByteEncode(text)
			}
		case a&attrByte != 0:
			t.pieces[id] = string([]byte{parseByteToken(text)})
		}
	}
}

// unByteEncode maps GPT-2's printable runes back to bytes. Runes outside
// the table are kept as UTF-8 (llama.cpp prints an [UNK_BYTE_...] marker).
// Text of printable ASCII maps to itself and is returned without a copy.
func unByteEncode(text string) string {
	identity := true
	for i := 0; i < len(text); i++ {
		if c := text[i]; c < 0x21 || c > 0x7E {
			identity = false
			break
		}
	}
	if identity {
		return text
	}
	b := make([]byte, 0, len(text))
	for _, r := range text {
		if r >= 0 && int(r) < len(unicodeToByte) && unicodeToByte[r] >= 0 {
			b = append(b, byte(unicodeToByte[r]))
		} else {
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

// parseByteToken reads the byte of a "<0xXX>" token.
func parseByteToken(text string) byte {
	if len(text) != 6 || !strings.HasPrefix(text, "<0x") {
		return 0
	}
	var v byte
	for _, c := range []byte(text[3:5]) {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | (c - '0')
		case c >= 'A' && c <= 'F':
			v = v<<4 | (c - 'A' + 10)
		case c >= 'a' && c <= 'f':
			v = v<<4 | (c - 'a' + 10)
		}
	}
	return v
}

// Piece returns the bytes token id stands for. Control and unknown tokens
// give their text when special is set and "" otherwise; out-of-range ids
// give "".
func (t *Tokenizer) Piece(id int32, special bool) string {
	if id < 0 || int(id) >= len(t.pieces) {
		return ""
	}
	if !special && t.attrs[id]&(attrControl|attrUnknown) != 0 {
		return ""
	}
	return t.pieces[id]
}

// Decode turns ids back into text: the concatenated pieces, with control
// and unknown tokens left out. For SentencePiece tokenizers that add a
// space prefix, the space starting the first piece after an optional
// leading BOS is removed, so Decode(Encode(s, ...)) == s. (llama.cpp's
// detokenize keeps that space after a BOS and also applies
// clean_up_tokenization_spaces for some BPE models; Decode does neither, so
// it always equals the concatenation of the StreamDecoder's output.)
func (t *Tokenizer) Decode(ids []int32) string {
	var sb strings.Builder
	first := -1
	if t.kind == "spm" && t.addSpace && len(ids) > 0 {
		first = 0
		if ids[0] == t.bos {
			first = 1
		}
	}
	for i, id := range ids {
		p := t.Piece(id, false)
		if i == first {
			p = strings.TrimPrefix(p, " ")
		}
		sb.WriteString(p)
	}
	return sb.String()
}

// StreamDecoder turns ids into text one at a time, holding back the bytes
// of a UTF-8 sequence split across tokens (byte-fallback tokens and byte-level
// BPE split characters) until it is complete.
type StreamDecoder struct {
	t       *Tokenizer
	pending []byte
	// Special renders control tokens as their text instead of nothing.
	Special bool
}

// NewStreamDecoder returns a decoder for a stream of generated ids.
func (t *Tokenizer) NewStreamDecoder() *StreamDecoder {
	return &StreamDecoder{t: t}
}

// Write adds id and returns the text that is now complete (possibly "").
func (d *StreamDecoder) Write(id int32) string {
	d.pending = append(d.pending, d.t.Piece(id, d.Special)...)
	cut := len(d.pending)
	for i := len(d.pending) - 1; i >= 0 && i >= len(d.pending)-utf8.UTFMax; i-- {
		if utf8.RuneStart(d.pending[i]) {
			if !utf8.FullRune(d.pending[i:]) {
				cut = i
			}
			break
		}
	}
	out := string(d.pending[:cut])
	d.pending = append(d.pending[:0], d.pending[cut:]...)
	return out
}

// Flush returns the bytes still held back (an incomplete sequence at the
// end of the stream) and resets the decoder.
func (d *StreamDecoder) Flush() string {
	out := string(d.pending)
	d.pending = d.pending[:0]
	return out
}
