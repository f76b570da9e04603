package jinja

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// method returns x.name when it is a method of Python's str, dict or list
// that templates may call. Methods that would change a value are refused
// as transformers' immutable sandbox refuses them: the result is an
// undefined value whose use is an error.
func method(x Value, name string) (Value, bool) {
	var f func(args []Value, kw *Dict) (Value, error)
	switch x := x.(type) {
	case string, Markup:
		f = strMethod(x, name)
	case *Dict:
		switch name {
		case "clear", "pop", "popitem", "setdefault", "update":
			return unsafe(x, name), true
		}
		f = dictMethod(x, name)
	case *List:
		switch name {
		case "append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort":
			return unsafe(x, name), true
		}
		f = listMethod(x, name)
	}
	if f == nil {
		return nil, false
	}
	return &function{name: name, fn: func(_ *renderer, args []Value, kw *Dict) (Value, error) { return f(args, kw) }}, true
}

func unsafe(x Value, name string) Value {
	return Undefined{msg: fmt.Sprintf("access to attribute '%s' of '%s' object is unsafe.", name, typeName(x))}
}

func dictMethod(d *Dict, name string) func([]Value, *Dict) (Value, error) {
	switch name {
	case "get":
		return func(args []Value, kw *Dict) (Value, error) {
			a, err := bind("get", args, kw, "key", "default")
			if err != nil {
				return nil, err
			}
			if !given(a[0]) {
				return nil, errors.New("get expected at least 1 argument, got 0")
			}
			if _, ok := hashKey(a[0]); !ok {
				return nil, fmt.Errorf("unhashable type: '%s'", typeName(a[0]))
			}
			if v, ok := d.Get(a[0]); ok {
				return v, nil
			}
			return or(a[1], nil), nil
		}
	case "items":
		return func([]Value, *Dict) (Value, error) { return &List{Items: dictItems(d), view: "dict_items"}, nil }
	case "keys":
		return func([]Value, *Dict) (Value, error) { return &List{Items: slicesClone(d.keys), view: "dict_keys"}, nil }
	case "values":
		return func([]Value, *Dict) (Value, error) {
			return &List{Items: slicesClone(d.vals), view: "dict_values"}, nil
		}
	case "copy":
		return func([]Value, *Dict) (Value, error) {
			c := NewDict()
			for i, k := range d.keys {
				_ = c.Set(k, d.vals[i])
			}
			return c, nil
		}
	}
	return nil
}

func slicesClone(v []Value) []Value { return append([]Value(nil), v...) }

func listMethod(l *List, name string) func([]Value, *Dict) (Value, error) {
	switch name {
	case "index":
		return func(args []Value, _ *Dict) (Value, error) {
			if len(args) < 1 {
				return nil, errors.New("index expected at least 1 argument")
			}
			for i, it := range l.Items {
				if equal(it, args[0]) {
					return int64(i), nil
				}
			}
			return nil, fmt.Errorf("%s is not in list", repr(args[0]))
		}
	case "count":
		return func(args []Value, _ *Dict) (Value, error) {
			if len(args) != 1 {
				return nil, errors.New("count() takes exactly one argument")
			}
			n := 0
			for _, it := range l.Items {
				if equal(it, args[0]) {
					n++
				}
			}
			return int64(n), nil
		}
	case "copy":
		if l.Tuple {
			return nil
		}
		return func([]Value, *Dict) (Value, error) { return newList(slicesClone(l.Items)), nil }
	}
	return nil
}

