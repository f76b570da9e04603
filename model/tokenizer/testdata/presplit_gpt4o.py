#!/usr/bin/env python3
"""Writes presplit-gpt4o.json: how llama.cpp pre-tokenizes random strings
with the gpt-4o pattern (LLAMA_VOCAB_PRE_TYPE_GPT4O: Phi-4-mini, Llama 4).

llama.cpp has no hand-written scanner for this pattern. It runs the second
regex of its list through std::regex (ECMAScript, backtracking) over a
"collapsed" text: code points below 128 stay, every other one becomes one
byte for its class (white space 0x0B, number 0xD1, letter 0xD2,
punctuation 0xD3, mark 0xD4, symbol 0xD5, anything else 0xD0), and each
\\p{..} of the pattern becomes those bytes plus the ASCII members. So a
non-ASCII letter is both "not a-z" and "not A-Z", unlike in the original
Hugging Face pattern. This script does the same with Python's re module,
whose leftmost-first backtracking agrees with ECMAScript on this pattern;
\\s is spelled out as std::regex's C-locale white space.

Run from this directory: python3 presplit_gpt4o.py > presplit-gpt4o.json
"""
import json
import random
import re
import unicodedata

WHITE_SPACE = set([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
                  + list(range(0x2000, 0x200B)))


def collapse(text):
    out = []
    for ch in text:
        cp = ord(ch)
        if cp < 128:
            out.append(ch)
        elif cp in WHITE_SPACE:
            out.append("\x0b")
        else:
            cat = unicodedata.category(ch)[0]
            out.append({"N": "\xd1", "L": "\xd2", "P": "\xd3", "M": "\xd4", "S": "\xd5"}.get(cat, "\xd0"))
    return "".join(out)


L = "\xd2A-Za-z"
N = "\xd10-9"
S = "\t\n\x0b\x0c\r "
CONTRACTION = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?"
UPPER = f"(?:(?=[{L}])[^a-z])"
LOWER = f"(?:(?=[{L}])[^A-Z])"
PATTERN = re.compile(
    f"[^\\r\\n{L}{N}]?{UPPER}*{LOWER}+{CONTRACTION}"
    f"|[^\\r\\n{L}{N}]?{UPPER}+{LOWER}*{CONTRACTION}"
    f"|[{N}]{{1,3}}"
    f"| ?[^{S}{L}{N}]+[\\r\\n/]*"
    f"|[{S}]*[\\r\\n]+"
    f"|[{S}]+(?![^{S}])"
    f"|[{S}]+"
)


def split(text):
    collapsed = collapse(text)
    pieces, last = [], 0
    for m in PATTERN.finditer(collapsed):
        if m.start() > last:
            pieces.append(text[last:m.start()])
        pieces.append(text[m.start():m.end()])
        last = m.end()
    if last < len(text):
        pieces.append(text[last:])
    return pieces


ALPHABET = (list("aAbBzZeEsStTmMdDlLrRvV") + list("0123456789") + list(" \t\n\r ") + list("'/.,!?-_$+<=>^~|`\"#%&*()[]{}")
            + ["é", "É", "ß", "ñ", "Ø", "ǅ", "ʰ", "中", "文", "日", "\u0301", "\u0308", "٣", "Ⅻ", "½", "€", "😀",
               "\u00a0", "\u3000", "\u2028", "\u0085", "\x1c", "\x00", "\u200b", "、", "।", "ー"])

CASES = [
    "Hello World", "ÉCOLE école", "I'M you'RE they'll We'd", "'s 'T", "HTTPServer getHTTPResponse",
    "a/b\n/\n/c", "!!\n\n/x", "12345 678", "  \n\t x", "x   ", "x  \ny", "Café au lait", "naïve",
    "cafe\u0301", "ǅemal", "ПРИВЕТ мир", "中文English", "a\u00a0b", "\u3000abc", "😀😀 ok", "",
]


def main():
    rng = random.Random(4)
    texts = list(CASES)
    for _ in range(400):
        texts.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 16))))
    print(json.dumps([{"text": t, "pieces": split(t)} for t in texts], ensure_ascii=True, indent=0))


if __name__ == "__main__":
    main()
