package testmodel

import (
	"fmt"
	"math/rand/v2"
)

// buildVocab builds the synthetic tokenizer of s (defaults applied).
func buildVocab(s Spec) (*vocab, error) {
	r := rand.New(rand.NewPCG(s.Seed, 0x766f636162)) // "vocab"
	if s.Tokenizer == SPM {
		return buildSPM(s.NVocab, r)
	}
	return buildBPE(s.NVocab, r)
}

// buildBPE returns a byte-level BPE vocabulary of n tokens: the 256 byte
// tokens, n-259 merged tokens (words with an optional leading "Ġ"), then
// <|endoftext|>, <|im_start|> and <|im_end|>.
func buildBPE(n int, r *rand.Rand) (*vocab, error) {
	table, order := gpt2Bytes()
	v := &vocab{unk: -1}
	g := &grower{r: r, ids: map[string]int32{}}
	type merge struct{ rank, id int32 }
	ranks := map[[2]int32]merge{}
	g.prio = func(l, rt int32) (int32, int32, bool) {
		m, ok := ranks[[2]int32{l, rt}]
		return m.rank, m.id, ok
	}
	add := func(text string, typ int32) int32 {
		id := int32(len(v.tokens))
		v.tokens = append(v.tokens, text)
		v.types = append(v.types, typ)
		g.texts = append(g.texts, text)
		g.chars = append(g.chars, []int32{id}) // grow sets grown tokens'
		g.ids[text] = id
		return id
	}
	for _, b := range order {
		add(table[b], typeNormal)
	}
	g.setChars(table[' '])
	err := g.grow(n-256-len(bpeControls), func(l, rt int32, text string) int32 {
		ranks[[2]int32{l, rt}] = merge{int32(len(v.merges)), int32(len(v.tokens))}
		v.merges = append(v.merges, g.texts[l]+" "+g.texts[rt])
		return add(text, typeNormal)
	})
	if err != nil {
		return nil, err
	}
	eot := add(bpeControls[0], typeControl)
	add(bpeControls[1], typeControl)
	imEnd := add(bpeControls[2], typeControl)
	v.bos, v.eos, v.pad = uint32(eot), uint32(imEnd), uint32(eot)
	return v, nil
}

// buildSPM returns a SentencePiece vocabulary of n tokens: <unk>, <s>,
// </s>, the 256 byte tokens <0x00>..<0xFF>, the single-character pieces
// ("▁" and the letters), grown pieces with decreasing scores, then the
// Phi-3 control tokens.
func buildSPM(n int, r *rand.Rand) (*vocab, error) {
	v := &vocab{unk: 0, bos: 1}
	g := &grower{r: r, ids: map[string]int32{}}
	type piece struct{ rank, id int32 }
	pieces := map[string]piece{}
	var cat []byte
	g.prio = func(l, rt int32) (int32, int32, bool) {
		cat = append(append(cat[:0], g.texts[l]...), g.texts[rt]...)
		p, ok := pieces[string(cat)]
		return p.rank, p.id, ok
	}
	add := func(text string, typ int32, score float32) int32 {
		id := int32(len(v.tokens))
		v.tokens = append(v.tokens, text)
		v.types = append(v.types, typ)
		v.scores = append(v.scores, score)
		g.texts = append(g.texts, text)
		g.chars = append(g.chars, []int32{id}) // grow sets grown tokens'
		g.ids[text] = id
		return id
	}
	addPiece := func(text string) int32 {
		rank := int32(len(pieces))
		id := add(text, typeNormal, -float32(rank))
		pieces[text] = piece{rank, id}
		return id
	}
	add("<unk>", typeUnknown, 0)
	add("<s>", typeControl, 0)
	add("</s>", typeControl, 0)
	for b := range 256 {
		add(fmt.Sprintf("<0x%02X>", b), typeByte, 0)
	}
	for _, s := range spmSeeds {
		addPiece(s)
	}
	g.setChars("▁")
	err := g.grow(n-len(v.tokens)-len(spmControls), func(_, _ int32, text string) int32 {
		return addPiece(text)
	})
	if err != nil {
		return nil, err
	}
	var eot int32
	for i, c := range spmControls {
		id := add(c, typeControl, 0)
		if i == 0 {
			eot = id
		}
	}
	v.eos, v.pad = uint32(eot), uint32(eot)
	return v, nil
}

// chatTemplate returns the chat template stored for s: ChatML for BPE
// vocabularies, Phi-3's for SPM ones.
func chatTemplate(s Spec) string {
	if s.Tokenizer == SPM {
		return "{% for message in messages %}{{'<|' + message['role'] + '|>' + '\n' + message['content'] + '<|end|>' + '\n'}}" +
			"{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"
	}
	return "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}" +
		"{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}" +
		"{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}" +
		"{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
}

// setChars records the word-start character and the letters' ids.
func (g *grower) setChars(space string) {
	g.space = g.ids[space]
	for i := range 26 {
		g.letters[i] = g.ids[string(rune('a'+i))]
		g.upper[i] = g.ids[string(rune('A'+i))]
	}
}
