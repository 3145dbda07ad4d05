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
