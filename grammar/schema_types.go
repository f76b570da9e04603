package grammar

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// count reads a non-negative integer keyword such as minItems; absent
// gives def.
func count(s *value, path, k string, def int) (int, error) {
	x := s.get(k)
	if x == nil {
		return def, nil
	}
	if x.kind == 'n' {
		if n, err := strconv.ParseInt(x.num.String(), 10, 64); err == nil && n >= 0 {
			if n > MaxRepeat {
				return 0, errorf(path, k, "%d is over the supported %d", n, MaxRepeat)
			}
			return int(n), nil
		}
		if f, err := x.num.Float64(); err == nil && f >= 0 && f == math.Trunc(f) {
			if f > MaxRepeat {
				return 0, errorf(path, k, "%v is over the supported %d", f, MaxRepeat)
			}
			return int(f), nil
		}
	}
	return 0, errorf(path, k, "must be a non-negative integer")
}

// repeatSep returns item repeated lo to hi times (hi < 0: unbounded),
// separated by sep.
func repeatSep(item, sep string, lo, hi int) string {
	switch {
	case hi == 0:
		return ""
	case lo == 0 && hi == 1:
		return "(" + item + ")?"
	}
	rest := "(" + sep + " " + item + ")"
	switch {
	case hi < 0 && lo <= 1:
		rest += "*"
	case hi < 0:
		rest += fmt.Sprintf("{%d,}", lo-1)
	case lo <= 1:
		rest += fmt.Sprintf("{0,%d}", hi-1)
	default:
		rest += fmt.Sprintf("{%d,%d}", lo-1, hi-1)
	}
	if hi == 1 {
		rest = ""
	}
	out := item + " " + rest
	if lo == 0 {
		out = "(" + out + ")?"
	}
	return out
}

// str returns the expression for strings: by pattern, format or length.
func (c *converter) str(s *value, path, name string) (string, error) {
	pattern, format := s.get("pattern"), s.get("format")
	minLen, err := count(s, path, "minLength", 0)
	if err != nil {
		return "", err
	}
	maxLen, err := count(s, path, "maxLength", -1)
	if err != nil {
		return "", err
	}
	if maxLen >= 0 && maxLen < minLen {
		return "", errorf(path, "maxLength", "is below minLength")
	}
	hasLen := s.get("minLength") != nil || s.get("maxLength") != nil
	switch {
	case pattern != nil:
		for _, k := range []string{"format", "minLength", "maxLength"} {
			if s.get(k) != nil {
				return "", errorf(path, k, `not supported together with "pattern"`)
			}
		}
		if pattern.kind != 's' {
			return "", errorf(path, "pattern", "must be a string")
		}
		e, err := c.pattern(pattern.str, path)
		if err != nil {
			return "", err
		}
		return c.b.add(name, `"\"" `+e+` "\"" `+c.b.primitive("space")), nil
	case format != nil:
		if format.kind != 's' {
			return "", errorf(path, "format", "must be a string")
		}
		rule, ok := stringFormats[format.str]
		if !ok {
			return "", errorf(path, "format", "%q is not supported (supported: date, time, date-time, uuid)", format.str)
		}
		if hasLen {
			return "", errorf(path, "minLength", `not supported together with "format"`)
		}
		if rule == "uuid" {
			return c.b.primitive("uuid"), nil
		}
		return c.b.add(rule+"-string", `"\"" `+c.b.primitive(rule)+` "\"" `+c.b.primitive("space")), nil
	case hasLen:
		char := c.b.primitive("char")
		rep := char
		switch {
		case maxLen < 0:
			rep += fmt.Sprintf("{%d,}", minLen)
		case maxLen == minLen:
			rep += fmt.Sprintf("{%d}", minLen)
		default:
			rep += fmt.Sprintf("{%d,%d}", minLen, maxLen)
		}
		return c.b.add(name, `"\"" `+rep+` "\"" `+c.b.primitive("space")), nil
	}
	return c.b.primitive("string"), nil
}

