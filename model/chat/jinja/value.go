package jinja

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A Value is what template expressions compute, modelled on the Python
// objects Jinja2 works with. Its dynamic type is one of:
//
//   - nil (Python's None)
//   - bool, int64, float64, string
//   - Markup (a string marked safe, as Jinja2's |safe makes it)
//   - *List (a list, or a tuple when its Tuple field is set)
//   - *Dict (a dict that keeps its keys in insertion order)
//   - *Namespace (what namespace() returns)
//   - Undefined (a missing variable, key or attribute)
//   - values the engine makes for itself: loop objects, macros, functions
//
// FromJSON and ValueOf build Values from Go data.
type Value = any

// Markup is a string that escaping leaves alone, as Python's
// markupsafe.Markup: |safe and |escape return it, and adding a plain
// string to it escapes that string.
type Markup string

// Undefined is the value of a missing variable, key or attribute, as
// Jinja2's default Undefined: it prints as nothing, is false, iterates as
// empty and has length 0, but using it in arithmetic, calling it or
// reading an attribute of it is an error.
type Undefined struct {
	// msg says what was missing ("'x' is undefined").
	msg string
}

// List is a Python list, or a tuple when Tuple is set. Templates never
// change a list (transformers renders in Jinja2's immutable sandbox).
type List struct {
	Items []Value
	Tuple bool
	// view is "dict_items", "dict_keys" or "dict_values" for what a
	// dict's items(), keys() and values() return (it shows in their repr).
	view string
}

// Dict is a Python dict: keys in insertion order.
type Dict struct {
	keys  []Value
	vals  []Value
	index map[any]int
}

// NewDict returns an empty dict.
func NewDict() *Dict { return &Dict{index: map[any]int{}} }

// Len returns the number of entries.
func (d *Dict) Len() int { return len(d.keys) }

// Keys returns the keys in insertion order.
func (d *Dict) Keys() []Value { return d.keys }

// Get returns the value for key.
func (d *Dict) Get(key Value) (Value, bool) {
	h, ok := hashKey(key)
	if !ok {
		return nil, false
	}
	i, ok := d.index[h]
	if !ok {
		return nil, false
	}
	return d.vals[i], true
}

// Set adds or replaces the value for key (an unhashable key is an error).
func (d *Dict) Set(key, val Value) error {
	h, ok := hashKey(key)
	if !ok {
		return fmt.Errorf("unhashable type: '%s'", typeName(key))
	}
	if i, ok := d.index[h]; ok {
		d.vals[i] = val
		return nil
	}
	d.index[h] = len(d.keys)
	d.keys = append(d.keys, key)
	d.vals = append(d.vals, val)
	return nil
}

// SetString is Set with a string key.
func (d *Dict) SetString(key string, val Value) { _ = d.Set(key, val) }

// hashKey maps a hashable value to a Go map key, equal for values Python
// considers equal (1, 1.0 and True are one key).
func hashKey(v Value) (any, bool) {
	switch v := v.(type) {
	case nil:
		return v, true
	case string:
		return v, true
	case Markup:
		return string(v), true
	case bool:
		if v {
			return int64(1), true
		}
		return int64(0), true
	case int64:
		return v, true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<63 {
			return int64(v), true
		}
		return v, true
	case *List:
		if !v.Tuple {
			return nil, false
		}
		var b strings.Builder
		b.WriteString("\x00tuple")
		for _, it := range v.Items {
			h, ok := hashKey(it)
			if !ok {
				return nil, false
			}
			fmt.Fprintf(&b, "\x00%T:%v", h, h)
		}
		return b.String(), true
	}
	return nil, false
}

// Namespace is the object namespace() returns: attributes that a {% set
// ns.attr = ... %} inside a loop can change.
type Namespace struct {
	attrs *Dict
}

