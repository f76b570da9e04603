package jinja

import (
	"fmt"
	"slices"
	"strings"
)

// The template's syntax tree: statements (node) and expressions (expr).

type node interface{ nodeLine() int }

type (
	textNode   struct{ text string }
	outputNode struct {
		line  int
		exprs []expr
	}
	ifNode struct {
		line  int
		cond  expr
		body  []node
		else_ []node // an elif is an ifNode alone in else_
	}
	forNode struct {
		line      int
		target    expr
		iter      expr
		filter    expr
		body      []node
		else_     []node
		recursive bool
	}
	setNode struct {
		line   int
		target expr
		value  expr
	}
	setBlockNode struct {
		line   int
		target expr
		filter *filterExpr // applied to the body; its x is nil
		body   []node
	}
	macroNode struct {
		line int
		m    *macroDef
	}
	callBlockNode struct {
		line int
		call *callExpr
		m    *macroDef // the body, passed as caller
	}
	filterBlockNode struct {
		line   int
		filter *filterExpr
		body   []node
	}
	withNode struct {
		line    int
		targets []expr
		values  []expr
		body    []node
	}
	// scopeNode renders its body in a scope of its own ({% block %} and
	// transformers' {% generation %}).
	scopeNode struct {
		line int
		body []node
	}
	loopControlNode struct {
		line    int
		isBreak bool
	}
	// unsupportedNode is a statement that needs what transformers'
	// environment lacks ({% include %}, {% extends %}, {% import %}).
	unsupportedNode struct {
		line int
		msg  string
	}
)

// macroDef is a macro's signature and body.
type macroDef struct {
	name     string
	params   []string
	defaults []expr // for the last len(defaults) params
	body     []node
	// usesCaller, usesVarargs and usesKwargs say which of the implicit
	// variables the body reads, as Jinja2 decides what a macro accepts.
	usesCaller, usesVarargs, usesKwargs bool
}

func (n *textNode) nodeLine() int        { return 0 }
func (n *outputNode) nodeLine() int      { return n.line }
func (n *ifNode) nodeLine() int          { return n.line }
func (n *forNode) nodeLine() int         { return n.line }
func (n *setNode) nodeLine() int         { return n.line }
func (n *setBlockNode) nodeLine() int    { return n.line }
func (n *macroNode) nodeLine() int       { return n.line }
func (n *callBlockNode) nodeLine() int   { return n.line }
func (n *filterBlockNode) nodeLine() int { return n.line }
func (n *withNode) nodeLine() int        { return n.line }
func (n *scopeNode) nodeLine() int       { return n.line }
func (n *loopControlNode) nodeLine() int { return n.line }
func (n *unsupportedNode) nodeLine() int { return n.line }

type expr interface{ exprLine() int }

type (
	constExpr struct {
		line int
		v    Value
	}
	nameExpr struct {
		line int
		name string
	}
	// nsRefExpr is the target ns.attr of a {% set %}.
	nsRefExpr struct {
		line       int
		name, attr string
	}
	attrExpr struct {
		line int
		x    expr
		name string
	}
	itemExpr struct {
		line int
		x    expr
		key  expr
	}
	sliceExpr struct {
		line              int
		start, stop, step expr // nil when omitted
	}
	unaryExpr struct {
		line int
		op   string // "-", "+", "not"
		x    expr
	}
	binaryExpr struct {
		line int
		op   string // + - * / // % ** and or
		l, r expr
	}
	concatExpr struct {
		line  int
		parts []expr
	}
	compareExpr struct {
		line  int
		first expr
		ops   []string // == != < <= > >= in notin
		rest  []expr
	}
	condExpr struct {
		line       int
		test, a, b expr // b is nil without else
	}
	callExpr struct {
		line int
		fn   expr
		args argList
	}
	filterExpr struct {
		line int
		x    expr
		name string
		args argList
	}
	testExpr struct {
		line int
		x    expr
		name string
		args argList
	}
	listExpr struct {
		line  int
		items []expr
		tuple bool
	}
	dictExpr struct {
		line       int
		keys, vals []expr
	}
)