// integer returns the expression for integers, within their bounds.
func (c *converter) integer(s *value, path, name string) (string, error) {
	limit := math.Pow10(maxIntDigits) - 1
	lo, hi := -limit, limit
	for _, b := range []struct {
		k     string
		lower bool
		excl  bool
	}{{"minimum", true, false}, {"exclusiveMinimum", true, true}, {"maximum", false, false}, {"exclusiveMaximum", false, true}} {
		x := s.get(b.k)
		if x == nil {
			continue
		}
		if x.kind != 'n' {
			return "", errorf(path, b.k, "must be a number")
		}
		f, err := x.num.Float64()
		if err != nil {
			return "", errorf(path, b.k, "%v", err)
		}
		switch {
		case b.lower && b.excl:
			lo = max(lo, math.Floor(f)+1)
		case b.lower:
			lo = max(lo, math.Ceil(f))
		case b.excl:
			hi = min(hi, math.Ceil(f)-1)
		default:
			hi = min(hi, math.Floor(f))
		}
	}
	if lo > hi {
		return "", errorf(path, "", "no integer lies within the bounds (or they pass the supported %d digits)", maxIntDigits)
	}
	if lo == -limit && hi == limit {
		return c.b.primitive("integer"), nil
	}
	return c.b.add(name, "("+intRange(int64(lo), int64(hi))+") "+c.b.primitive("space")), nil
}

// intRange returns GBNF alternatives matching the decimal integers in
// [lo, hi], without leading zeros or "-0".
func intRange(lo, hi int64) string {
	var alts []string
	if lo < 0 {
		alts = append(alts, `"-" (`+uintRange(uint64(max(1, -hi)), uint64(-lo))+`)`)
	}
	if hi >= 0 {
		alts = append(alts, uintRange(uint64(max(0, lo)), uint64(hi)))
	}
	return strings.Join(alts, " | ")
}

// uintRange returns GBNF alternatives for the integers in [a, b], a <= b.
func uintRange(a, b uint64) string {
	var alts []string
	for d := len(strconv.FormatUint(a, 10)); d <= len(strconv.FormatUint(b, 10)); d++ {
		first, last := uint64(0), uint64(9)
		if d > 1 {
			first = pow10(d - 1)
			last = pow10(d) - 1
		}
		x, y := max(a, first), min(b, last)
		if x <= y {
			alts = append(alts, sameLength(strconv.FormatUint(x, 10), strconv.FormatUint(y, 10)))
		}
	}
	return strings.Join(alts, " | ")
}

func pow10(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}

// sameLength returns a GBNF expression for the numbers from x to y, two
// decimal strings of the same length.
func sameLength(x, y string) string {
	n := len(x) - 1
	switch {
	case x == y:
		return Literal(x)
	case n == 0:
		return digits(x[0], y[0])
	case x[0] == y[0]:
		return Literal(x[:1]) + " (" + sameLength(x[1:], y[1:]) + ")"
	}
	var alts []string
	from, to := x[0], y[0]
	if strings.Trim(x[1:], "0") != "" { // x's tail is not the lowest
		alts = append(alts, Literal(x[:1])+" ("+sameLength(x[1:], strings.Repeat("9", n))+")")
		from++
	}
	lastFull := strings.Trim(y[1:], "9") == ""
	if !lastFull {
		to--
	}
	if from <= to {
		any := "[0-9]"
		if n > 1 {
			any += fmt.Sprintf("{%d}", n)
		}
		alts = append(alts, digits(from, to)+" "+any)
	}
	if !lastFull {
		alts = append(alts, Literal(y[:1])+" ("+sameLength(strings.Repeat("0", n), y[1:])+")")
	}
	return strings.Join(alts, " | ")
}

// digits returns a class of the digits from a to b.
func digits(a, b byte) string {
	if a == b {
		return "[" + string(a) + "]"
	}
	return "[" + string(a) + "-" + string(b) + "]"
}

