package kernels

// Fused generic dot products for the most common K-quants: the quants are
// unpacked in registers instead of through a kblock, which roughly halves
// the work of the generic (arm, arm64, purego) path.

func bsum(bs *[32]byte, g int) int32 {
	return int32(int16(uint16(bs[2*g]) | uint16(bs[2*g+1])<<8))
}

func dotRowQ4_KGeneric(row, q []byte, nb int) float32 {
	var sum float32
	for i := range nb {
		x := (*[144]byte)(row[144*i:])
		y := (*[q8KBytes]byte)(q[q8KBytes*i:])
		sc := (*[12]byte)(x[4:16])
		bs := (*[32]byte)(y[260:q8KBytes])
		var isum, msum int32
		for j := range 4 {
			s1, m1 := scaleMinK4(2*j, sc)
			s2, m2 := scaleMinK4(2*j+1, sc)
			qs := (*[32]byte)(x[16+32*j:])
			lo := (*[32]byte)(y[4+64*j:])
			hi := (*[32]byte)(y[36+64*j:])
			var a0, a1, b0, b1 int32
			for l := 0; l < 16; l++ {
				c0, c1 := qs[l], qs[l+16]
				a0 += int32(c0&15) * int32(int8(lo[l]))
				a1 += int32(c1&15) * int32(int8(lo[l+16]))
				b0 += int32(c0>>4) * int32(int8(hi[l]))
				b1 += int32(c1>>4) * int32(int8(hi[l+16]))
			}
			isum += s1*(a0+a1) + s2*(b0+b1)
			msum += m1*(bsum(bs, 4*j)+bsum(bs, 4*j+1)) + m2*(bsum(bs, 4*j+2)+bsum(bs, 4*j+3))
		}
		yd := f32le(y[0:4])
		sum += f16(x[0:])*yd*float32(isum) - f16(x[2:])*yd*float32(msum)
	}
	return sum
}

// q6Quarter returns the 16-element sums of the four Q6_K sub-blocks that
// start at element offset o (0 or 16) of one 128-element half.
func q6Quarter(ql *[64]byte, qh *[32]byte, yq *[128]byte, o int) (s0, s1, s2, s3 int32) {
	h := (*[16]byte)(qh[o:])
	la, lb := (*[16]byte)(ql[o:]), (*[16]byte)(ql[32+o:])
	y0, y1 := (*[16]byte)(yq[o:]), (*[16]byte)(yq[32+o:])
	y2, y3 := (*[16]byte)(yq[64+o:]), (*[16]byte)(yq[96+o:])
	for l := range 16 {
		c, a, b := h[l], la[l], lb[l]
		s0 += (int32(a&15|c&3<<4) - 32) * int32(int8(y0[l]))
		s1 += (int32(b&15|c>>2&3<<4) - 32) * int32(int8(y1[l]))
		s2 += (int32(a>>4|c>>4&3<<4) - 32) * int32(int8(y2[l]))
		s3 += (int32(b>>4|c>>6<<4) - 32) * int32(int8(y3[l]))
	}
	return
}

func dotRowQ6_KGeneric(row, q []byte, nb int) float32 {
	var sum float32
	for i := range nb {
		x := (*[210]byte)(row[210*i:])
		y := (*[q8KBytes]byte)(q[q8KBytes*i:])
		var isum int32
		for h := range 2 {
			ql := (*[64]byte)(x[64*h:])
			qh := (*[32]byte)(x[128+32*h:])
			yq := (*[128]byte)(y[4+128*h:])
			sc := (*[8]byte)(x[192+8*h:])
			a0, a1, a2, a3 := q6Quarter(ql, qh, yq, 0)
			b0, b1, b2, b3 := q6Quarter(ql, qh, yq, 16)
			isum += int32(int8(sc[0]))*a0 + int32(int8(sc[1]))*b0 +
				int32(int8(sc[2]))*a1 + int32(int8(sc[3]))*b1 +
				int32(int8(sc[4]))*a2 + int32(int8(sc[5]))*b2 +
				int32(int8(sc[6]))*a3 + int32(int8(sc[7]))*b3
		}
		sum += f16(x[208:]) * f32le(y[0:4]) * float32(isum)
	}
	return sum
}

