//go:build (!amd64 && !arm64) || purego

package kernels

import "github.com/gollm/gollm/quant"

func quantizeQ8_0(x []float32, q []byte) { quant.QuantizeQ8_0(x, q) }
func quantizeQ8K(x []float32, q []byte)  { quant.QuantizeQ8K(x, q) }
