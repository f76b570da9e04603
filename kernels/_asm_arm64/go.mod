module github.com/gollm/gollm/kernels/_asm_arm64

go 1.26