func dotRowQ5_0Generic(row, q []byte, nb int) float32 {
	var sum float32
	for i := range nb {
		x := (*[22]byte)(row[22*i:])
		y := (*[q8_0Bytes]byte)(q[q8_0Bytes*i:])
		qh := uint32(x[2]) | uint32(x[3])<<8 | uint32(x[4])<<16 | uint32(x[5])<<24
		qs := (*[16]byte)(x[6:])
		b := (*[32]byte)(y[2:])
		var s0, s1 int32
		for j := 0; j < 16; j++ {
			c := qs[j]
			s0 += (int32(c&15|byte(qh>>j&1)<<4) - 16) * int32(int8(b[j]))
			s1 += (int32(c>>4|byte(qh>>(j+16)&1)<<4) - 16) * int32(int8(b[j+16]))
		}
		sum += float32(s0+s1) * f16(x[:]) * f16(y[:])
	}
	return sum
}

func dotRowQ4_1Generic(row, q []byte, nb int) float32 {
	var sum float32
	for i := range nb {
		x := (*[20]byte)(row[20*i:])
		y := (*[q8_0Bytes]byte)(q[q8_0Bytes*i:])
		qs := (*[16]byte)(x[4:])
		b := (*[32]byte)(y[2:])
		var s0, s1, t0, t1 int32
		for j := 0; j < 16; j++ {
			c := qs[j]
			y0, y1 := int32(int8(b[j])), int32(int8(b[j+16]))
			s0 += int32(c&15) * y0
			s1 += int32(c>>4) * y1
			t0 += y0
			t1 += y1
		}
		dy := f16(y[:])
		sum += float32(s0+s1)*f16(x[:])*dy + f16(x[2:])*dy*float32(t0+t1)
	}
	return sum
}

func dotRowQ5_1Generic(row, q []byte, nb int) float32 {
	var sum float32
	for i := range nb {
		x := (*[24]byte)(row[24*i:])
		y := (*[q8_0Bytes]byte)(q[q8_0Bytes*i:])
		qh := uint32(x[4]) | uint32(x[5])<<8 | uint32(x[6])<<16 | uint32(x[7])<<24
		qs := (*[16]byte)(x[8:])
		b := (*[32]byte)(y[2:])
		var s0, s1, t0, t1 int32
		for j := 0; j < 16; j++ {
			c := qs[j]
			y0, y1 := int32(int8(b[j])), int32(int8(b[j+16]))
			s0 += int32(c&15|byte(qh>>j&1)<<4) * y0
			s1 += int32(c>>4|byte(qh>>(j+16)&1)<<4) * y1
			t0 += y0
			t1 += y1
		}
		dy := f16(y[:])
		sum += float32(s0+s1)*f16(x[:])*dy + f16(x[2:])*dy*float32(t0+t1)
	}
	return sum
}

func dotRowIQ4_NLGeneric(row, q []byte, nb int) float32 {
	var sum float32
	for i := range nb {
		x := (*[18]byte)(row[18*i:])
		y := (*[q8_0Bytes]byte)(q[q8_0Bytes*i:])
		qs := (*[16]byte)(x[2:])
		b := (*[32]byte)(y[2:])
		var s0, s1 int32
		for j := 0; j < 16; j++ {
			c := qs[j]
			s0 += int32(iq4nlValues[c&15]) * int32(int8(b[j]))
			s1 += int32(iq4nlValues[c>>4]) * int32(int8(b[j+16]))
		}
		sum += float32(s0+s1) * f16(x[:]) * f16(y[:])
	}
	return sum
}

