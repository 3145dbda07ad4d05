"""Gradio web app in Swedish: Fråga, Jämför nämnder, Skriv yttrande, Dokument.

A thin layer: handlers call library functions (assistant.answer/compare/
draft/documents) and turn domain errors into Swedish messages. Document
text is untrusted: everything derived from it is HTML- and Markdown-escaped
(assistant.render) before it reaches the page, and the page as built holds
no index data (filter choices are filled at page load, after login).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import urllib.parse
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home; the machine is offline

import gradio as gr  # noqa: E402

from assistant.render import escape_html as esc  # noqa: E402
from assistant.render import escape_md as md_escape  # noqa: E402
from assistant.render import keep_citations  # noqa: E402
from assistant.render import hide_paths, mark_quote, md_cell, swedish_only  # noqa: E402
from index.embed import EmbedderError  # noqa: E402
from index.corpus import Corpus, open_corpus  # noqa: E402
from index.search import FilterError  # noqa: E402
from index.settings import Settings  # noqa: E402
from index.store import IndexStoreError  # noqa: E402
from index.types import DOC_TYPES, Answer, Citation, Hit  # noqa: E402

CSS = """
.yttra-hit {border:1px solid #d0d7de; border-radius:8px; padding:10px 14px; margin:8px 0;}
.yttra-low {opacity:0.75; border-style:dashed;}
.yttra-cite {font-size:0.9em; color:#444; margin-bottom:6px;}
.yttra-passage {white-space:pre-wrap; font-family:inherit; margin:0;}
.yttra-passage mark {background:#fff3a3;}
.yttra-page {white-space:pre-wrap; font-family:inherit; border:1px solid #d0d7de; padding:12px; border-radius:8px;}
.yttra-page mark.yttra-quote {background:#ffe066; padding:1px 0; scroll-margin:120px;}
#yttra-docs table {table-layout:fixed; width:100%;}
#yttra-docs .cell-wrap, #yttra-docs .cell-wrap * {font-family:var(--font); overflow-wrap:anywhere; word-break:normal;}
#yttra-docs th {hyphens:none;}
.yttra-note {color:#8a5a00;}
table.yttra-cmp td, table.yttra-cmp th {border:1px solid #d0d7de; padding:6px; vertical-align:top;}
"""

ALL = "Alla"
DOC_TYPE_LABELS = {"program": "Program", "yttrande": "Yttrande", "tjänsteutlåtande": "Tjänsteutlåtande",
                   "protokoll": "Protokoll", "other": "Övrigt"}  # shown for DOC_TYPES; the values stay
GUESSED_LABELS = {"title": "titel", "namnd": "nämnd", "doc_type": "typ", "period": "program", "dnr": "dnr",
                  "date": "datum", "year": "år", "remiss_dnr": "remissens dnr",
                  "handlaggare": "handläggare"}  # as the table's columns say (other fields: their name)
TABLE_HEADERS = ["Nämnd", "Titel och fil", "Typ", "Program", "Dnr", "Datum/år", "Sidor", "Avsnitt", "Status", "Gissat"]
TABLE_WIDTHS = ["14%", "25%", "7%", "8%", "9%", "9%", "5%", "6%", "8%", "9%"]  # fits 1366 px without scrolling


def guessed_label(field_name: str) -> str:
    """A guessed metadata field as the page names it ('doc_type' -> 'typ')."""
    return GUESSED_LABELS.get(field_name) or str(field_name).replace("_", " ")


def type_label(doc_type: str) -> str:
    """A document type as the page shows it ('other' -> 'Övrigt')."""
    return DOC_TYPE_LABELS.get(doc_type) or str(doc_type or "").capitalize()


NO_DOCUMENTS = ('<p class="yttra-note">Underlaget har inga dokument ännu. Ladda upp PDF, DOCX eller TXT under '
                '”Ladda upp” nedan.</p>')
PICK_DOCUMENT = ('<p class="yttra-note" id="yttra-view-hint">Välj ett dokument i listan ovan för att läsa det sida för '
                 'sida. Länkarna ”Öppna dokumentet, s. N” i svaren och i jämförelsen öppnar rätt sida här, med det '
                 'citerade stycket markerat.</p>')
META_LABELS = {"title": "Titel", "namnd": "Nämnd", "doc_type": "Dokumenttyp", "period": "Programversion",
               "dnr": "Dnr", "date": "Datum (ÅÅÅÅ-MM-DD)", "year": "År", "remiss_dnr": "Remissens diarienummer",
               "handlaggare": "Handläggare"}  # the metadata form: every field of an entry, in FIELDS order
USER_ERRORS = (IndexStoreError, FilterError, EmbedderError, ValueError, KeyError, OSError)


# ------------------------------------------------------------------ escaping

# esc (HTML) and md_escape (Markdown) are assistant.render's, the one place
# untrusted text is escaped; imported above under the names used here.


def answer_markdown(a: Answer) -> str:
    """The answer for the chat: escaped, then our own bold and [n] markers restored."""
    body = keep_citations(md_escape(a.text).replace(r"\*\*", "**"))
    if a.abstained and a.warnings:
        body += "\n\n_" + md_escape(hide_paths(a.warnings[0])) + "_"
    if a.mode == "llm":
        body += "\n\n_(Svar från språkmodell, kontrollerat mot källorna.)_"
    return body


_PAGE_PARAM = re.compile(r"[0-9]{1,6}")  # ASCII digits only ('²'.isdigit() is True), bounded length


def page_param(raw) -> int:
    """A ?sida= value as a page number >= 1; anything but 1-6 ASCII digits is
    page 1. The view clamps it to the document's pages."""
    s = str(raw if raw is not None else "").strip()
    return max(1, int(s)) if _PAGE_PARAM.fullmatch(s) else 1


MAX_QUOTE_PARAM = 1500  # characters of a ?citat= value used (a quote is a sentence or two)


def quote_param(raw) -> str:
    """A ?citat= value as a quote to mark in the viewer: whitespace collapsed, bounded."""
    return " ".join(str(raw or "").split())[:MAX_QUOTE_PARAM]


def _doc_link(doc_id: str, page: int, quote: str = "") -> str:
    """'Öppna dokumentet, s. N': the Dokument tab at page N with `quote` marked.
    Not "page": gradio reserves that query parameter for its own multi-page routing."""
    params = {"dok": doc_id, "sida": page} | ({"citat": quote_param(quote)} if quote else {})
    q = urllib.parse.urlencode(params)
    return f'<a href="?{esc(q)}" target="_blank" rel="noopener">Öppna dokumentet, s. {page}</a>'


def _quote_page(c, quote: str) -> int:
    """The page of `quote` within a passage running over pages (c.page otherwise)."""
    if not quote or c.page_end <= c.page:
        return c.page
    from assistant.documents import quote_page

    return quote_page(c.source, quote, c.page, c.page_end)


def _highlight(text: str, quote: str) -> str:
    """Escaped passage with the quoted sentences marked (whitespace-tolerant match)."""
    return mark_quote(text, quote)


def _cite_head(c, n: int | None, quote: str = "") -> str:
    """Nämnd (date) · title, pages · section · programme and the link to the
    page (of the quote): what a handläggare cites by, never a file path."""
    when = c.date or (str(c.year) if c.year else "")
    who = c.namnd or c.title or c.doc_id
    parts = [f"<b>{esc(who)}</b>" + (f" ({esc(when)})" if when else ""), esc(c.title) if c.title != who else ""]
    meta = [f"s. {esc(c.pages)}", esc(c.section)]
    if c.period:
        meta.append(f"program {esc(c.period)}")
    prefix = f"[{n}] " if n is not None else ""
    link = _doc_link(c.doc_id, _quote_page(c, quote), quote)
    return f'{prefix}{" · ".join(p for p in parts if p)}<br>{" · ".join(m for m in meta if m)} · {link}'


def render_citations(citations: list[Citation]) -> str:
    out = []
    for cit in citations:
        c = cit.chunk
        out.append(f'<div class="yttra-hit" id="cite-{cit.n}"><div class="yttra-cite">{_cite_head(c, cit.n, cit.quote)}'
                   f'</div><pre class="yttra-passage">{_highlight(c.text.strip(), cit.quote)}</pre></div>')
    return "\n".join(out)


def render_hits(hits: list[Hit], low: bool = False) -> str:
    """HTML for plain hits; every piece of document text is escaped."""
    if not hits:
        return "<p>Jag hittar inget i underlaget som matchar frågan.</p>"
    cls = "yttra-hit yttra-low" if low else "yttra-hit"
    return "\n".join(f'<div class="{cls}"><div class="yttra-cite">{_cite_head(h.chunk, h.rank)}</div>'
                     f'<pre class="yttra-passage">{esc(h.chunk.text.strip())}</pre></div>' for h in hits)


def render_sources(a: Answer) -> str:
    if a.citations:
        return "<h3>Källor</h3>" + render_citations(a.citations)
    if a.related:
        return ('<h3>Närmaste passager (låg relevans)</h3><p class="yttra-note">Passagerna nedan besvarar '
                'inte frågan men är det närmaste underlaget innehåller.</p>' + render_hits(a.related, low=True))
    return ""


def render_comparison(c) -> str:
    rows = []
    for i, r in enumerate(c.rows):
        cit = r.citation
        quote = (f'”{esc(cit.quote)}” <br><small>{esc(cit.chunk.title or cit.chunk.namnd)}, s. {esc(cit.chunk.pages)}, '
                 f'{esc(cit.chunk.section)} · {_doc_link(cit.chunk.doc_id, _quote_page(cit.chunk, cit.quote), cit.quote)}'
                 f'</small>') if cit else "–"
        rows.append(f"<tr><td>{esc(r.namnd or r.doc_id)}</td><td>{esc(r.date or r.year or '')}</td><td>{esc(r.period)}</td>"
                    f"<td><b>{esc(r.stance)}</b></td><td>{quote}</td><td>{esc(', '.join(r.cues)) or '–'}</td></tr>")
    head = ("<tr><th>Nämnd</th><th>Datum/år</th><th>Programversion</th><th>Ställningstagande</th>"
            "<th>Nyckelcitat</th><th>Signalord</th></tr>")
    # how the rows are decided: METHOD_PLAIN and "Mer om metoden" beside the table (c.method goes into the exports)
    return f'<h3>Jämförelse: {esc(c.topic)}</h3><table class="yttra-cmp">{head}{"".join(rows)}</table>'


METHOD_PLAIN = (
    "**Så görs jämförelsen.** I varje dokument letar yttra upp de meningar som bäst handlar om ämnet: meningar "
    "med ämnets ord (även böjda och sammansatta former) och meningar som säger samma sak med andra ord. Träffar "
    "inget tillräckligt bra står det *ej berört* och inget citat visas. Nyckelcitatet är alltid ordagrant ur "
    "dokumentet. Ställningstagandet – positiv, kritisk, blandad eller neutral – avgörs av signalord i de mest "
    "träffande meningarna; orden står i sista kolumnen så att du kan pröva bedömningen. Läs citatet i sitt "
    "sammanhang (länken öppnar dokumentet på rätt sida) innan du använder det.")


def method_details() -> str:
    """'Mer om metoden': the rules of assistant.compare in plain Swedish, with its numbers."""
    from assistant import compare as cmp

    pos = ", ".join(f"”{w}”" for w in list(cmp.POSITIVE_CUES)[:4])
    crit = ", ".join(f"”{w}”" for w in list(cmp.CRITICAL_CUES)[:4])
    num = lambda x: f"{x:g}".replace(".", ",")  # noqa: E731 - Swedish decimal comma
    return (
        f"- **Poäng per mening (0–1).** Två delar vägs ihop: *ordträffar* (vikt {num(cmp.LEX_WEIGHT)}) – hur stor "
        "del av ämnets ord som finns i meningen, där ord som är ovanliga i underlaget (t.ex. *polis*) väger "
        f"tyngre än vanliga (t.ex. *samverkan*); och *samma innebörd* (vikt {num(cmp.DENSE_WEIGHT)}) – hur nära "
        "stycket ligger ämnet i betydelse enligt en språkmodell, jämfört med alla andra stycken i underlaget, så "
        "att samma måttstock gäller för alla dokument.\n"
        f"- **Berört eller inte.** Dokumentets poäng är dess bästa menings. Under {num(cmp.THRESHOLD)} räknas "
        "ämnet som *ej berört*; då visas inget citat, eftersom ett svagt citat kunde antyda en hållning som "
        "dokumentet inte har.\n"
        "- **Nyckelcitatet** är den träffande mening som har flest av ämnets ord (ibland med meningen intill), "
        "ordagrant.\n"
        f"- **Ställningstagande.** yttra läser de {cmp.STANCE_SENTENCES} mest träffande meningarna och letar efter "
        f"signalord: bara positiva (t.ex. {pos}) ger *positiv*, bara kritiska (t.ex. {crit}) ger *kritisk*, "
        "båda ger *blandad* och inga ger *neutral*.\n"
        "- Jämförelsen använder ingen textgenererande språkmodell: samma underlag ger samma tabell varje gång.")


def render_page(page: dict, show_original: bool, quote: str = "") -> str:
    """One page, escaped, with `quote` (a cited passage) marked where it stands on it."""
    text = page["original"] if show_original else page["text"]
    note = ""
    if page.get("repaired") and not show_original:
        note = '<p class="yttra-note">⚠ OCR-reparerad text (å/ä/ö återställda). Kryssa i ”Visa original” för källtexten.</p>'
    return (f'{note}<div class="yttra-page" id="page-{page["page"]}">'
            f'{mark_quote(text, quote, "yttra-quote")}</div>')


def _page_slider_class() -> type:
    """The viewer's page control: a gr.Slider whose out-of-range value (page 12
    typed for a 9-page document) reaches the handler, which answers in Swedish,
    instead of gradio's English error toast. Gradio writes a .pyi stub next to
    the module of every component subclass it sees defined; inside an installed
    (possibly read-only) package that must not happen, so the stub writer is
    switched off while this class is made."""
    import gradio.component_meta as component_meta

    writer = component_meta.create_or_modify_pyi
    component_meta.create_or_modify_pyi = lambda *a, **k: None
    try:
        class PageSlider(gr.Slider):
            is_template = True  # the frontend's own slider

            def preprocess(self, payload):
                if payload is None:
                    return None
                from gradio.components.number import Number

                return Number.round_to_precision(payload, self.precision)
    finally:
        component_meta.create_or_modify_pyi = writer
    return PageSlider


PageSlider = _page_slider_class()


# Scrolls the marked quote into view whenever the viewer shows one (gr.HTML's js_on_load; `watch` runs
# after each new value is rendered), and keeps it there while the page above it is still being laid out
# (the table filling in moves it down), until the user scrolls, clicks or types.
SCROLL_TO_QUOTE = """
let until = 0;
const go = () => { const m = element.querySelector('mark.yttra-quote'); if (m) m.scrollIntoView({block: 'center'}); };
const follow = () => { until = Date.now() + 3000; go(); };
new ResizeObserver(() => { if (Date.now() < until) go(); }).observe(document.body);
for (const t of ['wheel', 'touchmove', 'keydown', 'mousedown']) window.addEventListener(t, () => { until = 0; }, {passive: true});
follow();
watch('value', follow);
"""


# ------------------------------------------------------------------ app

def _filters(namnd, doc_type, period, year) -> dict:
    return {"namnd": None if namnd in (None, ALL) else namnd,
            "doc_type": None if doc_type in (None, ALL) else doc_type,
            "period": None if period in (None, ALL) else period,
            "year": None if year in (None, ALL) else int(year)}


def _ingest(settings: Settings, paths):
    from index.pipeline import ingest

    return ingest(settings, list(paths), progress=False)


def _remove(settings: Settings, doc_ids):
    from index.corpus import sync_corpus

    return sync_corpus(settings, [], remove=list(doc_ids), progress=False)


def output_root() -> Path:
    """Where the app writes downloads: inside Gradio's cache folder (so Gradio
    serves them in place, no copy), one folder per browser (assistant.outputs)."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()) / "yttra-out"


def download_guard():
    """The download guard as Starlette middleware, for serving the app some
    other way than its own launch, e.g. gr.mount_gradio_app(app, demo, "/",
    app_kwargs={"middleware": [download_guard()]}). Without it such an app
    offers no downloads (they would be served to anyone with the URL)."""
    from starlette.middleware import Middleware

    from assistant.outputs import DownloadGuard

    return Middleware(DownloadGuard, root=output_root())


UNGUARDED_DOWNLOADS = (
    "Filerna kan inte laddas ner: appen körs utan nedladdningsskyddet, som ser till att bara den som skapade en "
    "fil kan hämta den. Be den som driftar yttra att starta appen med kommandot ”yttra serve”.")


class YttraBlocks(gr.Blocks):
    """The Blocks build_app returns. Its launch always serves through the
    download guard (assistant.outputs.DownloadGuard: a generated file only to
    the browser that made it), however it is launched – `yttra serve`, a plain
    `build_app(settings).launch()`, with app_kwargs of the caller's own – and
    adds it once (not when the caller's middleware has one already)."""

    def launch(self, *args, app_kwargs: dict | None = None, **kwargs):
        from assistant.outputs import with_guard

        return super().launch(*args, app_kwargs=with_guard(app_kwargs, output_root()), **kwargs)


def _warm_stances(corpus: Corpus) -> None:
    from assistant.answerers import warm_stances

    try:
        warm_stances(corpus)
    except Exception as e:  # noqa: BLE001 - a warm-up only: the first ranking question reads the documents itself
        print(f"yttra: ställningstaganden kunde inte förberäknas / stance warm-up failed: {e}", file=sys.stderr)


def build_app(settings: Settings, corpus: Corpus | None = None, *, catch_up: bool = False) -> YttraBlocks:
    """The app. Uploads and metadata saves are indexed in the background
    (`demo.yttra_indexer`, an assistant.indexing.IndexQueue); with `catch_up`
    (app start: `launch`) the index is brought in line with the corpus folder
    in the background, without delaying the start: documents whose file was
    deleted are removed (as a plain `yttra ingest` does), then whatever is in
    the folder but not, as it is now, in the index is indexed. Its launch
    installs the download guard (YttraBlocks)."""
    from assistant import compare as cmp
    from assistant import documents as docs
    from assistant import draft as dr
    from assistant import outputs
    from assistant.answer import answer
    from assistant.indexing import IndexQueue
    from assistant.llm import LLMClient, LLMError, llm_draft

    corpus = corpus or open_corpus(settings)
    llm = LLMClient(settings.llm)
    errors = USER_ERRORS + (LLMError,)
    outdir = output_root()
    max_age = settings.app.output_max_age_h * 3600
    outputs.sweep(outdir, max_age, force=True)  # what earlier runs (or a kill) left behind
    session_dirs: dict[str, list[Path]] = {}  # browser session -> its request folders (deleted on unload)
    session_lock = threading.Lock()
    indexer = IndexQueue(getattr(corpus, "upsert", None) or (lambda paths: _ingest(settings, paths)),
                         getattr(corpus, "delete", None) or (lambda ids: _remove(settings, ids)))
    if catch_up:  # app start: read every document's overall stance once, so "Vem var mest kritisk?" does not wait
        threading.Thread(target=_warm_stances, args=(corpus,), daemon=True, name="yttra-stance-warm").start()

    def own_dir(request) -> Path:
        """A new folder for this request's files, in its browser's folder (download cookie)."""
        token = request.cookies.get(outputs.COOKIE) if request is not None else None
        here = outputs.request_dir(outdir, token or "", max_age)
        sid = getattr(request, "session_hash", None) if request is not None else None
        if sid:
            with session_lock:
                session_dirs.setdefault(sid, []).append(here)
        return here

    def unguarded(request) -> bool:
        """A request that came over HTTP without passing the download guard (the
        app mounted without it): its files would be served to anyone with the URL."""
        http = getattr(request, "request", None) if request is not None else None
        return http is not None and not outputs.passed_guard(getattr(http, "headers", None))

    def on_unload(request: gr.Request):
        """The browser session ended: its downloads go with it."""
        sid = getattr(request, "session_hash", None)
        with session_lock:
            dirs = session_dirs.pop(sid, []) if sid else []
        outputs.delete_dirs(dirs)

    def values() -> dict:
        try:
            return {f: list(vals) for f, vals in corpus.facets().items()}
        except IndexStoreError:
            return {"namnd": [], "doc_type": [], "period": [], "year": []}

    def status() -> str:
        try:
            n = len(corpus)
            mode = "LLM-läge på" if llm.enabled else "LLM-läge av (svaren är extraktiva citat)"
            line = f"Index: {n} avsnitt. {mode}."
        except IndexStoreError as e:
            line = f"Inget index ännu: {md_escape(shown_error(e))}"
        if problem := docs.metadata_problem(settings):  # a hand-edited file with an error: say so, keep serving
            line += ("\n\n⚠ **metadata.yaml kan inte läsas** – rätta filen; till dess visas gissade metadata och "
                     "inga ändringar kan sparas. " + md_escape(problem))
        if busy := indexer.summary():
            line += "\n\n⏳ " + md_escape(busy) + " Frågor besvaras under tiden ur det nuvarande indexet."
        if gone := indexer.removed():
            line += ("\n\nBorttaget ur indexet sedan start (filen finns inte längre i korpusmappen): "
                     + md_escape(", ".join(Path(st.source).name or st.doc_id for st in gone)) + ".")
        return line

    def shown_error(e) -> str:
        """An error for the page: in Swedish (no '/ English' half), the corpus and
        index folders by name, no other server path."""
        if isinstance(e, KeyError) and e.args:
            e = e.args[0]  # str(KeyError) quotes its message
        named = {settings.corpus_dir: "korpusmappen", settings.index_dir: "indexmappen"}
        return swedish_only(hide_paths(str(e), named))

    def dropdowns(v):
        """Choices of the four filters (Nämnd, Dokumenttyp, Programversion, År) from the index's facets."""
        types = [(ALL, ALL)] + [(type_label(t), t) for t in v["doc_type"]]
        return [ALL] + v["namnd"], types, [ALL] + v["period"], [ALL] + [str(y) for y in v["year"]]

    def period_choices(v, current=None):
        """The metadata form's programme versions: the index's, plus the value set ('' = none)."""
        have = sorted({*v["period"], *([current] if current else [])})
        return [("(ingen)", "")] + [(x, x) for x in have]

    # ---- handlers
    def on_ask(question, chat, history, namnd, doc_type, period, year):
        question = (question or "").strip()
        chat = list(chat or [])
        history = list(history or [])
        if not question:
            return "", chat, history, "<p>Skriv en fråga.</p>"
        chat.append({"role": "user", "content": md_escape(question[:2000])})
        try:
            a = answer(corpus, question, history=history, filters=_filters(namnd, doc_type, period, year), llm=llm)
        except errors as e:
            chat.append({"role": "assistant", "content": "Fel: " + md_escape(shown_error(e))})
            return "", chat, history, ""
        chat.append({"role": "assistant", "content": answer_markdown(a)})
        history.append(question[:2000])  # the question as asked: analyse() re-reads the turns, as the CLI and eval pass them
        return "", chat, history, render_sources(a)

    def on_clear():
        return [], [], ""

    def on_compare(topic, request: gr.Request = None):
        """The comparison and its downloads: CSV for Swedish Excel (';', UTF-8 with BOM),
        Markdown, and .xlsx (the 4th value: a gr.State shown by show_file, so the
        /compare API keeps its three outputs)."""
        from assistant.exports import file_stem as word_stem

        topic = (topic or "").strip()
        if not topic:
            return "<p>Skriv ett ämne.</p>", None, None, None
        try:
            c = cmp.compare(corpus, topic[:500])
        except errors as e:
            return f"<p><b>Fel:</b> {esc(e)}</p>", None, None, None
        if unguarded(request):  # no file that anybody could fetch
            return render_comparison(c) + f'<p class="yttra-note">{esc(UNGUARDED_DOWNLOADS)}</p>', None, None, None
        here, stem = own_dir(request), word_stem("jamforelse", topic, "amne")  # own folder; cut between words
        csv_path = outputs.write_atomic(here / f"{stem}.csv", cmp.to_excel_csv(c))
        xlsx_path = outputs.write_atomic(here / f"{stem}.xlsx", lambda p: cmp.to_xlsx(c, p))
        md_path = outputs.write_atomic(here / f"{stem}.md", cmp.to_markdown(c))
        return render_comparison(c), str(csv_path), str(md_path), str(xlsx_path)

    def show_file(path):
        """A file made by the previous step (kept in a gr.State) into its download box."""
        return path or None

    def on_draft(title, remittent, dnr, namnd, date, points, request: gr.Request = None):
        """The draft (Markdown with its underlag) and downloads: the .docx tjänsteutlåtande, Markdown."""
        from assistant.exports import display_source, file_stem as word_stem

        inp = dr.DraftInput(title=title or "", namnd=namnd or "", remittent=remittent or "", dnr=dnr or "",
                            date=date or "", points=points or "")
        problems = dr.validate_input(inp)
        if problems:
            return "**Kan inte skapa utkast:** " + md_escape(" ".join(problems)), None, None
        try:
            d = dr.build_draft(corpus, inp)
        except errors as e:
            return "**Fel:** " + md_escape(str(e)), None, None
        md = dr.to_markdown(d)
        if llm.enabled:
            try:
                hits = [Hit(c.chunk, c.score, c.n) for c in d.citations]
                prose, cits, warns = llm_draft(llm, inp.__dict__, hits)
                md += "\n\n## Prosautkast (språkmodell)\n\n" + keep_citations(md_escape(prose)) + "\n\n"
                md += "\n".join(f"[{c.n}] {md_escape(c.chunk.label)} – ”{md_escape(c.quote)}” "
                                f"({md_escape(display_source(c.chunk.source))})" for c in cits)
            except LLMError as e:
                md += "\n\n_Språkmodellen kunde inte nås: " + md_escape(str(e)) + "_"
        if unguarded(request):  # no file that anybody could fetch
            return md + "\n\n_" + md_escape(UNGUARDED_DOWNLOADS) + "_", None, None
        # own folder; the name is cut between words ('…trygghetsprogram_2028_2031', never '…_2028_2')
        here, stem = own_dir(request), word_stem("yttrande", inp.title, "utkast")
        docx_path = outputs.write_atomic(here / f"{stem}.docx", lambda p: dr.to_docx(d, p))
        md_path = outputs.write_atomic(here / f"{stem}.md", md)
        return md, str(docx_path), str(md_path)

    def doc_status(d, states) -> str:
        """köad / indexeras (n s) / fel: … from the background indexer, else what the index holds."""
        st = states.get(d.doc_id)
        if st is not None and (st.state != "indexerad" or d.indexed):
            return st.label()
        return "indexerad" if d.indexed else "ej indexerad"

    def doc_table(documents=None):
        """The Dokument tab's table (TABLE_HEADERS): one row per corpus file, the file name under its title."""
        rows, states = [], indexer.status()
        documents = docs.list_documents(settings, corpus) if documents is None else documents
        for d in documents:
            title = md_cell(shown_error(d.title) if not d.indexed else d.title)  # an unreadable file: why
            title += f"<br>*{md_cell(Path(d.source).name)}*" if d.source else ""
            rows.append([d.namnd, title, type_label(d.doc_type), d.period, d.dnr,
                         d.date or (d.year or ""), d.pages, d.n_chunks, doc_status(d, states),
                         ", ".join(guessed_label(k) for k in d.guessed)])
        listed = {d.doc_id for d in documents}
        for st in states.values():  # taken out of the index (or being so): the file is gone from the folder
            if st.source and st.doc_id not in listed:
                title = f"(filen finns inte längre i korpusmappen)<br>*{md_cell(Path(st.source).name)}*"
                rows.append(["", title, "", "", "", "", "", "", st.label(), ""])
        return rows

    def index_note(job, finished: bool, what: str) -> list[str]:
        """What became of a background indexing job, truthfully: done, failed
        (the file is saved, not indexed), running or queued behind others (HTML lines)."""
        from assistant.indexing import describe_failure

        names = ", ".join(esc(p.name) for p in job.paths)
        if not finished:
            ahead = indexer.position(job)
            state = ("<b>väntar på indexlåset</b> (en annan indexering, t.ex. <code>yttra ingest</code>, håller det) "
                     "och försöker igen av sig själv" if job.waiting_lock else
                     "<b>pågår</b> i bakgrunden" if ahead == 0 else
                     f"<b>köad</b> i bakgrunden ({ahead} jobb före i kön, bl.a. en pågående indexering)")
            return [f"Indexeringen av {names} {state}. {what} syns i sök och svar när den är klar – statusen "
                    "visas i tabellen och uppdateras av sig själv. Frågor besvaras under tiden ur det nuvarande "
                    "indexet."]
        if job.error is not None:
            return [f"<b>Inte indexerat ännu:</b> {esc(shown_error(describe_failure(job.error)))}. {what} syns i sök och svar "
                    "först efter nästa indexering – spara igen om en stund (utan ändringar), starta om appen "
                    "eller kör `yttra ingest`."]
        failed = job.failures()
        out = [f"<b>Inte indexerat:</b> {esc(shown_error(m))}" for d, m in failed.items()]
        ok = [p.name for p in job.paths if p.stem not in failed]
        if ok:
            rep = job.report
            out.insert(0, f"Indexerat: {', '.join(esc(n) for n in ok)} ({rep.embedded} nya inbäddningar; indexet "
                          f"har nu {rep.documents} dokument, {rep.chunks} avsnitt).")
        return out

    def render_view(doc_id, page_no, show_original, quote=""):
        """(viewer HTML, page control update): page `page_no` of doc_id with
        `quote` marked; a page the document does not have is said in Swedish
        and the nearest one shown; the control is bounded to the document's pages."""
        if not doc_id:  # no page control until a document is picked: it has no pages to be bounded by
            return PICK_DOCUMENT, gr.update(value=1, maximum=2, visible=False)
        try:
            pages = docs.document_pages(settings, doc_id)
        except errors as e:
            return f"<p><b>Fel:</b> {esc(shown_error(e))}</p>", gr.update()
        total = len(pages)
        try:
            want = int(page_no) if page_no is not None else 1
        except (TypeError, ValueError, OverflowError):
            want = 1
        n = max(1, min(want, total))
        note = ""
        if want != n:
            has = "1 sida" if total == 1 else f"{total} sidor"
            note = (f'<p class="yttra-note" id="yttra-page-note">Dokumentet har {has} – sidan {esc(want)} finns inte. '
                    f'Här visas sidan {n}.</p>')
        head = f'<p class="yttra-view-head">Sida {n} av {total}</p>'
        # a slider needs minimum < maximum: a one-page document gets 1–2, not interactive
        slider = gr.update(value=n, maximum=max(2, total), interactive=total > 1, visible=True,
                           label=f"Sida (1–{total})" if total > 1 else "Sida (dokumentet har en sida)")
        return note + head + render_page(pages[n - 1], bool(show_original), quote), slider

    def on_view(doc_id, page_no, show_original, quote, shown):
        """The viewer after the user picked a document, a page or "Visa original":
        another document than the one shown opens at its first page, no quote marked."""
        if doc_id != shown:
            page_no, quote = 1, ""
        view, slider = render_view(doc_id, page_no, show_original, quote)
        return view, slider, quote, doc_id

    def on_upload(files, period=None, progress=gr.Progress()):
        """Check (the indexer's own steps, within settings.limits) and save the
        files, queue their indexing in the background, and reply within
        app.index_wait_s seconds saying what was saved and where indexing is."""
        from index.budget import embed_estimate

        keep = (gr.update(),) * (2 + N_INDEX_OUT + N_FORM_OUT)  # seen, poll, index views, metadata form
        if not files:
            return "Välj filer att ladda upp.", *keep
        payload = []
        for f in files:
            path = Path(f if isinstance(f, str) else getattr(f, "name", f))
            size = path.stat().st_size
            if size > settings.app.max_upload_mb * 1024 * 1024:
                return (f"{esc(path.name)}: filen är för stor ({size // (1024 * 1024)} MB, högst "
                        f"{settings.app.max_upload_mb} MB). Inget sparades.", *keep)
            payload.append((path.name, path.read_bytes()))
        progress(0.1, desc=f"Kontrollerar {len(payload)} fil(er)…")
        records: dict = {}
        try:
            saved = docs.save_uploads(settings, payload, records=records, corpus=corpus)
        except docs.SaveError as e:  # a full disk: some may be saved, none is indexed
            msg = f"Uppladdningen kunde inte slutföras: {esc(shown_error(e))}"
            if e.saved:
                job = indexer.submit(e.saved, why="uppladdad")
                msg += "<br>" + "<br>".join(index_note(job, False, "De sparade filerna"))
            return msg, *refreshed(period)
        except errors as e:
            return f"Uppladdningen avbröts, inget sparades: {esc(shown_error(e))}", *keep
        passages = sum(int(records.get(p, {}).get("n_chunks") or 0) for p in saved)
        progress(0.5, desc=f"Sparade {len(saved)} fil(er); indexerar i bakgrunden…")
        job = indexer.submit(saved, why="uppladdad")
        finished = indexer.wait(job, settings.app.index_wait_s)
        msg = [f"Sparade {len(saved)} fil(er) i korpusmappen: "
               + ", ".join(f"{esc(p.name)} ({int(records.get(p, {}).get('n_chunks') or 0)} avsnitt)" for p in saved)
               + f". Beräknad inbäddning: ca {embed_estimate(passages, settings.limits)}."]
        msg += index_note(job, finished, "Filerna" if len(saved) > 1 else "Filen")
        msg += [esc(shown_error(n)) for n in docs.upload_notes(records)]  # same document already in the corpus
        guessed = {p.stem: list((records.get(p, {}).get("meta") or {}).get("guessed") or []) for p in saved}
        msg += [f"Gissade metadata för {esc(d)}: {esc(', '.join(guessed_label(k) for k in f))} – rätta "
                "under ”Redigera metadata” nedan (dokumentet är valt där)." for d, f in guessed.items() if f]
        first_guessed = next((d for d, f in guessed.items() if f), None)
        return "<br>".join(msg), *refreshed(period, form_doc=first_guessed)

    def meta_view(doc_id):
        """(shown values, guessed fields, info line, base) of the metadata form for doc_id."""
        shown = {k: "" for k in META_LABELS} | {"doc_type": None}
        if not doc_id:
            return shown, [], "Välj ett dokument.", None
        try:
            form = docs.metadata_form(settings, doc_id)
        except errors as e:
            return shown, [], f"**Metadata kan inte visas:** {md_escape(shown_error(e))}", None
        shown = {k: "" if v is None else v if k == "doc_type" else str(v) for k, v in form.values.items()}
        guessed = [k for k in form.guessed if k in META_LABELS]  # the fields this form shows
        info = ("Fält märkta **(gissat)** är gissade ur dokumentets text och finns inte i metadata.yaml; ändra ett "
                "sådant fält för att spara ett eget värde." if guessed else "Värdena kommer från metadata.yaml.")
        return shown, guessed, info + (f" {md_escape(shown_error(form.note))}" if form.note else ""), form.values

    def on_meta_load(doc_id):
        """The form for doc_id: its current values (programme versions to choose from: the index's and its own)."""
        shown, guessed, info, base = meta_view(doc_id)
        periods = period_choices(values(), shown["period"])
        return (*[gr.update(value=shown[k], label=META_LABELS[k] + (" (gissat)" if k in guessed else ""),
                            **({"choices": periods} if k == "period" else {}))
                  for k in META_LABELS], base, info, False)

    def on_meta_save(doc_id, title, namnd, doc_type, period, dnr, date, year, remiss_dnr, handlaggare, clear, base):
        """Writes only what the user changed since the form was loaded; blanks
        never overwrite unless "Töm fält som lämnats tomma" is ticked. On an
        error the form keeps the user's input."""
        keep = (gr.update(),) * (2 + N_INDEX_OUT + N_FORM_OUT)  # seen, poll, index views, the form
        if not doc_id:
            return "Välj ett dokument.", *keep
        form = dict(title=title, namnd=namnd, doc_type=doc_type, period=period, dnr=dnr, date=date, year=year,
                    remiss_dnr=remiss_dnr, handlaggare=handlaggare)
        try:
            res = docs.save_metadata(settings, doc_id, form, base=base, clear_blank=bool(clear))
        except errors as e:
            return f"**Sparades inte** (metadata.yaml är orörd): {md_escape(shown_error(e))}", *keep
        names = lambda ks: ", ".join(META_LABELS[k] for k in ks)
        if res.changed:
            msg = ["**Sparat** i metadata.yaml: " + "; ".join(
                       f"{META_LABELS[k]} → ”{md_escape(str(v if v is not None else ''))}”" for k, v in res.changed.items())
                   + ".", f"Förra versionen finns kvar som `{docs.HISTORY_DIR}/{res.backup.name}` i korpusmappen "
                   "och kan återställas." if res.backup else "Filen metadata.yaml skapades."]
        else:
            msg = ["**Inga ändringar** – metadata.yaml är orörd."]
        if res.kept_blank:
            msg.append(f"Tomma fält ändrades inte ({names(res.kept_blank)}); kryssa i ”Töm fält som lämnats tomma” "
                       "och spara igen om de ska tömmas.")
        if res.changed or not docs.metadata_indexed(settings, doc_id, corpus):
            # re-indexed in the background: the reply never waits behind another file's (maybe long) indexing
            try:
                job = indexer.submit([docs.document_path(settings, doc_id)], why="metadata sparad")
            except errors as e:
                job = None
                msg.append(f"**Inte omindexerat ännu:** {md_escape(shown_error(e))}. Ändringen är sparad i metadata.yaml.")
            if job is not None and indexer.wait(job, settings.app.index_wait_s):
                fail = job.failures().get(doc_id)
                if job.error is not None or fail:
                    msg.append(f"**Inte omindexerat ännu:** {md_escape(shown_error(fail or job.error))}. Ändringen är "
                               "sparad i metadata.yaml men syns i sök och svar först efter nästa indexering – "
                               "spara igen om en stund (utan ändringar) eller kör `yttra ingest`.")
                else:
                    msg.append(f"Dokumentet är omindexerat ({job.report.embedded} nya inbäddningar).")
            elif job is not None:
                ahead = indexer.position(job)
                msg.append("Omindexeringen " + (
                           "**väntar på indexlåset** (en annan indexering, t.ex. `yttra ingest`, håller det) och "
                           "försöker igen av sig själv" if job.waiting_lock else
                           "**pågår** i bakgrunden" if ahead == 0 else
                           f"är **köad** i bakgrunden ({ahead} jobb före, bl.a. en pågående indexering)")
                           + ": ändringen är sparad i metadata.yaml och syns i sök och svar när dokumentet är "
                           "indexerat. Statusen visas i tabellen ovan och uppdateras av sig själv.")
        else:
            msg.append("Ingen omindexering behövs.")
        return "<br>".join(msg), *refreshed(period, form_doc=doc_id)

    # index_views(): table … view_doc; form_views(): m_doc + meta_view_out (the fields, base, info, clear)
    N_INDEX_OUT, N_FORM_OUT = 7, len(META_LABELS) + 4

    def index_views(documents=None, choices=None, view_doc_value=None):
        """Everything on the page that shows the index: table, status line (passage count),
        the four filters, the viewer's document list (N_INDEX_OUT updates)."""
        documents = docs.list_documents(settings, corpus) if documents is None else documents
        choices = docs.document_choices(settings, documents) if choices is None else choices
        doc = {"value": view_doc_value} if view_doc_value is not None else {}
        return (doc_table(documents), status(), *[gr.update(choices=c) for c in dropdowns(values())],
                gr.update(choices=choices, **doc))

    def form_views(choices, period=None, form_doc=None):
        """The metadata form's document list and programme versions; with `form_doc`,
        that document picked and its values loaded (N_FORM_OUT updates)."""
        if form_doc is not None:
            return (gr.update(choices=choices, value=form_doc), *on_meta_load(form_doc))
        rest = [gr.update()] * (N_FORM_OUT - 1)
        rest[3] = gr.update(choices=period_choices(values(), period))  # m_period, in meta_view_out order
        return (gr.update(choices=choices), *rest)

    def index_stamp() -> tuple:
        """Changes whenever what the page shows of the index may have: passages,
        corpus folder, metadata.yaml, the background indexer's file states."""
        try:
            n = len(corpus)
        except IndexStoreError:
            n = -1
        folder = Path(settings.corpus_dir)

        def mtime(p: Path) -> int:
            try:
                return p.stat().st_mtime_ns
            except OSError:
                return 0

        states = tuple(sorted((d, st.state, st.since) for d, st in indexer.status().items()))
        return n, mtime(folder), mtime(folder / settings.metadata_file), hash(states)

    def watch_timer(busy: bool):
        return gr.Timer(POLL_BUSY_S if busy else POLL_IDLE_S, active=True)

    def refreshed(period=None, form_doc=None):
        """(seen, watch timer, index views, form views) after an ingest, an upload or a save."""
        stamp = index_stamp()
        documents = docs.list_documents(settings, corpus)
        choices = docs.document_choices(settings, documents)
        return (stamp, watch_timer(indexer.busy()), *index_views(documents, choices),
                *form_views(choices, period, form_doc if form_doc in {c for _, c in choices} else None))

    def on_page_load(request: gr.Request):
        """Page load: every index view filled (the page as built holds no index
        data) and the metadata form with the first document's values. With
        ?dok=ID&sida=N&citat=… (a citation link) the Dokument tab opens at that
        page with the quote marked; otherwise the viewer says how to open a
        document (a page load never reads or repairs a document it need not).
        All in one response: no .change cascade re-runs the viewer with stale input."""
        params = dict(request.query_params) if request else {}
        stamp = index_stamp()
        documents = docs.list_documents(settings, corpus)
        choices = docs.document_choices(settings, documents)
        ids = [c for _, c in choices]
        want = str(params.get("dok") or "")
        doc = want if want in ids else None
        quote = quote_param(params.get("citat")) if doc else ""
        view, slider = render_view(doc, page_param(params.get("sida")), False, quote)
        if not ids:
            view = NO_DOCUMENTS
        elif want and not doc:
            view = '<p class="yttra-note">Dokumentet i länken finns inte (längre) i underlaget.</p>' + view
        return (gr.Tabs(selected="dokument") if want else gr.Tabs(), slider, view, quote, doc,
                stamp, watch_timer(indexer.busy()),
                *index_views(documents, choices, view_doc_value=doc),
                *form_views(choices, form_doc=ids[0] if ids else None))

    def on_watch(seen, period):
        """Every few seconds: when the index (or the corpus) changed since this
        page last showed it – the background indexer finished, another session
        uploaded or saved – every list, filter and count follows; while the
        indexer works, the table and status line follow it. Otherwise nothing is sent."""
        busy = indexer.busy()
        stamp = index_stamp()
        if stamp != seen:
            return refreshed(period)
        nothing = [gr.update()] * (N_INDEX_OUT + N_FORM_OUT)
        if busy:
            nothing[:2] = [doc_table(), status()]
        return (seen, watch_timer(busy), *nothing)

    # ---- layout
    with YttraBlocks(title="yttra – trygghetsprogrammet och nämndernas yttranden") as demo:
        gr.Markdown("# yttra\nFråga, jämför och skriv yttranden utifrån Stockholms stads trygghetsprogram och "
                    "nämndernas remissvar. Varje påstående har en källa.")
        status_md = gr.Markdown(status(), elem_id="yttra-status")  # and again at page load (on_page_load)
        # on_watch: lists, filters and counts follow the index. Outside the tabs: a component in a tab
        # not shown is not mounted, and a timer there would not tick.
        poll = gr.Timer(POLL_IDLE_S)
        seen = gr.State(None)  # index_stamp() of what this page shows
        with gr.Tabs() as tabs:
            with gr.Tab("Fråga", id="fraga"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(label="Samtal", height=420, elem_id="yttra-chat", sanitize_html=True)
                        with gr.Row():
                            question = gr.Textbox(label="Fråga", placeholder="Vad säger nämnderna om ordningsvakter?",
                                                  scale=5, elem_id="yttra-question")
                            ask_btn = gr.Button("Fråga", variant="primary", scale=1, elem_id="yttra-ask")
                        clear_btn = gr.Button("Nytt samtal", size="sm")
                        with gr.Row():
                            # only "Alla" until page load fills them (on_page_load); API callers may
                            # still pass any value: the search checks it (FilterError lists the valid ones)
                            fkw = dict(choices=[ALL], value=ALL, allow_custom_value=True)
                            f_namnd = gr.Dropdown(**fkw, label="Nämnd", elem_id="yttra-f-namnd")
                            f_type = gr.Dropdown(**fkw, label="Dokumenttyp", elem_id="yttra-f-type")
                            f_period = gr.Dropdown(**fkw, label="Programversion", elem_id="yttra-f-period")
                            f_year = gr.Dropdown(**fkw, label="År", elem_id="yttra-f-year")
                    with gr.Column(scale=2):
                        sources = gr.HTML(elem_id="yttra-sources")
                history = gr.State([])
                ask_inputs = [question, chat, history, f_namnd, f_type, f_period, f_year]
                ask_btn.click(on_ask, ask_inputs, [question, chat, history, sources], api_name="ask")
                question.submit(on_ask, ask_inputs, [question, chat, history, sources], api_name=False)
                clear_btn.click(on_clear, None, [chat, history, sources], api_name=False)

            with gr.Tab("Jämför nämnder", id="jamfor"):
                with gr.Row():
                    topic = gr.Textbox(label="Ämne", placeholder="samverkan med polisen", scale=5, elem_id="yttra-topic")
                    cmp_btn = gr.Button("Jämför", variant="primary", scale=1, elem_id="yttra-compare")
                cmp_out = gr.HTML(elem_id="yttra-comparison")
                gr.Markdown(METHOD_PLAIN, elem_id="yttra-method")
                with gr.Accordion("Mer om metoden", open=False, elem_id="yttra-method-more"):
                    gr.Markdown(method_details())
                with gr.Row():
                    cmp_xlsx = gr.File(label="Ladda ner Excel (.xlsx)", interactive=False, elem_id="yttra-cmp-xlsx")
                    cmp_csv = gr.File(label="Ladda ner CSV för Excel (semikolon, UTF-8)", interactive=False,
                                      elem_id="yttra-cmp-csv")
                    cmp_md = gr.File(label="Ladda ner Markdown", interactive=False, elem_id="yttra-cmp-md")
                cmp_xlsx_path = gr.State(None)
                cmp_outs = [cmp_out, cmp_csv, cmp_md, cmp_xlsx_path]
                cmp_btn.click(on_compare, [topic], cmp_outs, api_name="compare").then(
                    show_file, [cmp_xlsx_path], [cmp_xlsx], api_name=False, show_progress="hidden")
                topic.submit(on_compare, [topic], cmp_outs, api_name=False).then(
                    show_file, [cmp_xlsx_path], [cmp_xlsx], api_name=False, show_progress="hidden")

            with gr.Tab("Skriv yttrande", id="skriv"):
                with gr.Row():
                    d_title = gr.Textbox(label="Remissens titel", elem_id="yttra-d-title")
                    d_remittent = gr.Textbox(label="Remittent", value="kommunstyrelsen")
                    d_dnr = gr.Textbox(label="Diarienummer")
                with gr.Row():
                    d_namnd = gr.Textbox(label="Egen nämnd", elem_id="yttra-d-namnd")
                    d_date = gr.Textbox(label="Datum (ÅÅÅÅ-MM-DD)")
                d_points = gr.Textbox(label="Det vi vill framföra (en punkt per rad)", lines=4)
                d_btn = gr.Button("Skapa utkast", variant="primary", elem_id="yttra-draft")
                with gr.Row():
                    d_docx = gr.File(label="Ladda ner tjänsteutlåtande (Word, .docx)", interactive=False,
                                     elem_id="yttra-d-docx")
                    d_md = gr.File(label="Ladda ner Markdown", interactive=False)
                d_out = gr.Markdown(elem_id="yttra-d-out", sanitize_html=True)
                d_btn.click(on_draft, [d_title, d_remittent, d_dnr, d_namnd, d_date, d_points], [d_out, d_docx, d_md],
                            api_name="draft")

            with gr.Tab("Dokument", id="dokument"):
                # filled at page load (on_page_load) and kept current by the watch timer
                table = gr.Dataframe(value=None, headers=TABLE_HEADERS, column_widths=TABLE_WIDTHS,
                                     datatype=["str", "markdown"] + ["str"] * 8, interactive=False, wrap=True,
                                     max_height=640, label="Underlaget", elem_id="yttra-docs")
                with gr.Row():
                    view_doc = gr.Dropdown([], label="Dokument", elem_id="yttra-view-doc", scale=3)
                    view_page = PageSlider(1, 2, value=1, step=1, label="Sida", visible=False, scale=2,
                                           elem_id="yttra-view-page")
                    view_orig = gr.Checkbox(label="Visa original", value=False, scale=1, elem_id="yttra-view-orig")
                view_out = gr.HTML("<p>Laddar …</p>", elem_id="yttra-view", js_on_load=SCROLL_TO_QUOTE)
                view_quote = gr.State("")  # the quote a citation link asked to mark
                view_shown = gr.State(None)  # the document the viewer shows
                # user events only (.input/.release, never .change): a value set by the app (page load,
                # a citation link) triggers nothing, and one listener, always_last, so no two views race
                gr.on([view_doc.input, view_page.input, view_page.release, view_orig.input], on_view,
                      [view_doc, view_page, view_orig, view_quote, view_shown],
                      [view_out, view_page, view_quote, view_shown], trigger_mode="always_last",
                      api_name=False, show_progress="minimal")
                gr.Markdown(f"### Ladda upp\nPDF, DOCX eller TXT, högst {settings.app.max_upload_mb} MB per fil.")
                upload = gr.File(file_count="multiple", file_types=[".pdf", ".docx", ".txt"], label="Filer",
                                 elem_id="yttra-upload")
                up_btn = gr.Button("Ladda upp och indexera", elem_id="yttra-upload-btn")
                up_out = gr.HTML(elem_id="yttra-upload-out")
                gr.Markdown("### Redigera metadata")
                with gr.Row():  # filled at page load with the first document's values (on_page_load)
                    m_doc = gr.Dropdown([], label="Dokument", elem_id="yttra-m-doc")
                    m_title = gr.Textbox(label=META_LABELS["title"], elem_id="yttra-m-title")
                    m_namnd = gr.Textbox(label=META_LABELS["namnd"], elem_id="yttra-m-namnd")
                with gr.Row():
                    m_type = gr.Dropdown([(type_label(t), t) for t in DOC_TYPES], value=None,
                                         label=META_LABELS["doc_type"], elem_id="yttra-m-type")
                    m_period = gr.Dropdown([("(ingen)", "")], value="", label=META_LABELS["period"],
                                           allow_custom_value=True, elem_id="yttra-m-period")  # e.g. 2028-2031
                    m_dnr = gr.Textbox(label=META_LABELS["dnr"], elem_id="yttra-m-dnr")
                    m_date = gr.Textbox(label=META_LABELS["date"], elem_id="yttra-m-date")
                    m_year = gr.Textbox(label=META_LABELS["year"], elem_id="yttra-m-year")
                with gr.Row():
                    m_remiss_dnr = gr.Textbox(label=META_LABELS["remiss_dnr"], elem_id="yttra-m-remiss-dnr",
                                              placeholder="t.ex. KS 2023/739")
                    m_handlaggare = gr.Textbox(label=META_LABELS["handlaggare"], elem_id="yttra-m-handlaggare")
                m_info = gr.Markdown(elem_id="yttra-m-info")
                m_clear = gr.Checkbox(False, label="Töm fält som lämnats tomma", elem_id="yttra-m-clear",
                                      info="Utan kryss ändrar ett tomt fält ingenting; kryssa i för att tömma det.")
                m_base = gr.State(None)  # the values the form was loaded with: only differences are saved
                m_btn = gr.Button("Spara och omindexera", elem_id="yttra-m-save")
                m_out = gr.Markdown(elem_id="yttra-m-out")
                meta_fields = [m_title, m_namnd, m_type, m_period, m_dnr, m_date, m_year, m_remiss_dnr,
                               m_handlaggare]  # META_LABELS order
                meta_view_out = [*meta_fields, m_base, m_info, m_clear]
                index_out = [table, status_md, f_namnd, f_type, f_period, f_year, view_doc]  # index_views()
                form_out = [m_doc, *meta_view_out]  # form_views()
                assert (len(index_out), len(form_out)) == (N_INDEX_OUT, N_FORM_OUT)
                up_btn.click(on_upload, [upload, m_period], [up_out, seen, poll, *index_out, *form_out],
                             api_name=False)
                poll.tick(on_watch, [seen, m_period], [seen, poll, *index_out, *form_out],
                          api_name=False, show_progress="hidden")
                # .input (the user's pick), not .change: the app sets m_doc itself together with the form's values
                m_doc.input(on_meta_load, [m_doc], meta_view_out, api_name=False)
                m_btn.click(on_meta_save, [m_doc, *meta_fields, m_clear, m_base],
                            [m_out, seen, poll, *index_out, *form_out], api_name=False)
        demo.load(on_page_load, None, [tabs, view_page, view_out, view_quote, view_shown, seen, poll,
                                       *index_out, *form_out], api_name=False)
        demo.unload(on_unload)
    demo.yttra_indexer = indexer
    if catch_up:  # app start: bring the index in line with corpus/ in the background, as `yttra ingest` would
        try:  # first out: documents whose file was deleted (so a renamed file is no duplicate of its old self)
            gone = docs.deleted_documents(settings, corpus.documents())
        except Exception:  # noqa: BLE001 - no index yet, or one that cannot be read: nothing to remove
            gone = []
        if gone:
            indexer.submit_removal({r.doc_id: r.source for r in gone}, why="filen finns inte längre i korpusmappen")
        try:  # then in: what a kill (or a copy into corpus/) left unindexed
            pending = docs.pending_files(settings, corpus)
        except Exception:  # noqa: BLE001 - a catch-up that cannot even look must not stop the app
            pending = []
        if pending:
            indexer.submit(pending, why="ikappindexering vid start")
    return demo


QUEUE_CONCURRENCY = 4  # events run at once per handler (gradio's queue); the rest wait in line
POLL_BUSY_S, POLL_IDLE_S = 2.0, 10.0  # how often a page checks the index: while indexing runs, otherwise


def launch_kwargs(settings: Settings) -> dict:
    """Keyword arguments for gr.Blocks.launch: host, port, login (only when
    both a username and a password are set), upload limit, Swedish texts. The
    download guard is not among them: the app's own launch adds it
    (YttraBlocks), whatever it is launched with. The tests launch with exactly
    these, so they exercise the same auth configuration."""
    a = settings.app
    auth = (a.username, a.password.get_secret_value()) if a.username and a.password.get_secret_value() else None
    return dict(server_name=a.host, server_port=a.port, css=CSS, show_error=False, auth=auth,
                max_file_size=f"{a.max_upload_mb}mb", auth_message="Logga in för att använda yttra.",
                footer_links=[], i18n=swedish_i18n())  # no "Use via API · Built with Gradio · Settings"


def swedish_i18n() -> gr.I18n:
    """Gradio's own frontend texts (file drop zone, badges, toasts, table menus,
    login) in Swedish, also for a browser set to English (gradio_sv.yaml)."""
    import importlib.resources

    import yaml

    texts = yaml.safe_load(importlib.resources.files("assistant").joinpath("gradio_sv.yaml").read_text("utf-8"))
    return gr.I18n(en=dict(texts), sv=dict(texts))


def launch(settings: Settings) -> None:
    demo = build_app(settings, catch_up=True)
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY).launch(**launch_kwargs(settings))
