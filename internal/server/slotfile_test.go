package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestSlotSaveRestore(t *testing.T) {
	dir := t.TempDir()
	_, hs := start(t, Config{Parallel: 2, SlotSavePath: dir, Session: sessionCtx(512)})
	conv := []string{msg("system", "You are a patient assistant with a long memory of the conversation."), msg("user", "Remember this.")}
	code, v := post(t, hs.URL+"/v1/chat/completions", chatBody(conv...))
	if code != 200 {
		t.Fatalf("%d %v", code, v)
	}
	slot := int(get(v, "gollm", "slot").(float64))
	conv = append(conv, msg("assistant", get(v, "choices", 0, "message", "content").(string)), msg("user", "What was it?"))
	slotURL := func(id int, action string) string {
		return hs.URL + "/slots/" + string(rune('0'+id)) + "?action=" + action
	}
	code, v = post(t, slotURL(slot, "save"), `{"filename":"warm.bin"}`)
	saved, _ := v["n_saved"].(float64)
	if code != 200 || saved == 0 || v["filename"] != "warm.bin" || v["n_written"].(float64) <= 0 {
		t.Fatalf("save: %d %v", code, v)
	}
	if _, err := os.Stat(filepath.Join(dir, "warm.bin")); err != nil {
		t.Fatal(err)
	}
	if code, v = post(t, slotURL(slot, "erase"), `{}`); code != 200 || v["n_erased"] != saved {
		t.Fatalf("erase: %d %v", code, v)
	}
	other := 1 - slot
	if code, v = post(t, slotURL(other, "restore"), `{"filename":"warm.bin"}`); code != 200 || v["n_restored"] != saved {
		t.Fatalf("restore: %d %v", code, v)
	}
	var slots []slotInfo
	_, body := do(t, "GET", hs.URL+"/slots", "", "")
	json.Unmarshal([]byte(body), &slots)
	if len(slots) != 2 || slots[slot].CachedTokens != 0 || slots[other].CachedTokens != int(saved) {
		t.Fatalf("slots %+v", slots)
	}
	code, v = post(t, hs.URL+"/v1/chat/completions", chatBody(conv...))
	if code != 200 || get(v, "gollm", "slot") != float64(other) || get(v, "usage", "prompt_tokens_details", "cached_tokens").(float64) < saved/2 {
		t.Errorf("follow-up after restore: slot %v, cached %v", get(v, "gollm", "slot"), get(v, "usage", "prompt_tokens_details"))
	}

	os.WriteFile(filepath.Join(dir, "junk.bin"), []byte("GOLLMSES junk"), 0o644)
	for _, tc := range []struct {
		url, body string
		status    int
		code      string
	}{
		{slotURL(0, "save"), `{"filename":"../escape.bin"}`, 400, "invalid_value"},
		{slotURL(0, "save"), `{"filename":"sub/x.bin"}`, 400, "invalid_value"},
		{slotURL(0, "save"), `{"filename":".hidden"}`, 400, "invalid_value"},
		{slotURL(0, "save"), `{"filename":"a\\u0000b"}`, 400, "invalid_value"},
		{slotURL(0, "save"), `{"filename":""}`, 400, "invalid_value"},
		{slotURL(0, "save"), `{}`, 400, "missing_required_parameter"},
		{slotURL(0, "save"), `{"filename":"x","path":"/tmp"}`, 400, "unsupported_parameter"},
		{slotURL(0, "restore"), `{"filename":"missing.bin"}`, 404, "file_not_found"},
		{slotURL(0, "restore"), `{"filename":"junk.bin"}`, 400, "invalid_state_file"},
		{slotURL(0, "drop"), `{}`, 400, "invalid_value"},
		{hs.URL + "/slots/7?action=erase", `{}`, 404, "slot_not_found"},
		{hs.URL + "/slots/x?action=erase", `{}`, 404, "slot_not_found"},
	} {
		code, v := post(t, tc.url, tc.body)
		if code != tc.status || get(v, "error", "code") != tc.code {
			t.Errorf("%s %s: %d %v", tc.url, tc.body, code, v)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the save directory holds %d files", len(entries))
	}

	_, plain := start(t, Config{})
	if code, v := post(t, plain.URL+"/slots/0?action=save", `{"filename":"a.bin"}`); code != 400 || get(v, "error", "code") != "unsupported" {
		t.Errorf("save without --slot-save-path: %d %v", code, v)
	}
}
