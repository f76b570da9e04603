package jinja

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// function is a callable the engine provides: a global, a bound method.
type function struct {
	name string
	fn   func(r *renderer, args []Value, kw *Dict) (Value, error)
}

// filterFunc is a filter: its subject, then the call's arguments.
type filterFunc func(r *renderer, v Value, args []Value, kw *Dict) (Value, error)

// filters are Jinja2's built-in filters, with transformers' tojson.
var filters map[string]filterFunc

// notGiven marks a parameter the call left out.
type notGiven struct{}

// bind matches positional and keyword arguments to parameter names as
// Python does; parameters left out are notGiven{}.
func bind(fname string, args []Value, kw *Dict, names ...string) ([]Value, error) {
	if len(args) > len(names) {
		return nil, fmt.Errorf("%s() takes at most %d arguments (%d given)", fname, len(names), len(args))
	}
	out := make([]Value, len(names))
	for i := range out {
		out[i] = notGiven{}
	}
	copy(out, args)
	if kw != nil {
		for i, k := range kw.keys {
			j := indexOf(names, k.(string))
			if j < 0 {
				return nil, fmt.Errorf("%s() got an unexpected keyword argument '%s'", fname, k)
			}
			if j < len(args) {
				return nil, fmt.Errorf("%s() got multiple values for argument '%s'", fname, k)
			}
			out[j] = kw.vals[i]
		}
	}
	return out, nil
}

// or returns v, or def when v was not given.
func or(v, def Value) Value {
	if _, ok := v.(notGiven); ok {
		return def
	}
	return v
}

func given(v Value) bool { _, ok := v.(notGiven); return !ok }

// strict returns the error of using an undefined value.
func strict(v Value) error {
	if u, ok := v.(Undefined); ok {
		return errors.New(u.msg)
	}
	return nil
}

// softStr is Jinja2's soft_str: a Markup stays Markup, anything else
// becomes its str.
func softStr(v Value) Value {
	if m, ok := v.(Markup); ok {
		return m
	}
	return str(v)
}

// sameKind returns s as the kind of string like is (Markup or str).
func sameKind(like Value, s string) Value {
	if _, ok := like.(Markup); ok {
		return Markup(s)
	}
	return s
}

// toList is Python's list(v).
func toList(v Value) ([]Value, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	return slices.Clone(items), nil
}

// attrGetter returns a function reading a dotted attribute path
// ("a.b.0") from a value, as Jinja2's make_attrgetter.
func attrGetter(attr Value, lower bool, def Value) func(Value) (Value, error) {
	var parts []Value
	if s, ok := attr.(string); ok {
		for _, p := range strings.Split(s, ".") {
			var idx int64
			if _, err := fmt.Sscanf(p, "%d", &idx); err == nil && fmt.Sprint(idx) == p {
				parts = append(parts, idx)
			} else {
				parts = append(parts, p)
			}
		}
	} else if attr != nil {
		parts = []Value{attr}
	}
	return func(v Value) (Value, error) {
		var err error
		for _, p := range parts {
			if v, err = getItem(v, p); err != nil {
				return nil, err
			}
		}
		if _, ok := v.(Undefined); ok && def != nil {
			v = def
		}
		if lower {
			if s, ok := v.(string); ok {
				v = strings.ToLower(s)
			}
		}
		return v, nil
	}
}