// strMethod returns the str method name bound to x, or nil.
func strMethod(x Value, name string) func([]Value, *Dict) (Value, error) {
	s := str(x)
	keep := func(r string) Value { return sameKind(x, r) }
	switch name {
	case "strip", "lstrip", "rstrip":
		return func(args []Value, kw *Dict) (Value, error) {
			a, err := bind(name, args, kw, "chars")
			if err != nil {
				return nil, err
			}
			return keep(pyStrip(s, or(a[0], nil), name != "rstrip", name != "lstrip")), nil
		}
	case "split", "rsplit":
		return func(args []Value, kw *Dict) (Value, error) {
			a, err := bind(name, args, kw, "sep", "maxsplit")
			if err != nil {
				return nil, err
			}
			n, _ := asInt(or(a[1], int64(-1)))
			parts, err := pySplit(s, or(a[0], nil), int(n), name == "rsplit")
			if err != nil {
				return nil, err
			}
			out := make([]Value, len(parts))
			for i, p := range parts {
				out[i] = keep(p)
			}
			return newList(out), nil
		}
	case "splitlines":
		return func(args []Value, kw *Dict) (Value, error) {
			a, err := bind(name, args, kw, "keepends")
			if err != nil {
				return nil, err
			}
			var out []Value
			for _, l := range splitLines(s, truthy(or(a[0], false))) {
				out = append(out, keep(l))
			}
			return newList(out), nil
		}
	case "startswith", "endswith":
		return func(args []Value, kw *Dict) (Value, error) {
			a, err := bind(name, args, kw, "prefix", "start", "end")
			if err != nil {
				return nil, err
			}
			sub, err := runeRange(s, a[1], a[2])
			if err != nil {
				return nil, err
			}
			var cands []Value
			switch p := a[0].(type) {
			case *List:
				if !p.Tuple {
					return nil, fmt.Errorf("%s first arg must be str or a tuple of str, not list", name)
				}
				cands = p.Items
			default:
				cands = []Value{p}
			}
			for _, c := range cands {
				cs, ok := asString(c)
				if !ok {
					return nil, fmt.Errorf("%s first arg must be str or a tuple of str, not %s", name, typeName(c))
				}
				if (name == "startswith" && strings.HasPrefix(sub, cs)) || (name == "endswith" && strings.HasSuffix(sub, cs)) {
					return true, nil
				}
			}
			return false, nil
		}
	case "find", "rfind", "index", "rindex", "count":
		return func(args []Value, kw *Dict) (Value, error) {
			a, err := bind(name, args, kw, "sub", "start", "end")
			if err != nil {
				return nil, err
			}
			sub, ok := asString(a[0])
			if !ok {
				return nil, fmt.Errorf("must be str, not %s", typeName(a[0]))
			}
			runes := []rune(s)
			lo, hi, err := runeBounds(len(runes), a[1], a[2])
			if err != nil {
				return nil, err
			}
			if lo > hi {
				if name == "count" {
					return int64(0), nil
				}
				return notFound(name)
			}
			part := string(runes[lo:hi])
			switch name {
			case "count":
				if sub == "" {
					return int64(hi - lo + 1), nil
				}
				return int64(strings.Count(part, sub)), nil
			case "find", "index":
				if i := strings.Index(part, sub); i >= 0 {
					return int64(lo + utf8.RuneCountInString(part[:i])), nil
				}
			default:
				if i := strings.LastIndex(part, sub); i >= 0 {
					return int64(lo + utf8.RuneCountInString(part[:i])), nil
				}
			}
			return notFound(name)
		}
	case "replace":
		return func(args []Value, kw *Dict) (Value, error) {
			a, err := bind(name, args, kw, "old", "new", "count")
			if err != nil {
				return nil, err
			}
			old, ok1 := asString(a[0])
			nw, ok2 := asString(a[1])
			if !ok1 || !ok2 {
				return nil, errors.New("replace() arguments must be str")
			}
			n, _ := asInt(or(a[2], int64(-1)))
			return keep(pyReplace(s, old, nw, int(n))), nil
		}
	case "upper":
		return noArgs(name, func() Value { return keep(upper(s)) })
	case "lower", "casefold":
		return noArgs(name, func() Value { return keep(lower(s)) })
	case "title":
		return noArgs(name, func() Value { return keep(pyTitle(s)) })
	case "capitalize":
		return noArgs(name, func() Value { return keep(capitalize(s)) })
	case "swapcase":
		return noArgs(name, func() Value {
			return keep(strings.Map(func(r rune) rune {
				if unicode.IsUpper(r) {
					return unicode.ToLower(r)
				}
				return unicode.ToUpper(r)
			}, s))
		})
	case "join":
		return func(args []Value, kw *Dict) (Value, error) {
			a, err := bind(name, args, kw, "iterable")
			if err != nil {
				return nil, err
			}
			items, err := iterate(a[0])
			if err != nil {
				return nil, fmt.Errorf("can only join an iterable")
			}
			parts := make([]string, len(items))
			for i, it := range items {
				p, ok := asString(it)
				if !ok {
					return nil, fmt.Errorf("sequence item %d: expected str instance, %s found", i, typeName(it))
				}
				parts[i] = p
			}
			return keep(strings.Join(parts, s)), nil
		}
	case "center", "ljust", "rjust":
		return func(args []Value, kw *Dict) (Value, error) {
			a, err := bind(name, args, kw, "width", "fillchar")
			if err != nil {
				return nil, err
			}
			w, ok := asInt(a[0])
			if !ok {
				return nil, fmt.Errorf("%s() requires an integer width", name)
			}
			fill := str(or(a[1], " "))
			if utf8.RuneCountInString(fill) != 1 {
				return nil, errors.New("The fill character must be exactly one character long")
			}
			pad := int(w) - utf8.RuneCountInString(s)
			switch {
			case pad <= 0:
				return keep(s), nil
			case name == "ljust":
				return keep(s + strings.Repeat(fill, pad)), nil
			case name == "rjust":
				return keep(strings.Repeat(fill, pad) + s), nil
			}
			return keep(center(s, int(w), fill)), nil
		}
	case "zfill":
		return func(args []Value, kw *Dict) (Value, error) {
			a, err := bind(name, args, kw, "width")
			if err != nil {
				return nil, err
			}
			w, _ := asInt(a[0])
			pad := int(w) - utf8.RuneCountInString(s)
			if pad <= 0 {
				return keep(s), nil
			}
			sign := ""
			rest := s
			if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
				sign, rest = s[:1], s[1:]
			}
			return keep(sign + strings.Repeat("0", pad) + rest), nil
		}
	case "partition", "rpartition":
		return func(args []Value, kw *Dict) (Value, error) {
			a, err := bind(name, args, kw, "sep")
			if err != nil {
				return nil, err
			}
			sep, ok := asString(a[0])
			if !ok || sep == "" {
				return nil, errors.New("empty separator")
			}
			i := strings.Index(s, sep)
			if name == "rpartition" {
				i = strings.LastIndex(s, sep)
			}
			parts := []Value{keep(s), keep(""), keep("")}
			if name == "rpartition" {
				parts = []Value{keep(""), keep(""), keep(s)}
			}
			if i >= 0 {
				parts = []Value{keep(s[:i]), keep(sep), keep(s[i+len(sep):])}
			}
			return &List{Items: parts, Tuple: true}, nil
		}
	case "removeprefix", "removesuffix":
		return func(args []Value, kw *Dict) (Value, error) {
			a, err := bind(name, args, kw, "affix")
			if err != nil {
				return nil, err
			}
			affix, _ := asString(a[0])
			if name == "removeprefix" {
				return keep(strings.TrimPrefix(s, affix)), nil
			}
			return keep(strings.TrimSuffix(s, affix)), nil
		}
	case "isalpha", "isdigit", "isdecimal", "isnumeric", "isalnum", "isspace", "isupper", "islower", "isascii", "istitle", "isidentifier", "isprintable":
		return noArgs(name, func() Value { return strPredicate(name, s) })
	case "format":
		return func(args []Value, kw *Dict) (Value, error) { return strFormat(s, args, kw) }
	}
	return nil
}

