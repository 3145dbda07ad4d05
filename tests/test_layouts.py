"""Page furniture, text across page breaks and parser headings (index.layout,
index.read marks, index.chunk sections), on inline page texts and on the
generated layout corpus of tests/layouts.py."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.chunk import detect_sections, heading_taxonomy, is_known_heading
from index.layout import clean_layout, is_contact, page_number
from index.read import PAGE_SEPARATOR
from index.types import Document

layouts = pytest.importorskip("layouts")  # tests/layouts.py (pytest puts tests/ on sys.path)


def pages_text(pages: list[str], sep: str = PAGE_SEPARATOR) -> tuple[str, tuple[int, ...]]:
    starts, pos = [], 0
    for p in pages:
        starts.append(pos)
        pos += len(p) + len(sep)
    return sep.join(pages), tuple(starts)


def clean(pages: list[str], marks=()):
    text, starts = pages_text(pages)
    return text, clean_layout(text, starts, marks, protected=is_known_heading)


def assert_maps_back(text: str, lay) -> None:
    """Every stretch of the cleaned text outside an edit is the original's
    text at the mapped offsets; edits are ordered and inside both texts."""
    prev_o = prev_c = 0
    for oa, ob, ca, cb in lay.edits:
        assert prev_o <= oa <= ob <= len(text) and prev_c <= ca <= cb <= len(lay.text)
        assert text[prev_o:oa] == lay.text[prev_c:ca]
        prev_o, prev_c = ob, cb
    assert text[prev_o:] == lay.text[prev_c:]


# --------------------------------------------------------------------------- patterns


@pytest.mark.parametrize("line, expected", [
    ("Sida 3 (4)", (3, 4)), ("sida 3(4)", (3, 4)), ("Sida 3 av 4", (3, 4)), ("Sida 3/4", (3, 4)),
    ("Sida 3", (3, None)), ("Page 3 of 4", (3, 4)), ("3 (4)", (3, 4)), ("3/4", (3, 4)), ("3 av 4", (3, 4)),
    ("Sida 5 (4)", None), ("5 (4)", None), ("2027-03-16", None), ("Bilaga 3", None),
    ("Sida 3 (4) i budgeten", None), ("3", None),
])
def test_page_number_forms(line, expected):
    assert page_number(line) == expected


@pytest.mark.parametrize("line", [
    "Telefon 08-508 24 000", "Växel: 08-508 11 000", "Box 2071, 127 21 Skärholmen", "ekudden@stockholm.se",
    "www.stockholm.se", "Org.nr 212000-0142", "Besöksadress Sjövägen 14", "Tfn +46 8 508 24 000",
])
def test_contact_lines(line):
    assert is_contact(line)


@pytest.mark.parametrize("line", [
    "Förvaltningen ser positivt på samverkan med polisen.", "Sammanfattning", "Ärendet har beretts i staben",
])
def test_not_contact_lines(line):
    assert not is_contact(line)


BODY = [
    "Förvaltningen ser positivt på att programmet lyfter fram samverkan mellan nämnder\n"
    "och bolag. Arbetet med lokala lägesbilder behöver dock utvecklas vidare.",
    "Vuxennärvaro i skolans närmiljö är viktig för tryggheten. Nattvandrare finns i\n"
    "området under helger och lov.",
    "Förvaltningen anser att belysningen i parkerna ska förbättras så att invånarna\n"
    "känner sig trygga även under den mörka delen av året.",
    "Ansvaret för uppföljningen ligger hos kommunstyrelsen. Resultaten redovisas\n"
    "varje år i samband med verksamhetsberättelsen.",
]


def letterhead(i: int, n: int) -> str:
    return f"STOCKHOLMS STAD\nVästerbrinks stadsdelsförvaltning\nTjänsteutlåtande\nDnr VB 2027/17\nSida {i} ({n})\n"


def footer() -> str:
    return "\nVästerbrinks stadsdelsförvaltning\nBox 4410, 163 04 Spånga\nTelefon 08-508 99 000"


def test_running_letterhead_page_numbers_and_footer_removed():
    n = len(BODY)
    pages = [letterhead(i + 1, n) + body + footer() for i, body in enumerate(BODY)]
    text, lay = clean(pages)
    assert "STOCKHOLMS STAD" not in lay.text and "Dnr VB" not in lay.text and "Sida" not in lay.text
    assert "Box 4410" not in lay.text and "Telefon" not in lay.text
    for body in BODY:
        assert body in lay.text
    kinds = {f.text: f.kind for f in lay.furniture}
    assert kinds["Sida 2 (4)"] == "page-number" and kinds["Dnr VB 2027/17"] == "running"
    assert "Dnr VB 2027/17" in lay.furniture_lines and "Telefon 08-508 99 000" in lay.furniture_lines
    assert_maps_back(text, lay)


def test_ocr_varied_running_header_removed():
    variants = ["Västerbrinks stadsdelsförvaltning", "Vasterbrinks stadsdelsforvaltning",
                "Västerbrinks stadsde1sförvaltning", "Västerbrinks stadsdelsförvaltnlng"]
    pages = [f"{v}\nDnr VB 2027/17\n{body}" for v, body in zip(variants, BODY)]
    text, lay = clean(pages)
    assert not any(v in lay.text for v in variants)
    assert all(body in lay.text for body in BODY)


def test_bare_page_numbers_follow_the_page_order():
    pages = [f"{body}\n{i + 1}" for i, body in enumerate(BODY)]
    _, lay = clean(pages)
    assert [f.text for f in lay.furniture] == ["1", "2", "3", "4"]
    pages = [f"{body}\n{n}" for body, n in zip(BODY, (17, 3, 250, 9))]  # amounts, not page numbers
    _, lay = clean(pages)
    assert not lay.furniture


def test_first_page_only_contact_footer_removed():
    pages = [BODY[0] + "\n\nParkförvaltningen, Box 8313, 104 20 Stockholm\nVäxel 08-508 27 500", BODY[1]]
    _, lay = clean(pages)
    assert "Box 8313" not in lay.text and "Växel" not in lay.text
    assert BODY[0] in lay.text and BODY[1] in lay.text


def test_line_that_occurs_once_and_repeated_headings_are_kept():
    pages = [
        "Handläggare\nLinnea Öberg\nTelefon: 08-508 24 117\n\nSammanfattning\n" + BODY[0],
        "Samverkan\n" + BODY[1],
        "Sammanfattning\n" + BODY[2],  # a taxonomy heading at two page tops
        "Samverkan\n" + BODY[3],  # a subheading at the top of 2 of 4 pages
    ]
    _, lay = clean(pages)
    assert not lay.furniture
    assert lay.text.count("Sammanfattning") == 2 and lay.text.count("Samverkan\n") == 2
    assert "Linnea Öberg" in lay.text and "Telefon: 08-508 24 117" in lay.text


def test_quoted_paragraph_repeated_on_two_pages_is_kept():
    para = "Stockholms stads trygghetsprogram föreslås ersätta det tidigare\nprogrammet för alla nämnder"
    pages = ["Sammanfattning\n" + para + ".\n" + BODY[0], "Remissen\n" + para + ".\n" + BODY[1], BODY[2]]
    _, lay = clean(pages)
    assert lay.text.count(para) == 2 and not lay.furniture


def test_single_page_only_loses_clear_page_numbers():
    page = ("STOCKHOLMS STAD\nSida 1 (1)\nDnr VB 2027/17\n" + BODY[0] +
            "\nVästerbrinks stadsdelsförvaltning\nBox 4410, 163 04 Spånga\nTelefon 08-508 99 000")
    text, lay = clean([page])
    assert [f.text for f in lay.furniture] == ["Sida 1 (1)"]
    assert "Box 4410" in lay.text and "STOCKHOLMS STAD" in lay.text
    assert_maps_back(text, lay)


def test_sentence_across_a_page_break_is_joined():
    pages = [letterhead(1, 2) + "Förvaltningen vill att staden fortsätter att ge stöd till de" + footer(),
             letterhead(2, 2) + "föreningar som bedriver nattvandring i området. Nästa mening." + footer()]
    text, lay = clean(pages)
    assert "stöd till de föreningar som bedriver nattvandring i området." in lay.text
    assert lay.joined == (2,)
    a = lay.text.index("Förvaltningen vill")
    b = lay.text.index("området.") + len("området.")
    oa, ob = lay.to_original_span(a, b)
    doc = Document(id="x", source="x.pdf", text=text, page_starts=pages_text(pages)[1])
    assert (doc.page_of(oa), doc.page_of(ob - 1)) == (1, 2)
    assert text[oa:ob].startswith("Förvaltningen vill") and text[oa:ob].endswith("området.")


@pytest.mark.parametrize("end, start, joined", [
    ("ökar den upplevda trygg-", "heten i parkerna.", "ökar den upplevda tryggheten i parkerna."),
    ("arbetar med trygghets-", "och säkerhetsfrågor.", "arbetar med trygghets- och säkerhetsfrågor."),
    ("i Enskede-Årsta-", "Vantör finns fältassistenter.", "i Enskede-Årsta-Vantör finns fältassistenter."),
    ("under perioden 2028-", "2031 ska staden", "under perioden 2028-2031 ska staden"),
])
def test_hyphenated_word_across_a_page_break(end, start, joined):
    pages = [letterhead(1, 2) + "Förvaltningen bedömer att belysningen " + end,
             letterhead(2, 2) + start + " Mer text."]
    _, lay = clean(pages)
    assert joined in lay.text


def test_bullet_list_across_a_page_break_stays_one_item_a_line():
    pages = [letterhead(1, 2) + "Programmet har fokusområden:\n• Tidiga insatser för barn\n• Trygga miljöer",
             letterhead(2, 2) + "• Stöd till brottsutsatta\n• Samverkan med polisen\n" + BODY[0]]
    _, lay = clean(pages)
    assert "• Trygga miljöer\n• Stöd till brottsutsatta\n• Samverkan" in lay.text


def test_paragraph_ending_at_a_page_break_stays_a_paragraph():
    pages = [letterhead(1, 2) + BODY[0], letterhead(2, 2) + BODY[1]]
    _, lay = clean(pages)
    assert BODY[0] + "\n\n" + BODY[1] in lay.text


def test_docx_header_footer_and_join_marks():
    p1 = "Bergsviks förvaltning Dnr BV 2027/301\nFörvaltningen ser gärna att skolor och\nSpånga, telefon 08-508 03 000"
    p2 = ("Bergsviks förvaltning Dnr BV 2027/301\nFritidsgårdar samverkar under sommarlovet.\n"
          "Spånga, telefon 08-508 03 000")
    text, starts = pages_text([p1, p2])
    h, f = len("Bergsviks förvaltning Dnr BV 2027/301"), len("Spånga, telefon 08-508 03 000")
    marks = [(0, h, "header"), (len(p1) - f, len(p1), "footer"),
             (starts[1], starts[1] + h, "header"), (starts[1] + len(p2) - f, starts[1] + len(p2), "footer"),
             (text.index(" och\n") + 4, text.index("Fritidsgårdar"), "join")]
    lay = clean_layout(text, starts, marks)
    # a capital after the break, yet the parser said it is one paragraph
    assert "skolor och Fritidsgårdar samverkar under sommarlovet." in lay.text
    assert "Dnr" not in lay.text and "telefon" not in lay.text
    assert_maps_back(text, lay)


# --------------------------------------------------------------------------- tables across page breaks


def marked(pages: list[str], kinds: dict[str, tuple[str, ...]]) -> tuple[str, tuple[int, ...], list]:
    """Pages joined, with the marks a PDF reader would give: each line whose text
    is in `kinds` gets those kinds ('table', 'top', ...)."""
    text, starts = pages_text(pages)
    marks, pos = [], 0
    for line in text.split("\n"):
        for kind in kinds.get(line.strip(), ()):
            marks.append((pos, pos + len(line), kind))
        pos += len(line) + 1
    return text, starts, marks


HEAD = "Åtgärd Ansvar Tidplan"
ROWS = [f"{what} {who} {when}" for what, who, when in (
    ("Belysning längs gångstråk", "Trafiknämnden", "2028"), ("Röjning av buskage", "Stadsdelsnämnderna", "2029"),
    ("Trygghetsvandringar", "Stadsdelsnämnderna", "Årligen"), ("Kameror vid tunnelbanan", "Kommunstyrelsen", "2029"),
    ("Upprustade lekplatser", "Stadsdelsnämnderna", "2030"), ("Sanering av klotter", "Trafiknämnden", "Löpande"),
    ("Trygga skolentréer", "Utbildningsnämnden", "2030"), ("Belysta motionsspår", "Idrottsnämnden", "2028"))]
RUNNING = "Stockholms stad · Handlingsplan 2028–2031"


def test_repeated_table_header_row_is_kept_where_the_table_begins():
    """A table from the foot of page 1 to page 3: the header row is kept on
    page 1 (the column names) and dropped where pages 2 and 3 repeat it; the
    running header goes everywhere, the rows stay one a line."""
    pages = [f"{RUNNING}\n{BODY[0]}\n{HEAD}\n{ROWS[0]}\n{ROWS[1]}\nSida 1 (3)",
             f"{RUNNING}\n{HEAD}\n{ROWS[2]}\n{ROWS[3]}\n{ROWS[4]}\nSida 2 (3)",
             f"{RUNNING}\n{HEAD}\n{ROWS[5]}\n{ROWS[6]}\n{ROWS[7]}\n{BODY[1]}\nSida 3 (3)"]
    text, starts, marks = marked(pages, {RUNNING: ("top",), HEAD: ("table",), **{r: ("table",) for r in ROWS}})
    lay = clean_layout(text, starts, marks, protected=is_known_heading)
    assert lay.text.count(HEAD) == 1 and f"{HEAD}\n{ROWS[0]}" in lay.text
    assert RUNNING not in lay.text and "Sida" not in lay.text
    assert "\n".join(ROWS) in lay.text  # no header between the rows, each row a line of its own
    assert [(f.page, f.kind) for f in lay.furniture if f.text == HEAD] == [(2, "table-header"), (3, "table-header")]
    assert HEAD not in lay.furniture_lines and RUNNING in lay.furniture_lines
    assert_maps_back(text, lay)


def test_table_at_the_top_of_every_page_keeps_its_first_header_row():
    """The header row recurs at the top of most pages (a running line by count)
    but where the table begins, below another page's end in prose, it is content."""
    pages = [f"{RUNNING}\n{BODY[0]}\nSida 1 (4)",
             f"{RUNNING}\n{HEAD}\n{ROWS[0]}\n{ROWS[1]}\nSida 2 (4)",
             f"{RUNNING}\n{HEAD}\n{ROWS[2]}\n{ROWS[3]}\nSida 3 (4)",
             f"{RUNNING}\n{HEAD}\n{ROWS[4]}\n{BODY[1]}\nSida 4 (4)"]
    text, starts, marks = marked(pages, {RUNNING: ("top",), HEAD: ("table", "top"), **{r: ("table",) for r in ROWS}})
    lay = clean_layout(text, starts, marks, protected=is_known_heading)
    assert lay.text.count(HEAD) == 1 and lay.text.index(HEAD) < lay.text.index(ROWS[0])
    assert RUNNING not in lay.text