// sortValues sorts items by key(item), stably, as Python's sorted.
func sortValues(items []Value, key func(Value) (Value, error), reverse bool) error {
	keys := make([]Value, len(items))
	for i, it := range items {
		k, err := key(it)
		if err != nil {
			return err
		}
		keys[i] = k
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	var err error
	slices.SortStableFunc(idx, func(a, b int) int {
		c, e := compare(keys[a], keys[b], "<")
		if e != nil && err == nil {
			err = e
		}
		if reverse {
			return -c
		}
		return c
	})
	if err != nil {
		return err
	}
	sorted := make([]Value, len(items))
	for i, j := range idx {
		sorted[i] = items[j]
	}
	copy(items, sorted)
	return nil
}

func init() {
	filters = map[string]filterFunc{
		"abs": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) {
			switch x := v.(type) {
			case int64:
				if x < 0 {
					return -x, nil
				}
				return x, nil
			case float64:
				return math.Abs(x), nil
			case bool:
				n, _ := asInt(x)
				return n, nil
			}
			return nil, undefinedOr(v, fmt.Errorf("bad operand type for abs(): '%s'", typeName(v)))
		},
		"attr": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("attr", args, kw, "name")
			if err != nil {
				return nil, err
			}
			// Python's getattr alone: a dict's keys are not attributes.
			name := str(a[0])
			if err := strict(v); err != nil {
				return nil, err
			}
			if m, ok := method(v, name); ok && !strings.HasPrefix(name, "_") {
				return m, nil
			}
			switch x := v.(type) {
			case *Namespace:
				if v, ok := x.attrs.Get(name); ok {
					return v, nil
				}
			case *loopState:
				if v, ok := x.attr(name); ok {
					return v, nil
				}
			}
			return Undefined{msg: noAttribute(v, name)}, nil
		},
		"batch": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("batch", args, kw, "linecount", "fill_with")
			if err != nil {
				return nil, err
			}
			n, ok := asInt(a[0])
			if !ok || n <= 0 {
				return nil, errors.New("batch: linecount must be a positive integer")
			}
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			var out []Value
			for i := 0; i < len(items); i += int(n) {
				row := slices.Clone(items[i:min(i+int(n), len(items))])
				if given(a[1]) {
					for len(row) < int(n) {
						row = append(row, a[1])
					}
				}
				out = append(out, newList(row))
			}
			return newList(out), nil
		},
		"capitalize": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) {
			return sameKind(v, capitalize(str(v))), nil
		},
		"center": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("center", args, kw, "width")
			if err != nil {
				return nil, err
			}
			w, _ := asInt(or(a[0], int64(80)))
			return center(str(v), int(w), " "), nil
		},
		"default": filterDefault,
		"d":       filterDefault,
		"dictsort": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("dictsort", args, kw, "case_sensitive", "by", "reverse")
			if err != nil {
				return nil, err
			}
			d, ok := v.(*Dict)
			if !ok {
				return nil, undefinedOr(v, errors.New("You can only sort by either \"key\" or \"value\""))
			}
			pos := 0
			switch or(a[1], "key") {
			case "key":
			case "value":
				pos = 1
			default:
				return nil, errors.New("You can only sort by either \"key\" or \"value\"")
			}
			items := dictItems(d)
			lower := !truthy(or(a[0], false))
			err = sortValues(items, func(it Value) (Value, error) {
				k := it.(*List).Items[pos]
				if s, ok := k.(string); ok && lower {
					return strings.ToLower(s), nil
				}
				return k, nil
			}, truthy(or(a[2], false)))
			return newList(items), err
		},
		"escape":      filterEscape,
		"e":           filterEscape,
		"forceescape": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) { return Markup(escapeHTML(str(v))), nil },
		"first": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			if len(items) == 0 {
				return Undefined{msg: "No first item, sequence was empty."}, nil
			}
			return items[0], nil
		},
		"last": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			if len(items) == 0 {
				return Undefined{msg: "No last item, sequence was empty."}, nil
			}
			return items[len(items)-1], nil
		},
		"float": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("float", args, kw, "default")
			if err != nil {
				return nil, err
			}
			def := or(a[0], 0.0)
			if f, ok := asNumber(v); ok {
				return f, nil
			}
			if s, ok := asString(v); ok {
				var f float64
				if _, err := fmt.Sscan(strings.TrimFunc(s, isSpace), &f); err == nil {
					return f, nil
				}
			}
			return def, nil
		},
		"format": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			s, ok := asString(v)
			if !ok {
				s = str(v)
			}
			if len(args) > 0 && kw.Len() > 0 {
				return nil, errors.New("can't handle positional and keyword arguments at the same time")
			}
			if kw.Len() > 0 {
				return printf(s, kw)
			}
			return printf(s, &List{Items: args, Tuple: true})
		},
		"groupby": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("groupby", args, kw, "attribute", "default", "case_sensitive")
			if err != nil {
				return nil, err
			}
			items, err := toList(v)
			if err != nil {
				return nil, err
			}
			def := or(a[1], nil)
			get := attrGetter(a[0], !truthy(or(a[2], false)), def)
			if err := sortValues(items, get, false); err != nil {
				return nil, err
			}
			var out []Value
			for _, it := range items {
				k, err := get(it)
				if err != nil {
					return nil, err
				}
				if n := len(out); n > 0 && equal(out[n-1].(*List).Items[0], k) {
					g := out[n-1].(*List).Items[1].(*List)
					g.Items = append(g.Items, it)
					continue
				}
				grouper, _ := attrGetter(a[0], false, def)(it)
				out = append(out, &List{Items: []Value{grouper, newList([]Value{it})}, Tuple: true})
			}
			return newList(out), nil
		},
		"indent": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("indent", args, kw, "width", "first", "blank")
			if err != nil {
				return nil, err
			}
			ind := "    "
			switch w := or(a[0], int64(4)).(type) {
			case string:
				ind = w
			default:
				n, _ := asInt(w)
				ind = strings.Repeat(" ", int(max(n, 0)))
			}
			s := str(v) + "\n"
			lines := strings.Split(s, "\n")
			lines = lines[:len(lines)-1]
			var b strings.Builder
			for i, line := range lines {
				if i > 0 {
					b.WriteString("\n")
				}
				if (i > 0 || truthy(or(a[1], false))) && (line != "" || truthy(or(a[2], false))) {
					b.WriteString(ind)
				}
				b.WriteString(line)
			}
			return sameKind(v, b.String()), nil
		},
		"int": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("int", args, kw, "default", "base")
			if err != nil {
				return nil, err
			}
			base, _ := asInt(or(a[1], int64(10)))
			return toInt(v, or(a[0], int64(0)), int(base)), nil
		},
		"items": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) {
			switch d := v.(type) {
			case Undefined:
				return newList(nil), nil
			case *Dict:
				return newList(dictItems(d)), nil
			}
			return nil, errors.New("Can only get item pairs from a mapping.")
		},
		"join": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("join", args, kw, "d", "attribute")
			if err != nil {
				return nil, err
			}
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			if given(a[1]) {
				get := attrGetter(a[1], false, nil)
				mapped := make([]Value, len(items))
				for i, it := range items {
					if mapped[i], err = get(it); err != nil {
						return nil, err
					}
				}
				items = mapped
			}
			parts := make([]string, len(items))
			for i, it := range items {
				parts[i] = str(it)
			}
			return strings.Join(parts, str(or(a[0], ""))), nil
		},
		"length": filterLength,
		"count":  filterLength,
		"list": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) {
			items, err := toList(v)
			if err != nil {
				return nil, err
			}
			return newList(items), nil
		},
		"lower": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) { return sameKind(v, lower(str(v))), nil },
		"upper": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) { return sameKind(v, upper(str(v))), nil },
		"title": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) { return sameKind(v, title(str(v))), nil },
		"map":   filterMap,
		"max":   func(r *renderer, v Value, args []Value, kw *Dict) (Value, error) { return minMax(v, args, kw, "max") },
		"min":   func(r *renderer, v Value, args []Value, kw *Dict) (Value, error) { return minMax(v, args, kw, "min") },
		"pprint": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) {
			return repr(v), nil
		},
		"reject":     selectFilter(false, false),
		"select":     selectFilter(true, false),
		"rejectattr": selectFilter(false, true),
		"selectattr": selectFilter(true, true),
		"replace": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("replace", args, kw, "old", "new", "count")
			if err != nil {
				return nil, err
			}
			n := int64(-1)
			if c, ok := asInt(or(a[2], nil)); ok {
				n = c
			}
			return sameKind(v, pyReplace(str(v), str(a[0]), str(a[1]), int(n))), nil
		},
		"reverse": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) {
			if s, ok := asString(v); ok {
				r := []rune(s)
				slices.Reverse(r)
				return string(r), nil
			}
			items, err := toList(v)
			if err != nil {
				return nil, errors.New("argument must be iterable")
			}
			slices.Reverse(items)
			return newList(items), nil
		},
		"round": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("round", args, kw, "precision", "method")
			if err != nil {
				return nil, err
			}
			f, ok := asNumber(v)
			if !ok {
				return nil, undefinedOr(v, fmt.Errorf("type %s doesn't define __round__ method", typeName(v)))
			}
			p, _ := asInt(or(a[0], int64(0)))
			scale := math.Pow(10, float64(p))
			switch or(a[1], "common") {
			case "common":
				return pyRound(f, int(p)), nil
			case "ceil":
				return math.Ceil(f*scale) / scale, nil
			case "floor":
				return math.Floor(f*scale) / scale, nil
			}
			return nil, errors.New("method must be common, ceil or floor")
		},
		"safe": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) { return Markup(str(v)), nil },
		"slice": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("slice", args, kw, "slices", "fill_with")
			if err != nil {
				return nil, err
			}
			n, ok := asInt(a[0])
			if !ok || n <= 0 {
				return nil, errors.New("slice: slices must be a positive integer")
			}
			items, err := toList(v)
			if err != nil {
				return nil, err
			}
			per, extra := len(items)/int(n), len(items)%int(n)
			var out []Value
			offset := 0
			for i := 0; i < int(n); i++ {
				start := offset + i*per
				if i < extra {
					offset++
				}
				end := offset + (i+1)*per
				row := slices.Clone(items[start:end])
				if given(a[1]) && i >= extra {
					row = append(row, a[1])
				}
				out = append(out, newList(row))
			}
			return newList(out), nil
		},
		"sort": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("sort", args, kw, "reverse", "case_sensitive", "attribute")
			if err != nil {
				return nil, err
			}
			items, err := toList(v)
			if err != nil {
				return nil, err
			}
			err = sortValues(items, attrGetter(or(a[2], nil), !truthy(or(a[1], false)), nil), truthy(or(a[0], false)))
			return newList(items), err
		},
		"string": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) { return softStr(v), nil },
		"striptags": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) {
			s := str(v)
			var b strings.Builder
			for {
				i := strings.IndexByte(s, '<')
				if i < 0 {
					b.WriteString(s)
					break
				}
				j := strings.IndexByte(s[i:], '>')
				if j < 0 {
					b.WriteString(s)
					break
				}
				b.WriteString(s[:i])
				s = s[i+j+1:]
			}
			return strings.Join(strings.FieldsFunc(b.String(), isSpace), " "), nil
		},
		"sum": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("sum", args, kw, "attribute", "start")
			if err != nil {
				return nil, err
			}
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			get := attrGetter(or(a[0], nil), false, nil)
			total := or(a[1], int64(0))
			for _, it := range items {
				x, err := get(it)
				if err != nil {
					return nil, err
				}
				if total, err = binaryOp("+", total, x); err != nil {
					return nil, err
				}
			}
			return total, nil
		},
		"trim": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("trim", args, kw, "chars")
			if err != nil {
				return nil, err
			}
			return sameKind(softStr(v), pyStrip(str(v), or(a[0], nil), true, true)), nil
		},
		"truncate": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("truncate", args, kw, "length", "killwords", "end", "leeway")
			if err != nil {
				return nil, err
			}
			s := []rune(str(v))
			n, _ := asInt(or(a[0], int64(255)))
			end := str(or(a[2], "..."))
			leeway, _ := asInt(or(a[3], int64(5)))
			if int64(len(s)) <= n+leeway {
				return string(s), nil
			}
			cut := max(int(n)-utf8.RuneCountInString(end), 0)
			if truthy(or(a[1], false)) {
				return string(s[:cut]) + end, nil
			}
			kept := string(s[:cut])
			if i := strings.LastIndex(kept, " "); i >= 0 {
				kept = kept[:i]
			}
			return kept + end, nil
		},
		"unique": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("unique", args, kw, "case_sensitive", "attribute")
			if err != nil {
				return nil, err
			}
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			get := attrGetter(or(a[1], nil), !truthy(or(a[0], false)), nil)
			seen := NewDict()
			var out []Value
			for _, it := range items {
				k, err := get(it)
				if err != nil {
					return nil, err
				}
				if _, ok := seen.Get(k); ok {
					continue
				}
				if err := seen.Set(k, true); err != nil {
					return nil, err
				}
				out = append(out, it)
			}
			return newList(out), nil
		},
		"wordcount": func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) {
			n := 0
			inWord := false
			for _, r := range str(v) {
				w := r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
				if w && !inWord {
					n++
				}
				inWord = w
			}
			return int64(n), nil
		},
		"tojson": func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
			a, err := bind("tojson", args, kw, "ensure_ascii", "indent", "separators", "sort_keys")
			if err != nil {
				return nil, err
			}
			return toJSON(v, jsonOptions{
				ensureASCII: truthy(or(a[0], false)),
				indent:      or(a[1], nil),
				separators:  or(a[2], nil),
				sortKeys:    truthy(or(a[3], false)),
			})
		},
	}
}

