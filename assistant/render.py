"""Rendering untrusted text (document text, quotes, metadata, topics, what a
user typed) for the three places it ends up: HTML, Markdown and CSV cells.

Escaping by construction: every piece of untrusted text goes through one of
these functions exactly once, and our own markup is added around it
afterwards. Nothing here parses or "cleans" the text; it only makes every
character stand for itself.

  escape_html(x)  for HTML (gr.HTML, tables): &, <, >, " and ' as entities.
  escape_md(x)    for Markdown (chat, draft view, .md exports): HTML entities
                  for & < >, and a backslash before every character that could
                  start Markdown syntax, so no link, image, autolink, HTML tag,
                  heading, emphasis, code span, list or table cell can arise.
  md_cell(x)      escape_md on one line (whitespace collapsed): a table cell.
  keep_citations  restores our own [n] citation markers after escape_md.
  csv_cell(x)     a CSV cell a spreadsheet will not run as a formula.
  mark_quote      escaped text with a verbatim quote inside <mark> (quote_span finds it).
  hide_paths      an error message for the page, without server paths.
  swedish_only    the Swedish half of a bilingual "<svenska> / <english>" error.
"""

from __future__ import annotations

import html
import re

# Characters that can start or end Markdown syntax anywhere in a line. '<', '>'
# and '&' are handled as HTML entities (so no raw HTML, no autolink <http://…>,
# no blockquote); '_' separately (only where it could start emphasis).
_MD_PUNCT = re.compile(r"([\\`*{}\[\]()#!|~$@])")
# '_' inside a word ('000_3597c3', 'snake_case') cannot start emphasis in
# CommonMark or GFM; elsewhere it is escaped.
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# Bare-URL autolinks (GFM 'extended autolinks': http://, https://, ftp://,
# www.) are broken by escaping the ':' of '://' and the '.' of 'www.'.
_AUTOLINK = re.compile(r"(?<=[A-Za-z])(:)(?=//)|(?<![^\W_])((?i:www))(\.)")
# At a line start: list markers and setext underlines ('-', '+', '='),
# ordered-list markers ('1.' / '1)') and indents of 4+ columns (code blocks,
# in which escapes would show as backslashes).
_LINE_START = re.compile(r"^([ \t]*)([-+=])", re.M)
_ORDERED = re.compile(r"^([ \t]*\d{1,9})([.)])", re.M)
_INDENT = re.compile(r"^(?:\t|[ ](?=[ ]{3}|[ ]{0,2}\t))", re.M)
_CITATION = re.compile(r"\\\[(\d{1,4})\\\](?!\\?:)")
_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _text(x) -> str:
    return "" if x is None else str(x)


def escape_html(x) -> str:
    """Text for an HTML context: every character shows as itself."""
    return html.escape(_text(x), quote=True)


def escape_md(x) -> str:
    """Text for a Markdown context (rendered by Gradio's Markdown/Chatbot or
    any CommonMark/GFM viewer): shows as itself, never becomes a link, an
    image, an HTML tag or other markup. Line breaks are kept."""
    s = html.escape(_text(x), quote=False)  # & < > : no HTML, no <autolink>, no '>' blockquote
    s = _MD_PUNCT.sub(r"\\\1", s)
    s = _UNDERSCORE.sub(r"\\_", s)
    s = _AUTOLINK.sub(lambda m: "\\:" if m.group(1) else m.group(2) + "\\.", s)
    s = _LINE_START.sub(r"\1\\\2", s)
    s = _ORDERED.sub(r"\1\\\2", s)
    s = _INDENT.sub(lambda m: "&#32;" if m.group() == " " else "&#9;", s)  # no line is indented 4+ columns
    return s.replace("\t", "&#9;")  # a tab or 4 spaces would start a code block; entity keeps the tab


def md_cell(x) -> str:
    """escape_md for a table cell: one line, '|' escaped (escape_md does that)."""
    return escape_md(" ".join(_text(x).split()))


def keep_citations(md: str) -> str:
    """After escape_md: our own citation markers '[n]' back as plain brackets
    (they stay text: nothing defines a link reference, and a marker followed
    by ':' that could define one stays escaped)."""
    return _CITATION.sub(r"[\1]", md)


