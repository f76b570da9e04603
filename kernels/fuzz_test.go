package kernels

import "testing"

// quantTypes are the quantized weight types.
var quantTypes = allTypes[3:]

// FuzzMatVec decodes random bytes as weight blocks of a quantized type
// (any scales, including Inf and NaN) and checks every level against the
// generic twin. The activation is a quantization of values derived from the
// same bytes, as the kernels require.
func FuzzMatVec(f *testing.F) {
	f.Add(uint8(0), []byte("0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
	f.Add(uint8(8), make([]byte, 300))
	seed := make([]byte, 600)
	for i := range seed {
		seed[i] = byte(i*37 + i>>3)
	}
	for i := range quantTypes {
		f.Add(uint8(i), seed)
	}
	f.Fuzz(func(t *testing.T, ti uint8, data []byte) {
		ty := quantTypes[int(ti)%len(quantTypes)]
		bb, bs := ty.BlockBytes(), ty.BlockSize()
		nb := min(len(data)/bb, 40)
		if nb == 0 {
			return
		}
		n := nb * bs
		// Four rows (the four-row kernels), each a variation of the bytes.
		const rows = 4
		w := make([]byte, rows*nb*bb)
		for r := range rows {
			for i, c := range data[:nb*bb] {
				w[r*nb*bb+i] = c ^ byte(r*(i%3))
			}
		}
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(int8(data[i%len(data)]^byte(i*7))) / 16
		}
		q := make([]byte, ActBytes(ty, n))
		QuantizeAct(ty, x, q)
		var want, out [rows]float32
		withLevel(t, "generic", func() { MatVec(ty, w, n, x, q, want[:]) })
		for _, lv := range Levels() {
			withLevel(t, lv, func() { MatVec(ty, w, n, x, q, out[:]) })
			for r := range rows {
				_, mag := refDot(ty, w[r*nb*bb:(r+1)*nb*bb], n, x, q)
				if !sameLevel(out[r], want[r], 1e-5*mag) {
					t.Fatalf("%v nb=%d level %s row %d: %g, generic %g", ty, nb, lv, r, out[r], want[r])
				}
			}
		}
	})
}
