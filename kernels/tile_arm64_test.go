//go:build !purego

package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/gollm/gollm/quant"
)

// TestTileBlockCounts runs every tile type at every arm64 level with
// enough columns for MatMul to take its tile (tile_arm64.go), five rows (a
// group of four and a padded one) and the block counts around the tiles'
// lengths (rows longer than a tile add partial sums), against the generic
// twin. TestLevels covers every block count with few columns (the
// four-column and row kernels), TestWideMatMul the column counts.
func TestTileBlockCounts(t *testing.T) {
	types := []quant.Type{quant.Q5_0, quant.IQ4_NL, quant.Q4_1, quant.Q5_1,
		quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.IQ4_XS}
	cols := max(tile4MinCols, tile4MinColsRows, tileQ8MinCols) + 1
	for _, lv := range Levels() {
		if lv == "generic" {
			continue
		}
		for _, ty := range types {
			counts := []int{1, 2, 3, tileKBlocks - 1, tileKBlocks, tileKBlocks + 1, 2*tileKBlocks + 1}
			if ty.BlockSize() == 32 {
				counts = []int{1, 2, 3, tileMBlocks - 1, tileMBlocks, tileMBlocks + 1, tileQ8Blocks, tileQ8Blocks + 1}
			}
			rng := rand.New(rand.NewPCG(uint64(ty), 5))
			for _, nb := range counts {
				checkWide(t, lv, ty, nb*ty.BlockSize(), 5, cols, rng)
			}
		}
	}
}
