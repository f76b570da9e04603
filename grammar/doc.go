// Package grammar constrains a language model's output to a formal
// grammar: GBNF grammars (the format llama.cpp reads) and JSON Schemas,
// which it converts to GBNF.
//
// # Grammars
//
// [Parse] reads GBNF: rules `name ::= alternatives`, alternatives separated
// by `|`, sequences of literals ("..." with \n \r \t \\ \" \xHH \uHHHH
// \UHHHHHHHH escapes), character classes ([a-z0-9_], negated [^"\\]),
// `.` (any character), rule names, groups in parentheses and the
// repetitions * + ? {m} {m,} {m,n}; # starts a comment. A rule ends at the
// end of its line unless a group is open (or the next line starts with
// `|`). The rule called "root" is what the whole output must match.
// Grammars that could make matching loop forever (left recursion, a
// repetition of something that can match nothing) are refused, and every
// error names its line and column.
//
// # Matching
//
// A [Matcher] follows one generation. Like llama.cpp it keeps the set of
// pushdown stacks that the text so far can be in; characters are Unicode
// code points, decoded from the bytes of the tokens, and a token may end in
// the middle of a character. Every stack set reached gets an id and a
// transition table that fills in as it is used, so the common steps cost a
// table lookup.
//
// Masking a vocabulary walks a byte trie of the tokens' texts ([Vocab],
// built once per model) with the stack sets, pruning a whole subtree as
// soon as its prefix is rejected, so the cost follows the number of
// acceptable prefixes, not the vocabulary size. End-of-generation tokens
// are allowed only when the grammar can end, and [Matcher.Done] says when
// nothing but the end is left.
//
// The sampler ([github.com/gollm/gollm/sampler.Sampler.SampleConstrained])
// draws first and checks the one token drawn, masking the vocabulary only
// when that token is rejected, in a way that keeps the distribution exactly
// that of masking first.
//
// # JSON Schema
//
// [SchemaToGBNF] converts a JSON Schema to a grammar whose language is JSON
// text valid against the schema; [Builder] does the same for several
// schemas inside one bigger grammar (a tool call's arguments inside the
// model's tool-call syntax). The subset is llama.cpp's
// (common/json-schema-to-grammar.cpp) and is listed at [SchemaToGBNF];
// a keyword outside it is refused with a [*SchemaError] naming it rather
// than ignored.
package grammar
