package testmodel

import (
	"fmt"
	"io"
	"runtime"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
)

// Options tunes writing; the zero value is ready to use.
type Options struct {
	// Threads is the number of goroutines that generate and quantize rows;
	// 0 means runtime.GOMAXPROCS(0). The output does not depend on it.
	Threads int
	// Progress, when set, is called after each chunk of tensor data.
	Progress func(Progress)
}

// Progress reports how far a write has got.
type Progress struct {
	Tensor       string // name of the tensor being written
	Index, Count int    // its index and the number of tensors
	Done, Total  int64  // bytes of tensor data written and to write
}

// Write writes a model of spec s with file type fileType ("Q4_K_M",
// "Q8_0", "F16", ...; see FileTypeNames) to path. The file appears only
// when complete. The same spec, seed and file type always give the same
// bytes.
func Write(path string, s Spec, fileType string) error {
	return Options{}.Write(path, s, fileType)
}

// WriteTo writes the model Write would write to w and returns the number of
// bytes written.
func WriteTo(w io.Writer, s Spec, fileType string) (int64, error) {
	return Options{}.WriteTo(w, s, fileType)
}

// Write is the package-level Write with options.
func (o Options) Write(path string, s Spec, fileType string) error {
	fw, err := gguf.Create(path)
	if err != nil {
		return err
	}
	defer fw.Abort()
	if err := o.write(fw.Writer, s, fileType); err != nil {
		return err
	}
	return fw.Close()
}

// WriteTo is the package-level WriteTo with options.
func (o Options) WriteTo(w io.Writer, s Spec, fileType string) (int64, error) {
	gw := gguf.NewWriter(w)
	err := o.write(gw, s, fileType)
	return gw.Written(), err
}

// plannedTensor is a tensor with its chosen type.
type plannedTensor struct {
	tensorDesc
	typ quant.Type
}

// Plan returns the name and tensor type of every tensor a model of spec s
// with file type fileType has, in file order.
func Plan(s Spec, fileType string) (names []string, types []quant.Type, err error) {
	ft, err := ParseFileType(fileType)
	if err != nil {
		return nil, nil, err
	}
	s = s.withDefaults()
	planned, err := plan(s, ft)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range planned {
		names = append(names, t.name)
		types = append(types, t.typ)
	}
	return names, types, nil
}

func plan(s Spec, ft FileType) ([]plannedTensor, error) {
	tensors := s.tensors()
	types, err := tensorTypes(s, ft, tensors)
	if err != nil {
		return nil, fmt.Errorf("testmodel: %w", err)
	}
	out := make([]plannedTensor, len(tensors))
	for i, t := range tensors {
		out[i] = plannedTensor{t, types[i]}
	}
	return out, nil
}

func (o Options) write(gw *gguf.Writer, s Spec, fileType string) error {
	ft, err := ParseFileType(fileType)
	if err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("testmodel: %w", err)
	}
	s = s.withDefaults()
	v, err := buildVocab(s)
	if err != nil {
		return err
	}
	for _, kv := range metadata(s, ft, v) {
		if err := gw.AddKV(kv.Key, kv.Value); err != nil {
			return err
		}
	}
	tensors, err := plan(s, ft)
	if err != nil {
		return err
	}
	var total int64
	for _, t := range tensors {
		n, err := gw.AddTensor(t.name, t.typ, t.dims)
		if err != nil {
			return err
		}
		total += n
	}
	if err := gw.WriteHeader(); err != nil {
		return err
	}
	threads := o.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	var done int64
	for i, t := range tensors {
		r, err := newTensorReader(t, s.Seed, threads)
		if err != nil {
			return err
		}
		if o.Progress != nil {
			base := done
			r.progress = func(n int64) {
				o.Progress(Progress{Tensor: t.name, Index: i, Count: len(tensors), Done: base + n, Total: total})
			}
		}
		if err := gw.CopyTensor(t.name, r); err != nil {
			return err
		}
		done += r.size
	}
	return gw.Finish()
}

