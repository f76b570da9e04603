package server

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gollm/gollm/model"
)

// wireSlotAction is the body of POST /slots/{id}?action=save|restore.
type wireSlotAction struct {
	Filename *string `json:"filename"`
}

// slotAction serves POST /slots/{id}?action=save|restore|erase, as
// llama-server: save writes the slot's state (tokens and KV cache) to
// Config.SlotSavePath/filename, restore loads it back into the slot (the
// file must come from the same model, sizes and KV type), erase empties the
// slot's cache. The request waits for the slot to be free.
func (s *Server) slotAction(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id < 0 || id >= len(s.slots.slots) {
		writeError(w, &apiError{Status: http.StatusNotFound, Type: "invalid_request_error", Code: strOrNil("slot_not_found"),
			Message: fmt.Sprintf("no slot %q: slots are 0 to %d", r.PathValue("id"), len(s.slots.slots)-1)})
		return
	}
	action := r.URL.Query().Get("action")
	var path, name string
	switch action {
	case "erase":
	case "save", "restore":
		if s.cfg.SlotSavePath == "" {
			writeError(w, invalid("action", "unsupported", "saving and restoring slots is off; start the server with --slot-save-path DIR"))
			return
		}
		var e *apiError
		if name, e = parseSlotFilename(r); e != nil {
			writeError(w, e)
			return
		}
		path = filepath.Join(s.cfg.SlotSavePath, name)
	default:
		writeError(w, invalid("action", "invalid_value", fmt.Sprintf("action %q: want save, restore or erase", action)))
		return
	}
	sl, e := s.slots.acquire(r.Context(), nil, id)
	if e != nil {
		if r.Context().Err() == nil {
			writeError(w, e)
		}
		return
	}
	defer s.slots.release(sl)
	start := time.Now()
	ms := func() float64 { return float64(time.Since(start).Microseconds()) / 1000 }
	switch action {
	case "erase":
		n := len(sl.cached())
		sl.sess.Reset()
		writeJSON(w, http.StatusOK, map[string]any{"id_slot": id, "n_erased": n})
	case "save":
		if err := sl.sess.Save(path); err != nil {
			writeError(w, serverError(err))
			return
		}
		fi, _ := os.Stat(path)
		writeJSON(w, http.StatusOK, map[string]any{"id_slot": id, "filename": name, "n_saved": len(sl.cached()),
			"n_written": fi.Size(), "timings": map[string]float64{"save_ms": ms()}})
	case "restore":
		fi, err := os.Stat(path)
		if err != nil {
			writeError(w, &apiError{Status: http.StatusNotFound, Type: "invalid_request_error", Param: strOrNil("filename"),
				Code: strOrNil("file_not_found"), Message: fmt.Sprintf("no saved slot file %q", name)})
			return
		}
		if err := sl.sess.Load(path); err != nil {
			msg := strings.ReplaceAll(err.Error(), path, name) // do not reveal the server's directory
			if errors.Is(err, model.ErrStateMismatch) {
				writeError(w, invalid("filename", "state_mismatch", msg))
			} else {
				writeError(w, invalid("filename", "invalid_state_file", msg))
			}
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id_slot": id, "filename": name, "n_restored": len(sl.cached()),
			"n_read": fi.Size(), "timings": map[string]float64{"restore_ms": ms()}})
	}
}

// parseSlotFilename reads {"filename": NAME} and checks that NAME is a
// plain file name: no directory part, no "..", no leading dot, no control
// characters, at most 255 bytes.
func parseSlotFilename(r *http.Request) (string, *apiError) {
	body, e := readBody(r)
	if e != nil {
		return "", e
	}
	if _, e := checkFields(body, jsonFields[wireSlotAction]()); e != nil {
		return "", e
	}
	var w wireSlotAction
	if e := decode(body, &w); e != nil {
		return "", e
	}
	if w.Filename == nil {
		return "", invalid("filename", "missing_required_parameter", "filename is required")
	}
	name := *w.Filename
	bad := name == "" || len(name) > 255 || strings.HasPrefix(name, ".") ||
		strings.ContainsAny(name, `/\:`) || strings.ContainsFunc(name, unicode.IsControl) || filepath.Base(name) != name
	if bad {
		return "", invalid("filename", "invalid_value",
			fmt.Sprintf("filename %q: want a plain file name (no directories, no leading dot, no control characters)", name))
	}
	return name, nil
}
