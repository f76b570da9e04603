package main

import . "github.com/gollm/gollm/kernels/_asm_arm64/asm"

// Constant tables; each .s file holds the ones its kernels load.
var (
	iq4nlTable = &Table{Name: "iq4nl", Doc: "the IQ4_NL codebook.",
		Words: []uint64{0xf6eaddcfbfad9881, 0x7159453526190d01}}

	q5Table = &Table{Name: "q5tbl", Doc: `byte indices of qh for elements 0-15 and 16-31, then the bit of
each element within its byte.`,
		Words: []uint64{0, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303,
			0x8040201008040201, 0x8040201008040201}}

	k4idxTable = &Table{Name: "k4idx", Doc: `VTBL indices that spread byte k of row 0's and row 1's scales
(bytes 0-7, 8-15 of a vector) to the int32 lanes [r0 r0 r1 r1] (0x80:
zero), then the per-sub-block increment.`,
		Words: []uint64{0x8080800080808000, 0x8080800880808008, 0x0000000100000001, 0x0000000100000001}}

	k6idxTable = &Table{Name: "k6idx", Doc: `VTBL indices that put scale byte g of row 0 (table bytes 0-15)
and row 1 (16-31) in the top byte of the int32 lanes [r0 r0 r1 r1], then
the per-sub-block increment.`,
		Words: []uint64{0x0080808000808080, 0x1080808010808080, 0x0100000001000000, 0x0100000001000000}}
)
