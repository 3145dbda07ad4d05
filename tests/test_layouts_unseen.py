"""Layouts beyond the first seven (index.layout, index.read): table header rows
read cell by cell, a table of contents, numbered headings set like the body
text, a letterhead on the first page only; inline page texts with the marks a
reader would give, and the generated layouts h–k of tests/layouts.py."""

from __future__ import annotations

import pytest

from index.chunk import is_known_heading
from index.layout import clean_layout

from test_layouts import BODY, CLOSING, ROWS, RUNNING, assert_maps_back, generated_layout, marked

layouts = pytest.importorskip("layouts")


def _lay(pages, kinds):
    text, starts, marks = marked(pages, kinds)
    return text, clean_layout(text, starts, marks, protected=is_known_heading)


def _headings(lay) -> list[str]:
    return [lay.text[a:b] for a, b, _ in lay.headings]


# --------------------------------------------------------------------------- header rows read cell by cell

# every header cell wraps, so no line of the row has cells side by side: no line of it is a table row
NO_ROW = ["Åtgärd som nämnden", "genomför", "Ansvarig nämnd och", "förvaltning"]


def test_repeated_header_row_with_no_table_row_in_it():
    """A table over pages 2–3 of 5 whose header row has no line of cells side
    by side: the page that repeats it starts with the lines that stood right
    above the table's first row where it began; they go, there they stay
    (column names, no headings, though set in bold)."""
    head = "\n".join(NO_ROW)
    pages = [f"{RUNNING}\n{BODY[0]}",
             f"{RUNNING}\n{BODY[1]}\n{head}\n{ROWS[0]}\n{ROWS[1]}",
             f"{RUNNING}\n{head}\n{ROWS[2]}\n{ROWS[3]}\n{BODY[2]}",
             f"{RUNNING}\n{BODY[3]}", f"{RUNNING}\n{CLOSING}"]
    pages = [f"{p}\nSida {i} (5)" for i, p in enumerate(pages, 1)]
    text, lay = _lay(pages, {RUNNING: ("top",), **{ln: ("h3",) for ln in NO_ROW}, **{r: ("table",) for r in ROWS}})
    assert lay.text.count(head) == 1 and f"{BODY[1]}\n{head}\n{ROWS[0]}" in lay.text
    assert f"{ROWS[1]}\n{ROWS[2]}" in lay.text
    assert sorted((f.page, f.text) for f in lay.furniture if f.kind == "table-header") == sorted((3, t) for t in NO_ROW)
    assert not set(NO_ROW) & set(_headings(lay))
    assert_maps_back(text, lay)


def test_lines_over_a_continued_table_that_differ_from_its_header_stay():
    """The page after a table's last page starts with other short lines over
    another table: no repeat, nothing taken."""
    other = ["Tabell 2", "Insatser i skolan"]
    pages = [f"{BODY[0]}\n" + "\n".join(NO_ROW) + f"\n{ROWS[0]}\n{ROWS[1]}\nSida 1 (2)",
             "\n".join(other) + f"\n{ROWS[2]}\n{ROWS[3]}\n{BODY[1]}\nSida 2 (2)"]
    _, lay = _lay(pages, {r: ("table",) for r in ROWS})
    assert all(t in lay.text for t in other) and not [f for f in lay.furniture if f.kind == "table-header"]


def test_single_repeat_takes_a_later_line_of_cells_the_reader_says_is_the_same_row():
    """'Insats Målgrupp och' / 'ålder' / 'Ansvar Tidplan': the header row's
    last line is cells side by side again. Under one repeat a table row under
    the header could be a body row, but the reader marked it as a line of the
    same row ('wrap'): the whole repeat goes."""
    head = ["Insats Målgrupp och", "ålder", "Ansvar Tidplan"]
    pages = [f"{BODY[0]}", f"{BODY[1]}\n" + "\n".join(head) + f"\n{ROWS[0]}\n{ROWS[1]}",
             "\n".join(head) + f"\n{ROWS[2]}\n{ROWS[3]}\n{BODY[2]}", BODY[3], CLOSING]
    pages = [f"{p}\nSida {i} (5)" for i, p in enumerate(pages, 1)]
    kinds = {head[0]: ("table",), head[1]: ("table", "wrap"), head[2]: ("table", "wrap"),
             **{r: ("table",) for r in ROWS}}
    text, lay = _lay(pages, kinds)
    assert lay.text.count("\n".join(head)) == 1 and "Ansvar Tidplan" not in lay.text.split(ROWS[1])[1]
    assert sorted(f.text for f in lay.furniture if f.kind == "table-header") == sorted(head)
    assert f"{ROWS[1]}\n{ROWS[2]}" in lay.text
    assert_maps_back(text, lay)


