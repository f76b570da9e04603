package jinja

import (
	"errors"
	"math"
)

// testFunc is a test ("x is name(args)").
type testFunc func(r *renderer, v Value, args []Value, kw *Dict) (Value, error)

// tests are Jinja2's built-in tests.
var tests map[string]testFunc

// is makes a test from a predicate of the subject alone.
func is(f func(Value) bool) testFunc {
	return func(_ *renderer, v Value, _ []Value, _ *Dict) (Value, error) { return f(v), nil }
}

// isWith makes a test that compares its subject with one argument.
func isWith(f func(v, arg Value) (bool, error)) testFunc {
	return func(_ *renderer, v Value, args []Value, kw *Dict) (Value, error) {
		a, err := bind("test", args, kw, "other")
		if err != nil {
			return nil, err
		}
		if !given(a[0]) {
			return nil, errors.New("test takes exactly one argument")
		}
		return f(v, a[0])
	}
}

func compareTest(op string) testFunc {
	return isWith(func(v, arg Value) (bool, error) { return compareOp(op, v, arg) })
}

func init() {
	isString := func(v Value) bool { _, ok := asString(v); return ok }
	tests = map[string]testFunc{
		"boolean": is(func(v Value) bool { _, ok := v.(bool); return ok }),
		"callable": is(func(v Value) bool {
			switch v.(type) {
			case *macro, *function, *loopState:
				return true
			}
			return false
		}),
		"defined":   is(func(v Value) bool { _, ok := v.(Undefined); return !ok }),
		"undefined": is(func(v Value) bool { _, ok := v.(Undefined); return ok }),
		"divisibleby": isWith(func(v, arg Value) (bool, error) {
			m, err := binaryOp("%", v, arg)
			if err != nil {
				return false, err
			}
			return equal(m, int64(0)), nil
		}),
		"escaped": is(func(v Value) bool { _, ok := v.(Markup); return ok }),
		"even": is(func(v Value) bool {
			n, ok := asInt(v)
			return ok && n%2 == 0
		}),
		"odd": is(func(v Value) bool {
			n, ok := asInt(v)
			return ok && n%2 != 0
		}),
		"false": is(func(v Value) bool { return v == false }),
		"true":  is(func(v Value) bool { return v == true }),
		"filter": is(func(v Value) bool {
			s, ok := v.(string)
			_, found := filters[s]
			return ok && found
		}),
		"test": is(func(v Value) bool {
			s, ok := v.(string)
			_, found := tests[s]
			return ok && found
		}),
		"float":   is(func(v Value) bool { _, ok := v.(float64); return ok }),
		"integer": is(func(v Value) bool { _, ok := v.(int64); return ok }),
		"number": is(func(v Value) bool {
			switch v.(type) {
			case int64, float64, bool:
				return true
			}
			return false
		}),
		"in": isWith(func(v, arg Value) (bool, error) { return contains(arg, v) }),
		"iterable": is(func(v Value) bool {
			switch v.(type) {
			case string, Markup, *List, *Dict, Undefined:
				return true
			}
			return false
		}),
		"sequence": is(func(v Value) bool {
			switch v.(type) {
			case string, Markup, *List, *Dict:
				return true
			}
			return false
		}),
		"mapping": is(func(v Value) bool { _, ok := v.(*Dict); return ok }),
		"string":  is(isString),
		"none":    is(func(v Value) bool { return v == nil }),
		"lower": is(func(v Value) bool {
			s, ok := asString(v)
			return ok && strPredicate("islower", s)
		}),
		"upper": is(func(v Value) bool {
			s, ok := asString(v)
			return ok && strPredicate("isupper", s)
		}),
		"sameas": isWith(func(v, arg Value) (bool, error) {
			switch a := v.(type) {
			case *List, *Dict, *Namespace:
				return v == arg, nil
			case float64:
				b, ok := arg.(float64)
				return ok && (a == b || math.IsNaN(a) && math.IsNaN(b)), nil
			}
			return typeName(v) == typeName(arg) && equal(v, arg), nil
		}),
		"eq":          compareTest("=="),
		"equalto":     compareTest("=="),
		"==":          compareTest("=="),
		"ne":          compareTest("!="),
		"!=":          compareTest("!="),
		"lt":          compareTest("<"),
		"lessthan":    compareTest("<"),
		"<":           compareTest("<"),
		"le":          compareTest("<="),
		"<=":          compareTest("<="),
		"gt":          compareTest(">"),
		"greaterthan": compareTest(">"),
		">":           compareTest(">"),
		"ge":          compareTest(">="),
		">=":          compareTest(">="),
	}
}
