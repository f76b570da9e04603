package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/progress"
	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/quant/mix"
)

func init() {
	register(command{
		name:    "quantize",
		summary: "convert a GGUF model to another file type (Q4_K_M, Q8_0, ...) as llama-quantize does",
		run:     runQuantize,
	})
}

// ggmlQuantVersion is GGML_QNT_VERSION, stored in general.quantization_version.
const ggmlQuantVersion = 2

func runQuantize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("quantize", "[--pure] [-t N] IN.gguf OUT.gguf TYPE", stdout)
	pure := fs.Bool("pure", false, "give every quantized matrix TYPE's base type (no per-tensor mix)")
	threads := fs.Int("t", 0, "worker `threads` (0: one per CPU)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 3 {
		return usageError(fs, fmt.Sprintf("want IN.gguf OUT.gguf TYPE, got %d arguments", len(pos)))
	}
	ft, err := mix.ParseFileType(pos[2])
	if err != nil {
		return err
	}
	if *threads < 0 {
		return errors.New("-t must not be negative")
	}
	// Stop cleanly (removing the temporary file) on Ctrl-C or kill.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := progress.New(stderr, "quantize")
	defer bar.Done()
	start := time.Now()
	st, err := quantizeModel(ctx, pos[0], pos[1], ft, quantizeOptions{pure: *pure, threads: *threads, bar: bar, warn: stderr})
	bar.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s, %d tensors (%d converted), %s -> %s (%.2f -> %.2f bits per weight) in %s\n",
		pos[1], ft.Name, st.tensors, st.converted, mibString(st.inFile), mibString(st.outFile),
		bpw(st.inData, st.elements), bpw(st.outData, st.elements), time.Since(start).Round(time.Millisecond))
	return nil
}

func mibString(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) }

func bpw(bytes, elements int64) float64 {
	if elements == 0 {
		return 0
	}
	return float64(bytes) * 8 / float64(elements)
}

// quantizeOptions tunes quantizeModel.
type quantizeOptions struct {
	pure    bool
	threads int
	bar     *progress.Bar // may be nil
	warn    io.Writer     // warnings; may be nil
}

// quantizeStats summarizes a conversion.
type quantizeStats struct {
	tensors, converted int
	elements           int64
	inData, outData    int64 // tensor bytes
	inFile, outFile    int64
}

// modelFacts reads what the type mix depends on from the file's metadata.
func modelFacts(f *gguf.File) mix.ModelFacts {
	arch, _ := f.String("general.architecture")
	get := func(key string) int {
		if n, err := f.Int(arch + "." + key); err == nil {
			return int(n)
		}
		if v, ok := f.Get(arch + "." + key); ok && v.Array() != nil && v.Array().Len() > 0 {
			if n, ok := gguf.MustValue(v.Array().At(0)).Int(); ok {
				return int(n) // a per-layer array: llama.cpp's n_gqa() looks at layer 0
			}
		}
		return 0
	}
	return mix.ModelFacts{Arch: arch, Layers: get("block_count"), Heads: get("attention.head_count"),
		KVHeads: get("attention.head_count_kv"), Experts: get("expert_count")}
}

// dropKeys are the metadata keys the output does not copy: llama.cpp sets
// the first two at the end of the metadata and removes the split keys.
var dropKeys = map[string]bool{
	"general.quantization_version": true, "general.file_type": true,
	"split.no": true, "split.count": true, "split.tensors.count": true,
}