// metadata returns the GGUF metadata of the model, in llama.cpp's order.
func metadata(s Spec, ft FileType, v *vocab) []gguf.KeyValue {
	var kvs []gguf.KeyValue
	add := func(key string, x any) { kvs = append(kvs, gguf.KeyValue{Key: key, Value: gguf.MustValue(x)}) }
	a := s.Arch + "."
	add("general.architecture", s.Arch)
	add("general.name", s.Name)
	add(a+"context_length", uint32(s.NCtx))
	add(a+"embedding_length", uint32(s.NEmbd))
	add(a+"block_count", uint32(s.NLayer))
	add(a+"feed_forward_length", uint32(s.NFF))
	add(a+"attention.head_count", uint32(s.NHead))
	add(a+"attention.head_count_kv", uint32(s.NHeadKV))
	add(a+"attention.layer_norm_rms_epsilon", s.NormEps)
	add(a+"rope.freq_base", s.RopeBase)
	if s.HeadDim != s.NEmbd/s.NHead || s.QKNorm {
		add(a+"attention.key_length", uint32(s.HeadDim))
		add(a+"attention.value_length", uint32(s.HeadDim))
	}
	switch s.Arch {
	case "phi3", "llama", "smollm3", "qwen35":
		add(a+"rope.dimension_count", uint32(s.RopeDim))
	}
	if s.Arch == "llama" || s.Arch == "smollm3" {
		add(a+"vocab_size", uint32(s.NVocab))
	}
	if s.Arch == "gemma3" {
		add(a+"attention.sliding_window", uint32(s.SlidingWindow))
		add(a+"rope.freq_base_swa", s.RopeBaseSWA)
		if s.FinalLogitSoftcap != 0 {
			add(a+"final_logit_softcapping", s.FinalLogitSoftcap)
		}
	}
	if s.Arch == "qwen35" {
		add(a+"ssm.conv_kernel", uint32(s.SSMConv))
		add(a+"ssm.state_size", uint32(s.SSMState))
		add(a+"ssm.group_count", uint32(s.SSMGroups))
		add(a+"ssm.time_step_rank", uint32(s.SSMVHeads))
		add(a+"ssm.inner_size", uint32(s.SSMVHeads*s.SSMState))
		add(a+"full_attention_interval", uint32(s.FullAttentionInterval))
		// Interleaved multi-section RoPE giving section k the pairs i
		// with i % 3 == k, as Qwen3.5's [11, 11, 10, 0] covers its 32:
		// every pair rotates with the text position.
		half := int32(s.RopeDim / 2)
		add(a+"rope.dimension_sections", []int32{(half + 2) / 3, (half + 1) / 3, half / 3, 0})
	}
	if s.Tokenizer == SPM {
		add("tokenizer.ggml.model", "llama")
		add("tokenizer.ggml.pre", "default")
	} else {
		add("tokenizer.ggml.model", "gpt2")
		add("tokenizer.ggml.pre", s.Pre)
	}
	add("tokenizer.ggml.tokens", v.tokens)
	if v.scores != nil {
		add("tokenizer.ggml.scores", v.scores)
	}
	add("tokenizer.ggml.token_type", v.types)
	if v.merges != nil {
		add("tokenizer.ggml.merges", v.merges)
	}
	add("tokenizer.ggml.bos_token_id", v.bos)
	add("tokenizer.ggml.eos_token_id", v.eos)
	if v.unk >= 0 {
		add("tokenizer.ggml.unknown_token_id", uint32(v.unk))
	}
	add("tokenizer.ggml.padding_token_id", v.pad)
	add("tokenizer.ggml.add_bos_token", s.Tokenizer == SPM)
	if s.Tokenizer == SPM {
		add("tokenizer.ggml.add_eos_token", false)
	}
	if s.Arch == "gemma3" {
		add("tokenizer.ggml.add_space_prefix", false)
	}
	add("tokenizer.chat_template", chatTemplate(s))
	add("general.quantization_version", uint32(2))
	add("general.file_type", ft.ID)
	return kvs
}