def test_bold_rests_of_a_one_page_tables_header_are_no_headings():
    """A table that stays on one page: the wrapped rests of its header cells,
    set in bold on lines of their own between its first row and its next,
    are column names; a heading between two tables (after the last row of
    the first) is still a heading."""
    rests = ["förvaltning", "Tidplan för", "genomförande"]
    page = (f"{BODY[0]}\nÅtgärd Ansvarig nämnd och\n" + "\n".join(rests) + f"\n{ROWS[0]}\n{ROWS[1]}\n"
            f"Insatser i skolan\nÅtgärd Ansvar Tidplan\n{ROWS[2]}\n{ROWS[3]}\n{BODY[1]}")
    kinds = {"Åtgärd Ansvarig nämnd och": ("table",), "Åtgärd Ansvar Tidplan": ("table",),
             **{r: ("h3",) for r in rests}, "Insatser i skolan": ("h3",), **{r: ("table",) for r in ROWS}}
    _, lay = _lay([page, f"{BODY[2]}\nSida 2 (2)"], kinds)
    assert _headings(lay) == ["Insatser i skolan"]


# --------------------------------------------------------------------------- the reader: rows read cell by cell


def test_reader_marks_a_row_whose_text_goes_back_up_the_page():
    from index.read import _PdfLine, _wrapped_rows

    def line(y, text="x"):
        return _PdfLine(0, 1, 10, True, y, False, text)

    # a paragraph, a header row read cell by cell (back up to 0.30 twice), a body row, a paragraph
    ys = [0.20, 0.22, 0.30, 0.32, 0.30, 0.32, 0.34, 0.36]
    lines = [line(y) for y in ys]
    _wrapped_rows(lines)
    assert [ln.table for ln in lines] == [False, False, True, True, True, True, False, False]
    assert [ln.wrap for ln in lines] == [False, False, False, True, True, True, False, False]
    # a second column that starts again at the top of the page is no row
    col = [line(0.1 + 0.02 * k) for k in range(20)] + [line(0.1 + 0.02 * k) for k in range(20)]
    _wrapped_rows(col)
    assert not any(ln.table or ln.wrap for ln in col)


def test_generated_header_rows_read_cell_by_cell(tmp_path):
    """Layout k: each repeated header row (one with no line of cells side by
    side, one ending in a line of them under a single repeat) goes whole, is
    kept once where its table begins; the bold header lines of the table on
    one page are no section headings."""
    case, doc, lay = generated_layout(tmp_path, layouts.layout_k)
    flat = layouts.norm(lay.text)
    for (head, rows), page in zip(case.repeated, (1, 3)):
        assert flat.count(head) == 1 and flat.count(f"{head} {rows[0]}") == 1, head
        a = lay.text.index(rows[0])
        assert doc.page_of(lay.to_original_span(a, a + 1)[0]) == page
    assert layouts._header_pieces(lay.text, [h for h, _ in case.repeated]) == []
    repeats = [(f.page, f.text) for f in lay.furniture if f.kind == "table-header"]
    for page, head in ((2, case.repeated[0][0]), (3, case.repeated[0][0]), (4, case.repeated[1][0])):
        assert layouts.norm(" ".join(t for p, t in repeats if p == page)) == head
    assert [lay.text[a:b] for a, b, lvl in lay.headings if lvl >= 1] == \
        ["1 Åtgärder i parkerna", "2 Insatser för unga", "3 Uppföljning"]


# --------------------------------------------------------------------------- contents, numbered headings


CONTENTS = ["1 Inledning ........................ 3", "1.1 Syfte ........................ 3",
            "2 Ansvar …………… 4", "3 Uppföljning . . . . . . . . . . 5"]


