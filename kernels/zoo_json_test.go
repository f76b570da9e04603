package kernels

import (
	"encoding/json"
	"os"
	"testing"
)

type zooTensor struct {
	Type   string `json:"type"`
	Offset int    `json:"rows_offset_floats"`
	Rows   int    `json:"rows"`
}

func readZooJSON(t *testing.T) map[string]zooTensor {
	b, err := os.ReadFile(zooJSON)
	if err != nil {
		t.Skipf("reference data absent: %v", err)
	}
	var m map[string]zooTensor
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
