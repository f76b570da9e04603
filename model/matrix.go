package model

import (
	"fmt"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// Matrix is a matrix of Rows rows of Cols elements in a GGML block format.
// Rows are stored one after another, RowBytes each; Data usually is a slice
// of a memory-mapped file, so a Matrix never owns or copies its weights,
// apart from Packed.
type Matrix struct {
	Name     string
	Type     quant.Type
	Rows     int
	Cols     int
	RowBytes int
	Data     []byte
	// Packed, when not nil, holds the same rows rearranged by kernels.Pack
	// for this CPU's kernels (Pack): products read it through
	// kernels.MatVecPacked and MatMulPacked, and everything else (row
	// lookups, state files) reads Data.
	Packed *kernels.Packed
}

// Pack sets m.Packed to m's rows rearranged for this CPU's kernels when
// they multiply m's type faster that way (kernels.Pack), and returns the
// bytes it allocated.
func (m *Matrix) Pack() int64 {
	m.Packed = kernels.Pack(m.Type, m.Data, m.Rows, m.Cols)
	return int64(m.Packed.Size())
}

// NewMatrix views data as a rows × cols matrix of type t, checking that the
// sizes agree.
func NewMatrix(name string, t quant.Type, rows, cols int, data []byte) (*Matrix, error) {
	rb, err := t.RowBytes(int64(cols))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if rows < 0 || int64(len(data)) != rb*int64(rows) {
		return nil, fmt.Errorf("%s: %d bytes do not hold %d rows of %d bytes", name, len(data), rows, rb)
	}
	return &Matrix{Name: name, Type: t, Rows: rows, Cols: cols, RowBytes: int(rb), Data: data}, nil
}

// Row returns the bytes of row r.
func (m *Matrix) Row(r int) []byte { return m.Data[r*m.RowBytes : (r+1)*m.RowBytes] }

// RowRange returns rows [r0, r1) as a matrix sharing m's data (and its
// packed rows, where the range is a packed matrix itself: see
// kernels.PackedRowRange; otherwise the range is not packed).
func (m *Matrix) RowRange(r0, r1 int, name string) *Matrix {
	sub := &Matrix{Name: name, Type: m.Type, Rows: r1 - r0, Cols: m.Cols, RowBytes: m.RowBytes,
		Data: m.Data[r0*m.RowBytes : r1*m.RowBytes]}
	if m.Packed != nil {
		sub.Packed = kernels.PackedRowRange(m.Packed, m.RowBytes, m.Rows, r0, r1)
	}
	return sub
}