def test_table_of_contents_is_no_passage_text():
    pages = ["Program för trygga parker 2029–2032\nFörslag till kommunfullmäktige",
             "Innehåll\n" + "\n".join(CONTENTS),
             f"1 Inledning\n{BODY[0]}\n1.1 Syfte\n{BODY[1]}", f"2 Ansvar\n{BODY[2]}\n3 Uppföljning\n{BODY[3]}"]
    text, lay = _lay(pages, {})
    assert "...." not in lay.text and "……" not in lay.text and "Innehåll" not in lay.text
    assert sorted(f.text for f in lay.furniture if f.kind == "contents") == sorted(["Innehåll", *CONTENTS])
    assert not set(CONTENTS) & set(lay.furniture_lines)  # no letterhead: metadata does not read it
    assert "Förslag till kommunfullmäktige" in lay.text
    assert_maps_back(text, lay)


def test_numbered_headings_set_like_the_body_text():
    """No bold, no size: the outline numbering says which lines are headings
    (and their level); a numbered list and a line that starts with a year are
    none."""
    pages = [f"Program för trygga parker\n1 Inledning\n{BODY[0]}\n1.1 Syfte\n{BODY[1]}\n"
             "Programmet har tre mål:\n1. Trygga parker\n2. Bättre belysning\n3. Fler vuxna",
             f"2028 Trafiknämnden ansvarar\n{BODY[2]}\n2 Ansvar och organisation\n{BODY[3]}\n"
             f"2.1 Lokala lägesbilder\n{CLOSING}"]
    _, lay = _lay(pages, {})
    assert [(lay.text[a:b], lvl) for a, b, lvl in lay.headings] == [
        ("1 Inledning", 1), ("1.1 Syfte", 2), ("2 Ansvar och organisation", 1), ("2.1 Lokala lägesbilder", 2)]


def test_numbered_headings_take_the_level_the_parser_gave_their_depth():
    """Bold main headings the parser marked (h2 by its ranking), plain
    numbered subheadings: the subheadings nest under them."""
    pages = [f"1 Inledning\n{BODY[0]}\n1.1 Syfte\n{BODY[1]}", f"2 Ansvar\n{BODY[2]}\n2.1 Lägesbilder\n{BODY[3]}"]
    _, lay = _lay(pages, {"1 Inledning": ("h2",), "2 Ansvar": ("h2",)})
    assert sorted((lay.text[a:b], lvl) for a, b, lvl in lay.headings) == [
        ("1 Inledning", 2), ("1.1 Syfte", 3), ("2 Ansvar", 2), ("2.1 Lägesbilder", 3)]


# --------------------------------------------------------------------------- a letterhead on page 1 only


def test_first_page_only_letterhead_block_goes():
    """A letterhead only page 1 has (so no repeat finds it): big type at the
    top, then small print in the top margin band, the right-hand block
    under it; the body below is kept, the letterhead kept for metadata."""
    lh = ["STOCKHOLMS STAD", "Vallby stadsdelsförvaltning", "Tjänsteutlåtande", "Dnr VA 2028/123",
          "Handläggare Kim Ahlström"]
    pages = ["\n".join(lh) + f"\nTill Vallby stadsdelsnämnd\n{BODY[0]}", BODY[1], BODY[2]]
    kinds = {lh[0]: ("top",), **{ln: ("top", "small") for ln in lh[1:4]}, lh[4]: ("small",)}
    text, lay = _lay(pages, kinds)
    assert not any(ln in lay.text for ln in lh) and lay.text.startswith("Till Vallby stadsdelsnämnd")
    assert set(lh) <= set(lay.furniture_lines)
    assert_maps_back(text, lay)


def test_first_page_top_band_without_small_print_is_kept():
    """A top margin so narrow that page 1's first lines, in the body's type,
    lie in the band: no small print, no letterhead."""
    pages = [f"Bilaga 2\nÅtgärder i parkerna\n{BODY[0]}", BODY[1]]
    _, lay = _lay(pages, {"Bilaga 2": ("top",), "Åtgärder i parkerna": ("top",)})
    assert lay.text.startswith("Bilaga 2\nÅtgärder i parkerna") and not lay.furniture
