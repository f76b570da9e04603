package chat

import "testing"

// FuzzParser pushes arbitrary replies through the parser of every
// tool-call syntax, in two pieces split anywhere: it never panics, the
// deltas add up to the final reply, and a call's name and id come once.
func FuzzParser(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.text, uint8(len(c.text)/2))
	}
	for _, c := range forcedCalls {
		f.Add(c.text, uint8(3))
	}
	syntaxes := []*toolSyntax{syntaxHermes, syntaxXML, syntaxLlama3, syntaxMistral, syntaxGranite, syntaxPhi4, syntaxDeepSeek, syntaxGeneric}
	f.Fuzz(func(t *testing.T, text string, cut uint8) {
		at := min(int(cut), len(text))
		for i, syn := range syntaxes {
			p := &Parser{syn: syn, split: true, think: i%2 == 1, forced: i%3 == 0, stringParams: stringParams(weatherTools)}
			var got Reply
			add := func(d Delta) {
				got.Content += d.Content
				got.ReasoningContent += d.ReasoningContent
				for _, tc := range d.ToolCalls {
					switch {
					case tc.Index == len(got.ToolCalls) && tc.ID != "" && tc.Name != "":
						got.ToolCalls = append(got.ToolCalls, ToolCall{ID: tc.ID, Function: FunctionCall{Name: tc.Name}})
					case tc.Index >= len(got.ToolCalls) || tc.ID != "" || tc.Name != "":
						t.Fatalf("%s: delta %+v after %d calls", syn.name, tc, len(got.ToolCalls))
					}
					got.ToolCalls[tc.Index].Function.Arguments += tc.Arguments
				}
			}
			add(p.Push(text[:at]))
			add(p.Push(text[at:]))
			final, rest := p.Finish()
			add(rest)
			if got.Content != final.Content || got.ReasoningContent != final.ReasoningContent || len(got.ToolCalls) != len(final.ToolCalls) {
				t.Fatalf("%s: deltas add up to %+v, final %+v", syn.name, got, final)
			}
			for i, c := range final.ToolCalls {
				if got.ToolCalls[i].ID != c.ID || got.ToolCalls[i].Function != c.Function {
					t.Fatalf("%s: streamed call %+v, final %+v", syn.name, got.ToolCalls[i], c)
				}
			}
		}
	})
}
