// Package jinja renders Jinja templates the way Hugging Face transformers
// renders chat templates (apply_chat_template): Python's Jinja2 in an
// immutable sandbox with trim_blocks and lstrip_blocks, the loop controls
// extension, transformers' tojson, raise_exception and strftime_now, and
// the {% generation %} tag.
//
// Values follow Python's semantics, which decide the bytes a template
// prints: None prints "None", lists and dicts print their Python repr,
// floats print as Python's repr, dicts keep their key order, a missing
// key is undefined (it prints nothing, is false and iterates as empty,
// but an attribute of it or arithmetic on it is an error).
//
// Supported: statements if/elif/else, for (tuple unpacking, "if" filter,
// else, recursive, loop.index/index0/revindex/revindex0/first/last/length/
// depth/previtem/nextitem/cycle/changed), break, continue, set (names,
// tuples, namespace attributes, blocks with filters), macro (defaults,
// varargs, kwargs, caller), call, filter, with, block, print, raw,
// generation; every Jinja2 expression (literals, arithmetic, ~, in, is,
// comparisons chained, conditional expressions, slices, calls with *args
// and **kwargs); the built-in filters and tests of Jinja2 but random,
// urlize, urlencode, xmlattr, wordwrap and filesizeformat; the Python
// methods of str (strip, split, startswith, replace, format, join, ...),
// dict (get, items, keys, values, copy) and list (index, count, copy);
// the globals range, dict, namespace, cycler, joiner, raise_exception and
// strftime_now. {% include %}, {% extends %} and {% import %} fail as
// they do in transformers, which gives templates no loader.
package jinja

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Template is a parsed template, safe for concurrent use.
type Template struct {
	name, src string
	body      []node
}

// Error is an error in a template: a syntax error, or an error raised
// while rendering (by raise_exception or by an operation that fails).
type Error struct {
	// Template is the name the template was parsed with.
	Template string
	// Line is the template line the error happened at (1-based).
	Line int
	// Message is the error's text; for Raised, the exact message the
	// template passed to raise_exception.
	Message string
	// Syntax is set for an error in the template's source.
	Syntax bool
	// Raised is set when the template called raise_exception.
	Raised bool
}

func (e *Error) Error() string {
	what := "error"
	switch {
	case e.Syntax:
		what = "syntax error"
	case e.Raised:
		what = "raised"
	}
	return fmt.Sprintf("template %s, line %d: %s: %s", e.Template, e.Line, what, e.Message)
}

// Parse parses a template; name identifies it in errors.
func Parse(name, src string) (*Template, error) {
	toks, err := lex(src)
	if err == nil {
		p := &parser{toks: toks}
		var body []node
		if body, err = p.parse(); err == nil {
			return &Template{name: name, src: src, body: body}, nil
		}
	}
	var se *syntaxError
	if errors.As(err, &se) {
		return nil, &Error{Template: name, Line: se.line, Message: se.msg, Syntax: true}
	}
	return nil, &Error{Template: name, Message: err.Error(), Syntax: true}
}

// Name returns the name the template was parsed with.
func (t *Template) Name() string { return t.name }

// Source returns the template's source text.
func (t *Template) Source() string { return t.src }

// Render renders the template with vars as its variables; now is the time
// strftime_now formats.
func (t *Template) Render(vars map[string]Value, now time.Time) (string, error) {
	var b strings.Builder
	r := &renderer{out: &b, now: now}
	sc := newScope(newScope(nil))
	sc.parent.vars = globals()
	for k, v := range vars {
		sc.vars[k] = v
	}
	err := r.render(t.body, sc)
	if err != nil {
		var lc *errLoopControl
		var re *renderError
		switch {
		case errors.As(err, &lc):
			return "", &Error{Template: t.name, Message: "loop control outside a loop"}
		case errors.As(err, &re):
			return "", &Error{Template: t.name, Line: re.line, Message: re.msg, Raised: re.raised}
		}
		return "", &Error{Template: t.name, Message: err.Error()}
	}
	return b.String(), nil
}

