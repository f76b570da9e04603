package kernels

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/gollm/gollm/quant"
)

// A minimal GGUF reader for the reference test, so that the kernels' tests
// do not depend on the gguf package.

type ggufTensor struct {
	typ    quant.Type
	dims   []uint64
	offset uint64
}

type ggufFile struct {
	data    []byte
	start   int // data section offset
	tensors map[string]ggufTensor
}

func readGGUF(path string) (*ggufFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p := 0
	fail := func() error { return fmt.Errorf("%s: truncated or malformed at %d", path, p) }
	u32 := func() uint32 { v := binary.LittleEndian.Uint32(b[p:]); p += 4; return v }
	u64 := func() uint64 { v := binary.LittleEndian.Uint64(b[p:]); p += 8; return v }
	str := func() string { n := int(u64()); s := string(b[p : p+n]); p += n; return s }
	if len(b) < 24 || string(b[:4]) != "GGUF" {
		return nil, fail()
	}
	p = 8
	nt, nkv := u64(), u64()
	sizes := map[uint32]int{0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
	var skip func(t uint32) error
	skip = func(t uint32) error {
		switch {
		case t == 8:
			str()
		case t == 9:
			et, n := u32(), u64()
			for range n {
				if err := skip(et); err != nil {
					return err
				}
			}
		case sizes[t] > 0:
			p += sizes[t]
		default:
			return fail()
		}
		return nil
	}
	align := uint64(32)
	for range nkv {
		k := str()
		t := u32()
		if k == "general.alignment" && t == 4 {
			align = uint64(u32())
			continue
		}
		if err := skip(t); err != nil {
			return nil, err
		}
	}
	f := &ggufFile{data: b, tensors: map[string]ggufTensor{}}
	for range nt {
		name := str()
		nd := u32()
		dims := make([]uint64, nd)
		for i := range dims {
			dims[i] = u64()
		}
		typ := quant.Type(u32())
		f.tensors[name] = ggufTensor{typ, dims, u64()}
	}
	f.start = int((uint64(p) + align - 1) / align * align)
	return f, nil
}

// rows returns the bytes of the first r rows of tensor t.
func (f *ggufFile) rows(t ggufTensor, r int) []byte {
	n := int(t.dims[0])
	rb := n / t.typ.BlockSize() * t.typ.BlockBytes()
	o := f.start + int(t.offset)
	return f.data[o : o+r*rb]
}
