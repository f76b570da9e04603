package main

import . "github.com/gollm/gollm/kernels/_asm_arm64/asm"

// Constant tables; each .s file holds the ones its kernels load.
var (
	iq4nlTable = &Table{Name: "iq4nl", Doc: "the IQ4_NL codebook.",
		Words: []uint64{0xf6eaddcfbfad9881, 0x7159453526190d01}}

	q5HeadTable = &Table{Name: "q5head", Doc: `byte indices of qh for elements 0-15 and 16-31 in the first eight
bytes of a Q5_0 block (d, then qh), then the bit of each element within
its byte.`,
		Words: []uint64{0x0202020202020202, 0x0303030303030303, 0x0404040404040404, 0x0505050505050505,
			0x8040201008040201, 0x8040201008040201}}

	q5Table = &Table{Name: "q5tbl", Doc: `byte indices of qh for elements 0-15 and 16-31, then the bit of
each element within its byte.`,
		Words: []uint64{0, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303,
			0x8040201008040201, 0x8040201008040201}}
)
