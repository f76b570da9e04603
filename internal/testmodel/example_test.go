package testmodel_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gollm/gollm/internal/testmodel"
	"github.com/gollm/gollm/model"
)

func ExampleWrite() {
	dir, err := os.MkdirTemp("", "testmodel-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	spec, err := testmodel.Preset("tiny-qwen2")
	if err != nil {
		log.Fatal(err)
	}
	spec.Seed = 42
	path := filepath.Join(dir, "tiny.gguf")
	if err := testmodel.Write(path, spec, "Q4_K_M"); err != nil {
		log.Fatal(err)
	}
	m, err := model.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	fmt.Println(m.Config.Arch, m.Config.NLayer, m.Tokenizer.VocabSize())
	// Output: qwen2 2 600
}