def test_two_tables_with_the_same_columns_keep_both_header_rows():
    pages = [f"{RUNNING}\n{BODY[0]}\n{HEAD}\n{ROWS[0]}\n{ROWS[1]}\n{BODY[1]}\nSida 1 (2)",
             f"{RUNNING}\n{BODY[2]}\n{HEAD}\n{ROWS[2]}\n{ROWS[3]}\n{BODY[3]}\nSida 2 (2)"]
    text, starts, marks = marked(pages, {RUNNING: ("top",), HEAD: ("table",), **{r: ("table",) for r in ROWS}})
    lay = clean_layout(text, starts, marks, protected=is_known_heading)
    assert lay.text.count(HEAD) == 2 and RUNNING not in lay.text


def test_letterhead_of_table_cells_stays_furniture_over_a_table_document():
    """A letterhead line set as two cells (a table row to the reader) over a
    document that is one long table: it looks like a repeated header row, but
    it sits in page 1's top margin band, so it is furniture on every page."""
    lh = "Ekuddens stadsdelsförvaltning Dnr EK 2027/0412"
    pages = [f"{lh}\n{HEAD}\n{ROWS[0]}\n{ROWS[1]}\n{ROWS[2]}\nSida 1 (3)",
             f"{lh}\n{ROWS[3]}\n{ROWS[4]}\n{ROWS[5]}\nSida 2 (3)",
             f"{lh}\n{ROWS[6]}\n{ROWS[7]}\nSida 3 (3)"]
    text, starts, marks = marked(pages, {lh: ("table", "top"), HEAD: ("table",), **{r: ("table",) for r in ROWS}})
    lay = clean_layout(text, starts, marks, protected=is_known_heading)
    assert lh not in lay.text and lay.text.count(HEAD) == 1
    assert all(r in lay.text for r in ROWS)