func noArgs(name string, f func() Value) func([]Value, *Dict) (Value, error) {
	return func(args []Value, kw *Dict) (Value, error) {
		if len(args) > 0 || kw.Len() > 0 {
			return nil, fmt.Errorf("%s() takes no arguments", name)
		}
		return f(), nil
	}
}

func notFound(name string) (Value, error) {
	if name == "index" || name == "rindex" {
		return nil, errors.New("substring not found")
	}
	return int64(-1), nil
}

// runeBounds resolves Python's optional start and end indices over n
// characters.
func runeBounds(n int, start, end Value) (int, int, error) {
	get := func(v Value, def int) (int, error) {
		if !given(v) || v == nil {
			return def, nil
		}
		i, ok := asInt(v)
		if !ok {
			return 0, errors.New("slice indices must be integers or None")
		}
		if i < 0 {
			i += int64(n)
		}
		return int(min(max(i, 0), int64(n))), nil
	}
	lo, err := get(start, 0)
	if err != nil {
		return 0, 0, err
	}
	hi, err := get(end, n)
	return lo, hi, err
}

func runeRange(s string, start, end Value) (string, error) {
	if (!given(start) || start == nil) && (!given(end) || end == nil) {
		return s, nil
	}
	runes := []rune(s)
	lo, hi, err := runeBounds(len(runes), start, end)
	if err != nil || lo > hi {
		return "", err
	}
	return string(runes[lo:hi]), nil
}

// pyStrip is str.strip/lstrip/rstrip: white space, or the characters of chars.
func pyStrip(s string, chars Value, left, right bool) string {
	cut := isSpace
	if chars != nil {
		if _, undef := chars.(Undefined); !undef {
			set := str(chars)
			cut = func(r rune) bool { return strings.ContainsRune(set, r) }
		}
	}
	if left {
		s = strings.TrimLeftFunc(s, cut)
	}
	if right {
		s = strings.TrimRightFunc(s, cut)
	}
	return s
}