// array returns the expression for arrays: a tuple of prefixItems, then
// items, within minItems and maxItems.
func (c *converter) array(s *value, path, name string) (string, error) {
	defer c.inside()()
	minItems, err := count(s, path, "minItems", 0)
	if err != nil {
		return "", err
	}
	maxItems, err := count(s, path, "maxItems", -1)
	if err != nil {
		return "", err
	}
	if maxItems >= 0 && maxItems < minItems {
		return "", errorf(path, "maxItems", "is below minItems")
	}
	if u := s.get("uniqueItems"); u != nil && !(u.kind == 'b' && !u.boolean) {
		return "", errorf(path, "uniqueItems", "only false is supported (the grammar cannot compare items)")
	}
	var prefix []*value
	items := s.get("items")
	if p := s.get("prefixItems"); p != nil {
		if p.kind != 'a' {
			return "", errorf(path, "prefixItems", "must be an array of schemas")
		}
		prefix = p.items
	} else if items != nil && items.kind == 'a' { // draft 4-7 tuples
		prefix, items = items.items, nil
	}
	space := c.b.primitive("space")
	// The tuple: as many prefix items as maxItems lets in.
	k := len(prefix)
	if maxItems >= 0 {
		k = min(k, maxItems)
	}
	var seq []string
	for i, x := range prefix[:k] {
		e, err := c.visit(x, pointer(path, "prefixItems", strconv.Itoa(i)), fmt.Sprintf("%s-%d", name, i))
		if err != nil {
			return "", err
		}
		seq = append(seq, e)
	}
	body := `"[" ` + space
	if len(seq) > 0 {
		body += " " + strings.Join(seq, ` "," `+space+" ")
	}
	// Then more items: from items, or (when items is absent) any values,
	// but after a tuple only as many as minItems asks for.
	lo, hi := max(0, minItems-k), -1
	if maxItems >= 0 {
		hi = maxItems - k
	}
	switch {
	case items != nil && items.kind == 'b' && !items.boolean:
		hi = 0
	case items == nil && k > 0:
		hi = lo
	}
	if lo > hi && hi >= 0 {
		return "", errorf(path, "minItems", "asks for more items than the schema allows")
	}
	if hi != 0 {
		item := c.b.primitive("value")
		if items != nil {
			if item, err = c.visit(items, pointer(path, "items"), name+"-item"); err != nil {
				return "", err
			}
		}
		if k == 0 {
			body += " " + repeatSep(item, `","`+" "+space, lo, hi)
		} else {
			body += " " + repeatSep(`"," `+space+" "+item, "", lo, hi)
		}
	}
	return c.b.add(name, body+` "]" `+space), nil
}