def csv_cell(x) -> str:
    """A CSV cell that spreadsheets show as text: a cell whose first
    non-blank character could start a formula ('=', '+', '-', '@') or that
    starts with a tab or CR gets a leading apostrophe (OWASP's advice)."""
    s = _text(x)
    if s.startswith(_CSV_TRIGGERS) or s.lstrip().startswith(_CSV_TRIGGERS):
        return "'" + s
    return s


def _words_pattern(words: list[str]) -> re.Pattern:
    return re.compile(r"\s+".join(re.escape(w) for w in words))


_TOKEN = re.compile(r"\S+")
_EDGE_PUNCT = re.compile(r"^\W+|\W+$")


def _token_key(token: str) -> str:
    from index.textnorm import fold

    return _EDGE_PUNCT.sub("", fold(token))


def find_quote(text: str, quote: str, min_words: int = 4) -> tuple[int, int, int] | None:
    """(start, end, words matched) of `quote` in `text`. Whitespace-tolerant
    and exact first; else the stretch of `text` that lines up best with the
    quote's words (compared without case, diacritics and edge punctuation, at
    least `min_words` and 60 % of them equal): the same passage repaired a
    little differently (OCR), or the part of a quote on this side of a page
    break. None when nothing lines up."""
    text, words = _text(text), _text(quote).split()
    if not words:
        return None
    if m := _words_pattern(words).search(text):
        return m.start(), m.end(), len(words)
    want = [_token_key(w) for w in words]
    toks = [(m.start(), m.end(), _token_key(m.group())) for m in _TOKEN.finditer(text)]
    n_q, n_t = len(want), len(toks)
    best = None  # (matched, first token, last token)
    for shift in range(-(n_q - 1), n_t):  # the quote's word i lies on token shift + i
        lo, hi = max(0, shift), min(n_t, shift + n_q)
        hits = [i for i in range(lo, hi) if toks[i][2] and toks[i][2] == want[i - shift]]
        if len(hits) >= min_words and len(hits) >= 0.6 * (hi - lo) and (best is None or len(hits) > best[0]):
            best = (len(hits), hits[0], hits[-1])
    if best is None:
        return None
    return toks[best[1]][0], toks[best[2]][1], best[0]


def quote_span(text: str, quote: str, min_words: int = 4) -> tuple[int, int] | None:
    """(start, end) of `quote` in `text` as find_quote finds it, or None."""
    hit = find_quote(text, quote, min_words)
    return hit[:2] if hit else None


def mark_quote(text, quote, css_class: str = "") -> str:
    """`text` as escaped HTML with the quote (quote_span) inside one <mark>."""
    text = _text(text)
    span = quote_span(text, quote) if quote else None
    if span is None:
        return escape_html(text)
    a, b = span
    cls = f' class="{escape_html(css_class)}"' if css_class else ""
    return f"{escape_html(text[:a])}<mark{cls}>{escape_html(text[a:b])}</mark>{escape_html(text[b:])}"


# An absolute POSIX path of two or more parts (not a URL's '//host/…', not 'och/eller' or '1/2').
_ABS_PATH = re.compile(r"(?<![\w.~:/\\])/(?:[^\s/'\"<>|;,()\[\]]+/)+([^\s/'\"<>|;,()\[\]]*)")


def hide_paths(text, named: dict | None = None) -> str:
    """`text` for the page without server paths: the folders in `named`
    ({path: 'korpusmappen'}) by their name, any other absolute path by its
    last part (a file name)."""
    from pathlib import Path

    s = _text(text)
    pairs = []
    for path, name in (named or {}).items():
        for form in {str(Path(path)), str(Path(path).resolve())}:
            pairs.append((form, name))
    for form, name in sorted(pairs, key=lambda p: -len(p[0])):
        if form not in ("", "/", "."):
            s = s.replace(form, name)
    return _ABS_PATH.sub(lambda m: m.group(1) or "…", s)


def swedish_only(message) -> str:
    """The Swedish half of a bilingual '<svenska> / <english>' message (this
    code base's errors; the CLI and logs keep both). A message whose part
    after ' / ' has letters other than a-z (Swedish, then) is returned whole."""
    s = _text(message)
    head, sep, tail = s.partition(" / ")
    if sep and head.strip() and all(c.isascii() for c in tail if c.isalpha()):
        return head.rstrip()
    return s