// pySplit is str.split/rsplit.
func pySplit(s string, sep Value, maxsplit int, fromRight bool) ([]string, error) {
	if sep == nil {
		return splitSpace(s, maxsplit, fromRight), nil
	}
	sp, ok := asString(sep)
	if !ok {
		return nil, fmt.Errorf("must be str or None, not %s", typeName(sep))
	}
	if sp == "" {
		return nil, errors.New("empty separator")
	}
	if maxsplit < 0 {
		return strings.Split(s, sp), nil
	}
	if !fromRight {
		return strings.SplitN(s, sp, maxsplit+1), nil
	}
	var parts []string
	for range maxsplit {
		i := strings.LastIndex(s, sp)
		if i < 0 {
			break
		}
		parts = append(parts, s[i+len(sp):])
		s = s[:i]
	}
	parts = append(parts, s)
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return parts, nil
}

// splitSpace is str.split() with no separator: runs of white space
// separate, ends are ignored.
func splitSpace(s string, maxsplit int, fromRight bool) []string {
	fields := strings.FieldsFunc(s, isSpace)
	if maxsplit < 0 || len(fields) <= maxsplit+1 {
		if fields == nil {
			return []string{}
		}
		return fields
	}
	if !fromRight {
		// The first maxsplit fields, then the rest of s as it is.
		rest := s
		var out []string
		for range maxsplit {
			rest = strings.TrimLeftFunc(rest, isSpace)
			i := strings.IndexFunc(rest, isSpace)
			out = append(out, rest[:i])
			rest = rest[i:]
		}
		return append(out, strings.TrimLeftFunc(rest, isSpace))
	}
	rest := s
	var out []string
	for range maxsplit {
		rest = strings.TrimRightFunc(rest, isSpace)
		i := strings.LastIndexFunc(rest, isSpace)
		_, n := utf8.DecodeRuneInString(rest[i:])
		out = append([]string{rest[i+n:]}, out...)
		rest = rest[:i]
	}
	return append([]string{strings.TrimRightFunc(rest, isSpace)}, out...)
}

// splitLines is str.splitlines.
func splitLines(s string, keepEnds bool) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			end := i + n
			if r == '\r' && end < len(s) && s[end] == '\n' {
				end++
			}
			if keepEnds {
				out = append(out, s[start:end])
			} else {
				out = append(out, s[start:i])
			}
			start, i = end, end
			continue
		}
		i += n
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// pyReplace is str.replace with Python's count.
func pyReplace(s, old, nw string, n int) string {
	if n < 0 {
		n = -1
	}
	return strings.Replace(s, old, nw, n)
}

// upperSpecial holds the characters whose uppercase is longer than one
// character (Unicode's SpecialCasing.txt, unconditional mappings).
var upperSpecial = map[rune]string{
	'ß': "SS", 'ŉ': "ʼN", 'ǰ': "J̌", 'ΐ': "Ϊ́", 'ΰ': "Ϋ́", 'և': "ԵՒ",
	'ẖ': "H̱", 'ẗ': "T̈", 'ẘ': "W̊", 'ẙ': "Y̊", 'ẚ': "Aʾ",
	'ﬀ': "FF", 'ﬁ': "FI", 'ﬂ': "FL", 'ﬃ': "FFI", 'ﬄ': "FFL", 'ﬅ': "ST", 'ﬆ': "ST",
	'ﬓ': "ՄՆ", 'ﬔ': "ՄԵ", 'ﬕ': "ՄԻ", 'ﬖ': "ՎՆ", 'ﬗ': "ՄԽ",
}