// typeName is Python's name for a value's type, as error messages show it.
func typeName(v Value) string {
	switch v := v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case Markup:
		return "Markup"
	case *List:
		if v.Tuple {
			return "tuple"
		}
		return "list"
	case *Dict:
		return "dict"
	case *Namespace:
		return "Namespace"
	case Undefined:
		return "Undefined"
	case *loopState:
		return "LoopContext"
	case *macro:
		return "Macro"
	case *function:
		return "builtin_function_or_method"
	}
	return fmt.Sprintf("%T", v)
}

// truthy is Python's bool(v).
func truthy(v Value) bool {
	switch v := v.(type) {
	case nil, Undefined:
		return false
	case bool:
		return v
	case int64:
		return v != 0
	case float64:
		return v != 0
	case string:
		return v != ""
	case Markup:
		return v != ""
	case *List:
		return len(v.Items) > 0
	case *Dict:
		return v.Len() > 0
	}
	return true
}

// str is Python's str(v); an undefined value is "".
func str(v Value) string {
	switch v := v.(type) {
	case string:
		return v
	case Markup:
		return string(v)
	case Undefined:
		return ""
	}
	return repr(v)
}

// repr is Python's repr(v).
func repr(v Value) string {
	var b strings.Builder
	writeRepr(&b, v)
	return b.String()
}

// maxReprDepth bounds the nesting repr writes out; deeper values (a
// namespace that holds itself) print as "...".
const maxReprDepth = 200

func writeRepr(b *strings.Builder, v Value) { writeReprDepth(b, v, 0) }

func writeReprDepth(b *strings.Builder, v Value, depth int) {
	if depth > maxReprDepth || b.Len() > maxOutput {
		b.WriteString("...")
		return
	}
	writeRepr := func(b *strings.Builder, v Value) { writeReprDepth(b, v, depth+1) }
	switch v := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if v {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		b.WriteString(formatFloat(v))
	case string:
		writeStringRepr(b, v)
	case Markup:
		b.WriteString("Markup(")
		writeStringRepr(b, string(v))
		b.WriteString(")")
	case *List:
		if v.view != "" {
			b.WriteString(v.view + "(")
			writeRepr(b, &List{Items: v.Items})
			b.WriteString(")")
			return
		}
		open, close := "[", "]"
		if v.Tuple {
			open, close = "(", ")"
		}
		b.WriteString(open)
		for i, it := range v.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, it)
		}
		if v.Tuple && len(v.Items) == 1 {
			b.WriteString(",")
		}
		b.WriteString(close)
	case *Dict:
		b.WriteString("{")
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, k)
			b.WriteString(": ")
			writeRepr(b, v.vals[i])
		}
		b.WriteString("}")
	case *Namespace:
		b.WriteString("<Namespace ")
		writeRepr(b, v.attrs)
		b.WriteString(">")
	case Undefined:
		b.WriteString("Undefined")
	case *loopState:
		fmt.Fprintf(b, "<LoopContext %d/%d>", v.index+1, v.length())
	case *macro:
		fmt.Fprintf(b, "<Macro '%s'>", v.def.name)
	case *function:
		fmt.Fprintf(b, "<built-in function %s>", v.name)
	default:
		fmt.Fprintf(b, "%v", v)
	}
}

// writeStringRepr writes s as Python's repr writes a str: single quotes
// unless s holds a single quote and no double quote, backslash escapes for
// the quote, backslash and non-printable characters.
func writeStringRepr(b *strings.Builder, s string) {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case isPrintable(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			fmt.Fprintf(b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
}

// isPrintable is Python's str.isprintable for one character: everything
// but the categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs, except the space.
func isPrintable(r rune) bool {
	if r == ' ' {
		return true
	}
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Cs, unicode.Co, unicode.Zl, unicode.Zp, unicode.Zs) {
		return false
	}
	// Cn (unassigned): not in any category.
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
}

// formatFloat is Python's repr of a float: the shortest digits that read
// back to the same number, in positional notation from 1e-4 up to 1e16 and
// in exponent notation outside, always with a '.' or an exponent.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±XX
	neg := ""
	if e[0] == '-' {
		neg, e = "-", e[1:]
	}
	mant, exps, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(exps)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // the value is 0.digits × 10^decpt
	if decpt <= -4 || decpt > 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		sign := "+"
		if exp < 0 {
			sign, exp = "-", -exp
		}
		return fmt.Sprintf("%s%se%s%02d", neg, m, sign, exp)
	}
	switch {
	case decpt <= 0:
		return neg + "0." + strings.Repeat("0", -decpt) + digits
	case decpt >= len(digits):
		return neg + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
	}
	return neg + digits[:decpt] + "." + digits[decpt:]
}