// argList is the arguments of a call, filter or test.
type argList struct {
	args             []expr
	kwNames          []string
	kwVals           []expr
	dynArgs, dynKwds expr // *args, **kwargs
}

func (e *constExpr) exprLine() int   { return e.line }
func (e *nameExpr) exprLine() int    { return e.line }
func (e *nsRefExpr) exprLine() int   { return e.line }
func (e *attrExpr) exprLine() int    { return e.line }
func (e *itemExpr) exprLine() int    { return e.line }
func (e *sliceExpr) exprLine() int   { return e.line }
func (e *unaryExpr) exprLine() int   { return e.line }
func (e *binaryExpr) exprLine() int  { return e.line }
func (e *concatExpr) exprLine() int  { return e.line }
func (e *compareExpr) exprLine() int { return e.line }
func (e *condExpr) exprLine() int    { return e.line }
func (e *callExpr) exprLine() int    { return e.line }
func (e *filterExpr) exprLine() int  { return e.line }
func (e *testExpr) exprLine() int    { return e.line }
func (e *listExpr) exprLine() int    { return e.line }
func (e *dictExpr) exprLine() int    { return e.line }

// parser builds the syntax tree from tokens, following Jinja2's parser.
type parser struct {
	toks []token
	pos  int
	// endStack holds the end tags of the open blocks, for error messages.
	endStack [][]string
	// names collects the variables a macro body reads.
	names map[string]bool
	// depth counts nested expressions, to refuse absurd nesting.
	depth int
}

// maxNesting bounds how deeply expressions and blocks may nest.
const maxNesting = 500

func (p *parser) cur() token  { return p.toks[p.pos] }
func (p *parser) look() token { return p.toks[min(p.pos+1, len(p.toks)-1)] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if p.pos < len(p.toks)-1 {
		p.pos++
	}
	return t
}

func (p *parser) fail(line int, format string, args ...any) error {
	return &syntaxError{line: line, msg: fmt.Sprintf(format, args...)}
}

func (p *parser) isOp(op string) bool     { return p.cur().is(tokOperator, op) }
func (p *parser) isName(name string) bool { return p.cur().is(tokName, name) }

func (p *parser) skipOp(op string) bool {
	if p.isOp(op) {
		p.next()
		return true
	}
	return false
}