func filterDefault(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
	a, err := bind("default", args, kw, "default_value", "boolean")
	if err != nil {
		return nil, err
	}
	_, undef := v.(Undefined)
	if undef || (truthy(or(a[1], false)) && !truthy(v)) {
		return or(a[0], ""), nil
	}
	return v, nil
}

func filterEscape(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) {
	if m, ok := v.(Markup); ok {
		return m, nil
	}
	return Markup(escapeHTML(str(v))), nil
}

func filterLength(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) {
	n, err := length(v)
	return int64(n), err
}

// dictItems returns a dict's (key, value) pairs as tuples.
func dictItems(d *Dict) []Value {
	out := make([]Value, d.Len())
	for i, k := range d.keys {
		out[i] = &List{Items: []Value{k, d.vals[i]}, Tuple: true}
	}
	return out
}

func filterMap(r *renderer, v Value, args []Value, kw *Dict) (Value, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	var f func(Value) (Value, error)
	if attr, ok := kw.Get("attribute"); ok && len(args) == 0 {
		def, _ := kw.Get("default")
		get := attrGetter(attr, false, nil)
		f = func(x Value) (Value, error) {
			y, err := get(x)
			if _, undef := y.(Undefined); undef && def != nil {
				return def, err
			}
			return y, err
		}
	} else {
		if len(args) == 0 {
			return nil, errors.New("map requires a filter argument")
		}
		name, _ := args[0].(string)
		flt, ok := filters[name]
		if !ok {
			return nil, fmt.Errorf("No filter named '%s'.", name)
		}
		rest := args[1:]
		f = func(x Value) (Value, error) { return flt(r, x, rest, kw) }
	}
	out := make([]Value, len(items))
	for i, it := range items {
		if out[i], err = f(it); err != nil {
			return nil, err
		}
	}
	return newList(out), nil
}

