package grammar

import (
	"fmt"
	"slices"
	"strings"
)

// Grammar is a parsed and checked grammar, ready to match. It is
// immutable and safe for concurrent use; each generation gets its own
// Matcher.
type Grammar struct {
	// elems holds every rule's alternatives, each ended by opEnd.
	elems []elem
	// alts[r] are the positions in elems where rule r's alternatives
	// start.
	alts    [][]int32
	classes []class
	root    int32
	names   []string
}

// compile checks the parsed rules and lays them out for matching.
func (p *parser) compile() (*Grammar, error) {
	for _, r := range p.rules {
		if !r.defined {
			return nil, p.errorf(r.at, "undefined rule %q", r.name)
		}
	}
	root, ok := p.byName["root"]
	if !ok {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: `the grammar has no "root" rule`}
	}
	nullable := p.nullable()
	for _, rep := range p.reps {
		if rep.item.op == opRef && nullable[rep.item.arg] {
			return nil, p.errorf(rep.at, "this repetition repeats something that can match nothing, so matching could loop forever")
		}
	}
	if err := p.leftRecursion(nullable); err != nil {
		return nil, err
	}
	g := &Grammar{classes: p.classes, root: root, alts: make([][]int32, len(p.rules)), names: make([]string, len(p.rules))}
	g.elems = make([]elem, 0, p.size)
	for i, r := range p.rules {
		g.names[i] = r.name
		for _, a := range r.alts {
			g.alts[i] = append(g.alts[i], int32(len(g.elems)))
			g.elems = append(g.elems, a...)
			g.elems = append(g.elems, elem{op: opEnd})
		}
	}
	// The matcher's first step: a grammar too ambiguous to start is
	// refused here rather than when generation begins.
	if m := newMatcher(g); m.err != nil {
		return nil, p.errorf(p.rules[root].at, "%s", strings.TrimPrefix(m.err.Error(), "grammar: "))
	}
	return g, nil
}

// nullable reports, per rule, whether it can match the empty string.
func (p *parser) nullable() []bool {
	// An alternative made only of rule references is nullable once all of
	// them are: pending counts those not known to be yet, and users[r]
	// lists the alternatives (one entry per reference) that wait on r.
	// Each reference is visited once, so a long chain of rules costs
	// linear time.
	type alt struct{ rule, pending int32 }
	var alts []alt
	users := make([][]int32, len(p.rules))
	n := make([]bool, len(p.rules))
	var queue []int32
	for i, r := range p.rules {
		for _, a := range r.alts {
			if !slices.ContainsFunc(a, func(e elem) bool { return e.op != opRef }) {
				id := int32(len(alts))
				alts = append(alts, alt{int32(i), int32(len(a))})
				for _, e := range a {
					users[e.arg] = append(users[e.arg], id)
				}
				if len(a) == 0 && !n[i] {
					n[i] = true
					queue = append(queue, int32(i))
				}
			}
		}
	}
	for len(queue) > 0 {
		r := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, id := range users[r] {
			a := &alts[id]
			if a.pending--; a.pending == 0 && !n[a.rule] {
				n[a.rule] = true
				queue = append(queue, a.rule)
			}
		}
	}
	return n
}

// leftRecursion refuses a rule that can reach itself without matching a
// character first (directly, through other rules, or after parts that can
// match nothing): expanding it would never end.
func (p *parser) leftRecursion(nullable []bool) error {
	// left[r] are the rules r can start with.
	left := make([][]int32, len(p.rules))
	for i, r := range p.rules {
		for _, a := range r.alts {
			for _, e := range a {
				if e.op != opRef {
					break
				}
				left[i] = append(left[i], e.arg)
				if !nullable[e.arg] {
					break
				}
			}
		}
	}
	const (
		unseen = iota
		active
		done
	)
	state := make([]uint8, len(p.rules))
	var path []int32
	var visit func(r int32) error
	visit = func(r int32) error {
		state[r] = active
		path = append(path, r)
		for _, s := range left[r] {
			switch state[s] {
			case active:
				return p.cycleError(path, s)
			case unseen:
				if err := visit(s); err != nil {
					return err
				}
			}
		}
		path = path[:len(path)-1]
		state[r] = done
		return nil
	}
	for r := range p.rules {
		if state[r] == unseen {
			if err := visit(int32(r)); err != nil {
				return err
			}
		}
	}
	return nil
}

// cycleError describes the left recursion path[i:] -> s, where path[i] == s.
func (p *parser) cycleError(path []int32, s int32) error {
	i := len(path) - 1
	for path[i] != s {
		i--
	}
	cycle := path[i:]
	// Report at a rule the user wrote, if the cycle has one.
	at := cycle[0]
	for _, r := range cycle {
		if p.rules[r].what == "" {
			at = r
			break
		}
	}
	var names []string
	for _, r := range cycle {
		names = append(names, p.describeRule(r))
	}
	names = append(names, p.describeRule(s))
	return p.errorf(p.rules[at].at, "left recursion: %s (a rule that can reach itself before matching any character would loop forever)",
		strings.Join(names, " -> "))
}

// describeRule names rule r for an error.
func (p *parser) describeRule(r int32) string {
	pr := p.rules[r]
	if pr.what == "" {
		return pr.name
	}
	e := errorAt(p.src, pr.at, "")
	return fmt.Sprintf("(%s at line %d, column %d)", pr.what, e.Line, e.Column)
}