func (p *parser) skipName(name string) bool {
	if p.isName(name) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectOp(op string) error {
	if !p.skipOp(op) {
		return p.unexpected(fmt.Sprintf("'%s'", op))
	}
	return nil
}

func (p *parser) expectName() (string, error) {
	if p.cur().kind != tokName {
		return "", p.unexpected("name")
	}
	return p.next().val, nil
}

func (p *parser) expectKind(kind tokKind, what string) error {
	if p.cur().kind != kind {
		return p.unexpected(what)
	}
	p.next()
	return nil
}

func (p *parser) unexpected(want string) error {
	t := p.cur()
	if t.kind == tokEOF {
		return p.failEOF()
	}
	return p.fail(t.line, "expected token %s, got '%s'", want, t.describe())
}

// failEOF is the error for a template that ends inside a block.
func (p *parser) failEOF() error {
	line := p.cur().line
	if len(p.endStack) > 0 {
		ends := p.endStack[len(p.endStack)-1]
		quoted := make([]string, len(ends))
		for i, e := range ends {
			quoted[i] = "'" + e + "'"
		}
		return p.fail(line, "Unexpected end of template. Jinja was looking for the following tags: %s. The innermost block that needs to be closed is '%s'.",
			strings.Join(quoted, " or "), strings.TrimPrefix(ends[0], "end"))
	}
	return p.fail(line, "unexpected end of template")
}

// parse parses the whole template.
func (p *parser) parse() ([]node, error) {
	body, err := p.subparse(nil)
	if err != nil {
		return nil, err
	}
	if p.cur().kind != tokEOF {
		return nil, p.fail(p.cur().line, "unexpected '%s'", p.cur().describe())
	}
	return body, nil
}

// subparse parses statements and data until a block tag named in ends.
func (p *parser) subparse(ends []string) ([]node, error) {
	var body []node
	if ends != nil {
		p.endStack = append(p.endStack, ends)
		defer func() { p.endStack = p.endStack[:len(p.endStack)-1] }()
	}
	for {
		t := p.cur()
		switch t.kind {
		case tokEOF:
			return body, nil
		case tokData:
			body = append(body, &textNode{text: t.val})
			p.next()
		case tokVariableBegin:
			p.next()
			e, err := p.parseTuple(false, true, nil, false)
			if err != nil {
				return nil, err
			}
			if err := p.expectKind(tokVariableEnd, "end of print statement"); err != nil {
				return nil, err
			}
			body = append(body, &outputNode{line: t.line, exprs: []expr{e}})
		case tokBlockBegin:
			p.next()
			if ends != nil && p.cur().kind == tokName && slices.Contains(ends, p.cur().val) {
				return body, nil
			}
			n, err := p.parseStatement()
			if err != nil {
				return nil, err
			}
			if n != nil {
				body = append(body, n)
			}
			if err := p.expectKind(tokBlockEnd, "end of statement block"); err != nil {
				return nil, err
			}
		default:
			return nil, p.fail(t.line, "unexpected '%s'", t.describe())
		}
	}
}

// parseBody parses the rest of a block tag's header and its body up to one
// of ends; the end tag's name is left current unless drop.
func (p *parser) parseBody(ends []string, drop bool) ([]node, error) {
	p.skipOp(":")
	if err := p.expectKind(tokBlockEnd, "end of statement block"); err != nil {
		return nil, err
	}
	body, err := p.subparse(ends)
	if err != nil {
		return nil, err
	}
	if p.cur().kind == tokEOF {
		p.endStack = append(p.endStack, ends)
		err := p.failEOF()
		p.endStack = p.endStack[:len(p.endStack)-1]
		return nil, err
	}
	if drop {
		p.next()
	}
	return body, nil
}

func (p *parser) parseStatement() (node, error) {
	t := p.cur()
	if p.depth++; p.depth > maxNesting {
		return nil, p.fail(t.line, "blocks nested too deeply")
	}
	defer func() { p.depth-- }()
	if t.kind != tokName {
		return nil, p.fail(t.line, "tag name expected")
	}
	switch t.val {
	case "if":
		return p.parseIf()
	case "for":
		return p.parseFor()
	case "set":
		return p.parseSet()
	case "macro":
		return p.parseMacro()
	case "call":
		return p.parseCallBlock()
	case "filter":
		return p.parseFilterBlock()
	case "with":
		return p.parseWith()
	case "print":
		p.next()
		n := &outputNode{line: t.line}
		for p.cur().kind != tokBlockEnd {
			if len(n.exprs) > 0 {
				if err := p.expectOp(","); err != nil {
					return nil, err
				}
			}
			e, err := p.parseExpression(true)
			if err != nil {
				return nil, err
			}
			n.exprs = append(n.exprs, e)
		}
		return n, nil
	case "break", "continue":
		p.next()
		return &loopControlNode{line: t.line, isBreak: t.val == "break"}, nil
	case "block":
		p.next()
		name, err := p.expectName()
		if err != nil {
			return nil, err
		}
		p.skipName("scoped")
		p.skipName("required")
		body, err := p.parseBody([]string{"endblock"}, true)
		if err != nil {
			return nil, err
		}
		p.skipName(name)
		return &scopeNode{line: t.line, body: body}, nil
	case "generation":
		// transformers' AssistantTracker: the body renders unchanged.
		p.next()
		body, err := p.parseBody([]string{"endgeneration"}, true)
		if err != nil {
			return nil, err
		}
		return &scopeNode{line: t.line, body: body}, nil
	case "include", "extends", "import", "from":
		p.next()
		for p.cur().kind != tokBlockEnd && p.cur().kind != tokEOF {
			p.next()
		}
		return &unsupportedNode{line: t.line, msg: "no loader for this environment specified"}, nil
	case "autoescape":
		p.next()
		if _, err := p.parseExpression(true); err != nil {
			return nil, err
		}
		body, err := p.parseBody([]string{"endautoescape"}, true)
		if err != nil {
			return nil, err
		}
		return &scopeNode{line: t.line, body: body}, nil
	}
	return nil, p.unknownTag(t)
}

// unknownTag is Jinja2's error for a tag it does not know, which names the
// block that is still open when the tag looks like an end tag.
func (p *parser) unknownTag(t token) error {
	msg := fmt.Sprintf("Encountered unknown tag '%s'.", t.val)
	if len(p.endStack) > 0 {
		ends := p.endStack[len(p.endStack)-1]
		quoted := make([]string, len(ends))
		for i, e := range ends {
			quoted[i] = "'" + e + "'"
		}
		msg += fmt.Sprintf(" Jinja was looking for the following tags: %s. The innermost block that needs to be closed is '%s'.",
			strings.Join(quoted, " or "), strings.TrimPrefix(ends[0], "end"))
	}
	return p.fail(t.line, "%s", msg)
}

func (p *parser) parseIf() (node, error) {
	line := p.next().line
	root := &ifNode{line: line}
	n := root
	for {
		cond, err := p.parseTuple(false, false, nil, false)
		if err != nil {
			return nil, err
		}
		n.cond = cond
		if n.body, err = p.parseBody([]string{"elif", "else", "endif"}, false); err != nil {
			return nil, err
		}
		switch p.next().val {
		case "elif":
			elif := &ifNode{line: p.cur().line}
			n.else_ = []node{elif}
			n = elif
			continue
		case "else":
			if n.else_, err = p.parseBody([]string{"endif"}, true); err != nil {
				return nil, err
			}
		}
		return root, nil
	}
}

func (p *parser) parseFor() (node, error) {
	line := p.next().line
	target, err := p.parseAssignTarget([]string{"in"}, false)
	if err != nil {
		return nil, err
	}
	if !p.skipName("in") {
		return nil, p.unexpected("'in'")
	}
	iter, err := p.parseTuple(false, false, []string{"recursive"}, false)
	if err != nil {
		return nil, err
	}
	n := &forNode{line: line, target: target, iter: iter}
	if p.skipName("if") {
		if n.filter, err = p.parseExpression(true); err != nil {
			return nil, err
		}
	}
	n.recursive = p.skipName("recursive")
	if n.body, err = p.parseBody([]string{"endfor", "else"}, false); err != nil {
		return nil, err
	}
	if p.next().val == "else" {
		if n.else_, err = p.parseBody([]string{"endfor"}, true); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (p *parser) parseSet() (node, error) {
	line := p.next().line
	target, err := p.parseAssignTarget(nil, true)
	if err != nil {
		return nil, err
	}
	if p.skipOp("=") {
		value, err := p.parseTuple(false, true, nil, false)
		if err != nil {
			return nil, err
		}
		return &setNode{line: line, target: target, value: value}, nil
	}
	n := &setBlockNode{line: line, target: target}
	if p.isOp("|") {
		f, err := p.parseFilter(nil, false)
		if err != nil {
			return nil, err
		}
		n.filter = f.(*filterExpr)
	}
	if n.body, err = p.parseBody([]string{"endset"}, true); err != nil {
		return nil, err
	}
	return n, nil
}

// parseAssignTarget parses the target of a for or set: a name, a tuple of
// names, or (in a set) ns.attr.
func (p *parser) parseAssignTarget(extraEnd []string, withNamespace bool) (expr, error) {
	line := p.cur().line
	var items []expr
	tuple := false
	for {
		if len(items) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		if p.isTupleEnd(extraEnd) {
			break
		}
		t := p.cur()
		if t.kind != tokName {
			return nil, p.fail(t.line, "can't assign to '%s'", t.describe())
		}
		switch t.val {
		case "true", "false", "True", "False", "none", "None":
			return nil, p.fail(t.line, "can't assign to 'const'")
		}
		p.next()
		if withNamespace && p.isOp(".") {
			p.next()
			attr, err := p.expectName()
			if err != nil {
				return nil, err
			}
			items = append(items, &nsRefExpr{line: t.line, name: t.val, attr: attr})
		} else {
			items = append(items, &nameExpr{line: t.line, name: t.val})
		}
		if !p.isOp(",") {
			break
		}
		tuple = true
	}
	if !tuple {
		if len(items) == 0 {
			return nil, p.fail(line, "can't assign to 'tuple'")
		}
		return items[0], nil
	}
	return &listExpr{line: line, items: items, tuple: true}, nil
}

func (p *parser) parseSignature(m *macroDef) error {
	if err := p.expectOp("("); err != nil {
		return err
	}
	for !p.isOp(")") {
		if len(m.params) > 0 {
			if err := p.expectOp(","); err != nil {
				return err
			}
		}
		name, err := p.expectName()
		if err != nil {
			return err
		}
		if p.skipOp("=") {
			d, err := p.parseExpression(true)
			if err != nil {
				return err
			}
			m.defaults = append(m.defaults, d)
		} else if len(m.defaults) > 0 {
			return p.fail(p.cur().line, "non-default argument follows default argument")
		}
		m.params = append(m.params, name)
	}
	p.next()
	return nil
}

// parseMacroBody parses a macro's body and notes which implicit variables
// it reads.
func (p *parser) parseMacroBody(m *macroDef, end string) error {
	saved := p.names
	p.names = map[string]bool{}
	body, err := p.parseBody([]string{end}, true)
	if err != nil {
		return err
	}
	m.body = body
	m.usesCaller, m.usesVarargs, m.usesKwargs = p.names["caller"], p.names["varargs"], p.names["kwargs"]
	if saved != nil {
		for n := range p.names {
			saved[n] = true
		}
	}
	p.names = saved
	return nil
}

func (p *parser) parseMacro() (node, error) {
	line := p.next().line
	name, err := p.expectName()
	if err != nil {
		return nil, err
	}
	m := &macroDef{name: name}
	if err := p.parseSignature(m); err != nil {
		return nil, err
	}
	if err := p.parseMacroBody(m, "endmacro"); err != nil {
		return nil, err
	}
	return &macroNode{line: line, m: m}, nil
}

func (p *parser) parseCallBlock() (node, error) {
	line := p.next().line
	m := &macroDef{name: "caller"}
	if p.isOp("(") {
		if err := p.parseSignature(m); err != nil {
			return nil, err
		}
	}
	e, err := p.parseExpression(true)
	if err != nil {
		return nil, err
	}
	call, ok := e.(*callExpr)
	if !ok {
		return nil, p.fail(line, "expected call")
	}
	if err := p.parseMacroBody(m, "endcall"); err != nil {
		return nil, err
	}
	return &callBlockNode{line: line, call: call, m: m}, nil
}

func (p *parser) parseFilterBlock() (node, error) {
	line := p.next().line
	f, err := p.parseFilter(nil, true)
	if err != nil {
		return nil, err
	}
	body, err := p.parseBody([]string{"endfilter"}, true)
	if err != nil {
		return nil, err
	}
	return &filterBlockNode{line: line, filter: f.(*filterExpr), body: body}, nil
}

func (p *parser) parseWith() (node, error) {
	line := p.next().line
	n := &withNode{line: line}
	for p.cur().kind != tokBlockEnd {
		if len(n.targets) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		target, err := p.parseAssignTarget(nil, false)
		if err != nil {
			return nil, err
		}
		if err := p.expectOp("="); err != nil {
			return nil, err
		}
		value, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		n.targets = append(n.targets, target)
		n.values = append(n.values, value)
	}
	var err error
	if n.body, err = p.parseBody([]string{"endwith"}, true); err != nil {
		return nil, err
	}
	return n, nil
}

// isTupleEnd reports whether the current token ends a tuple.
func (p *parser) isTupleEnd(extraEnd []string) bool {
	t := p.cur()
	switch t.kind {
	case tokVariableEnd, tokBlockEnd, tokEOF:
		return true
	case tokOperator:
		return t.val == ")" || t.val == "]" || t.val == "}"
	case tokName:
		return slices.Contains(extraEnd, t.val)
	}
	return false
}

// parseTuple parses an expression, or a tuple when commas separate several.
func (p *parser) parseTuple(simplified, withCond bool, extraEnd []string, explicitParens bool) (expr, error) {
	line := p.cur().line
	var items []expr
	tuple := false
	for {
		if len(items) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		if p.isTupleEnd(extraEnd) {
			break
		}
		var e expr
		var err error
		if simplified {
			e, err = p.parsePrimary()
		} else {
			e, err = p.parseExpression(withCond)
		}
		if err != nil {
			return nil, err
		}
		items = append(items, e)
		if !p.isOp(",") {
			break
		}
		tuple = true
	}
	if !tuple {
		if len(items) > 0 {
			return items[0], nil
		}
		if !explicitParens {
			return nil, p.fail(p.cur().line, "Expected an expression, got '%s'", p.cur().describe())
		}
	}
	return &listExpr{line: line, items: items, tuple: true}, nil
}

func (p *parser) parseExpression(withCond bool) (expr, error) {
	if withCond {
		return p.parseCondExpr()
	}
	return p.parseOr()
}

func (p *parser) parseCondExpr() (expr, error) {
	line := p.cur().line
	a, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	for p.skipName("if") {
		test, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		var b expr
		if p.skipName("else") {
			if b, err = p.parseCondExpr(); err != nil {
				return nil, err
			}
		}
		a = &condExpr{line: line, test: test, a: a, b: b}
		line = p.cur().line
	}
	return a, nil
}

func (p *parser) parseOr() (expr, error) {
	line := p.cur().line
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.skipName("or") {
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{line: line, op: "or", l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseAnd() (expr, error) {
	line := p.cur().line
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.skipName("and") {
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{line: line, op: "and", l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseNot() (expr, error) {
	if p.isName("not") {
		line := p.next().line
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &unaryExpr{line: line, op: "not", x: x}, nil
	}
	return p.parseCompare()
}

func (p *parser) parseCompare() (expr, error) {
	line := p.cur().line
	first, err := p.parseMath1()
	if err != nil {
		return nil, err
	}
	c := &compareExpr{line: line, first: first}
	for {
		var op string
		switch t := p.cur(); {
		case t.kind == tokOperator && (t.val == "==" || t.val == "!=" || t.val == "<" || t.val == "<=" || t.val == ">" || t.val == ">="):
			op = t.val
			p.next()
		case t.is(tokName, "in"):
			op = "in"
			p.next()
		case t.is(tokName, "not") && p.look().is(tokName, "in"):
			op = "notin"
			p.next()
			p.next()
		}
		if op == "" {
			break
		}
		r, err := p.parseMath1()
		if err != nil {
			return nil, err
		}
		c.ops = append(c.ops, op)
		c.rest = append(c.rest, r)
	}
	if len(c.ops) == 0 {
		return first, nil
	}
	return c, nil
}

func (p *parser) parseMath1() (expr, error) {
	line := p.cur().line
	l, err := p.parseConcat()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		op := p.next().val
		r, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{line: line, op: op, l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseConcat() (expr, error) {
	line := p.cur().line
	first, err := p.parseMath2()
	if err != nil {
		return nil, err
	}
	parts := []expr{first}
	for p.skipOp("~") {
		e, err := p.parseMath2()
		if err != nil {
			return nil, err
		}
		parts = append(parts, e)
	}
	if len(parts) == 1 {
		return first, nil
	}
	return &concatExpr{line: line, parts: parts}, nil
}

func (p *parser) parseMath2() (expr, error) {
	line := p.cur().line
	l, err := p.parsePow()
	if err != nil {
		return nil, err
	}
	for p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%") {
		op := p.next().val
		r, err := p.parsePow()
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{line: line, op: op, l: l, r: r}
	}
	return l, nil
}

func (p *parser) parsePow() (expr, error) {
	line := p.cur().line
	l, err := p.parseUnary(true)
	if err != nil {
		return nil, err
	}
	for p.skipOp("**") {
		r, err := p.parseUnary(true)
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{line: line, op: "**", l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseUnary(withFilter bool) (expr, error) {
	line := p.cur().line
	if p.depth++; p.depth > maxNesting {
		return nil, p.fail(line, "expression nested too deeply")
	}
	defer func() { p.depth-- }()
	var x expr
	var err error
	switch {
	case p.isOp("-") || p.isOp("+"):
		op := p.next().val
		inner, err := p.parseUnary(false)
		if err != nil {
			return nil, err
		}
		x = &unaryExpr{line: line, op: op, x: inner}
	default:
		if x, err = p.parsePrimary(); err != nil {
			return nil, err
		}
	}
	if x, err = p.parsePostfix(x); err != nil {
		return nil, err
	}
	if withFilter {
		return p.parseFilterExpr(x)
	}
	return x, nil
}

func (p *parser) parsePrimary() (expr, error) {
	t := p.cur()
	switch t.kind {
	case tokName:
		p.next()
		switch t.val {
		case "true", "True":
			return &constExpr{line: t.line, v: true}, nil
		case "false", "False":
			return &constExpr{line: t.line, v: false}, nil
		case "none", "None":
			return &constExpr{line: t.line, v: nil}, nil
		}
		if p.names != nil {
			p.names[t.val] = true
		}
		return &nameExpr{line: t.line, name: t.val}, nil
	case tokString:
		p.next()
		s := t.val
		for p.cur().kind == tokString {
			s += p.next().val
		}
		return &constExpr{line: t.line, v: s}, nil
	case tokInteger, tokFloat:
		p.next()
		return &constExpr{line: t.line, v: t.num}, nil
	case tokOperator:
		switch t.val {
		case "(":
			p.next()
			e, err := p.parseTuple(false, true, nil, true)
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return e, nil
		case "[":
			return p.parseList()
		case "{":
			return p.parseDict()
		}
	case tokEOF:
		return nil, p.failEOF()
	}
	return nil, p.fail(t.line, "unexpected '%s'", t.describe())
}

func (p *parser) parseList() (expr, error) {
	line := p.next().line
	l := &listExpr{line: line}
	for !p.isOp("]") {
		if len(l.items) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
			if p.isOp("]") {
				break
			}
		}
		e, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, e)
	}
	p.next()
	return l, nil
}

func (p *parser) parseDict() (expr, error) {
	line := p.next().line
	d := &dictExpr{line: line}
	for !p.isOp("}") {
		if len(d.keys) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
			if p.isOp("}") {
				break
			}
		}
		k, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(":"); err != nil {
			return nil, err
		}
		v, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		d.keys = append(d.keys, k)
		d.vals = append(d.vals, v)
	}
	p.next()
	return d, nil
}

func (p *parser) parsePostfix(x expr) (expr, error) {
	for {
		var err error
		switch {
		case p.isOp(".") || p.isOp("["):
			x, err = p.parseSubscript(x)
		case p.isOp("("):
			x, err = p.parseCall(x)
		default:
			return x, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (p *parser) parseFilterExpr(x expr) (expr, error) {
	for {
		var err error
		switch {
		case p.isOp("|"):
			x, err = p.parseFilter(x, false)
		case p.isName("is"):
			x, err = p.parseTest(x)
		case p.isOp("("):
			x, err = p.parseCall(x)
		default:
			return x, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (p *parser) parseSubscript(x expr) (expr, error) {
	t := p.next()
	if t.val == "." {
		a := p.cur()
		p.next()
		switch a.kind {
		case tokName:
			return &attrExpr{line: t.line, x: x, name: a.val}, nil
		case tokInteger:
			return &itemExpr{line: t.line, x: x, key: &constExpr{line: a.line, v: a.num}}, nil
		}
		return nil, p.fail(a.line, "expected name or number")
	}
	var args []expr
	for !p.isOp("]") {
		if len(args) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		a, err := p.parseSubscribed()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	p.next()
	switch len(args) {
	case 0:
		return nil, p.fail(t.line, "expected subscript expression")
	case 1:
		return &itemExpr{line: t.line, x: x, key: args[0]}, nil
	}
	return &itemExpr{line: t.line, x: x, key: &listExpr{line: t.line, items: args, tuple: true}}, nil
}

func (p *parser) parseSubscribed() (expr, error) {
	line := p.cur().line
	var parts [3]expr
	if !p.isOp(":") {
		e, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		if !p.isOp(":") {
			return e, nil
		}
		parts[0] = e
	}
	p.next() // the first ':'
	if !p.isOp(":") && !p.isOp("]") && !p.isOp(",") {
		e, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		parts[1] = e
	}
	if p.skipOp(":") && !p.isOp("]") && !p.isOp(",") {
		e, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		parts[2] = e
	}
	return &sliceExpr{line: line, start: parts[0], stop: parts[1], step: parts[2]}, nil
}

func (p *parser) parseArgs() (argList, error) {
	var a argList
	line := p.cur().line
	if err := p.expectOp("("); err != nil {
		return a, err
	}
	bad := func() error { return p.fail(line, "invalid syntax for function call expression") }
	for first := true; !p.isOp(")"); first = false {
		if !first {
			if err := p.expectOp(","); err != nil {
				return a, err
			}
			if p.isOp(")") {
				break
			}
		}
		switch {
		case p.isOp("*"):
			if a.dynArgs != nil || a.dynKwds != nil {
				return a, bad()
			}
			p.next()
			e, err := p.parseExpression(true)
			if err != nil {
				return a, err
			}
			a.dynArgs = e
		case p.isOp("**"):
			if a.dynKwds != nil {
				return a, bad()
			}
			p.next()
			e, err := p.parseExpression(true)
			if err != nil {
				return a, err
			}
			a.dynKwds = e
		case p.cur().kind == tokName && p.look().is(tokOperator, "="):
			if a.dynKwds != nil {
				return a, bad()
			}
			name := p.next().val
			p.next()
			e, err := p.parseExpression(true)
			if err != nil {
				return a, err
			}
			a.kwNames = append(a.kwNames, name)
			a.kwVals = append(a.kwVals, e)
		default:
			if a.dynArgs != nil || a.dynKwds != nil || len(a.kwNames) > 0 {
				return a, bad()
			}
			e, err := p.parseExpression(true)
			if err != nil {
				return a, err
			}
			a.args = append(a.args, e)
		}
	}
	p.next()
	return a, nil
}

func (p *parser) parseCall(fn expr) (expr, error) {
	line := p.cur().line
	args, err := p.parseArgs()
	if err != nil {
		return nil, err
	}
	return &callExpr{line: line, fn: fn, args: args}, nil
}

// parseFilter parses "| name(args)" chains; inline starts without the
// first pipe ({% filter name %}).
func (p *parser) parseFilter(x expr, inline bool) (expr, error) {
	for p.isOp("|") || inline {
		if !inline {
			p.next()
		}
		inline = false
		t := p.cur()
		name, err := p.expectName()
		if err != nil {
			return nil, err
		}
		for p.skipOp(".") {
			n, err := p.expectName()
			if err != nil {
				return nil, err
			}
			name += "." + n
		}
		if _, ok := filters[name]; !ok {
			return nil, p.fail(t.line, "No filter named '%s'.", name)
		}
		f := &filterExpr{line: t.line, x: x, name: name}
		if p.isOp("(") {
			if f.args, err = p.parseArgs(); err != nil {
				return nil, err
			}
		}
		x = f
	}
	return x, nil
}

func (p *parser) parseTest(x expr) (expr, error) {
	line := p.next().line
	negated := p.skipName("not")
	name, err := p.expectName()
	if err != nil {
		return nil, err
	}
	for p.skipOp(".") {
		n, err := p.expectName()
		if err != nil {
			return nil, err
		}
		name += "." + n
	}
	if _, ok := tests[name]; !ok {
		return nil, p.fail(line, "No test named '%s'.", name)
	}
	t := &testExpr{line: line, x: x, name: name}
	c := p.cur()
	switch {
	case c.is(tokOperator, "("):
		if t.args, err = p.parseArgs(); err != nil {
			return nil, err
		}
	case (c.kind == tokName || c.kind == tokString || c.kind == tokInteger || c.kind == tokFloat ||
		c.is(tokOperator, "[") || c.is(tokOperator, "{")) &&
		!c.is(tokName, "else") && !c.is(tokName, "or") && !c.is(tokName, "and"):
		if c.is(tokName, "is") {
			return nil, p.fail(c.line, "You cannot chain multiple tests with is")
		}
		arg, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		if arg, err = p.parsePostfix(arg); err != nil {
			return nil, err
		}
		t.args.args = []expr{arg}
	}
	if negated {
		return &unaryExpr{line: line, op: "not", x: t}, nil
	}
	return t, nil
}
