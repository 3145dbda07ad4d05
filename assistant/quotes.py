"""Sentences and verbatim quotes: the guarantee that every displayed quote
exists in its source (after whitespace normalisation) is enforced here."""

from __future__ import annotations

import re

from index.textnorm import normalize_ws, words
from index.types import Chunk

# A sentence ends at . ! ? (or a colon before a list) followed by whitespace and
# an upper-case letter, digit, bullet or quote; a blank line also ends one, and so does a line break before a
# numbered list item ('… 2020-2023⏎2. Stockholms …': the item's number opens the next one).
# A table row of a DOCX ('Fokusområde | Synpunkt', cells joined by ' | ') is a unit of its own: a line break
# before one ends the sentence, so no row is glued to the header row or to the row before.
_BOUNDARY = re.compile(r"(?<=[.!?:])\s+(?=[A-ZÅÄÖÉ0-9•\-–\"”»(])|\n[ \t]*\n|\n(?=[ \t]*\d{1,2}\.[ \t]+[A-ZÅÄÖ])"
                       r"|\n(?=[^\n]*\S \| \S)")
# Words no Swedish sentence or heading ends with (prepositions, conjunctions, articles): a blank line after one
# is a layout break inside the sentence ('… centrala läge, både på⏎⏎Kungsklippan och …').
_OPEN_END = re.compile(r"(?:,|\b(?:på|i|och|eller|samt|men|av|till|med|för|om|att|som|från|vid|hos|mot|genom|"
                       r"efter|inom|utan|under|över|mellan|kring|enligt|både|varken|antingen|en|ett|den|det|de|dess|"
                       r"deras|sin|sitt|sina|vars|där|när|än))\s*$", re.I)
_BULLETS = "•-–*·"
_ABBREV = re.compile(r"(?:\b(?:t\.ex|bl\.a|m\.m|s\.k|dvs|d\.v\.s|osv|ca|kap|nr|s|Bitr|fr\.o\.m|t\.o\.m|p\.g\.a|jfr|enl|resp|f\.d)\.|"
                     r"\b[A-ZÅÄÖ]\.)$")
# 'med flera' before the party of the members it stands for ('Gustav Renström m.fl. (M) och …'): no sentence end
_MFL_PARTY = re.compile(r"\bm\.\s?fl\.$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, stripped of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if _ABBREV.search(text[start:m.start()]) or (_MFL_PARTY.search(text[start:m.start()])
                                                      and text[m.end():m.end() + 1] == "("):
            continue  # 't.ex. Polisen' is not a sentence end
        if text[m.start() - 1:m.start()] == ":" and "\n" not in m.group() and text[m.end():m.end() + 1] not in _BULLETS:
            continue  # '… i två olika program: Stockholms stads trygghetsprogram …' goes on in the line; a list breaks it
        if ((text[m.end():m.end() + 1].islower() or _OPEN_END.search(text[start:m.start()]))
                and not re.search(r"[.!?:;]\W*$", text[start:m.start()])):
            continue  # a blank line inside a sentence (004's extraction breaks lines that way)
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if b - trail > a + lead:
            out.append((a + lead, b - trail))
    return out


# A lone letter that is no Swedish word ('i', 'å', 'ö' are) or a stray mark before a capitalised word at a quote's
# start: a bullet the OCR read as a character
_OCR_BULLET = re.compile(r"^(?:[a-hj-zäéü]|[®©«¢°])\s+(?=[A-ZÅÄÖ][a-zåäö])")


def without_heading(quote: str, section: str = "") -> str:
    """The quote without a leading heading that the text glued to it: one of the heading taxonomy
    (index/headings.yaml: 'Sammanfattning I samband med …' -> 'I samband med …') or of the passage's own
    `section` path ('Teoretiskt ramverk Förvaltningen önskar …' under '… › Teoretiskt ramverk')."""
    from index.chunk import is_known_heading

    own = {normalize_ws(p).lower() for p in section.split("›") if p.strip()}
    t = _OCR_BULLET.sub("", normalize_ws(quote))  # 'e Stadsdelsnämnderna har …': a bullet OCR read as a letter
    t = re.sub(r"^[•▪●◦·]\s+(?=\S)", "", t)  # a list item's bullet is no part of what it says
    ws = t.split(" ")
    for n in range(min(6, len(ws) - 4), 0, -1):  # the longest heading first; at least 4 words must remain
        head, rest = " ".join(ws[:n]), " ".join(ws[n:])
        if (is_known_heading(head) or head.lower() in own) and (rest[:1].isupper() or _NUMBERED_HEAD.match(rest)):
            t = rest
            break
    # a numbered section heading glued before the sentence ('3.1 Mål för programperioden Det övergripande …')
    m = _NUMBERED_HEAD.match(t)
    if m and len(t[m.end():].split()) >= 4:
        t = t[m.end():]
    return t


