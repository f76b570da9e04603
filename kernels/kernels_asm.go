//go:build (amd64 || arm64) && !purego

package kernels

// matMulRows computes columns [c0, p.cols) with the row kernel, over tiles
// of 8 columns: each weight row is read from memory once per tile and
// served from L1 to the other columns.
func matMulRows(p *product, c0 int) {
	const tile = 8
	for ; c0 < p.cols; c0 += tile {
		c1 := min(c0+tile, p.cols)
		for r := range p.rows {
			x := &p.w[r*p.rb]
			for c := c0; c < c1; c++ {
				p.out[c*p.ldOut+r] = dotRow(p.t, x, &p.qs[c*p.ab], p.nb)
			}
		}
	}
}
