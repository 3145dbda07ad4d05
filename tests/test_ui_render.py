"""Fast unit tests of the pieces behind issue 11 points 2, 6, 7 and 8 (the
browser tests in test_browser_ui.py drive them in Chromium): finding and
marking a quote on a page, citation links, labels, no server paths, the
page control's own bounds check, Swedish for Gradio's own texts."""

from __future__ import annotations

import urllib.parse

from assistant import documents as docs
from assistant.app import PageSlider, _doc_link, launch_kwargs, quote_param, render_citations, render_page
from assistant.render import find_quote, hide_paths, mark_quote, quote_span
from index.types import Chunk, Citation

PAGE = ("Förvaltningen anser att programmet är tydligt.\nFörvaltningen ser även ett generellt behov av att\n"
        "vidareutveckla arbetsmarknadsinsatser för unga vuxna som varken arbetar eller studerar.\n")


def test_quote_found_across_line_breaks_and_marked_escaped():
    quote = "Förvaltningen ser även ett generellt behov av att vidareutveckla arbetsmarknadsinsatser"
    a, b = quote_span(PAGE, quote)
    assert PAGE[a:b].split() == quote.split()
    html = mark_quote("<b>" + PAGE, quote, "yttra-quote")
    assert html.startswith("&lt;b&gt;") and '<mark class="yttra-quote">Förvaltningen ser' in html
    assert html.count("<mark") == 1


def test_quote_repaired_differently_or_cut_by_a_page_break_still_lines_up():
    # the index repaired 'stöddokument', the page shows the OCR's 'stdddokument'
    page = "andra handlingsplaner, strategier, överenskommelser och stdddokument som är viktiga för arbetet."
    a, b, n = find_quote(page, "handlingsplaner, strategier, överenskommelser och stöddokument som är viktiga")
    assert page[a:b].startswith("handlingsplaner") and page[a:b].endswith("viktiga") and n == 7
    # the first part of a quote ends a page; the rest is on the next page
    page = PAGE + "Förvaltningen vill samtidigt lyfta fram\n"
    a, b = quote_span(page, "Förvaltningen vill samtidigt lyfta fram vikten av samverkan med polisen i centrum.")
    assert page[a:b] == "Förvaltningen vill samtidigt lyfta fram"
    # ... and only one word in common with an unrelated sentence is no match
    assert quote_span(PAGE, "helt andra ord som inte står här alls") is None
    assert quote_span(PAGE, "") is None and mark_quote(PAGE, "") == mark_quote(PAGE, "x y z w v")


def test_quote_page_finds_the_page_of_a_quote_in_a_passage_over_two_pages(tmp_path):
    f = tmp_path / "doc.txt"
    f.write_text("Sammanfattning\nFörsta sidan handlar om belysning i parker och på gångvägar.\n\f"
                 "Andra sidan: förvaltningen vill ha fler trygghetsvandringar i centrum på kvällarna.\n",
                 encoding="utf-8")
    assert docs.quote_page(str(f), "förvaltningen vill ha fler trygghetsvandringar i centrum", 1, 2) == 2
    assert docs.quote_page(str(f), "belysning i parker och på gångvägar", 1, 2) == 1
    assert docs.quote_page(str(f), "inget av detta står där", 1, 2) == 1
    assert docs.quote_page(str(tmp_path / "gone.txt"), "x y z w", 3, 4) == 3  # unknown: the first page


def test_document_labels_are_namnd_year_title_and_unique():
    a = docs.DocumentInfo("000_3597", "corpus/000_3597.txt", title="Svar på remiss", namnd="Kulturnämnden", year=2021)
    b = docs.DocumentInfo("000_9999", "corpus/000_9999.txt", title="Svar på remiss", namnd="Kulturnämnden", year=2021)
    c = docs.DocumentInfo("zz", "corpus/zz.txt")
    d = docs.DocumentInfo("yy", "corpus/yy.txt", namnd="Idrottsnämnden", date="2027-03-01")
    assert docs.doc_label(a) == "Kulturnämnden · 2021 · Svar på remiss"
    assert docs.doc_label(c) == "zz.txt" and docs.doc_label(d) == "Idrottsnämnden · 2027"
    choices = docs.document_choices(None, [a, b, c])
    assert [v for _, v in choices] == ["000_3597", "000_9999", "zz"]  # the value stays the doc id
    assert choices[0][0] != choices[1][0] and "000_9999.txt" in choices[1][0]


def test_citations_show_title_namnd_page_and_a_link_with_the_quote_never_a_path():
    chunk = Chunk(id="c1", doc_id="a_sdn", source="/tmp/secret/corpus/a_sdn.txt", text=PAGE, original=PAGE,
                  start=0, end=len(PAGE), page=3, page_end=3, section="Sammanfattning",
                  title="Trygghetsprogrammet – svar på remiss", namnd="Spånga-Tensta stadsdelsnämnd", year=2021)
    quote = "Förvaltningen anser att programmet är tydligt."
    html = render_citations([Citation(1, chunk, quote)])
    assert "/tmp/" not in html and "corpus/" not in html and "a_sdn.txt" not in html
    assert "Spånga-Tensta stadsdelsnämnd" in html and "Trygghetsprogrammet" in html and "s. 3" in html
    href = html.split('href="')[1].split('"')[0].replace("&amp;", "&")
    params = dict(urllib.parse.parse_qsl(href.lstrip("?")))
    assert params == {"dok": "a_sdn", "sida": "3", "citat": quote}
    assert 'Öppna dokumentet, s. 3' in _doc_link("a_sdn", 3)
    assert quote_param(" a\n b " + "x" * 5000).startswith("a b") and len(quote_param("x" * 5000)) == 1500


def test_the_viewer_marks_the_quote_on_its_page():
    page = {"page": 4, "text": PAGE, "original": PAGE, "repaired": False}
    html = render_page(page, False, "varken arbetar eller studerar")
    assert '<mark class="yttra-quote">varken arbetar eller studerar</mark>' in html


def test_no_server_paths_in_messages():
    msg = "index at /srv/yttra/.index is unreadable; cannot read /tmp/a/corpus/001_x.txt (KS 2019/1939, och/eller)"
    out = hide_paths(msg, {"/srv/yttra/.index": "indexmappen"})
    assert out == "index at indexmappen is unreadable; cannot read 001_x.txt (KS 2019/1939, och/eller)"


def test_page_control_lets_an_out_of_range_page_through_to_the_handler():
    slider = PageSlider(1, 9, value=1, step=1, render=False)
    assert slider.get_block_name() == "slider"  # gradio's own slider in the page
    assert slider.preprocess(12) == 12 and slider.preprocess(None) is None  # no English gr.Error


def test_gradio_texts_in_swedish_and_no_footer(tiny_settings):
    kw = launch_kwargs(tiny_settings)
    assert kw["footer_links"] == []  # no "Use via API · Built with Gradio · Settings"
    sv = kw["i18n"].translations_dict
    assert sv["en"]["upload_text.drop_file"] == "Släpp filer här" and sv["en"] == sv["sv"]
    assert sv["en"]["common.error"] == "Fel"