def test_table_under_a_letterhead_of_table_cells_across_pages():
    """A letterhead whose lines are set as cells, and a table running over the
    page break under it: the letterhead goes on both pages, the header row
    only where the page repeats it."""
    lh = ["STOCKHOLMS STAD Tjänsteutlåtande", "Ekuddens stadsdelsförvaltning Dnr EK 2027/0412"]
    pages = [f"{lh[0]}\n{lh[1]}\n{BODY[0]}\n{HEAD}\n{ROWS[0]}\n{ROWS[1]}\nSida 1 (2)",
             f"{lh[0]}\n{lh[1]}\n{HEAD}\n{ROWS[2]}\n{ROWS[3]}\n{BODY[1]}\nSida 2 (2)"]
    text, starts, marks = marked(pages, {lh[0]: ("top",), lh[1]: ("top", "table"), HEAD: ("table",),
                                         **{r: ("table",) for r in ROWS}})
    lay = clean_layout(text, starts, marks, protected=is_known_heading)
    assert not any(x in lay.text for x in lh) and lay.text.count(HEAD) == 1
    assert f"{HEAD}\n{ROWS[0]}\n{ROWS[1]}\n{ROWS[2]}\n{ROWS[3]}" in lay.text
    assert [f.page for f in lay.furniture if f.kind == "table-header"] == [2]