// globals are the functions every template can call.
func globals() map[string]Value {
	fn := func(name string, f func(r *renderer, args []Value, kw *Dict) (Value, error)) Value {
		return &function{name: name, fn: f}
	}
	return map[string]Value{
		"range": fn("range", builtinRange),
		"dict": fn("dict", func(_ *renderer, args []Value, kw *Dict) (Value, error) {
			d := NewDict()
			if len(args) > 1 {
				return nil, errors.New("dict expected at most 1 argument")
			}
			if len(args) == 1 {
				switch a := args[0].(type) {
				case *Dict:
					for i, k := range a.keys {
						_ = d.Set(k, a.vals[i])
					}
				default:
					items, err := iterate(a)
					if err != nil {
						return nil, err
					}
					for _, it := range items {
						pair, err := iterate(it)
						if err != nil || len(pair) != 2 {
							return nil, errors.New("dictionary update sequence element has wrong length")
						}
						if err := d.Set(pair[0], pair[1]); err != nil {
							return nil, err
						}
					}
				}
			}
			for i, k := range kw.keys {
				_ = d.Set(k, kw.vals[i])
			}
			return d, nil
		}),
		"namespace": fn("namespace", func(_ *renderer, args []Value, kw *Dict) (Value, error) {
			ns := &Namespace{attrs: NewDict()}
			for _, a := range args {
				d, ok := a.(*Dict)
				if !ok {
					return nil, fmt.Errorf("namespace() argument must be a mapping, not %s", typeName(a))
				}
				for i, k := range d.keys {
					_ = ns.attrs.Set(k, d.vals[i])
				}
			}
			for i, k := range kw.keys {
				_ = ns.attrs.Set(k, kw.vals[i])
			}
			return ns, nil
		}),
		"cycler": fn("cycler", func(_ *renderer, args []Value, _ *Dict) (Value, error) {
			if len(args) == 0 {
				return nil, errors.New("at least one item has to be provided")
			}
			pos := 0
			c := &Namespace{attrs: NewDict()}
			c.attrs.SetString("items", newList(args))
			c.attrs.SetString("current", args[0])
			c.attrs.SetString("next", fn("next", func(*renderer, []Value, *Dict) (Value, error) {
				v := args[pos]
				pos = (pos + 1) % len(args)
				c.attrs.SetString("current", args[pos])
				return v, nil
			}))
			c.attrs.SetString("reset", fn("reset", func(*renderer, []Value, *Dict) (Value, error) {
				pos = 0
				c.attrs.SetString("current", args[0])
				return nil, nil
			}))
			return c, nil
		}),
		"joiner": fn("joiner", func(_ *renderer, args []Value, kw *Dict) (Value, error) {
			a, err := bind("joiner", args, kw, "sep")
			if err != nil {
				return nil, err
			}
			sep := str(or(a[0], ", "))
			used := false
			return fn("joiner", func(*renderer, []Value, *Dict) (Value, error) {
				if !used {
					used = true
					return "", nil
				}
				return sep, nil
			}), nil
		}),
		"raise_exception": fn("raise_exception", func(_ *renderer, args []Value, kw *Dict) (Value, error) {
			a, err := bind("raise_exception", args, kw, "message")
			if err != nil {
				return nil, err
			}
			return nil, &renderError{msg: str(or(a[0], "")), raised: true}
		}),
		"strftime_now": fn("strftime_now", func(r *renderer, args []Value, kw *Dict) (Value, error) {
			a, err := bind("strftime_now", args, kw, "format")
			if err != nil {
				return nil, err
			}
			f, ok := asString(a[0])
			if !ok {
				return nil, errors.New("strftime_now() argument must be str")
			}
			return strftime(r.now, f), nil
		}),
	}
}

// maxRange is the sandbox's limit on range().
const maxRange = 100000

