package jinja

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

func negate(x Value) (Value, error) {
	switch x := x.(type) {
	case int64:
		return -x, nil
	case float64:
		return -x, nil
	case bool:
		if x {
			return int64(-1), nil
		}
		return int64(0), nil
	}
	return nil, undefinedOr(x, fmt.Errorf("bad operand type for unary -: '%s'", typeName(x)))
}

// binaryOp is Python's arithmetic: + - * / // % **.
func binaryOp(op string, l, r Value) (Value, error) {
	for _, v := range []Value{l, r} {
		if u, ok := v.(Undefined); ok {
			return nil, errors.New(u.msg)
		}
	}
	unsupported := fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(l), typeName(r))
	switch op {
	case "+":
		if ls, ok := asString(l); ok {
			rs, ok := asString(r)
			if !ok {
				return nil, fmt.Errorf("can only concatenate str (not \"%s\") to str", typeName(r))
			}
			return addStrings(l, r, ls, rs)
		}
		if ll, ok := l.(*List); ok {
			rl, ok := r.(*List)
			if !ok || rl.Tuple != ll.Tuple {
				return nil, fmt.Errorf("can only concatenate %s (not \"%s\") to %s", typeName(l), typeName(r), typeName(l))
			}
			if len(ll.Items)+len(rl.Items) > maxOutput {
				return nil, errors.New("list too large")
			}
			items := append(append([]Value{}, ll.Items...), rl.Items...)
			return &List{Items: items, Tuple: ll.Tuple}, nil
		}
	case "*":
		if n, ok := asInt(r); ok {
			if v, ok := repeat(l, n); ok {
				return v, nil
			}
		}
		if n, ok := asInt(l); ok {
			if v, ok := repeat(r, n); ok {
				return v, nil
			}
		}
	case "%":
		if s, ok := asString(l); ok {
			return printf(s, r)
		}
	}
	li, lint := asInt(l)
	ri, rint := asInt(r)
	lf, lnum := asNumber(l)
	rf, rnum := asNumber(r)
	if !lnum || !rnum {
		return nil, unsupported
	}
	if lint && rint {
		switch op {
		case "+":
			return li + ri, nil
		case "-":
			return li - ri, nil
		case "*":
			return li * ri, nil
		case "/":
			if ri == 0 {
				return nil, errors.New("division by zero")
			}
			return float64(li) / float64(ri), nil
		case "//":
			if ri == 0 {
				return nil, errors.New("integer division or modulo by zero")
			}
			q := li / ri
			if (li%ri != 0) && ((li < 0) != (ri < 0)) {
				q--
			}
			return q, nil
		case "%":
			if ri == 0 {
				return nil, errors.New("integer division or modulo by zero")
			}
			m := li % ri
			if m != 0 && (m < 0) != (ri < 0) {
				m += ri
			}
			return m, nil
		case "**":
			if ri >= 0 {
				res := int64(1)
				for i := int64(0); i < ri; i++ {
					res *= li
					if res > 1<<53 || res < -(1<<53) {
						return math.Pow(float64(li), float64(ri)), nil
					}
				}
				return res, nil
			}
			return math.Pow(float64(li), float64(ri)), nil
		}
	}
	switch op {
	case "+":
		return lf + rf, nil
	case "-":
		return lf - rf, nil
	case "*":
		return lf * rf, nil
	case "/":
		if rf == 0 {
			return nil, errors.New("float division by zero")
		}
		return lf / rf, nil
	case "//":
		if rf == 0 {
			return nil, errors.New("float floor division by zero")
		}
		return math.Floor(lf / rf), nil
	case "%":
		if rf == 0 {
			return nil, errors.New("float modulo")
		}
		m := math.Mod(lf, rf)
		if m != 0 && (m < 0) != (rf < 0) {
			m += rf
		}
		return m, nil
	case "**":
		return math.Pow(lf, rf), nil
	}
	return nil, unsupported
}

// addStrings concatenates two strings; with a Markup operand the other one
// is escaped and the result is Markup.
func addStrings(l, r Value, ls, rs string) (Value, error) {
	if len(ls)+len(rs) > maxOutput {
		return nil, errors.New("string too large")
	}
	_, lm := l.(Markup)
	_, rm := r.(Markup)
	switch {
	case lm && !rm:
		return Markup(ls + escapeHTML(rs)), nil
	case rm && !lm:
		return Markup(escapeHTML(ls) + rs), nil
	case lm && rm:
		return Markup(ls + rs), nil
	}
	return ls + rs, nil
}

// repeat is s * n for a string or list.
func repeat(v Value, n int64) (Value, bool) {
	n = max(n, 0)
	switch v := v.(type) {
	case string:
		if int64(len(v))*n > maxOutput {
			return nil, false
		}
		return strings.Repeat(v, int(n)), true
	case *List:
		if int64(len(v.Items))*n > maxOutput {
			return nil, false
		}
		var items []Value
		for range n {
			items = append(items, v.Items...)
		}
		return &List{Items: items, Tuple: v.Tuple}, true
	}
	return nil, false
}

