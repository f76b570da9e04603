package quant

import (
	"math"
	"testing"
)

func TestScaleMinK4RoundTrip(t *testing.T) {
	var sc, mn [8]uint8
	for i := range sc {
		sc[i] = uint8(63 - 7*i)
		mn[i] = uint8(5 + 8*i)
	}
	var packed [12]byte
	for j := 0; j < 8; j++ {
		putScaleMinK4(j, sc[j], mn[j], packed[:])
	}
	for j := 0; j < 8; j++ {
		s, m := ScaleMinK4(j, packed[:])
		if s != sc[j] || m != mn[j] {
			t.Errorf("j=%d: got (%d,%d), want (%d,%d)", j, s, m, sc[j], mn[j])
		}
	}
}

func TestQ3KScalesLayout(t *testing.T) {
	// Build the field the way quantize_row_q3_K_ref does and read it back.
	var packed [12]byte
	var want [16]uint8
	for j := 0; j < 16; j++ {
		l := uint8((j*37 + 11) % 64)
		want[j] = l
		if j < 8 {
			packed[j] = l & 0xF
		} else {
			packed[j-8] |= (l & 0xF) << 4
		}
		packed[j%4+8] |= (l >> 4) << (2 * (j / 4))
	}
	if got := Q3KScales(packed[:]); got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestIQ4XSScale(t *testing.T) {
	sl := []byte{0x21, 0x43, 0x65, 0x87}
	sh := uint16(0b11_10_01_00_11_10_01_00)
	for ib := 0; ib < 8; ib++ {
		want := uint8(ib+1) | uint8(ib%4)<<4
		if got := IQ4XSScale(ib, sh, sl); got != want {
			t.Errorf("ib=%d: got %d, want %d", ib, got, want)
		}
	}
}

func TestNearestInt(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want int
	}{{0.5, 0}, {1.5, 2}, {2.5, 2}, {-0.5, 0}, {-1.5, -2}, {-2.5, -2}, {0.49999997, 0}, {3.7, 4}, {-3.7, -4}, {4194303, 4194303}, {-4194303, -4194303}} {
		if got := nearestInt(c.in); got != c.want {
			t.Errorf("nearestInt(%v) = %d, want %d", c.in, got, c.want)
		}
	}
	for i := -100000; i <= 100000; i += 7 {
		f := float32(i) / 64
		if got, want := nearestInt(f), int(math.RoundToEven(float64(f))); got != want {
			t.Fatalf("nearestInt(%v) = %d, want %d", f, got, want)
		}
	}
}

func TestBestIndexInt8(t *testing.T) {
	vals := IQ4NLValues[:]
	for i := -2000; i <= 2000; i++ {
		x := float32(i) / 13
		// Brute force: nearest value, ties to the upper one.
		best := 0
		for j := range vals {
			dj := math.Abs(float64(x) - float64(vals[j]))
			db := math.Abs(float64(x) - float64(vals[best]))
			if dj <= db {
				best = j
			}
		}
		if got := bestIndexInt8(vals, x); got != best {
			t.Fatalf("bestIndexInt8(%v) = %d, want %d", x, got, best)
		}
	}
	// Exact midpoints go up.
	if got := bestIndexInt8(vals, -4.5); got != 8 {
		t.Errorf("midpoint of -10 and 1: got %d, want 8", got)
	}
}