func builtinRange(_ *renderer, args []Value, kw *Dict) (Value, error) {
	if kw.Len() > 0 {
		return nil, errors.New("range() takes no keyword arguments")
	}
	var n [3]int64
	for i, a := range args {
		if i > 2 {
			return nil, fmt.Errorf("range expected at most 3 arguments, got %d", len(args))
		}
		v, ok := asInt(a)
		if !ok {
			return nil, fmt.Errorf("'%s' object cannot be interpreted as an integer", typeName(a))
		}
		n[i] = v
	}
	start, stop, step := int64(0), int64(0), int64(1)
	switch len(args) {
	case 0:
		return nil, errors.New("range expected at least 1 argument, got 0")
	case 1:
		stop = n[0]
	case 2:
		start, stop = n[0], n[1]
	default:
		start, stop, step = n[0], n[1], n[2]
	}
	if step == 0 {
		return nil, errors.New("range() arg 3 must not be zero")
	}
	count := int64(0)
	if step > 0 && stop > start {
		count = (stop - start + step - 1) / step
	} else if step < 0 && stop < start {
		count = (start - stop - step - 1) / -step
	}
	if count > maxRange {
		return nil, fmt.Errorf("Range too big. The sandbox blocks ranges larger than MAX_RANGE (%d).", maxRange)
	}
	items := make([]Value, count)
	for i := range items {
		items[i] = start + int64(i)*step
	}
	return newList(items), nil
}

// strftime formats t as C's strftime in the C locale.
func strftime(t time.Time, f string) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		pad := true
		if f[i] == '-' && i+1 < len(f) {
			pad = false
			i++
		}
		num := func(v, width int) {
			if pad {
				fmt.Fprintf(&b, "%0*d", width, v)
			} else {
				fmt.Fprintf(&b, "%d", v)
			}
		}
		switch f[i] {
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'A':
			b.WriteString(t.Format("Monday"))
		case 'b', 'h':
			b.WriteString(t.Format("Jan"))
		case 'B':
			b.WriteString(t.Format("January"))
		case 'c':
			b.WriteString(t.Format("Mon Jan _2 15:04:05 2006"))
		case 'd':
			num(t.Day(), 2)
		case 'e':
			fmt.Fprintf(&b, "%2d", t.Day())
		case 'f':
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
		case 'H':
			num(t.Hour(), 2)
		case 'I':
			num((t.Hour()+11)%12+1, 2)
		case 'j':
			num(t.YearDay(), 3)
		case 'm':
			num(int(t.Month()), 2)
		case 'M':
			num(t.Minute(), 2)
		case 'p':
			b.WriteString(t.Format("PM"))
		case 'S':
			num(t.Second(), 2)
		case 'u':
			fmt.Fprintf(&b, "%d", (int(t.Weekday())+6)%7+1)
		case 'w':
			fmt.Fprintf(&b, "%d", int(t.Weekday()))
		case 'x':
			b.WriteString(t.Format("01/02/06"))
		case 'X':
			b.WriteString(t.Format("15:04:05"))
		case 'y':
			num(t.Year()%100, 2)
		case 'Y':
			fmt.Fprintf(&b, "%d", t.Year())
		case 'z':
			b.WriteString(t.Format("-0700"))
		case 'Z':
			b.WriteString(t.Format("MST"))
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 'T':
			b.WriteString(t.Format("15:04:05"))
		case 'D':
			b.WriteString(t.Format("01/02/06"))
		case 'U':
			num((t.YearDay()+6-int(t.Weekday()))/7, 2)
		case 'W':
			num((t.YearDay()+6-(int(t.Weekday())+6)%7)/7, 2)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

// ValueOf converts Go data to a Value: nil, bools, integers, floats,
// strings, slices and maps with string keys (in sorted key order; use
// *Dict or FromJSON to keep an order), and Values as they are.
func ValueOf(x any) Value {
	switch v := x.(type) {
	case nil, bool, int64, float64, string, Markup, *List, *Dict, *Namespace, Undefined:
		return v
	case int:
		return int64(v)
	case int32:
		return int64(v)
	case float32:
		return float64(v)
	case []Value:
		items := make([]Value, len(v))
		for i, it := range v {
			items[i] = ValueOf(it)
		}
		return newList(items)
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		items := make([]Value, rv.Len())
		for i := range items {
			items[i] = ValueOf(rv.Index(i).Interface())
		}
		return newList(items)
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		d := NewDict()
		for _, k := range keys {
			d.SetString(k.String(), ValueOf(rv.MapIndex(k).Interface()))
		}
		return d
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if u := rv.Uint(); u <= math.MaxInt64 {
			return int64(u)
		}
		return float64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return ValueOf(rv.Elem().Interface())
	}
	return fmt.Sprint(x)
}