func compareOp(op string, l, r Value) (bool, error) {
	switch op {
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "in":
		return contains(r, l)
	case "notin":
		ok, err := contains(r, l)
		return !ok, err
	}
	for _, v := range []Value{l, r} {
		if u, ok := v.(Undefined); ok {
			return false, errors.New(u.msg)
		}
	}
	c, err := compare(l, r, op)
	if err != nil {
		return false, err
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

// contains is Python's "item in container".
func contains(container, item Value) (bool, error) {
	switch c := container.(type) {
	case string, Markup:
		s, ok := asString(item)
		if !ok {
			return false, fmt.Errorf("'in <string>' requires string as left operand, not %s", typeName(item))
		}
		cs, _ := asString(c)
		return strings.Contains(cs, s), nil
	case *Dict:
		if _, ok := hashKey(item); !ok {
			return false, fmt.Errorf("unhashable type: '%s'", typeName(item))
		}
		_, ok := c.Get(item)
		return ok, nil
	case *List:
		for _, it := range c.Items {
			if equal(it, item) {
				return true, nil
			}
		}
		return false, nil
	case Undefined:
		return false, nil
	}
	return false, fmt.Errorf("argument of type '%s' is not iterable", typeName(container))
}

// printf is Python's "format % args" for the conversions templates use:
// %s %r %d %i %f %F %e %g %x %X %o %c %% with flags, width and precision.
func printf(format string, args Value) (Value, error) {
	var list []Value
	var mapping *Dict
	switch a := args.(type) {
	case *List:
		if a.Tuple {
			list = a.Items
		} else {
			list = []Value{a}
		}
	case *Dict:
		mapping = a
		list = []Value{a}
	default:
		list = []Value{a}
	}
	var b strings.Builder
	next := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			return nil, errors.New("incomplete format")
		}
		var arg Value
		haveArg := false
		if format[i] == '(' {
			end := strings.IndexByte(format[i:], ')')
			if end < 0 || mapping == nil {
				return nil, errors.New("format requires a mapping")
			}
			key := format[i+1 : i+end]
			v, ok := mapping.Get(key)
			if !ok {
				return nil, fmt.Errorf("KeyError: %s", repr(key))
			}
			arg, haveArg = v, true
			i += end + 1
		}
		spec := ""
		for i < len(format) && strings.IndexByte("-+ #0123456789.", format[i]) >= 0 {
			spec += string(format[i])
			i++
		}
		if i >= len(format) {
			return nil, errors.New("incomplete format")
		}
		verb := format[i]
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		if !haveArg {
			if next >= len(list) {
				return nil, errors.New("not enough arguments for format string")
			}
			arg = list[next]
			next++
		}
		s, err := formatOne(verb, spec, arg)
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
	}
	if mapping == nil && next < len(list) {
		return nil, errors.New("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

// formatOne formats one %-conversion.
func formatOne(verb byte, spec string, arg Value) (string, error) {
	switch verb {
	case 's':
		return fmt.Sprintf("%"+strings.ReplaceAll(spec, "0", "")+"s", str(arg)), nil
	case 'r', 'a':
		return fmt.Sprintf("%"+spec+"s", repr(arg)), nil
	case 'd', 'i', 'u':
		n, ok := asInt(arg)
		if !ok {
			f, ok := asNumber(arg)
			if !ok {
				return "", fmt.Errorf("%%%c format: a real number is required, not %s", verb, typeName(arg))
			}
			n = int64(f)
		}
		return fmt.Sprintf("%"+spec+"d", n), nil
	case 'x', 'X', 'o':
		n, ok := asInt(arg)
		if !ok {
			return "", fmt.Errorf("%%%c format: an integer is required, not %s", verb, typeName(arg))
		}
		return fmt.Sprintf("%"+spec+string(verb), n), nil
	case 'f', 'F', 'e', 'E', 'g', 'G':
		f, ok := asNumber(arg)
		if !ok {
			return "", fmt.Errorf("must be real number, not %s", typeName(arg))
		}
		if !strings.Contains(spec, ".") {
			spec += ".6"
		}
		return fmt.Sprintf("%"+spec+string(verb), f), nil
	case 'c':
		if n, ok := asInt(arg); ok {
			return string(rune(n)), nil
		}
		if s, ok := asString(arg); ok && len([]rune(s)) == 1 {
			return s, nil
		}
		return "", errors.New("%c requires int or char")
	}
	return "", fmt.Errorf("unsupported format character '%c' (0x%x)", verb, verb)
}

// escapeHTML is markupsafe's escape: & < > ' ".
func escapeHTML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&#39;", `"`, "&#34;").Replace(s)
}

// toInt converts like Jinja2's |int filter: numbers, numeric strings
// (base 10, or a prefixed base when base is 0), else def.
func toInt(v Value, def Value, base int) Value {
	switch x := v.(type) {
	case int64:
		return x
	case bool:
		n, _ := asInt(x)
		return n
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return def
		}
		return int64(x)
	case string, Markup:
		s := strings.TrimFunc(str(x), isSpace)
		s = strings.ReplaceAll(s, "_", "")
		// Python's int(s, base) accepts the prefix of its base.
		if prefix := map[int]string{16: "0x", 8: "0o", 2: "0b"}[base]; prefix != "" && len(s) > 2 && strings.EqualFold(s[:2], prefix) {
			s = s[2:]
		}
		if n, err := strconv.ParseInt(s, base, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && base == 10 {
			return int64(f)
		}
	}
	return def
}