// selectFilter makes select, reject, selectattr and rejectattr.
func selectFilter(keep, byAttr bool) filterFunc {
	return func(r *renderer, v Value, args []Value, kw *Dict) (Value, error) {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		get := func(x Value) (Value, error) { return x, nil }
		if byAttr {
			if len(args) == 0 {
				return nil, errors.New("Missing parameter for attribute name")
			}
			get = attrGetter(args[0], false, nil)
			args = args[1:]
		}
		test := func(x Value) (bool, error) { return truthy(x), nil }
		if len(args) > 0 {
			name, _ := args[0].(string)
			t, ok := tests[name]
			if !ok {
				return nil, fmt.Errorf("No test named '%s'.", name)
			}
			rest := args[1:]
			test = func(x Value) (bool, error) {
				ok, err := t(r, x, rest, kw)
				return truthy(ok), err
			}
		}
		var out []Value
		for _, it := range items {
			x, err := get(it)
			if err != nil {
				return nil, err
			}
			ok, err := test(x)
			if err != nil {
				return nil, err
			}
			if ok == keep {
				out = append(out, it)
			}
		}
		return newList(out), nil
	}
}

func minMax(v Value, args []Value, kw *Dict, which string) (Value, error) {
	a, err := bind(which, args, kw, "case_sensitive", "attribute")
	if err != nil {
		return nil, err
	}
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return Undefined{msg: fmt.Sprintf("No aggregated item, sequence was empty.")}, nil
	}
	get := attrGetter(or(a[1], nil), !truthy(or(a[0], false)), nil)
	best := items[0]
	bk, err := get(best)
	if err != nil {
		return nil, err
	}
	for _, it := range items[1:] {
		k, err := get(it)
		if err != nil {
			return nil, err
		}
		c, err := compare(k, bk, "<")
		if err != nil {
			return nil, err
		}
		if (which == "min" && c < 0) || (which == "max" && c > 0) {
			best, bk = it, k
		}
	}
	return best, nil
}

// pyRound rounds half to even at a number of decimals, as Python's round.
func pyRound(f float64, digits int) float64 {
	scale := math.Pow(10, float64(digits))
	return math.RoundToEven(f*scale) / scale
}