// quantizeModel writes the model at in to out as file type ft, one tensor
// at a time, in llama-quantize's tensor order and with its metadata layout.
// out appears only when complete.
func quantizeModel(ctx context.Context, in, out string, ft mix.FileType, opts quantizeOptions) (quantizeStats, error) {
	var st quantizeStats
	src, err := gguf.Open(in)
	if err != nil {
		return st, err
	}
	defer src.Close()
	if a, err := os.Stat(in); err == nil {
		if b, err := os.Stat(out); err == nil && os.SameFile(a, b) {
			return st, fmt.Errorf("the output %s is the input file", out)
		}
	}
	specs := make([]mix.TensorSpec, len(src.Tensors))
	names := make([]string, len(src.Tensors))
	for i, t := range src.Tensors {
		specs[i] = mix.TensorSpec{Name: t.Name, Dims: t.Dims, Type: t.Type}
		names[i] = t.Name
	}
	types, err := mix.Plan(ft, modelFacts(src), specs, opts.pure)
	if err != nil {
		return st, err
	}
	order := mix.TensorOrder(names)
	requant := map[string]bool{}
	for i, t := range src.Tensors {
		if types[i] == t.Type {
			continue
		}
		if err := quant.Dequantize(t.Type, nil, nil); err != nil {
			return st, fmt.Errorf("tensor %s: cannot convert from %s (unsupported source type)", t.Name, gguf.TypeName(t.Type))
		}
		if !quant.CanQuantize(types[i]) {
			return st, fmt.Errorf("tensor %s: cannot quantize to %s", t.Name, types[i])
		}
		if t.Type != quant.F32 && t.Type != quant.F16 && t.Type != quant.BF16 {
			requant[t.Type.String()] = true
		}
	}
	if len(requant) > 0 && opts.warn != nil {
		var ts []string
		for t := range requant {
			ts = append(ts, t)
		}
		sort.Strings(ts)
		opts.bar.Println(opts.warn, fmt.Sprintf("warning: requantizing from %s: the tensors are dequantized first, "+
			"so the result is worse than quantizing from F32/F16/BF16", strings.Join(ts, ", ")))
	}

	fw, err := gguf.Create(out)
	if err != nil {
		return st, err
	}
	defer fw.Abort() // no-op after a successful Close
	for _, kv := range src.Metadata {
		if !dropKeys[kv.Key] {
			fw.AddKV(kv.Key, kv.Value)
		}
	}
	fw.AddKV("general.quantization_version", gguf.MustValue(uint32(ggmlQuantVersion)))
	fw.AddKV("general.file_type", gguf.MustValue(ft.ID))
	sizes := make([]int64, len(order))
	for _, i := range order {
		if sizes[i], err = fw.AddTensor(src.Tensors[i].Name, types[i], src.Tensors[i].Dims); err != nil {
			return st, err
		}
		st.inData += src.Tensors[i].Size
	}
	if err := fw.WriteHeader(); err != nil {
		return st, err
	}
	threads := opts.threads
	if threads == 0 {
		threads = runtime.NumCPU()
	}
	var buf []byte
	var done int64
	for _, i := range order {
		t := &src.Tensors[i]
		if ctx.Err() != nil {
			return st, fmt.Errorf("interrupted; %s was not written", out)
		}
		opts.bar.SetBytes(t.Name, done, st.inData)
		data := src.Data(t)
		if types[i] != t.Type {
			if int64(cap(buf)) < sizes[i] {
				buf = make([]byte, sizes[i])
			}
			data = buf[:sizes[i]]
			err := convertRows(ctx, t, src.Data(t), types[i], data, threads, func(n int64) {
				opts.bar.SetBytes(t.Name, atomic.AddInt64(&done, n), st.inData)
			})
			if ctx.Err() != nil {
				return st, fmt.Errorf("interrupted; %s was not written", out)
			}
			if err != nil {
				return st, err
			}
			st.converted++
		} else {
			done += t.Size
		}
		if err := fw.WriteTensor(t.Name, data); err != nil {
			return st, err
		}
		st.outData += int64(len(data))
		st.elements += t.Elements()
	}
	if err := fw.Close(); err != nil {
		return st, err
	}
	st.tensors = len(order)
	st.inFile = src.Size()
	if fi, err := os.Stat(out); err == nil {
		st.outFile = fi.Size()
	}
	return st, nil
}

// convertRows converts tensor t's data (src) to type to in dst, rows in
// parallel: workers take chunks of rows (at least 16384 elements, like
// llama.cpp), dequantize them to float32 and quantize the result. report
// receives the source bytes of each finished chunk.
func convertRows(ctx context.Context, t *gguf.TensorInfo, src []byte, to quant.Type, dst []byte, threads int, report func(int64)) error {
	rowLen, rows := int(t.Dims[0]), int(t.Rows())
	if rowLen == 0 || rows == 0 {
		return nil
	}
	inRow, err := t.Type.RowBytes(int64(rowLen))
	if err != nil {
		return err
	}
	outRow, err := to.RowBytes(int64(rowLen))
	if err != nil {
		return err
	}
	chunk := max(1, (16384+rowLen-1)/rowLen)
	nChunks := (rows + chunk - 1) / chunk
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, min(threads, nChunks))
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f32 := make([]float32, chunk*rowLen)
			for {
				c := int(next.Add(1) - 1)
				if c >= nChunks || ctx.Err() != nil {
					return
				}
				r0, r1 := c*chunk, min((c+1)*chunk, rows)
				x := f32[:(r1-r0)*rowLen]
				if err := quant.Dequantize(t.Type, src[int64(r0)*inRow:int64(r1)*inRow], x); err != nil {
					errs[w] = err
					return
				}
				if err := quant.Quantize(to, x, dst[int64(r0)*outRow:int64(r1)*outRow]); err != nil {
					errs[w] = err
					return
				}
				report(int64(r1-r0) * inRow)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("tensor %s: %w", t.Name, err)
	}
	return ctx.Err()
}