// upper is Python's str.upper.
func upper(s string) string {
	var b strings.Builder
	for _, r := range s {
		if u, ok := upperSpecial[r]; ok {
			b.WriteString(u)
		} else {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// lower is Python's str.lower, with its final sigma rule.
func lower(s string) string {
	runes := []rune(s)
	var b strings.Builder
	for i, r := range runes {
		switch {
		case r == 'İ':
			b.WriteString("i̇")
		case r == 'Σ' && i > 0 && isCased(runes[i-1]) && (i+1 == len(runes) || !isCased(runes[i+1])):
			b.WriteRune('ς')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func isCased(r rune) bool { return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) }

// titleRune is the title case of r, as Python writes it.
func titleRune(r rune) string {
	if u, ok := upperSpecial[r]; ok {
		// Title case of the ligatures: first letter upper, rest lower.
		rs := []rune(u)
		return string(rs[0]) + strings.ToLower(string(rs[1:]))
	}
	return string(unicode.ToTitle(r))
}

// pyTitle is Python's str.title: a character after a cased one is
// lowercased, any other is title-cased.
func pyTitle(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		if prevCased {
			b.WriteString(lower(string(r)))
		} else {
			b.WriteString(titleRune(r))
		}
		prevCased = isCased(r)
	}
	return b.String()
}

// title is Jinja2's |title: each word (split at white space, "-", "(",
// "{", "[" and "<") gets its first character upper and the rest lower.
func title(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		if isSpace(r) || strings.ContainsRune("-({[<", r) {
			b.WriteRune(r)
			start = true
			continue
		}
		if start {
			b.WriteString(upper(string(r)))
		} else {
			b.WriteString(lower(string(r)))
		}
		start = false
	}
	return b.String()
}

// capitalize is Python's str.capitalize.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return titleRune(r) + lower(s[n:])
}

// center pads s to width with fill on both sides, as Python's str.center.
func center(s string, width int, fill string) string {
	n := utf8.RuneCountInString(s)
	pad := width - n
	if pad <= 0 {
		return s
	}
	left := pad / 2
	if pad%2 == 1 && width%2 == 1 {
		left++
	}
	return strings.Repeat(fill, left) + s + strings.Repeat(fill, pad-left)
}

func strPredicate(name, s string) bool {
	if s == "" {
		return name == "isascii" || name == "isprintable"
	}
	all := func(f func(rune) bool) bool {
		for _, r := range s {
			if !f(r) {
				return false
			}
		}
		return true
	}
	switch name {
	case "isalpha":
		return all(unicode.IsLetter)
	case "isdigit", "isdecimal":
		return all(unicode.IsDigit)
	case "isnumeric":
		return all(unicode.IsNumber)
	case "isalnum":
		return all(func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) })
	case "isspace":
		return all(isSpace)
	case "isascii":
		return all(func(r rune) bool { return r < 128 })
	case "isprintable":
		return all(isPrintable)
	case "isidentifier":
		for i, r := range s {
			if !(r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
				return false
			}
		}
		return true
	case "isupper", "islower":
		cased := false
		for _, r := range s {
			if (name == "isupper" && unicode.IsLower(r)) || (name == "islower" && unicode.IsUpper(r)) || unicode.IsTitle(r) {
				return false
			}
			cased = cased || isCased(r)
		}
		return cased
	case "istitle":
		return s == pyTitle(s) && strings.ContainsFunc(s, isCased)
	}
	return false
}

// strFormat is str.format for the replacement fields templates use:
// "{}", "{0}", "{name}", "{name.attr}" and "{x!r}"/"{x!s}"; "{{" and "}}"
// are literal braces. Format specifications are not supported.
func strFormat(s string, args []Value, kw *Dict) (Value, error) {
	var b strings.Builder
	auto := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '}' {
			if i+1 < len(s) && s[i+1] == '}' {
				b.WriteByte('}')
				i++
				continue
			}
			return nil, errors.New("Single '}' encountered in format string")
		}
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '{' {
			b.WriteByte('{')
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return nil, errors.New("expected '}' before end of string")
		}
		field := s[i+1 : i+end]
		i += end
		conv := ""
		if j := strings.IndexByte(field, '!'); j >= 0 {
			field, conv = field[:j], field[j+1:]
		}
		if strings.Contains(field, ":") || strings.Contains(conv, ":") {
			return nil, errors.New("format specifications are not supported")
		}
		name, path, _ := strings.Cut(field, ".")
		var v Value
		switch {
		case name == "":
			if auto >= len(args) {
				return nil, fmt.Errorf("Replacement index %d out of range for positional args tuple", auto)
			}
			v = args[auto]
			auto++
		case name[0] >= '0' && name[0] <= '9':
			var idx int
			if _, err := fmt.Sscan(name, &idx); err != nil || idx >= len(args) {
				return nil, fmt.Errorf("Replacement index %s out of range for positional args tuple", name)
			}
			v = args[idx]
		default:
			var ok bool
			if v, ok = kw.Get(name); !ok {
				return nil, fmt.Errorf("KeyError: %s", repr(name))
			}
		}
		if path != "" {
			for _, p := range strings.Split(path, ".") {
				var err error
				if v, err = getAttr(v, p); err != nil {
					return nil, err
				}
			}
		}
		if conv == "r" {
			b.WriteString(repr(v))
		} else {
			b.WriteString(str(v))
		}
	}
	return b.String(), nil
}