# A numbered heading: its number, a capitalised first word, at most six lower-case words, then the sentence's
# capitalised first word
_NUMBERED_HEAD = re.compile(r"\d{1,2}(?:\.\d{1,2})+\.?\s+[A-ZÅÄÖ][a-zåäö\-]+(?:\s+[a-zåäö\-–]+){0,6}\s+(?=[A-ZÅÄÖ][a-zåäö])")


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def quote_in_source(quote: str, source_text: str) -> bool:
    """True when `quote` occurs verbatim in `source_text` after collapsing whitespace."""
    q = normalize_ws(quote)
    return bool(q) and q in normalize_ws(source_text)


def verify_quote(quote: str, chunk: Chunk) -> bool:
    """A quote is valid when it is verbatim in the chunk's displayed text."""
    return quote_in_source(quote, chunk.text)


# (the phone word as a letterhead writes it, a number after it: 'Telefon: 08-508 263 17'; a sentence on
# 'telefonbedrägerier' or on being lured 'via telefon' is body text)
LETTERHEAD = re.compile(r"(\btelefon(nummer|nr)?\b(?=[^.!?]{0,30}\d)|\btfn\b|\btel\.|\be-post\s*:|@|www\.|\bbox \d|"
                        r"\d{3} \d{2} stockholm|\d{2,3}-\d{5,}|^sida \d)", re.I)


# A short line with a year and no sentence end: a title or an attachment ('Stockholms stads trygghetsprogram
# 2024-2027', 'Följebrev … 2020-2023'), not a statement
_TITLE_LINE = re.compile(r"^(?=.*\b\d{4}\b)(?:\S+\s+){0,5}\S+$(?<![.!?»”\"])")


# a stance declared on the proposal as a whole ('ställer sig positiv till förslaget', 'är kritisk till programmet'),
# or a verb of the verdict ('tillstyrker förslaget', 'avstyrker programmet', 'ställer sig bakom förslaget')
DECLARED = re.compile(r"(?<!\w)(?:(positiv|positiva|kritisk|kritiska|negativ|negativa|tveksam|tveksamma) till|"
                       r"(tillstyrker|tillstyrkte|avstyrker|avstyrkte|ställer sig bakom|ställde sig bakom)(?! inte| ej)"
                       r"(?: i sak)?) "
                       r"(hela |det |den )?(\w+ )?(förslaget|programmet|remissen|\w+programmet|programförslaget)(?!\w)", re.I)


LINE_BLOCK_LINES = 4  # lines, at least, of a block that no sentence punctuation closes: a title page, not a sentence
# a list item's marker at the start of a line: a bullet, '1.', '2)', 'a)'
LIST_ITEM = re.compile(r"^\s*(?:[-–•*▪◦·]|\d{1,2}[.)]|[a-z][.)])\s+")


def _line_block(sentence: str) -> bool:
    """A run of lines with no sentence end (a title page: 'Stockholms stads trygghetsprogram / 2032–2035 /
    Förslag – remissversion / Kommunstyrelsen / Dnr …'), unless it is a list: introduced by a line ending in
    ':' ('… att värna fyra övergripande områden:' and its items), or mostly lines with list markers."""
    lines = [ln for ln in sentence.splitlines() if ln.strip()]
    if len(lines) < LINE_BLOCK_LINES or re.search(r"[.!?…»”\"]\s*$", sentence) \
            or any(ln.rstrip().endswith(":") for ln in lines):
        return False
    return sum(bool(LIST_ITEM.match(ln)) for ln in lines) < len(lines) / 2


def quotable(sentence: str) -> bool:
    """Body text worth quoting: 4+ words (3 for a verdict: 'Förvaltningen tillstyrker förslaget.'); not a
    list intro ending in ':', a letterhead/address/phone line, a page number, a mostly upper-case heading,
    a block of title lines or a fragment with an unclosed parenthesis."""
    if _line_block(sentence):
        return False
    t = normalize_ws(sentence)
    least = 3 if t.endswith(".") and DECLARED.search(t) else 4
    if len(words(t)) < least or t.endswith(":") or LETTERHEAD.search(t) or t.count("(") > t.count(")") \
            or _TITLE_LINE.match(t):
        return False  # an unclosed parenthesis: a line the extraction cut ('… 2020-2023 (KS')
    letters = [c for c in t if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.5 * len(letters):
        return False
    return not _signature_line(t)


def _signature_line(text: str) -> bool:
    """Does the text open with an office as a signature block writes it, capitalised and bare
    ('Stadsdelsdirektör Bitr. stadsdelsdirektör 1. …', 'Förvaltningschef Kyrkogårdsförvaltningen'):
    a title line, not a sentence ('Stadsdelsdirektören anser …' is one)? The titles come from
    taxonomy.yaml `signatory_titles`. Or a line of words with an office that ends as no sentence does
    (a signature or approval table)?"""
    from index.textnorm import fold

    from .analyse import taxonomy

    ws = words(text)
    if ws and ws[0][:1].isupper() and fold(ws[0].lower()).endswith(taxonomy().titles):
        return True
    # a line of a signature or approval table ('Namn Datum Svante Borg, Förvaltningschef 2023-11-21'): an
    # office among words that end in no sentence punctuation
    return not re.search(r"[.!?…»”\"]\s*$", text) and any(fold(w.lower()).endswith(taxonomy().titles) for w in ws)
