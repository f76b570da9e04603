package grammar

import (
	"fmt"
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// SchemaError is a JSON Schema that cannot be converted to a grammar. It
// names the keyword at fault (Keyword, "" when the schema as a whole is
// at fault) and where (Path, a JSON pointer into the schema document).
type SchemaError struct {
	Path    string
	Keyword string
	Msg     string
}

func (e *SchemaError) Error() string {
	var sb strings.Builder
	sb.WriteString("json schema")
	if e.Path != "" {
		sb.WriteString(" at " + e.Path)
	}
	if e.Keyword != "" {
		fmt.Fprintf(&sb, ": %q", e.Keyword)
	}
	sb.WriteString(": " + e.Msg)
	return sb.String()
}

// annotations are keywords that describe a schema without constraining
// its values; they are accepted and ignored.
var annotations = map[string]bool{
	"title": true, "description": true, "$schema": true, "$id": true, "$comment": true, "default": true,
	"examples": true, "deprecated": true, "readOnly": true, "writeOnly": true, "$defs": true, "definitions": true,
}

// keywordTypes are the supported keywords that constrain values, with the
// JSON type they apply to ("" for any).
var keywordTypes = map[string]string{
	"type": "", "enum": "", "const": "", "$ref": "", "anyOf": "", "oneOf": "", "allOf": "",
	"properties": "object", "required": "object", "additionalProperties": "object",
	"items": "array", "prefixItems": "array", "minItems": "array", "maxItems": "array", "uniqueItems": "array",
	"minLength": "string", "maxLength": "string", "pattern": "string", "format": "string",
	"minimum": "integer", "maximum": "integer", "exclusiveMinimum": "integer", "exclusiveMaximum": "integer",
}

// stringFormats are the supported values of "format", with their rules.
var stringFormats = map[string]string{
	"date": "date", "time": "time", "date-time": "date-time",
	"uuid": "uuid", "uuid1": "uuid", "uuid2": "uuid", "uuid3": "uuid", "uuid4": "uuid", "uuid5": "uuid",
}

// maxIntDigits is the most digits an integer (or a number's integral part)
// is generated with, as in llama.cpp.
const maxIntDigits = 16

// primitives are the shared rules schemas are built from, with the rules
// they use. JSON strings are written without surrogate escapes, so every
// \u escape is one character; exponents have at most two digits, so every
// number fits a float64.
var primitives = map[string]struct {
	body string
	deps []string
}{
	"space":         {`| " " | "\n"{1,2} [ \t]{0,20}`, nil},
	"boolean":       {`("true" | "false") space`, []string{"space"}},
	"null":          {`"null" space`, []string{"space"}},
	"integral-part": {`[0] | [1-9] [0-9]{0,15}`, nil},
	"decimal-part":  {`[0-9]{1,16}`, nil},
	"number":        {`"-"? integral-part ("." decimal-part)? ([eE] [-+]? [0-9]{1,2})? space`, []string{"integral-part", "decimal-part", "space"}},
	"integer":       {`"-"? integral-part space`, []string{"integral-part", "space"}},
	"char":          {`[^"\\\x00-\x1F] | "\\" (["\\/bfnrt] | "u" ([0-9a-cA-CeEfF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}))`, nil},
	"string":        {`"\"" char* "\"" space`, []string{"char", "space"}},
	"value":         {`object | array | string | number | boolean | null`, []string{"object", "array", "string", "number", "boolean", "null"}},
	"object":        {`"{" space (string ":" space value ("," space string ":" space value)*)? "}" space`, []string{"string", "value", "space"}},
	"array":         {`"[" space (value ("," space value)*)? "]" space`, []string{"value", "space"}},
	"key-char":      {`[^"\\\x00-\x1F]`, nil},
	"uuid":          {`"\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12} "\"" space`, []string{"space"}},
	// Real calendar dates: month lengths, and February 29th in leap years only.
	"date":      {`[0-9]{4} "-" (("0" [13578] | "1" [02]) "-" ("0" [1-9] | [12] [0-9] | "3" [01]) | ("0" [469] | "11") "-" ("0" [1-9] | [12] [0-9] | "30") | "02-" ("0" [1-9] | "1" [0-9] | "2" [0-8])) | leap-year "-02-29"`, []string{"leap-year"}},
	"leap-year": {`[0-9] [0-9] ([02468] [48] | [13579] [26] | [2468] "0") | ([02468] [048] | [13579] [26]) "00"`, nil},
	"time":      {`([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ("." [0-9]{3})? ("Z" | [+-] ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9])`, nil},
	"date-time": {`date "T" time`, []string{"date", "time"}},
}

// Builder collects the rules of one grammar from JSON Schemas and
// hand-written GBNF, so that schemas can sit inside a bigger grammar. A
// tool call, for example:
//
//	b := grammar.NewBuilder()
//	args, err := b.AddSchema("weather-args", parametersSchema)
//	if err != nil { ... }
//	b.AddRule("root", `"<tool_call>\n{\"name\": \"get_weather\", \"arguments\": " `+args+` "}\n</tool_call>"`)
//	g, err := grammar.Parse(b.String())
//
// Rules shared by all schemas (string, number, space, ...) are added once.
// A Builder is not safe for concurrent use.
type Builder struct {
	rules map[string]string
	order []string
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder { return &Builder{rules: map[string]string{}} }

// validName matches a GBNF rule name.
var validName = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// AddRule adds the rule name ::= body (body in GBNF, using any rule of the
// Builder) and returns name. Adding the same rule twice is harmless; a
// different body for a name already used is an error.
func (b *Builder) AddRule(name, body string) (string, error) {
	if !validName.MatchString(name) {
		return "", fmt.Errorf("grammar: rule name %q: use letters, digits, - and _", name)
	}
	if old, ok := b.rules[name]; ok && old != body {
		return "", fmt.Errorf("grammar: rule %q is already defined differently", name)
	}
	b.set(name, body)
	return name, nil
}

// set adds or keeps rule name.
func (b *Builder) set(name, body string) {
	if _, ok := b.rules[name]; !ok {
		b.order = append(b.order, name)
	}
	b.rules[name] = body
}

// add adds a rule under name, or under name with a number appended when
// name is taken by a different rule or reserved, and returns the name used.
func (b *Builder) add(name, body string) string {
	for i := 0; ; i++ {
		n := name
		if i > 0 {
			n = fmt.Sprintf("%s%d", name, i)
		}
		if _, reserved := primitives[n]; reserved {
			continue
		}
		if old, ok := b.rules[n]; !ok || old == body {
			b.set(n, body)
			return n
		}
	}
}

// reserve claims a unique name for a rule whose body is added later (a
// $ref target, which may refer to itself).
func (b *Builder) reserve(name string) string {
	for i := 0; ; i++ {
		n := name
		if i > 0 {
			n = fmt.Sprintf("%s%d", name, i)
		}
		if _, reserved := primitives[n]; reserved {
			continue
		}
		if _, ok := b.rules[n]; !ok {
			b.set(n, "")
			return n
		}
	}
}

// primitive adds the shared rule name and the rules it uses.
func (b *Builder) primitive(name string) string {
	p := primitives[name]
	if _, ok := b.rules[name]; !ok {
		b.set(name, p.body)
		for _, d := range p.deps {
			b.primitive(d)
		}
	}
	return name
}

// String returns the rules as GBNF text, in the order they were added.
func (b *Builder) String() string {
	var sb strings.Builder
	for _, n := range b.order {
		fmt.Fprintf(&sb, "%s ::= %s\n", n, b.rules[n])
	}
	return sb.String()
}

// SchemaToGBNF converts a JSON Schema to a GBNF grammar whose root rule
// matches JSON text valid against the schema (with optional whitespace
// between tokens and after the value).
//
// Supported, as in llama.cpp's converter: type (one or a list), enum,
// const, properties, required, additionalProperties (true, false or a
// schema; when absent, an object with properties gets no others, one
// without any, so {"type": "object"} is any object), items, prefixItems,
// minItems, maxItems, uniqueItems false, minLength, maxLength, pattern
// (a regular expression; anchors only at its ends, no \b), format date,
// time, date-time and uuid, minimum, maximum, exclusiveMinimum and
// exclusiveMaximum on integers, anyOf, oneOf (generated as anyOf: the
// alternatives should not overlap), allOf (one schema, or object schemas
// whose properties merge), $ref to any place in the document ("#",
// "#/$defs/...", "#/definitions/..."), and the annotations (title,
// description, default, examples, ...). The empty schema and true accept
// any JSON value. Anything else, such as not, if, patternProperties,
// minProperties, multipleOf, bounds on non-integer numbers, other formats
// and remote references, is refused with a *SchemaError naming it.
func SchemaToGBNF(schema []byte) (string, error) {
	b := NewBuilder()
	name, err := b.AddSchema("root", schema)
	if err != nil {
		return "", err
	}
	if name != "root" {
		b.set("root", name) // "root" was taken by a rule of the schema
	}
	return b.String(), nil
}

// FromJSONSchema converts a JSON Schema to a grammar (see SchemaToGBNF).
func FromJSONSchema(schema []byte) (*Grammar, error) {
	src, err := SchemaToGBNF(schema)
	if err != nil {
		return nil, err
	}
	g, err := Parse(src)
	if err != nil {
		return nil, fmt.Errorf("json schema: the converted grammar does not parse (%w)", err)
	}
	return g, nil
}

// AddSchema adds the rules for JSON text valid against schema and returns
// the name of the one matching a whole value: name when it is free,
// otherwise name with a number appended. The rules it adds are named after
// name and the schema's property names.
func (b *Builder) AddSchema(name string, schema []byte) (string, error) {
	if !validName.MatchString(name) {
		return "", fmt.Errorf("grammar: rule name %q: use letters, digits, - and _", name)
	}
	doc, err := parseJSON(schema)
	if err != nil {
		return "", &SchemaError{Msg: "not valid JSON: " + err.Error()}
	}
	// Work on a copy, so that a failed conversion leaves b as it was.
	work := &Builder{rules: maps.Clone(b.rules), order: slices.Clone(b.order)}
	c := &converter{b: work, doc: doc, refs: map[string]string{}, leading: map[string]bool{}}
	expr, err := c.visit(doc, "", name)
	if err != nil {
		return "", err
	}
	if expr != name {
		name = work.add(name, expr)
	}
	*b = *work
	return name, nil
}

// converter turns one schema document into rules.
type converter struct {
	b    *Builder
	doc  *value
	refs map[string]string // $ref -> rule name
	// leading holds the $refs being converted whose text has not begun
	// yet: reaching one of them again is left recursion.
	leading map[string]bool
}

// inside is called when the conversion goes inside an array or object,
// whose text has begun ("[" or "{"): a $ref being converted is no longer
// at the start of its text. Call the function it returns on the way out.
func (c *converter) inside() (restore func()) {
	saved := c.leading
	c.leading = map[string]bool{}
	return func() { c.leading = saved }
}

func errorf(path, keyword, format string, args ...any) *SchemaError {
	return &SchemaError{Path: path, Keyword: keyword, Msg: fmt.Sprintf(format, args...)}
}

// ruleName makes a rule name from a parent's and a part (a property name).
func ruleName(parent, part string) string {
	var sb strings.Builder
	for _, r := range part {
		if r < 0x80 && validName.MatchString(string(r)) {
			sb.WriteRune(r)
		} else {
			sb.WriteByte('-')
		}
	}
	return parent + "-" + sb.String()
}

// pointer appends a part to a JSON pointer.
func pointer(path string, parts ...string) string {
	for _, p := range parts {
		path += "/" + strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1")
	}
	return path
}

// visit returns a GBNF expression matching JSON text valid against
// schema s at path, adding rules named after name.
func (c *converter) visit(s *value, path, name string) (string, error) {
	switch s.kind {
	case 'b':
		if s.boolean {
			return c.b.primitive("value"), nil
		}
		return "", errorf(path, "", "the schema false accepts no value")
	case 'o':
	default:
		return "", errorf(path, "", "a schema must be an object or a boolean, not %s", s.kindName())
	}
	var constraints []string
	for _, m := range s.members {
		if annotations[m.key] {
			continue
		}
		if _, ok := keywordTypes[m.key]; !ok {
			return "", errorf(path, m.key, "keyword not supported (the grammar could not enforce it)")
		}
		constraints = append(constraints, m.key)
	}
	// Keywords that stand alone.
	for _, k := range []string{"$ref", "anyOf", "oneOf", "allOf"} {
		x := s.get(k)
		if x == nil {
			continue
		}
		for _, other := range constraints {
			if other != k {
				return "", errorf(path, other, "not supported beside %q", k)
			}
		}
		switch k {
		case "$ref":
			return c.ref(x, path)
		case "allOf":
			return c.allOf(x, pointer(path, k), name)
		default:
			return c.union(x, pointer(path, k), name, k)
		}
	}
	t := s.get("type")
	switch {
	case t == nil:
		return c.untyped(s, path, name, constraints)
	case t.kind == 's':
		return c.typed(s, path, name, t.str)
	case t.kind == 'a' && len(t.items) > 0:
		var alts []string
		seen := map[string]bool{}
		for i, x := range t.items {
			if x.kind != 's' {
				return "", errorf(pointer(path, "type", strconv.Itoa(i)), "type", "must be a type name, not %s", x.kindName())
			}
			if seen[x.str] {
				return "", errorf(path, "type", "lists %q twice", x.str)
			}
			seen[x.str] = true
			e, err := c.typed(s, path, name+"-"+x.str, x.str)
			if err != nil {
				return "", err
			}
			alts = append(alts, e)
		}
		if seen["number"] && seen["integer"] {
			return "", errorf(path, "type", `lists both "number" and "integer"`)
		}
		return c.b.add(name, strings.Join(alts, " | ")), nil
	}
	return "", errorf(path, "type", "must be a type name or a non-empty list of them, not %s", t.kindName())
}

// untyped handles a schema without "type": its keywords say which type
// it is about.
func (c *converter) untyped(s *value, path, name string, constraints []string) (string, error) {
	if s.get("const") != nil || s.get("enum") != nil {
		return c.typed(s, path, name, "")
	}
	kind := ""
	for _, k := range constraints {
		t := keywordTypes[k]
		if kind != "" && t != kind {
			return "", errorf(path, k, `mixes keywords for %ss and %ss: give "type"`, kind, t)
		}
		kind = t
	}
	switch kind {
	case "":
		return c.b.primitive("value"), nil
	case "integer":
		return "", errorf(path, constraints[0], `needs "type": "integer" (bounds on other numbers are not supported)`)
	}
	return c.typed(s, path, name, kind)
}

// typed returns the expression for the values of type t ("" for any) that
// s accepts; keywords about other types do not apply to them.
func (c *converter) typed(s *value, path, name, t string) (string, error) {
	if x := s.get("const"); x != nil {
		if err := onlyWith(s, path, "const", "type"); err != nil {
			return "", err
		}
		if !hasType(x, t) {
			return "", errorf(path, "const", "is not of type %q", t)
		}
		return constant(x) + " " + c.b.primitive("space"), nil
	}
	if x := s.get("enum"); x != nil {
		if err := onlyWith(s, path, "enum", "type"); err != nil {
			return "", err
		}
		if x.kind != 'a' {
			return "", errorf(path, "enum", "must be an array")
		}
		var alts []string
		for _, v := range x.items {
			if hasType(v, t) {
				alts = append(alts, constant(v))
			}
		}
		if len(alts) == 0 {
			return "", errorf(path, "enum", "has no value of type %q", t)
		}
		return c.b.add(name, "("+strings.Join(alts, " | ")+") "+c.b.primitive("space")), nil
	}
	switch t {
	case "null", "boolean":
		return c.b.primitive(t), nil
	case "number":
		for _, k := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} {
			if s.get(k) != nil {
				return "", errorf(path, k, `is supported on "type": "integer" only`)
			}
		}
		return c.b.primitive("number"), nil
	case "integer":
		return c.integer(s, path, name)
	case "string":
		return c.str(s, path, name)
	case "array":
		return c.array(s, path, name)
	case "object":
		return c.object(s, path, name)
	}
	return "", errorf(path, "type", "unknown type %q", t)
}

// onlyWith refuses constraints beside keyword k other than those allowed.
func onlyWith(s *value, path, k string, allowed ...string) error {
	for _, m := range s.members {
		if m.key != k && !annotations[m.key] && !slices.Contains(allowed, m.key) {
			return errorf(path, m.key, "not supported beside %q", k)
		}
	}
	return nil
}

// hasType reports whether JSON value v is of schema type t ("" for any).
func hasType(v *value, t string) bool {
	switch t {
	case "":
		return true
	case "integer":
		if v.kind != 'n' {
			return false
		}
		f, err := v.num.Float64()
		return err == nil && f == math.Trunc(f)
	case "number":
		return v.kind == 'n'
	}
	return map[string]byte{"string": 's', "object": 'o', "array": 'a', "boolean": 'b', "null": 'z'}[t] == v.kind
}

// constant returns a GBNF literal for the JSON text of v.
func constant(v *value) string {
	var sb strings.Builder
	v.encode(&sb)
	return Literal(sb.String())
}

// ref returns the rule for a $ref to a place in this document.
func (c *converter) ref(x *value, path string) (string, error) {
	if x.kind != 's' {
		return "", errorf(path, "$ref", "must be a string")
	}
	if c.leading[x.str] {
		return "", errorf(path, "$ref", "%q refers back to itself before any character of its value (left recursion: it could never be generated)", x.str)
	}
	if name, ok := c.refs[x.str]; ok {
		return name, nil
	}
	target, frag, err := c.resolve(x, path)
	if err != nil {
		return "", err
	}
	name := c.b.reserve(ruleName("ref", frag))
	c.refs[x.str] = name
	c.leading[x.str] = true
	expr, err := c.visit(target, frag, name)
	delete(c.leading, x.str)
	if err != nil {
		return "", err
	}
	c.b.set(name, expr)
	return name, nil
}

// union returns the alternatives of anyOf or oneOf.
func (c *converter) union(x *value, path, name, k string) (string, error) {
	if x.kind != 'a' || len(x.items) == 0 {
		return "", errorf(path, k, "must be a non-empty array of schemas")
	}
	var alts []string
	for i, s := range x.items {
		e, err := c.visit(s, pointer(path, strconv.Itoa(i)), fmt.Sprintf("%s-%d", name, i))
		if err != nil {
			return "", err
		}
		alts = append(alts, e)
	}
	return c.b.add(name, strings.Join(alts, " | ")), nil
}

// allOf supports one schema, or object schemas whose properties and
// required lists merge.
func (c *converter) allOf(x *value, path, name string) (string, error) {
	if x.kind != 'a' || len(x.items) == 0 {
		return "", errorf(path, "allOf", "must be a non-empty array of schemas")
	}
	if len(x.items) == 1 {
		return c.visit(x.items[0], pointer(path, "0"), name)
	}
	merged := &value{kind: 'o'}
	props := &value{kind: 'o'}
	required := &value{kind: 'a'}
	for i, s := range x.items {
		p := pointer(path, strconv.Itoa(i))
		for depth := 0; s.get("$ref") != nil; depth++ {
			if err := onlyWith(s, p, "$ref"); err != nil {
				return "", err
			}
			var err error
			if s, p, err = c.resolve(s.get("$ref"), p); err != nil {
				return "", err
			}
			if depth > maxDepth {
				return "", errorf(p, "$ref", "references loop")
			}
		}
		if s.kind != 'o' {
			return "", errorf(p, "allOf", "merges object schemas only")
		}
		for _, m := range s.members {
			switch {
			case annotations[m.key]:
			case m.key == "type" && m.val.kind == 's' && m.val.str == "object":
			case m.key == "properties" && m.val.kind == 'o':
				for _, pm := range m.val.members {
					if props.get(pm.key) != nil {
						return "", errorf(p, "allOf", "property %q is in more than one schema", pm.key)
					}
					props.members = append(props.members, pm)
				}
			case m.key == "required" && m.val.kind == 'a':
				required.items = append(required.items, m.val.items...)
			default:
				return "", errorf(p, m.key, "not supported inside allOf (it merges object schemas' properties and required)")
			}
		}
	}
	merged.members = []member{{"type", &value{kind: 's', str: "object"}}, {"properties", props}, {"required", required}}
	return c.object(merged, path, name)
}

// resolve returns the schema a $ref points to, and its path.
func (c *converter) resolve(x *value, path string) (*value, string, error) {
	if x.kind != 's' {
		return nil, "", errorf(path, "$ref", "must be a string")
	}
	frag, ok := strings.CutPrefix(x.str, "#")
	if !ok || frag != "" && !strings.HasPrefix(frag, "/") {
		return nil, "", errorf(path, "$ref", "%q: only references into the same document (#/...) are supported", x.str)
	}
	target := c.doc
	for _, part := range strings.Split(frag, "/")[1:] {
		p, err := url.PathUnescape(part)
		if err != nil {
			return nil, "", errorf(path, "$ref", "%q: %v", x.str, err)
		}
		p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		next := target.get(p)
		if target.kind == 'a' {
			if i, err := strconv.Atoi(p); err == nil && i >= 0 && i < len(target.items) {
				next = target.items[i]
			}
		}
		if next == nil {
			return nil, "", errorf(path, "$ref", "%q does not point into the schema", x.str)
		}
		target = next
	}
	return target, frag, nil
}