def generated_layout(tmp_path, make):
    """(case, document, layout) of a generated PDF layout (`layouts.layout_f` …), read and cleaned as ingest does;
    skipped where the font that draws å/ä/ö is missing."""
    from index.read import read_document

    if layouts.font_dir() is None:
        pytest.skip("DejaVu Sans is needed to generate PDFs with å/ä/ö")
    case = make(tmp_path)
    doc = read_document(tmp_path / case.file)
    return case, doc, clean_layout(doc.text, doc.page_starts, doc.marks, protected=is_known_heading)


def test_generated_programme_tables_across_pages(tmp_path):
    """Layout f (fpdf2 repeats a table's header row on every page): each header
    row once, over its first body row, cited on the page where its table begins."""
    case, doc, lay = generated_layout(tmp_path, layouts.layout_f)
    for head, rows in case.repeated:
        assert lay.text.count(head) == 1, head
        assert layouts.norm(lay.text).count(f"{head} {rows[0]}") == 1
        a = lay.text.index(head)
        assert doc.page_of(lay.to_original_span(a, a + len(head))[0]) == (1 if head.startswith("Åtgärd") else 3)
    repeats = sorted((f.page, f.text) for f in lay.furniture if f.kind == "table-header")
    assert repeats == [(2, "Åtgärd Ansvar Tidplan"), (4, "Insats Målgrupp Uppföljning"),
                       (5, "Insats Målgrupp Uppföljning")]
    assert layouts.F_RUNNING not in lay.text