// object returns the expression for objects: the required properties in
// order, then the optional ones in order, then other properties when
// additionalProperties allows them. Without "properties", other properties
// are allowed unless additionalProperties is false ({"type": "object"} is
// any object); with them, an absent additionalProperties allows none, as
// in llama.cpp's converter, so that a model does not invent properties.
func (c *converter) object(s *value, path, name string) (string, error) {
	defer c.inside()()
	props := s.get("properties")
	additional := s.get("additionalProperties")
	if props == nil {
		if additional == nil {
			additional = &value{kind: 'b', boolean: true}
		}
		if s.get("required") == nil && additional.kind == 'b' && additional.boolean {
			return c.b.primitive("object"), nil
		}
		props = &value{kind: 'o'}
	}
	if props.kind != 'o' {
		return "", errorf(path, "properties", "must be an object of schemas")
	}
	required := map[string]bool{}
	if r := s.get("required"); r != nil {
		if r.kind != 'a' {
			return "", errorf(path, "required", "must be an array of property names")
		}
		for _, x := range r.items {
			if x.kind != 's' {
				return "", errorf(path, "required", "must be an array of property names")
			}
			required[x.str] = true
			if props.get(x.str) == nil { // required but not described: any value
				props = &value{kind: 'o', members: append(append([]member(nil), props.members...), member{x.str, &value{kind: 'b', boolean: true}})}
			}
		}
	}
	space := c.b.primitive("space")
	var req, opt []string
	var names []string
	for _, m := range props.members {
		e, err := c.visit(m.val, pointer(path, "properties", m.key), ruleName(name, m.key))
		if err != nil {
			return "", err
		}
		var key strings.Builder
		writeJSONString(&key, m.key)
		kv := c.b.add(ruleName(name, m.key)+"-kv", Literal(key.String())+" "+space+` ":" `+space+" "+e)
		if required[m.key] {
			req = append(req, kv)
		} else {
			opt = append(opt, kv)
		}
		names = append(names, m.key)
	}
	extra := ""
	switch {
	case additional == nil || additional.kind == 'b' && !additional.boolean:
	default:
		val := c.b.primitive("value")
		if additional.kind != 'b' {
			var err error
			if val, err = c.visit(additional, pointer(path, "additionalProperties"), name+"-additional-value"); err != nil {
				return "", err
			}
		}
		key := c.b.add(name+"-additional-key", c.notStrings(names))
		extra = c.b.add(name+"-additional-kv", key+" "+space+` ":" `+space+" "+val)
	}
	body := `"{" ` + space + " "
	sep := `"," ` + space + " "
	body += strings.Join(req, " "+sep)
	// The optional properties follow, each at most once and in order, then
	// the additional ones: tails[i] is the optional part for opt[i] (or
	// for extra, last) when a property came before it.
	var tails []string
	for _, kv := range opt {
		tails = append(tails, "("+sep+kv+")?")
	}
	if extra != "" {
		opt = append(opt, extra)
		tails = append(tails, "("+sep+extra+")*")
	}
	switch {
	case len(opt) == 0:
	case len(req) > 0:
		body += " " + strings.Join(tails, " ")
	default:
		// Without a required property, the first one present has no comma.
		var firsts []string
		for i, kv := range opt {
			first := kv + " " + strings.Join(tails[i+1:], " ")
			if kv == extra {
				first = kv + " " + tails[i]
			}
			firsts = append(firsts, strings.TrimSpace(first))
		}
		body += "(" + strings.Join(firsts, " | ") + ")?"
	}
	return c.b.add(name, body+` "}" `+space), nil
}

// notStrings returns a rule body matching a JSON object key (written
// without escapes) that is none of names, as llama.cpp does: a trie of the
// names, where leaving it or going past a name's end gives a new key.
func (c *converter) notStrings(names []string) string {
	type node struct {
		next map[rune]*node
		keys []rune // the edges, in order
		end  bool
	}
	root := &node{next: map[rune]*node{}}
	for _, n := range names {
		if strings.ContainsAny(n, "\"\\") || strings.IndexFunc(n, func(r rune) bool { return r < 0x20 }) >= 0 {
			continue // keys written without escapes can never be these
		}
		at := root
		for _, r := range n {
			nx, ok := at.next[r]
			if !ok {
				nx = &node{next: map[rune]*node{}}
				at.next[r] = nx
				at.keys = append(at.keys, r)
			}
			at = nx
		}
		at.end = true
	}
	char := c.b.primitive("key-char")
	var visit func(n *node) string
	visit = func(n *node) string {
		var alts []string
		reject := []span{{'"', '"'}, {'\\', '\\'}, {0, 0x1F}}
		for _, r := range n.keys {
			ch := n.next[r]
			reject = append(reject, span{r, r})
			lit := classText(class{{r, r}})
			switch {
			case len(ch.keys) > 0:
				alts = append(alts, lit+" ("+visit(ch)+")")
			case ch.end:
				alts = append(alts, lit+" "+char+"+")
			}
		}
		alts = append(alts, classText(newClass(reject, true))+" "+char+"*")
		return strings.Join(alts, " | ")
	}
	body := visit(root)
	if !root.end {
		body = "(" + body + ")?"
	}
	return `"\"" ` + body + ` "\""`
}
