package model

import (
	"testing"

	"github.com/gollm/gollm/quant"
)

func TestMatrixViews(t *testing.T) {
	data := make([]byte, 3*2*34) // 3 rows of 64 Q8_0 elements
	for i := range data {
		data[i] = byte(i)
	}
	m, err := NewMatrix("w", quant.Q8_0, 3, 64, data)
	if err != nil {
		t.Fatal(err)
	}
	if m.RowBytes != 68 || m.Row(2)[0] != byte(136) {
		t.Fatalf("RowBytes %d, Row(2)[0] %d", m.RowBytes, m.Row(2)[0])
	}
	sub := m.RowRange(1, 3, "w[1:3]")
	if sub.Rows != 2 || &sub.Row(0)[0] != &m.Row(1)[0] {
		t.Errorf("RowRange does not share rows")
	}
	if _, err := NewMatrix("bad", quant.Q8_0, 3, 64, data[:10]); err == nil {
		t.Errorf("short data accepted")
	}
	if _, err := NewMatrix("bad", quant.Q8_0, 1, 33, data); err == nil {
		t.Errorf("row length not a multiple of the block size accepted")
	}
}
