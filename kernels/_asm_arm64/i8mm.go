package main

// i8mmKernels returns the SMMLA kernels (none yet).
func i8mmKernels() string { return "" }
