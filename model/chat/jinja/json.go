package jinja

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// jsonOptions are the parameters of transformers' tojson, which is
// Python's json.dumps(x, ensure_ascii=False, indent=None, separators=None,
// sort_keys=False).
type jsonOptions struct {
	ensureASCII bool
	indent      Value // nil, an int (spaces) or a string
	separators  Value // nil or a pair of strings
	sortKeys    bool
}

// toJSON serializes v as json.dumps does.
func toJSON(v Value, o jsonOptions) (Value, error) {
	e := jsonEncoder{opts: o, item: ", ", key: ": "}
	switch ind := o.indent.(type) {
	case nil:
	case string:
		e.indent, e.indented = ind, true
	default:
		n, ok := asInt(ind)
		if !ok {
			return nil, fmt.Errorf("indent must be an int or a string, not %s", typeName(ind))
		}
		e.indent, e.indented = strings.Repeat(" ", int(max(n, 0))), true
	}
	if e.indented {
		e.item = ","
	}
	if o.separators != nil {
		l, ok := o.separators.(*List)
		if !ok || len(l.Items) != 2 {
			return nil, errors.New("separators must be a pair of strings")
		}
		item, ok1 := asString(l.Items[0])
		key, ok2 := asString(l.Items[1])
		if !ok1 || !ok2 {
			return nil, errors.New("separators must be a pair of strings")
		}
		e.item, e.key = item, key
	}
	if err := e.encode(v, 0); err != nil {
		return nil, err
	}
	return e.b.String(), nil
}

type jsonEncoder struct {
	b         strings.Builder
	opts      jsonOptions
	indent    string
	indented  bool
	item, key string
}

func (e *jsonEncoder) newline(level int) {
	if e.indented {
		e.b.WriteByte('\n')
		e.b.WriteString(strings.Repeat(e.indent, level))
	}
}

func (e *jsonEncoder) encode(v Value, level int) error {
	if level > 500 {
		return errors.New("maximum recursion depth exceeded while encoding a JSON object")
	}
	if e.b.Len() > maxOutput {
		return errors.New("JSON output too large")
	}
	switch x := v.(type) {
	case nil:
		e.b.WriteString("null")
	case bool:
		if x {
			e.b.WriteString("true")
		} else {
			e.b.WriteString("false")
		}
	case int64:
		e.b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		e.b.WriteString(jsonFloat(x))
	case string, Markup:
		s, _ := asString(x)
		e.str(s)
	case *List:
		if len(x.Items) == 0 {
			e.b.WriteString("[]")
			return nil
		}
		e.b.WriteByte('[')
		for i, it := range x.Items {
			if i > 0 {
				e.b.WriteString(e.item)
			}
			e.newline(level + 1)
			if err := e.encode(it, level+1); err != nil {
				return err
			}
		}
		e.newline(level)
		e.b.WriteByte(']')
	case *Dict:
		if x.Len() == 0 {
			e.b.WriteString("{}")
			return nil
		}
		type pair struct {
			k string
			v Value
		}
		pairs := make([]pair, x.Len())
		for i, k := range x.keys {
			ks, err := jsonKey(k)
			if err != nil {
				return err
			}
			pairs[i] = pair{ks, x.vals[i]}
		}
		if e.opts.sortKeys {
			slices.SortStableFunc(pairs, func(a, b pair) int { return strings.Compare(a.k, b.k) })
		}
		e.b.WriteByte('{')
		for i, p := range pairs {
			if i > 0 {
				e.b.WriteString(e.item)
			}
			e.newline(level + 1)
			e.str(p.k)
			e.b.WriteString(e.key)
			if err := e.encode(p.v, level+1); err != nil {
				return err
			}
		}
		e.newline(level)
		e.b.WriteByte('}')
	default:
		return fmt.Errorf("Object of type %s is not JSON serializable", typeName(v))
	}
	return nil
}

// jsonKey converts a dict key as json.dumps does.
func jsonKey(k Value) (string, error) {
	switch x := k.(type) {
	case string:
		return x, nil
	case Markup:
		return string(x), nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case nil:
		return "null", nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return jsonFloat(x), nil
	}
	return "", fmt.Errorf("keys must be str, int, float, bool or None, not %s", typeName(k))
}

// jsonFloat writes a float as json.dumps: repr, or NaN/Infinity.
func jsonFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return formatFloat(f)
}

// str writes a JSON string as json.dumps does: only '"', '\\' and control
// characters escaped, plus everything beyond ASCII with ensure_ascii.
func (e *jsonEncoder) str(s string) {
	e.b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			e.b.WriteString(`\"`)
		case '\\':
			e.b.WriteString(`\\`)
		case '\n':
			e.b.WriteString(`\n`)
		case '\r':
			e.b.WriteString(`\r`)
		case '\t':
			e.b.WriteString(`\t`)
		case '\b':
			e.b.WriteString(`\b`)
		case '\f':
			e.b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || (e.opts.ensureASCII && r == 0x7f):
				fmt.Fprintf(&e.b, `\u%04x`, r)
			case e.opts.ensureASCII && r > 0x7f:
				if r > 0xffff {
					r1, r2 := utf16.EncodeRune(r)
					fmt.Fprintf(&e.b, `\u%04x\u%04x`, r1, r2)
				} else {
					fmt.Fprintf(&e.b, `\u%04x`, r)
				}
			default:
				e.b.WriteRune(r)
			}
		}
	}
	e.b.WriteByte('"')
}

// FromJSON decodes JSON into a Value as Python's json.loads does: objects
// keep their key order, integers stay integers.
func FromJSON(data []byte) (Value, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	v, err := decodeJSON(d)
	if err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("jinja: extra data after the JSON value")
	}
	return v, nil
}

func decodeJSON(d *json.Decoder) (Value, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '[':
			l := &List{Items: []Value{}}
			for d.More() {
				v, err := decodeJSON(d)
				if err != nil {
					return nil, err
				}
				l.Items = append(l.Items, v)
			}
			_, err := d.Token()
			return l, err
		case '{':
			m := NewDict()
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeJSON(d)
				if err != nil {
					return nil, err
				}
				m.SetString(k.(string), v)
			}
			_, err := d.Token()
			return m, err
		}
	case json.Number:
		return jsonNumber(t), nil
	case string, bool, nil:
		return t, nil
	}
	return nil, fmt.Errorf("jinja: unexpected JSON token %v", t)
}

// jsonNumber is an int64 for a JSON integer that fits, else a float64.
func jsonNumber(n json.Number) Value {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		if bi, ok := new(big.Int).SetString(s, 10); ok {
			f, _ := new(big.Float).SetInt(bi).Float64()
			return f
		}
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