# a header row whose cells wrap: the cells' first lines side by side (a table row to the reader), the
# wrapped rests each a line of their own, as pypdf reads a top-aligned row set cell after cell
WRAPPED = ["Åtgärd Ansvarig nämnd och", "förvaltning", "Tidplan för", "genomförande"]
# ... and one whose first cell wraps too: its first two lines are no table row
WRAPPED_FIRST = ["Åtgärd som nämnden ansvarar", "för och genomför", "Ansvar Tidplan för", "genomförande"]
CLOSING = "Uppföljningen redovisas för kommunfullmäktige i samband med årsredovisningen."


def test_wrapped_table_header_row_repeated_on_every_page_is_taken_out_whole():
    """A table from the foot of page 1 to page 3 whose header row takes four
    lines: every line of it goes where pages 2 and 3 repeat it, none where the
    table begins (the column names, no section headings there either)."""
    head = "\n".join(WRAPPED)
    pages = [f"{RUNNING}\n{BODY[0]}\n{head}\n{ROWS[0]}\n{ROWS[1]}\nSida 1 (3)",
             f"{RUNNING}\n{head}\n{ROWS[2]}\n{ROWS[3]}\n{ROWS[4]}\nSida 2 (3)",
             f"{RUNNING}\n{head}\n{ROWS[5]}\n{ROWS[6]}\n{ROWS[7]}\n{BODY[1]}\nSida 3 (3)"]
    kinds = {WRAPPED[0]: ("table",), "Tidplan för": ("h2",), "genomförande": ("h2",)}
    text, starts, marks = marked(pages, {RUNNING: ("top",), **kinds, **{r: ("table",) for r in ROWS}})
    lay = clean_layout(text, starts, marks, protected=is_known_heading)
    assert lay.text.count(head) == 1 and f"{head}\n{ROWS[0]}" in lay.text
    assert all(lay.text.count(f"\n{ln}\n") == 1 for ln in WRAPPED)
    assert "\n".join(ROWS) in lay.text and RUNNING not in lay.text
    assert sorted((f.page, f.text) for f in lay.furniture if f.kind == "table-header") == \
        sorted((p, ln) for p in (2, 3) for ln in WRAPPED)
    assert not any("Tidplan" in lay.text[a:b] for a, b, _ in lay.headings)  # column names, no section
    assert RUNNING in lay.furniture_lines and not set(WRAPPED) & set(lay.furniture_lines)
    assert_maps_back(text, lay)


def test_wrapped_table_header_row_whose_first_lines_are_no_table_row():
    """The first cell wraps too, so the repeated header row's first two lines
    are no table row; it runs over 2 of 5 pages, not often enough to count as
    a running line: it is found from its table row down the page."""
    head = "\n".join(WRAPPED_FIRST)
    pages = [f"{RUNNING}\n{BODY[0]}\nSida 1 (5)",
             f"{RUNNING}\n{BODY[1]}\n{head}\n{ROWS[0]}\n{ROWS[1]}\nSida 2 (5)",
             f"{RUNNING}\n{head}\n{ROWS[2]}\n{ROWS[3]}\n{BODY[2]}\nSida 3 (5)",
             f"{RUNNING}\n{BODY[3]}\nSida 4 (5)",
             f"{RUNNING}\n{CLOSING}\nSida 5 (5)"]
    kinds = {"Ansvar Tidplan för": ("table",), WRAPPED_FIRST[0]: ("h2",), WRAPPED_FIRST[1]: ("h2",)}
    text, starts, marks = marked(pages, {RUNNING: ("top",), **kinds, **{r: ("table",) for r in ROWS}})
    lay = clean_layout(text, starts, marks, protected=is_known_heading)
    assert lay.text.count(head) == 1 and f"{BODY[1]}\n{head}\n{ROWS[0]}" in lay.text
    assert f"{ROWS[1]}\n{ROWS[2]}" in lay.text
    assert sorted(f.text for f in lay.furniture if f.kind == "table-header") == sorted(WRAPPED_FIRST)
    assert not any("Åtgärd" in lay.text[a:b] for a, b, _ in lay.headings)
    assert_maps_back(text, lay)


