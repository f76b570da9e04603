//go:build (amd64 || arm64) && !purego

package kernels

// lo4 masks the low nibble of every byte.
const lo4 = 0x0f0f0f0f0f0f0f0f

// q5hi[b] has 0x10 in byte i when bit i of b is set (the fifth bits of
// eight Q5_0 quants): the Go tile unpackers of both architectures use it.
var q5hi = func() (t [256]uint64) {
	for b := range t {
		for i := range 8 {
			if b>>i&1 != 0 {
				t[b] |= 0x10 << (8 * i)
			}
		}
	}
	return
}()

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
