package jinja

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Limits that keep a hostile template from running forever or exhausting
// memory; no chat template comes near them.
const (
	maxSteps  = 20_000_000 // statements and expressions evaluated
	maxOutput = 64 << 20   // bytes of output, and of any one string
	maxDepth  = 400        // nested macro calls
)

// scope is one level of variables: the template's top level, a loop
// iteration, a macro call.
type scope struct {
	vars   map[string]Value
	parent *scope
}

func newScope(parent *scope) *scope { return &scope{vars: map[string]Value{}, parent: parent} }

func (s *scope) lookup(name string) (Value, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// renderError is an error raised while rendering, at a template line.
type renderError struct {
	line   int
	msg    string
	raised bool // raise_exception was called
}

func (e *renderError) Error() string { return e.msg }

// errLoopControl carries {% break %} and {% continue %} to their loop.
type errLoopControl struct{ isBreak bool }

func (e *errLoopControl) Error() string { return "loop control outside a loop" }

// renderer holds the state of one render.
type renderer struct {
	out   *strings.Builder
	now   time.Time
	steps int
	depth int
}

func (r *renderer) step() error {
	r.steps++
	if r.steps > maxSteps {
		return errors.New("template takes too many steps (endless loop?)")
	}
	if r.out.Len() > maxOutput {
		return errors.New("template output too large")
	}
	return nil
}

// withLine gives err the line of the node it happened at, unless it has one.
func withLine(err error, line int) error {
	var re *renderError
	var lc *errLoopControl
	switch {
	case errors.As(err, &lc):
		return err
	case errors.As(err, &re):
		if re.line == 0 {
			re.line = line
		}
		return err
	}
	return &renderError{line: line, msg: err.Error()}
}

// capture renders body into a string of its own.
func (r *renderer) capture(f func() error) (string, error) {
	saved := r.out
	var b strings.Builder
	r.out = &b
	err := f()
	r.out = saved
	return b.String(), err
}

func (r *renderer) render(nodes []node, sc *scope) error {
	for _, n := range nodes {
		if err := r.step(); err != nil {
			return withLine(err, n.nodeLine())
		}
		if err := r.renderNode(n, sc); err != nil {
			return withLine(err, n.nodeLine())
		}
	}
	return nil
}

func (r *renderer) renderNode(n node, sc *scope) error {
	switch n := n.(type) {
	case *textNode:
		r.out.WriteString(n.text)
	case *outputNode:
		for _, e := range n.exprs {
			v, err := r.eval(e, sc)
			if err != nil {
				return err
			}
			r.out.WriteString(str(v))
		}
	case *ifNode:
		c, err := r.eval(n.cond, sc)
		if err != nil {
			return err
		}
		if truthy(c) {
			return r.render(n.body, sc)
		}
		return r.render(n.else_, sc)
	case *forNode:
		it, err := r.eval(n.iter, sc)
		if err != nil {
			return err
		}
		return r.renderFor(n, sc, it, 0)
	case *setNode:
		v, err := r.eval(n.value, sc)
		if err != nil {
			return err
		}
		return r.assign(n.target, v, sc)
	case *setBlockNode:
		body, err := r.capture(func() error { return r.render(n.body, newScope(sc)) })
		if err != nil {
			return err
		}
		var v Value = body
		if n.filter != nil {
			if v, err = r.applyFilters(n.filter, body, sc); err != nil {
				return err
			}
		}
		return r.assign(n.target, v, sc)
	case *macroNode:
		sc.vars[n.m.name] = &macro{def: n.m, closure: sc}
	case *callBlockNode:
		caller := &macro{def: n.m, closure: sc}
		v, err := r.call(n.call, sc, caller)
		if err != nil {
			return err
		}
		r.out.WriteString(str(v))
	case *filterBlockNode:
		body, err := r.capture(func() error { return r.render(n.body, newScope(sc)) })
		if err != nil {
			return err
		}
		v, err := r.applyFilters(n.filter, body, sc)
		if err != nil {
			return err
		}
		r.out.WriteString(str(v))
	case *withNode:
		inner := newScope(sc)
		for i, t := range n.targets {
			v, err := r.eval(n.values[i], sc)
			if err != nil {
				return err
			}
			if err := r.assign(t, v, inner); err != nil {
				return err
			}
		}
		return r.render(n.body, inner)
	case *scopeNode:
		return r.render(n.body, newScope(sc))
	case *loopControlNode:
		return &errLoopControl{isBreak: n.isBreak}
	case *unsupportedNode:
		return errors.New(n.msg)
	default:
		return fmt.Errorf("unknown node %T", n)
	}
	return nil
}

// applyFilters applies a filter chain parsed with no subject to v.
func (r *renderer) applyFilters(f *filterExpr, v Value, sc *scope) (Value, error) {
	var err error
	if inner, ok := f.x.(*filterExpr); ok {
		if v, err = r.applyFilters(inner, v, sc); err != nil {
			return nil, err
		}
	}
	return r.filter(f, v, sc)
}

// renderFor runs a for loop over it; depth counts recursive loop() calls.
func (r *renderer) renderFor(n *forNode, sc *scope, it Value, depth int) error {
	items, err := iterate(it)
	if err != nil {
		return err
	}
	if n.filter != nil {
		var kept []Value
		for _, item := range items {
			inner := newScope(sc)
			if err := r.assign(n.target, item, inner); err != nil {
				return err
			}
			ok, err := r.eval(n.filter, inner)
			if err != nil {
				return err
			}
			if truthy(ok) {
				kept = append(kept, item)
			}
		}
		items = kept
	}
	if len(items) == 0 {
		return r.render(n.else_, newScope(sc))
	}
	ls := &loopState{items: items, depth: depth}
	if n.recursive {
		ls.recurse = func(v Value) (Value, error) {
			if r.depth >= maxDepth {
				return nil, errors.New("maximum recursion depth exceeded while calling a Python object")
			}
			r.depth++
			defer func() { r.depth-- }()
			return r.capture(func() error { return r.renderFor(n, sc, v, depth+1) })
		}
	}
	for i, item := range items {
		ls.index = i
		inner := newScope(sc)
		if err := r.assign(n.target, item, inner); err != nil {
			return err
		}
		inner.vars["loop"] = ls
		err := r.render(n.body, inner)
		var lc *errLoopControl
		if errors.As(err, &lc) {
			if lc.isBreak {
				break
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// assign binds a for or set target to v.
func (r *renderer) assign(target expr, v Value, sc *scope) error {
	switch t := target.(type) {
	case *nameExpr:
		sc.vars[t.name] = v
	case *nsRefExpr:
		ns, _ := sc.lookup(t.name)
		n, ok := ns.(*Namespace)
		if !ok {
			return errors.New("cannot assign attribute on non-namespace object")
		}
		n.attrs.SetString(t.attr, v)
	case *listExpr:
		items, err := iterate(v)
		if err != nil {
			return fmt.Errorf("cannot unpack non-iterable %s object", typeName(v))
		}
		switch {
		case len(items) < len(t.items):
			return fmt.Errorf("not enough values to unpack (expected %d, got %d)", len(t.items), len(items))
		case len(items) > len(t.items):
			return fmt.Errorf("too many values to unpack (expected %d)", len(t.items))
		}
		for i, e := range t.items {
			if err := r.assign(e, items[i], sc); err != nil {
				return err
			}
		}
	default:
		return errors.New("can't assign to this expression")
	}
	return nil
}

func (r *renderer) eval(e expr, sc *scope) (Value, error) {
	if err := r.step(); err != nil {
		return nil, withLine(err, e.exprLine())
	}
	v, err := r.evalExpr(e, sc)
	if err != nil {
		return nil, withLine(err, e.exprLine())
	}
	return v, nil
}

func (r *renderer) evalExpr(e expr, sc *scope) (Value, error) {
	switch e := e.(type) {
	case *constExpr:
		return e.v, nil
	case *nameExpr:
		if v, ok := sc.lookup(e.name); ok {
			return v, nil
		}
		return Undefined{msg: fmt.Sprintf("'%s' is undefined", e.name)}, nil
	case *attrExpr:
		x, err := r.eval(e.x, sc)
		if err != nil {
			return nil, err
		}
		return getAttr(x, e.name)
	case *itemExpr:
		x, err := r.eval(e.x, sc)
		if err != nil {
			return nil, err
		}
		if s, ok := e.key.(*sliceExpr); ok {
			return r.slice(x, s, sc)
		}
		k, err := r.eval(e.key, sc)
		if err != nil {
			return nil, err
		}
		return getItem(x, k)
	case *unaryExpr:
		x, err := r.eval(e.x, sc)
		if err != nil {
			return nil, err
		}
		switch e.op {
		case "not":
			return !truthy(x), nil
		case "-":
			return negate(x)
		}
		if _, ok := asNumber(x); !ok {
			return nil, undefinedOr(x, fmt.Errorf("bad operand type for unary +: '%s'", typeName(x)))
		}
		return x, nil
	case *binaryExpr:
		l, err := r.eval(e.l, sc)
		if err != nil {
			return nil, err
		}
		switch e.op {
		case "and":
			if !truthy(l) {
				return l, nil
			}
			return r.eval(e.r, sc)
		case "or":
			if truthy(l) {
				return l, nil
			}
			return r.eval(e.r, sc)
		}
		rv, err := r.eval(e.r, sc)
		if err != nil {
			return nil, err
		}
		return binaryOp(e.op, l, rv)
	case *concatExpr:
		var b strings.Builder
		for _, p := range e.parts {
			v, err := r.eval(p, sc)
			if err != nil {
				return nil, err
			}
			b.WriteString(str(v))
			if b.Len() > maxOutput {
				return nil, errors.New("string too large")
			}
		}
		return b.String(), nil
	case *compareExpr:
		l, err := r.eval(e.first, sc)
		if err != nil {
			return nil, err
		}
		for i, op := range e.ops {
			rv, err := r.eval(e.rest[i], sc)
			if err != nil {
				return nil, err
			}
			ok, err := compareOp(op, l, rv)
			if err != nil || !ok {
				return false, err
			}
			l = rv
		}
		return true, nil
	case *condExpr:
		t, err := r.eval(e.test, sc)
		if err != nil {
			return nil, err
		}
		if truthy(t) {
			return r.eval(e.a, sc)
		}
		if e.b == nil {
			return Undefined{msg: fmt.Sprintf("the inline if-expression on line %d evaluated to false and no else section was defined.", e.line)}, nil
		}
		return r.eval(e.b, sc)
	case *callExpr:
		return r.call(e, sc, nil)
	case *filterExpr:
		x, err := r.eval(e.x, sc)
		if err != nil {
			return nil, err
		}
		return r.filter(e, x, sc)
	case *testExpr:
		x, err := r.eval(e.x, sc)
		if err != nil {
			return nil, err
		}
		args, kw, err := r.evalArgs(e.args, sc)
		if err != nil {
			return nil, err
		}
		return tests[e.name](r, x, args, kw)
	case *listExpr:
		items := make([]Value, len(e.items))
		for i, it := range e.items {
			v, err := r.eval(it, sc)
			if err != nil {
				return nil, err
			}
			items[i] = v
		}
		return &List{Items: items, Tuple: e.tuple}, nil
	case *dictExpr:
		d := NewDict()
		for i, k := range e.keys {
			kv, err := r.eval(k, sc)
			if err != nil {
				return nil, err
			}
			vv, err := r.eval(e.vals[i], sc)
			if err != nil {
				return nil, err
			}
			if err := d.Set(kv, vv); err != nil {
				return nil, err
			}
		}
		return d, nil
	case *sliceExpr:
		return nil, errors.New("slice outside a subscript")
	}
	return nil, fmt.Errorf("cannot evaluate %T", e)
}

func (r *renderer) filter(f *filterExpr, x Value, sc *scope) (Value, error) {
	args, kw, err := r.evalArgs(f.args, sc)
	if err != nil {
		return nil, err
	}
	return filters[f.name](r, x, args, kw)
}

// evalArgs evaluates a call's arguments, spreading *args and **kwargs.
func (r *renderer) evalArgs(a argList, sc *scope) ([]Value, *Dict, error) {
	var args []Value
	for _, e := range a.args {
		v, err := r.eval(e, sc)
		if err != nil {
			return nil, nil, err
		}
		args = append(args, v)
	}
	if a.dynArgs != nil {
		v, err := r.eval(a.dynArgs, sc)
		if err != nil {
			return nil, nil, err
		}
		items, err := iterate(v)
		if err != nil {
			return nil, nil, err
		}
		args = append(args, items...)
	}
	kw := NewDict()
	for i, name := range a.kwNames {
		v, err := r.eval(a.kwVals[i], sc)
		if err != nil {
			return nil, nil, err
		}
		kw.SetString(name, v)
	}
	if a.dynKwds != nil {
		v, err := r.eval(a.dynKwds, sc)
		if err != nil {
			return nil, nil, err
		}
		d, ok := v.(*Dict)
		if !ok {
			return nil, nil, fmt.Errorf("argument after ** must be a mapping, not %s", typeName(v))
		}
		for i, k := range d.keys {
			ks, ok := k.(string)
			if !ok {
				return nil, nil, errors.New("keywords must be strings")
			}
			kw.SetString(ks, d.vals[i])
		}
	}
	return args, kw, nil
}

// call evaluates a call expression; caller is the body of a {% call %}.
func (r *renderer) call(e *callExpr, sc *scope, caller *macro) (Value, error) {
	fn, err := r.eval(e.fn, sc)
	if err != nil {
		return nil, err
	}
	args, kw, err := r.evalArgs(e.args, sc)
	if err != nil {
		return nil, err
	}
	if caller != nil {
		kw.SetString("caller", caller)
	}
	return r.callValue(fn, args, kw)
}

func (r *renderer) callValue(fn Value, args []Value, kw *Dict) (Value, error) {
	switch f := fn.(type) {
	case *macro:
		return r.callMacro(f, args, kw)
	case *function:
		return f.fn(r, args, kw)
	case *loopState:
		if f.recurse == nil {
			return nil, errors.New("Tried to call non recursive loop.  Maybe you forgot the 'recursive' modifier.")
		}
		if len(args) != 1 || kw.Len() > 0 {
			return nil, errors.New("loop() takes exactly one argument")
		}
		return f.recurse(args[0])
	case Undefined:
		return nil, errors.New(f.msg)
	}
	return nil, fmt.Errorf("'%s' object is not callable", typeName(fn))
}

// macro is a macro (or a {% call %} body) with the scope it was defined in.
type macro struct {
	def     *macroDef
	closure *scope
}

func (r *renderer) callMacro(m *macro, args []Value, kw *Dict) (Value, error) {
	d := m.def
	if r.depth >= maxDepth {
		return nil, errors.New("maximum recursion depth exceeded while calling a Python object")
	}
	sc := newScope(m.closure)
	if len(args) > len(d.params) && !d.usesVarargs {
		return nil, fmt.Errorf("macro '%s' takes not more than %d argument(s)", d.name, len(d.params))
	}
	for i, p := range d.params {
		if i < len(args) {
			sc.vars[p] = args[i]
		}
	}
	extra := NewDict()
	for i, k := range kw.keys {
		name := k.(string)
		switch {
		case indexOf(d.params, name) >= 0:
			if indexOf(d.params, name) < len(args) {
				return nil, fmt.Errorf("macro '%s' got multiple values for argument '%s'", d.name, name)
			}
			sc.vars[name] = kw.vals[i]
		case name == "caller" && d.usesCaller:
			sc.vars[name] = kw.vals[i]
		case d.usesKwargs:
			extra.SetString(name, kw.vals[i])
		default:
			return nil, fmt.Errorf("macro '%s' takes no keyword argument '%s'", d.name, name)
		}
	}
	// Missing arguments take their defaults, evaluated in the macro's scope.
	firstDefault := len(d.params) - len(d.defaults)
	for i, p := range d.params {
		if _, ok := sc.vars[p]; ok {
			continue
		}
		if i >= firstDefault {
			v, err := r.eval(d.defaults[i-firstDefault], sc)
			if err != nil {
				return nil, err
			}
			sc.vars[p] = v
		} else {
			sc.vars[p] = Undefined{msg: fmt.Sprintf("parameter '%s' was not provided", p)}
		}
	}
	if d.usesVarargs {
		var rest []Value
		if len(args) > len(d.params) {
			rest = args[len(d.params):]
		}
		sc.vars["varargs"] = &List{Items: rest, Tuple: true}
	}
	if d.usesKwargs {
		sc.vars["kwargs"] = extra
	}
	if _, ok := sc.vars["caller"]; !ok && d.usesCaller {
		sc.vars["caller"] = Undefined{msg: "'caller' is undefined"}
	}
	r.depth++
	defer func() { r.depth-- }()
	return r.capture(func() error {
		err := r.render(d.body, sc)
		var lc *errLoopControl
		if errors.As(err, &lc) {
			return nil
		}
		return err
	})
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// undefinedOr returns the error of using an undefined value, when v is
// one, else err.
func undefinedOr(v Value, err error) error {
	if u, ok := v.(Undefined); ok {
		return errors.New(u.msg)
	}
	return err
}

// getAttr is x.name as Jinja2's sandbox evaluates it: an attribute (a
// method) first, then an item.
func getAttr(x Value, name string) (Value, error) {
	if u, ok := x.(Undefined); ok {
		return nil, errors.New(u.msg)
	}
	if strings.HasPrefix(name, "_") {
		return Undefined{msg: fmt.Sprintf("access to attribute '%s' of '%s' object is unsafe.", name, typeName(x))}, nil
	}
	if m, ok := method(x, name); ok {
		return m, nil
	}
	switch x := x.(type) {
	case *Dict:
		if v, ok := x.Get(name); ok {
			return v, nil
		}
	case *Namespace:
		if v, ok := x.attrs.Get(name); ok {
			return v, nil
		}
	case *loopState:
		if v, ok := x.attr(name); ok {
			return v, nil
		}
	}
	return Undefined{msg: noAttribute(x, name)}, nil
}

// getItem is x[key]: an item first, then (for a string key) an attribute.
func getItem(x, key Value) (Value, error) {
	switch c := x.(type) {
	case Undefined:
		return nil, errors.New(c.msg)
	case *Dict:
		if _, ok := hashKey(key); !ok {
			return nil, fmt.Errorf("unhashable type: '%s'", typeName(key))
		}
		if v, ok := c.Get(key); ok {
			return v, nil
		}
	case *List, string, Markup:
		if i, ok := asInt(key); ok {
			var n int
			var get func(int) Value
			if l, ok := c.(*List); ok {
				n, get = len(l.Items), func(i int) Value { return l.Items[i] }
			} else {
				s, _ := asString(c)
				runes := []rune(s)
				n, get = len(runes), func(i int) Value { return string(runes[i]) }
			}
			if i < 0 {
				i += int64(n)
			}
			if i >= 0 && i < int64(n) {
				return get(int(i)), nil
			}
		}
	}
	if name, ok := key.(string); ok {
		return getAttr(x, name)
	}
	return Undefined{msg: fmt.Sprintf("%s object has no element %s", objectRepr(x), repr(key))}, nil
}

// noAttribute is Jinja2's message for a missing attribute.
func noAttribute(x Value, name string) string {
	return fmt.Sprintf("%s has no attribute '%s'", objectRepr(x), name)
}

// objectRepr names a value's type in Undefined messages ("'dict object'").
func objectRepr(x Value) string {
	if x == nil {
		return "'None'"
	}
	return fmt.Sprintf("'%s object'", typeName(x))
}

// slice evaluates x[start:stop:step].
func (r *renderer) slice(x Value, s *sliceExpr, sc *scope) (Value, error) {
	var bounds [3]Value
	for i, e := range []expr{s.start, s.stop, s.step} {
		if e == nil {
			continue
		}
		v, err := r.eval(e, sc)
		if err != nil {
			return nil, err
		}
		bounds[i] = v
	}
	if u, ok := x.(Undefined); ok {
		return nil, errors.New(u.msg)
	}
	var n int
	switch c := x.(type) {
	case *List:
		n = len(c.Items)
	case string, Markup:
		n = len([]rune(str(c)))
	default:
		return nil, fmt.Errorf("'%s' object is not subscriptable", typeName(x))
	}
	idx, err := sliceIndices(n, bounds)
	if err != nil {
		return nil, err
	}
	switch c := x.(type) {
	case *List:
		out := make([]Value, len(idx))
		for i, j := range idx {
			out[i] = c.Items[j]
		}
		return &List{Items: out, Tuple: c.Tuple}, nil
	default:
		runes := []rune(str(c))
		var b strings.Builder
		for _, j := range idx {
			b.WriteRune(runes[j])
		}
		return b.String(), nil
	}
}

// sliceIndices returns the indices a Python slice selects from n items.
func sliceIndices(n int, bounds [3]Value) ([]int, error) {
	get := func(v Value, def int) (int, error) {
		if v == nil {
			return def, nil
		}
		i, ok := asInt(v)
		if !ok {
			return 0, errors.New("slice indices must be integers or None")
		}
		return int(max(min(i, math.MaxInt32), math.MinInt32)), nil
	}
	step, err := get(bounds[2], 1)
	if err != nil {
		return nil, err
	}
	if step == 0 {
		return nil, errors.New("slice step cannot be zero")
	}
	lo, hi := 0, n
	if step < 0 {
		lo, hi = n-1, -1
	}
	start, err := get(bounds[0], lo)
	if err != nil {
		return nil, err
	}
	stop, err := get(bounds[1], hi)
	if err != nil {
		return nil, err
	}
	clamp := func(i int, explicit bool) int {
		if !explicit {
			return i
		}
		if i < 0 {
			i += n
		}
		if step > 0 {
			return min(max(i, 0), n)
		}
		return min(max(i, -1), n-1)
	}
	start = clamp(start, bounds[0] != nil)
	stop = clamp(stop, bounds[1] != nil)
	var out []int
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, i)
	}
	return out, nil
}

// loopState is the loop variable of a for loop.
type loopState struct {
	items   []Value
	index   int
	depth   int
	recurse func(Value) (Value, error)
	changed *Value // the last value loop.changed saw
}

func (l *loopState) length() int { return len(l.items) }

func (l *loopState) attr(name string) (Value, bool) {
	n := len(l.items)
	switch name {
	case "index":
		return int64(l.index + 1), true
	case "index0":
		return int64(l.index), true
	case "revindex":
		return int64(n - l.index), true
	case "revindex0":
		return int64(n - l.index - 1), true
	case "first":
		return l.index == 0, true
	case "last":
		return l.index == n-1, true
	case "length":
		return int64(n), true
	case "depth":
		return int64(l.depth + 1), true
	case "depth0":
		return int64(l.depth), true
	case "previtem":
		if l.index == 0 {
			return Undefined{msg: "there is no previous item"}, true
		}
		return l.items[l.index-1], true
	case "nextitem":
		if l.index == n-1 {
			return Undefined{msg: "there is no next item"}, true
		}
		return l.items[l.index+1], true
	case "cycle":
		return &function{name: "cycle", fn: func(_ *renderer, args []Value, _ *Dict) (Value, error) {
			if len(args) == 0 {
				return nil, errors.New("no items for cycling given")
			}
			return args[l.index%len(args)], nil
		}}, true
	case "changed":
		return &function{name: "changed", fn: func(_ *renderer, args []Value, _ *Dict) (Value, error) {
			v := Value(&List{Items: args, Tuple: true})
			if l.changed != nil && equal(*l.changed, v) {
				return false, nil
			}
			l.changed = &v
			return true, nil
		}}, true
	}
	return nil, false
}