def test_running_header_over_a_wrapped_table_header_row_stays_a_running_line():
    """A table that begins at the top of page 2, right under the running
    header, and runs on to page 4: the lines above its header row read the
    same on every page, but the running header is on pages the table does
    not reach, so it is a running line, not part of the header row."""
    head = "\n".join(WRAPPED_FIRST)
    pages = [f"{RUNNING}\n{BODY[0]}\nSida 1 (5)",
             f"{RUNNING}\n{head}\n{ROWS[0]}\n{ROWS[1]}\nSida 2 (5)",
             f"{RUNNING}\n{head}\n{ROWS[2]}\n{ROWS[3]}\nSida 3 (5)",
             f"{RUNNING}\n{head}\n{ROWS[4]}\n{ROWS[5]}\n{BODY[1]}\nSida 4 (5)",
             f"{RUNNING}\n{BODY[2]}\nSida 5 (5)"]
    kinds = {"Ansvar Tidplan för": ("table",)}
    text, starts, marks = marked(pages, {RUNNING: ("top",), **kinds, **{r: ("table",) for r in ROWS}})
    lay = clean_layout(text, starts, marks, protected=is_known_heading)
    assert lay.text.count(head) == 1 and lay.text.startswith(BODY[0])
    assert RUNNING not in lay.text and {f.kind for f in lay.furniture if f.text == RUNNING} == {"running"}
    assert [f.page for f in lay.furniture if f.text == WRAPPED_FIRST[0]] == [3, 4]


@pytest.mark.parametrize("repeats", [1, 2])
def test_body_row_like_the_first_one_under_a_wrapped_header_row_is_kept(repeats):
    """Under the header row repeated on page 2 comes, word for word, the row
    that came first under it where the table began (a table listing one
    measure twice). With one repeat it may be a body row or part of the
    header: it is kept; with two, the other repeat shows it is no part of it.
    A row like it but for a digit is kept too. (Three pages of prose follow,
    so no line recurs often enough to count as a running line.)"""
    head = "\n".join(WRAPPED)
    like = ROWS[0].replace("2028", "2029")
    n = repeats + 4
    pages = [f"{BODY[0]}\n{head}\n{ROWS[0]}\n{ROWS[1]}",
             f"{head}\n{ROWS[0]}\n{ROWS[2]}\n{ROWS[3]}" + ("" if repeats == 2 else f"\n{BODY[1]}")]
    if repeats == 2:
        pages.append(f"{head}\n{like}\n{ROWS[4]}\n{BODY[1]}")
    pages += [BODY[2], BODY[3], CLOSING]
    pages = [f"{page}\nSida {i} ({n})" for i, page in enumerate(pages, 1)]
    text, starts, marks = marked(pages, {WRAPPED[0]: ("table",), **{r: ("table",) for r in [*ROWS, like]}})
    lay = clean_layout(text, starts, marks, protected=is_known_heading)
    assert lay.text.count(head) == 1 and lay.text.count(f"\n{ROWS[0]}\n") == 2
    assert (like in lay.text) == (repeats == 2)
    assert sorted(f.text for f in lay.furniture if f.kind == "table-header") == sorted(WRAPPED * repeats)


def test_table_rows_that_differ_in_a_word_are_no_running_line():
    """The same measure for three districts at the foot of three pages: rows
    a word apart are different rows, not one line varied by OCR."""
    rows = [f"Sommarjobb för ungdomar i {area} Unga 16–19 år Varje höst" for area in ("Ekudden", "Bergsvik", "Rinkeby")]
    pages = [f"{RUNNING}\n{body}\n{HEAD}\n{row}\nSida {i} (3)" for i, (body, row) in enumerate(zip(BODY, rows), 1)]
    text, starts, marks = marked(pages, {RUNNING: ("top",), HEAD: ("table",), **{r: ("table",) for r in rows}})
    lay = clean_layout(text, starts, marks, protected=is_known_heading)
    assert all(row in lay.text for row in rows) and RUNNING not in lay.text


def test_generated_programme_wrapped_table_header_rows(tmp_path):
    """Layout g (fpdf2 tables set top-aligned, header cells wrapping): each
    header row kept once, whole, over its first body row, on the page where
    its table begins; every line of its repeats taken out; no line of it a
    section heading."""
    case, doc, lay = generated_layout(tmp_path, layouts.layout_g)
    flat = layouts.norm(lay.text)
    heads = [head for head, _ in case.repeated]
    for (head, rows), page in zip(case.repeated, (1, 3)):
        assert flat.count(head) == 1 and flat.count(f"{head} {rows[0]}") == 1, head  # over its first body row
        a = lay.text.index(rows[0])
        assert doc.page_of(lay.to_original_span(a, a + 1)[0]) == page
    assert layouts._header_pieces(lay.text, heads) == []
    repeats = [(f.page, f.text) for f in lay.furniture if f.kind == "table-header"]
    assert sorted({p for p, _ in repeats}) == [2, 3, 4]
    for page in (2, 3, 4):  # the whole header row, every line of it
        head = heads[page == 4]
        assert layouts.norm(" ".join(t for p, t in repeats if p == page)) == head
    assert [lay.text[a:b] for a, b, lvl in lay.headings if lvl == 1] == \
        ["1 Insatser i stadsdelarna", "2 Insatser i skolan", "3 Uppföljning"]
    assert layouts.G_RUNNING not in lay.text