// isSpace is Python's str.isspace for one character (Unicode white space
// and the separators U+001C to U+001F).
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// asString returns the text of a str or Markup value.
func asString(v Value) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case Markup:
		return string(v), true
	}
	return "", false
}

// asInt returns an integer (or bool) value as int64.
func asInt(v Value) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// asNumber returns a numeric value as float64, and whether it was one.
func asNumber(v Value) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// equal is Python's ==.
func equal(a, b Value) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case Undefined:
		_, ok := b.(Undefined)
		return ok
	case string, Markup:
		as, _ := asString(a)
		bs, ok := asString(b)
		return ok && as == bs
	case bool, int64, float64:
		x, _ := asNumber(a)
		y, ok := asNumber(b)
		return ok && x == y
	case *List:
		l, ok := b.(*List)
		if !ok || l.Tuple != a.Tuple || len(l.Items) != len(a.Items) {
			return false
		}
		for i := range a.Items {
			if !equal(a.Items[i], l.Items[i]) {
				return false
			}
		}
		return true
	case *Dict:
		d, ok := b.(*Dict)
		if !ok || d.Len() != a.Len() {
			return false
		}
		for i, k := range a.keys {
			v, ok := d.Get(k)
			if !ok || !equal(a.vals[i], v) {
				return false
			}
		}
		return true
	}
	return a == b
}

// compare is Python's ordering of a and b (-1, 0, 1) for numbers, strings
// and sequences; other pairs are an error.
func compare(a, b Value, op string) (int, error) {
	if x, ok := asNumber(a); ok {
		if y, ok := asNumber(b); ok {
			switch {
			case x < y:
				return -1, nil
			case x > y:
				return 1, nil
			}
			return 0, nil
		}
	}
	if x, ok := asString(a); ok {
		if y, ok := asString(b); ok {
			return strings.Compare(x, y), nil
		}
	}
	if x, ok := a.(*List); ok {
		if y, ok := b.(*List); ok && x.Tuple == y.Tuple {
			for i := 0; i < len(x.Items) && i < len(y.Items); i++ {
				if equal(x.Items[i], y.Items[i]) {
					continue
				}
				return compare(x.Items[i], y.Items[i], op)
			}
			return compare(int64(len(x.Items)), int64(len(y.Items)), op)
		}
	}
	return 0, fmt.Errorf("'%s' not supported between instances of '%s' and '%s'", op, typeName(a), typeName(b))
}

// iterate returns the items a for loop over v visits: a list's items, a
// dict's keys, a string's characters; nothing for an undefined value.
func iterate(v Value) ([]Value, error) {
	switch v := v.(type) {
	case *List:
		return v.Items, nil
	case *Dict:
		return v.keys, nil
	case string, Markup:
		s, _ := asString(v)
		out := make([]Value, 0, len(s))
		for _, r := range s {
			out = append(out, string(r))
		}
		return out, nil
	case Undefined:
		return nil, nil
	case *Namespace:
		return nil, fmt.Errorf("'Namespace' object is not iterable")
	}
	return nil, fmt.Errorf("'%s' object is not iterable", typeName(v))
}

// length is Python's len(v).
func length(v Value) (int, error) {
	switch v := v.(type) {
	case string, Markup:
		s, _ := asString(v)
		return utf8.RuneCountInString(s), nil
	case *List:
		return len(v.Items), nil
	case *Dict:
		return v.Len(), nil
	case Undefined:
		return 0, nil
	}
	return 0, fmt.Errorf("object of type '%s' has no len()", typeName(v))
}

// newList returns a list of items.
func newList(items []Value) *List { return &List{Items: items} }