func dotRowQ5_KGeneric(row, q []byte, nb int) float32 {
	var sum float32
	for i := range nb {
		x := (*[176]byte)(row[176*i:])
		y := (*[q8KBytes]byte)(q[q8KBytes*i:])
		sc := (*[12]byte)(x[4:16])
		qh := (*[32]byte)(x[16:48])
		bs := (*[32]byte)(y[260:q8KBytes])
		var isum, msum int32
		for j := range 4 {
			s1, m1 := scaleMinK4(2*j, sc)
			s2, m2 := scaleMinK4(2*j+1, sc)
			qs := (*[32]byte)(x[48+32*j:])
			lo := (*[32]byte)(y[4+64*j:])
			hi := (*[32]byte)(y[36+64*j:])
			sh := uint(2 * j)
			var a, b int32
			for l := range 32 {
				c, h := qs[l], qh[l]>>sh
				a += int32(c&15|h&1<<4) * int32(int8(lo[l]))
				b += int32(c>>4|h&2<<3) * int32(int8(hi[l]))
			}
			isum += s1*a + s2*b
			msum += m1*(bsum(bs, 4*j)+bsum(bs, 4*j+1)) + m2*(bsum(bs, 4*j+2)+bsum(bs, 4*j+3))
		}
		yd := f32le(y[0:4])
		sum += f16(x[0:])*yd*float32(isum) - f16(x[2:])*yd*float32(msum)
	}
	return sum
}

func dotRowIQ4_XSGeneric(row, q []byte, nb int) float32 {
	var sum float32
	for i := range nb {
		x := (*[136]byte)(row[136*i:])
		y := (*[q8KBytes]byte)(q[q8KBytes*i:])
		sh := uint32(x[2]) | uint32(x[3])<<8
		var isum int32
		for ib := range 8 {
			ls := int32(x[4+ib/2]>>(4*(ib%2))&15) | int32(sh>>(2*ib)&3)<<4
			qs := (*[16]byte)(x[8+16*ib:])
			lo := (*[16]byte)(y[4+32*ib:])
			hi := (*[16]byte)(y[20+32*ib:])
			var s0, s1 int32
			for j := range 16 {
				c := qs[j]
				s0 += int32(iq4nlValues[c&15]) * int32(int8(lo[j]))
				s1 += int32(iq4nlValues[c>>4]) * int32(int8(hi[j]))
			}
			isum += (ls - 32) * (s0 + s1)
		}
		sum += f16(x[0:]) * f32le(y[0:4]) * float32(isum)
	}
	return sum
}

func dotRowQ2_KGeneric(row, q []byte, nb int) float32 {
	var sum float32
	for i := range nb {
		x := (*[84]byte)(row[84*i:])
		y := (*[q8KBytes]byte)(q[q8KBytes*i:])
		bs := (*[32]byte)(y[260:q8KBytes])
		var isum, msum int32
		for g := range 16 {
			msum += int32(x[g]>>4) * bsum(bs, g)
		}
		for h := range 2 {
			qs := (*[32]byte)(x[16+32*h:])
			for s := range 4 {
				yq := (*[32]byte)(y[4+128*h+32*s:])
				sh := uint(2 * s)
				var a, b int32
				for l := range 16 {
					a += int32(qs[l]>>sh&3) * int32(int8(yq[l]))
					b += int32(qs[l+16]>>sh&3) * int32(int8(yq[l+16]))
				}
				g := 8*h + 2*s
				isum += int32(x[g]&15)*a + int32(x[g+1]&15)*b
			}
		}
		yd := f32le(y[0:4])
		sum += f16(x[80:])*yd*float32(isum) - f16(x[82:])*yd*float32(msum)
	}
	return sum
}

func dotRowQ3_KGeneric(row, q []byte, nb int) float32 {
	var sum float32
	var k kblock
	for i := range nb {
		x := (*[110]byte)(row[110*i:])
		y := (*[q8KBytes]byte)(q[q8KBytes*i:])
		unpackQ3KScales(x, &k.sc)
		hm := (*[32]byte)(x[0:32])
		var isum int32
		for h := range 2 {
			qs := (*[32]byte)(x[32+32*h:])
			for s := range 4 {
				yq := (*[32]byte)(y[4+128*h+32*s:])
				sh := uint(2 * s)
				m := byte(1) << (4*h + s)
				var a, b int32
				for l := range 16 {
					va := int32(qs[l] >> sh & 3)
					if hm[l]&m == 0 {
						va -= 4
					}
					vb := int32(qs[l+16] >> sh & 3)
					if hm[l+16]&m == 0 {
						vb -= 4
					}
					a += va * int32(int8(yq[l]))
					b += vb * int32(int8(yq[l+16]))
				}
				g := 8*h + 2*s
				isum += k.sc[g]*a + k.sc[g+1]*b
			}
		}
		sum += f16(x[108:]) * f32le(y[0:4]) * float32(isum)
	}
	return sum
}