def test_seed_corpus_comes_out_unchanged_but_for_a_page_number():
    """Only page numbers go, and words hyphenated at a line end are joined
    ('brottsföre-' + 'byggande'; not the suspended 'Trygghets-' + 'och')."""
    from index.read import iter_corpus_files, read_document

    from conftest import CORPUS

    joins = 0
    for path in iter_corpus_files(CORPUS):
        doc = read_document(path)
        lay = clean_layout(doc.text, doc.page_starts, doc.marks, protected=is_known_heading)
        removed = [f.text for f in lay.furniture]
        assert all(page_number(t) for t in removed), (path.name, removed)
        if not removed:
            for oa, ob, ca, cb in lay.edits:
                assert ca == cb and re.fullmatch(r"-[ \t]*\n[ \t]*", doc.text[oa:ob]), (path.name, doc.text[oa - 20:ob + 20])
                joins += 1
        assert_maps_back(doc.text, lay)
    assert joins and "brottsförebyggande, trygghetsskapande" in clean_layout(
        read_document(CORPUS / "000_3597c3daaecaf7f2.txt").text).text
    assert "Trygghets- \noch säkerhetsarbetet" in clean_layout(read_document(CORPUS / "003_8cbd9df508089135.txt").text).text


# --------------------------------------------------------------------------- property: exact map back

_LINE = st.text(alphabet=st.sampled_from("abcåäö ABCÅÄÖ.,-:•0123456789"), min_size=0, max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies=st.lists(st.lists(_LINE, min_size=0, max_size=6), min_size=1, max_size=6),
       head=st.booleans(), foot=st.booleans(), sep=st.sampled_from(["\n\n", "\n", "\f"]))
def test_cleaned_text_maps_back_exactly(bodies, head, foot, sep):
    n = len(bodies)
    pages = [(letterhead(i + 1, n) if head else "") + "\n".join(b) + (footer() if foot else "")
             for i, b in enumerate(bodies)]
    text, starts = pages_text(pages, sep)
    lay = clean_layout(text, starts)
    assert_maps_back(text, lay)
    for a in range(0, len(lay.text) + 1, 7):  # every span maps inside the original, in order
        for b in (a, min(len(lay.text), a + 13)):
            oa, ob = lay.to_original_span(a, b)
            assert 0 <= oa <= ob <= len(text)
    for f in lay.furniture:
        assert text[f.start:f.end] == f.text


# --------------------------------------------------------------------------- sections from parser headings


def test_parser_headings_nest_and_canonicalise():
    text = ("Svar på remiss\n\nFÖRSLAG TILL BESLUT\nNämnden godkänner svaret.\n\n1 Inledning\nText om mål.\n"
            "1.1 Syfte\nText om syfte.\n\n2 Ansvar\nText om ansvar.\n")
    heads = [(text.index(h), text.index(h) + len(h), lvl) for h, lvl in
             (("Svar på remiss", 0), ("FÖRSLAG TILL BESLUT", 1), ("1 Inledning", 1), ("1.1 Syfte", 2),
              ("2 Ansvar", 1))]
    names = [n for _, n in detect_sections(text, heads)]
    assert names == ["Inledning", "Förslag till beslut", "1 Inledning", "1 Inledning › 1.1 Syfte", "2 Ansvar"]


def test_unmarked_taxonomy_heading_still_starts_a_section():
    text = "Sammanfattning\nKort text.\n\nBakgrund\nMer text.\n"
    heads = [(0, len("Sammanfattning"), 2)]
    assert [n for _, n in detect_sections(text, heads)] == ["Sammanfattning", "Bakgrund"]


def test_title_only_falls_back_to_the_heuristic():
    text = "Titel\n\nSammanfattning\nFörsta stycket om trygghet och samverkan i staden.\n"
    assert detect_sections(text, [(0, 5, 0)]) == detect_sections(text)


def test_heading_taxonomy_is_one_data_file():
    tax = heading_taxonomy()
    assert tax.canonical("ARENDET:") == "Ärendet"
    assert tax.family("Förvaltningens bedömning › Samverkan") == "Förvaltningens synpunkter och förslag"
    assert tax.family("Underlag för beslut") == "Bakgrund" and tax.family("Bilaga") is None
    assert list(tax.family_map)[0] == "Förslag till beslut"
    assert tax.headings[0] == max(tax.headings, key=len)


# --------------------------------------------------------------------------- the generated layouts, end to end


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    if layouts.font_dir() is None:
        pytest.skip("DejaVu Sans is needed to generate PDFs with å/ä/ö")
    folder = tmp_path_factory.mktemp("layouts") / "corpus"
    return folder, layouts.build_corpus(folder)


@pytest.fixture(scope="module")
def processed(corpus):
    from index.pipeline import _process_file
    from index.read import read_document
    from index.settings import Settings

    folder, cases = corpus
    settings = Settings(corpus_dir=folder, index_dir=folder.parent / "index")
    out = {}
    for case in cases:
        chunks, record, _ = _process_file(folder / case.file, settings, {})
        out[case.file] = (case, read_document(folder / case.file), chunks, record)
    return out


FILES = [make.__name__.replace("layout_", "") for make in layouts.LAYOUTS]


def _get(processed, key):
    return next(v for f, v in processed.items() if f.startswith(key + "_"))


@pytest.mark.parametrize("key", FILES)
def test_layout_passages_hold_no_furniture(processed, key):
    case, doc, chunks, record = _get(processed, key)
    assert doc.n_pages == case.n_pages
    found = {f for c in chunks for f in layouts.furniture_in(c.text, case)}
    assert not found, found
    assert record["furniture"], "the furniture is kept for metadata"


@pytest.mark.parametrize("key", FILES)
def test_layout_cross_page_sentences_whole_with_page_range(processed, key):
    case, doc, chunks, _ = _get(processed, key)
    for sentence, page in case.cross:
        holders = [c for c in chunks if layouts.norm(sentence) in layouts.norm(c.text)]
        assert holders, sentence
        assert any(c.pages == f"{page}–{page + 1}" and f"s. {page}–{page + 1}" in c.label for c in holders)


@pytest.mark.parametrize("key", FILES)
def test_layout_paragraphs_pages_and_sections(processed, key):
    case, doc, chunks, _ = _get(processed, key)
    row = layouts.evaluate(case, chunks)
    assert not row["missing"] and not row["wrong_sections"], row
    assert row["pages_right"] and row["sections_right"] and row["bullets_as_lines"], row
    display = layouts.norm(" ".join(c.text for c in chunks))
    for para in case.paragraphs:  # every paragraph reads whole somewhere
        assert any(para.text in layouts.norm(c.text) for c in chunks) or para.text in display, para.text


@pytest.mark.parametrize("key", FILES)
def test_layout_chunks_keep_exact_provenance(processed, key):
    case, doc, chunks, _ = _get(processed, key)
    for c in chunks:
        assert c.original == doc.text[c.start:c.end]
        assert (c.page, c.page_end) == (doc.page_of(c.start), doc.page_of(c.end - 1))
        words = re.findall(r"\w+", c.text)
        assert words[0] in c.original and words[-1] in c.original  # the passage begins and ends where its span does


def test_layout_table_prints(processed):
    rows = [layouts.evaluate(case, chunks, record) for case, _, chunks, record in processed.values()]
    md = layouts.table(rows)
    assert md.count("\n") == len(rows) + 1 and "NEJ" not in md, md


@pytest.mark.integration
def test_layouts_ingested_and_answered_with_the_right_citation(corpus, tmp_path):
    """Real ingest with the bundled model: the question about the sentence that
    crosses page 2→3 of layout (a) is answered from layout (a), pages 2–3;
    likewise for layouts (h) and (j)."""
    from index.pipeline import ingest
    from index.retriever import Retriever
    from index.settings import Settings

    folder, cases = corpus
    settings = Settings(corpus_dir=folder, index_dir=tmp_path / "index")
    report = ingest(settings, progress=False)
    assert report.ok, report.failed
    assert report.documents == len(cases)
    hits = Retriever(settings).search("ekonomiskt stöd till föreningar som nattvandrar under helger och skollov", k=5)
    top = hits[0].chunk
    assert top.doc_id == "a_tjut_ekudden" and top.pages == "2–3" and "s. 2–3" in top.label
    sentence = "staden fortsätta att ge ekonomiskt stöd till de föreningar som bedriver nattvandring"
    assert sentence in " ".join(top.text.split())
    assert "Sida" not in top.text and "Telefon 08-508 24 000" not in top.text
    # layouts h and j: a letterhead on page 1 only, a sentence across 2→3 (h) and 1→2 (j, DOCX)
    for question, doc_id, pages, sentence in (
            ("belysningen längs gångstråk följs upp varje år tillsammans med trygghetsmätningen", "h_tjut_vallby",
             "2–3", "följas upp varje år tillsammans med trygghetsmätningen, så att effekterna kan jämföras"),
            ("barnen känner sig otrygga vid busshållplatserna på morgonen", "j_tjut_ostberg", "1–2",
             "påtalat att barnen känner sig otrygga vid busshållplatserna på morgonen")):
        top = Retriever(settings).search(question, k=5)[0].chunk
        assert (top.doc_id, top.pages) == (doc_id, pages) and f"s. {pages}" in top.label, (question, top)
        assert sentence in " ".join(top.text.split())
        assert not layouts.furniture_in(top.text, next(c for c in cases if c.file.startswith(doc_id)))


@pytest.mark.parametrize("key", FILES)
def test_layout_metadata_is_guessed_right_and_marked_guessed(processed, key):
    """Type, nämnd, period, own and remiss dnr, date, handläggare of each layout, from its title block and
    letterhead (joined header cells, a dnr under a title broken over lines), all marked as guessed."""
    case, doc, chunks, record = _get(processed, key)
    right, known, wrong = layouts.meta_right(case, record["meta"])
    assert right == known, wrong
    assert set(record["meta"]["guessed"]) >= {k for k, v in case.meta.items() if v and k in record["meta"]}
