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
import threading
import urllib.parse
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home; the machine is offline

import gradio as gr  # noqa: E402

from assistant.render import escape_html as esc  # noqa: E402
from assistant.render import escape_md as md_escape  # noqa: E402
from assistant.render import keep_citations  # noqa: E402
from index.embed import EmbedderError  # noqa: E402
from index.corpus import Corpus, open_corpus  # noqa: E402
from index.search import FilterError  # noqa: E402
from index.settings import Settings  # noqa: E402
from index.store import IndexStoreError  # noqa: E402
from index.types import DOC_TYPES, PERIODS, Answer, Citation, Hit  # noqa: E402

CSS = """
.yttra-hit {border:1px solid #d0d7de; border-radius:8px; padding:10px 14px; margin:8px 0;}
.yttra-low {opacity:0.75; border-style:dashed;}
.yttra-cite {font-size:0.9em; color:#444; margin-bottom:6px;}
.yttra-passage {white-space:pre-wrap; font-family:inherit; margin:0;}
.yttra-passage mark {background:#fff3a3;}
.yttra-page {white-space:pre-wrap; font-family:inherit; border:1px solid #d0d7de; padding:12px; border-radius:8px;}
.yttra-note {color:#8a5a00;}
table.yttra-cmp td, table.yttra-cmp th {border:1px solid #d0d7de; padding:6px; vertical-align:top;}
"""

ALL = "Alla"
META_LABELS = {"title": "Titel", "namnd": "Nämnd", "doc_type": "Dokumenttyp", "period": "Programversion",
               "dnr": "Dnr", "date": "Datum (ÅÅÅÅ-MM-DD)", "year": "År"}  # the metadata form, in FIELDS order
USER_ERRORS = (IndexStoreError, FilterError, EmbedderError, ValueError, KeyError, OSError)


# ------------------------------------------------------------------ escaping

# esc (HTML) and md_escape (Markdown) are assistant.render's, the one place
# untrusted text is escaped; imported above under the names used here.


def answer_markdown(a: Answer) -> str:
    """The answer for the chat: escaped, then our own bold and [n] markers restored."""
    body = keep_citations(md_escape(a.text).replace(r"\*\*", "**"))
    if a.abstained and a.warnings:
        body += "\n\n_" + md_escape(a.warnings[0]) + "_"
    if a.mode == "llm":
        body += "\n\n_(Svar från språkmodell, kontrollerat mot källorna.)_"
    return body


_PAGE_PARAM = re.compile(r"[0-9]{1,6}")  # ASCII digits only ('²'.isdigit() is True), bounded length


def page_param(raw) -> int:
    """A ?sida= value as a page number >= 1; anything but 1-6 ASCII digits is
    page 1. The view clamps it to the document's pages."""
    s = str(raw if raw is not None else "").strip()
    return max(1, int(s)) if _PAGE_PARAM.fullmatch(s) else 1


def _doc_link(doc_id: str, page: int) -> str:
    # not "page": gradio reserves that query parameter for its own multi-page routing
    q = urllib.parse.urlencode({"dok": doc_id, "sida": page})
    return f'<a href="?{q}" target="_blank" rel="noopener">Öppna dokumentet, s. {page}</a>'


def _highlight(text: str, quote: str) -> str:
    """Escaped passage with the quoted sentences marked (whitespace-tolerant match)."""
    words = quote.split()
    m = re.search(r"\s+".join(re.escape(w) for w in words), text) if words else None
    if not m:
        return esc(text)
    return esc(text[:m.start()]) + "<mark>" + esc(text[m.start():m.end()]) + "</mark>" + esc(text[m.end():])


def _cite_head(c, n: int | None) -> str:
    when = c.date or (str(c.year) if c.year else "")
    parts = [f"<b>{esc(c.namnd or c.doc_id)}</b>" + (f" ({esc(when)})" if when else ""), esc(c.title)]
    meta = [f"s. {esc(c.pages)}", esc(c.section)]
    if c.period:
        meta.append(f"program {esc(c.period)}")
    prefix = f"[{n}] " if n is not None else ""
    return f'{prefix}{" · ".join(parts)}<br>{" · ".join(meta)} · <code>{esc(c.source)}</code> · {_doc_link(c.doc_id, c.page)}'


def render_citations(citations: list[Citation]) -> str:
    out = []
    for cit in citations:
        c = cit.chunk
        out.append(f'<div class="yttra-hit" id="cite-{cit.n}"><div class="yttra-cite">{_cite_head(c, cit.n)}</div>'
                   f'<pre class="yttra-passage">{_highlight(c.text.strip(), cit.quote)}</pre></div>')
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
        quote = (f'”{esc(cit.quote)}” <br><small>{esc(cit.chunk.source)}, s. {esc(cit.chunk.pages)}, '
                 f'{esc(cit.chunk.section)} · {_doc_link(cit.chunk.doc_id, cit.chunk.page)}</small>') if cit else "–"
        rows.append(f"<tr><td>{esc(r.namnd or r.doc_id)}</td><td>{esc(r.date or r.year or '')}</td><td>{esc(r.period)}</td>"
                    f"<td><b>{esc(r.stance)}</b></td><td>{quote}</td><td>{esc(', '.join(r.cues)) or '–'}</td></tr>")
    head = ("<tr><th>Nämnd</th><th>Datum/år</th><th>Programversion</th><th>Ställningstagande</th>"
            "<th>Nyckelcitat</th><th>Signalord</th></tr>")
    return (f'<h3>Jämförelse: {esc(c.topic)}</h3><table class="yttra-cmp">{head}{"".join(rows)}</table>'
            f'<p class="yttra-note"><small>Metod: {esc(c.method)}</small></p>')


def render_page(page: dict, show_original: bool) -> str:
    text = page["original"] if show_original else page["text"]
    note = ""
    if page.get("repaired") and not show_original:
        note = '<p class="yttra-note">⚠ OCR-reparerad text (å/ä/ö återställda). Kryssa i ”Visa original” för källtexten.</p>'
    return f'{note}<div class="yttra-page" id="page-{page["page"]}">{esc(text)}</div>'


# ------------------------------------------------------------------ app

def _filters(namnd, doc_type, period, year) -> dict:
    return {"namnd": None if namnd in (None, ALL) else namnd,
            "doc_type": None if doc_type in (None, ALL) else doc_type,
            "period": None if period in (None, ALL) else period,
            "year": None if year in (None, ALL) else int(year)}


def _ingest(settings: Settings, paths):
    from index.pipeline import ingest

    return ingest(settings, list(paths), progress=False)


def output_root() -> Path:
    """Where the app writes downloads: inside Gradio's cache folder (so Gradio
    serves them in place, no copy), one folder per browser (assistant.outputs)."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()) / "yttra-out"


def build_app(settings: Settings, corpus: Corpus | None = None, *, catch_up: bool = False) -> gr.Blocks:
    """The app. Uploads and metadata saves are indexed in the background
    (`demo.yttra_indexer`, an assistant.indexing.IndexQueue); with `catch_up`
    (app start: `launch`) whatever is in the corpus folder but not, as it is
    now, in the index is queued at once, without delaying the start."""
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
    indexer = IndexQueue(getattr(corpus, "upsert", None) or (lambda paths: _ingest(settings, paths)))

    def own_dir(request) -> Path:
        """A new folder for this request's files, in its browser's folder (download cookie)."""
        token = request.cookies.get(outputs.COOKIE) if request is not None else None
        here = outputs.request_dir(outdir, token or "", max_age)
        sid = getattr(request, "session_hash", None) if request is not None else None
        if sid:
            with session_lock:
                session_dirs.setdefault(sid, []).append(here)
        return here

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
            line = f"Inget index ännu: {esc(e)}"
        if problem := docs.metadata_problem(settings):  # a hand-edited file with an error: say so, keep serving
            line += ("\n\n⚠ **metadata.yaml kan inte läsas** – rätta filen; till dess visas gissade metadata och "
                     "inga ändringar kan sparas. " + md_escape(problem))
        if busy := indexer.summary():
            line += "\n\n⏳ " + md_escape(busy) + " Frågor besvaras under tiden ur det nuvarande indexet."
        return line

    def dropdowns(v):
        return ([ALL] + v["namnd"], [ALL] + v["doc_type"], [ALL] + v["period"], [ALL] + [str(y) for y in v["year"]])

    def on_filters():
        """Filter choices from the index, filled at page load: the page as
        built (which the login page embeds) holds no index data."""
        return tuple(gr.update(choices=c) for c in dropdowns(values()))

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
            chat.append({"role": "assistant", "content": "Fel: " + md_escape(str(e))})
            return "", chat, history, ""
        chat.append({"role": "assistant", "content": answer_markdown(a)})
        history.append(a.query if a.query else question)
        return "", chat, history, render_sources(a)

    def on_clear():
        return [], [], ""

    def on_compare(topic, request: gr.Request = None):
        topic = (topic or "").strip()
        if not topic:
            return "<p>Skriv ett ämne.</p>", None, None
        try:
            c = cmp.compare(corpus, topic[:500])
        except errors as e:
            return f"<p><b>Fel:</b> {esc(e)}</p>", None, None
        here, stem = own_dir(request), outputs.file_stem("jamforelse", topic, "amne")  # own folder
        csv_path = outputs.write_atomic(here / f"{stem}.csv", cmp.to_csv(c))
        md_path = outputs.write_atomic(here / f"{stem}.md", cmp.to_markdown(c))
        return render_comparison(c), str(csv_path), str(md_path)

    def on_draft(title, remittent, dnr, namnd, date, points, request: gr.Request = None):
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
                                f"({md_escape(c.chunk.source)})" for c in cits)
            except LLMError as e:
                md += "\n\n_Språkmodellen kunde inte nås: " + md_escape(str(e)) + "_"
        here, stem = own_dir(request), outputs.file_stem("yttrande", inp.title, "utkast")  # own folder
        docx_path = outputs.write_atomic(here / f"{stem}.docx", lambda p: dr.to_docx(d, p))
        md_path = outputs.write_atomic(here / f"{stem}.md", md)
        return md, str(docx_path), str(md_path)

    def doc_status(d, states) -> str:
        """köad / indexeras (n s) / fel: … from the background indexer, else what the index holds."""
        st = states.get(d.doc_id)
        if st is not None and (st.state != "indexerad" or d.indexed):
            return st.label()
        return "indexerad" if d.indexed else "ej indexerad"

    def doc_table():
        rows, states = [], indexer.status()
        for d in docs.list_documents(settings):
            rows.append([d.doc_id, d.namnd, d.title, d.doc_type, d.period, d.dnr, d.date or (d.year or ""),
                         d.pages, d.n_chunks, doc_status(d, states), ", ".join(d.guessed)])
        return rows

    def index_note(job, finished: bool, what: str) -> list[str]:
        """What became of a background indexing job, truthfully: done, failed
        (the file is saved, not indexed), running or queued behind others (HTML lines)."""
        from assistant.indexing import describe_failure

        names = ", ".join(esc(p.name) for p in job.paths)
        if not finished:
            ahead = indexer.position(job)
            state = ("<b>pågår</b> i bakgrunden" if ahead == 0 else
                     f"<b>köad</b> i bakgrunden ({ahead} jobb före i kön, bl.a. en pågående indexering)")
            return [f"Indexeringen av {names} {state}. {what} syns i sök och svar när den är klar – statusen "
                    "visas i tabellen och uppdateras av sig själv. Frågor besvaras under tiden ur det nuvarande "
                    "indexet."]
        if job.error is not None:
            return [f"<b>Inte indexerat ännu:</b> {esc(describe_failure(job.error))}. {what} syns i sök och svar "
                    "först efter nästa indexering – spara igen om en stund (utan ändringar), starta om appen "
                    "eller kör `yttra ingest`."]
        failed = job.failures()
        out = [f"<b>Inte indexerat:</b> {esc(m)}" for d, m in failed.items()]
        ok = [p.name for p in job.paths if p.stem not in failed]
        if ok:
            rep = job.report
            out.insert(0, f"Indexerat: {', '.join(esc(n) for n in ok)} ({rep.embedded} nya inbäddningar; indexet "
                          f"har nu {rep.documents} dokument, {rep.chunks} avsnitt).")
        return out

    def doc_choices():
        return [d.doc_id for d in docs.list_documents(settings)]

    def on_view(doc_id, page_no, show_original):
        if not doc_id:
            return "<p>Välj ett dokument.</p>", gr.update()
        try:
            pages = docs.document_pages(settings, doc_id)
        except errors as e:
            return f"<p><b>Fel:</b> {esc(e)}</p>", gr.update()
        n = max(1, min(int(page_no or 1), len(pages)))
        head = f"<p>Sida {n} av {len(pages)} · <code>{esc(doc_id)}</code></p>"
        return head + render_page(pages[n - 1], bool(show_original)), gr.update(value=n, maximum=max(2, len(pages)))  # a slider needs min < max

    def on_upload(files, progress=gr.Progress()):
        """Check (the indexer's own steps, within settings.limits) and save the
        files, queue their indexing in the background, and reply within
        app.index_wait_s seconds saying what was saved and where indexing is."""
        from index.budget import embed_estimate

        keep = (gr.update(),) * 8  # table, view_doc, 4 filters, m_doc, poll
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
            saved = docs.save_uploads(settings, payload, records=records)
        except docs.SaveError as e:  # a full disk: some may be saved, none is indexed
            msg = f"Uppladdningen kunde inte slutföras: {esc(e)}"
            if e.saved:
                job = indexer.submit(e.saved, why="uppladdad")
                msg += "<br>" + "<br>".join(index_note(job, False, "De sparade filerna"))
            choices = gr.update(choices=doc_choices())
            return msg, doc_table(), choices, *keep[2:6], choices, gr.Timer(active=indexer.busy())
        except errors as e:
            return f"Uppladdningen avbröts, inget sparades: {esc(e)}", *keep
        passages = sum(int(records.get(p, {}).get("n_chunks") or 0) for p in saved)
        progress(0.5, desc=f"Sparade {len(saved)} fil(er); indexerar i bakgrunden…")
        job = indexer.submit(saved, why="uppladdad")
        finished = indexer.wait(job, settings.app.index_wait_s)
        msg = [f"Sparade {len(saved)} fil(er) i korpusmappen: "
               + ", ".join(f"{esc(p.name)} ({int(records.get(p, {}).get('n_chunks') or 0)} avsnitt)" for p in saved)
               + f". Beräknad inbäddning: ca {embed_estimate(passages, settings.limits)}."]
        msg += index_note(job, finished, "Filerna" if len(saved) > 1 else "Filen")
        guessed = {p.stem: list((records.get(p, {}).get("meta") or {}).get("guessed") or []) for p in saved}
        msg += [f"Gissade metadata för {esc(d)}: {esc(', '.join(f))} – rätta nedan." for d, f in guessed.items() if f]
        nv = dropdowns(values()) if finished else None
        return ("<br>".join(msg), doc_table(), gr.update(choices=doc_choices()),
                *([gr.update(choices=c) for c in nv] if nv else [gr.update()] * 4),
                gr.update(choices=doc_choices()), gr.Timer(active=indexer.busy()))

    def meta_view(doc_id):
        """(shown values, guessed fields, info line, base) of the metadata form for doc_id."""
        shown = {k: "" for k in META_LABELS} | {"doc_type": None}
        if not doc_id:
            return shown, [], "Välj ett dokument.", None
        try:
            form = docs.metadata_form(settings, doc_id)
        except errors as e:
            return shown, [], f"**Metadata kan inte visas:** {md_escape(str(e))}", None
        shown = {k: "" if v is None else v if k == "doc_type" else str(v) for k, v in form.values.items()}
        info = ("Fält märkta **(gissat)** är gissade ur dokumentets text och finns inte i metadata.yaml; ändra ett "
                "sådant fält för att spara ett eget värde." if form.guessed else "Värdena kommer från metadata.yaml.")
        return shown, form.guessed, info + (f" {md_escape(form.note)}" if form.note else ""), form.values

    def on_meta_load(doc_id):
        shown, guessed, info, base = meta_view(doc_id)
        return (*[gr.update(value=shown[k], label=META_LABELS[k] + (" (gissat)" if k in guessed else ""))
                  for k in META_LABELS], base, info, False)

    def on_meta_save(doc_id, title, namnd, doc_type, period, dnr, date, year, clear, base):
        """Writes only what the user changed since the form was loaded; blanks
        never overwrite unless "Töm fält som lämnats tomma" is ticked. On an
        error the form keeps the user's input."""
        keep = (gr.update(),) * (len(META_LABELS) + 4)  # the form (10) and the poll timer
        if not doc_id:
            return "Välj ett dokument.", gr.update(), *keep
        form = dict(title=title, namnd=namnd, doc_type=doc_type, period=period, dnr=dnr, date=date, year=year)
        try:
            res = docs.save_metadata(settings, doc_id, form, base=base, clear_blank=bool(clear))
        except errors as e:
            return f"**Sparades inte** (metadata.yaml är orörd): {md_escape(str(e))}", gr.update(), *keep
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
        busy = False
        if res.changed or not docs.metadata_indexed(settings, doc_id):
            # re-indexed in the background: the reply never waits behind another file's (maybe long) indexing
            try:
                job = indexer.submit([docs.document_path(settings, doc_id)], why="metadata sparad")
            except errors as e:
                job = None
                msg.append(f"**Inte omindexerat ännu:** {md_escape(str(e))}. Ändringen är sparad i metadata.yaml.")
            if job is not None and indexer.wait(job, settings.app.index_wait_s):
                fail = job.failures().get(doc_id)
                if job.error is not None or fail:
                    msg.append(f"**Inte omindexerat ännu:** {md_escape(fail or str(job.error))}. Ändringen är "
                               "sparad i metadata.yaml men syns i sök och svar först efter nästa indexering – "
                               "spara igen om en stund (utan ändringar) eller kör `yttra ingest`.")
                else:
                    msg.append(f"Dokumentet är omindexerat ({job.report.embedded} nya inbäddningar).")
            elif job is not None:
                busy = True
                ahead = indexer.position(job)
                msg.append("Omindexeringen " + ("**pågår** i bakgrunden" if ahead == 0 else
                           f"är **köad** i bakgrunden ({ahead} jobb före, bl.a. en pågående indexering)")
                           + ": ändringen är sparad i metadata.yaml och syns i sök och svar när dokumentet är "
                           "indexerat. Statusen visas i tabellen ovan och uppdateras av sig själv.")
        else:
            msg.append("Ingen omindexering behövs.")
        return "<br>".join(msg), doc_table(), *on_meta_load(doc_id), gr.Timer(active=busy or indexer.busy())

    def on_load(request: gr.Request):
        """?dok=ID&sida=N (a citation link) opens the document tab at that page."""
        params = dict(request.query_params) if request else {}
        doc_id = params.get("dok", "")
        choices = doc_choices()
        if doc_id and doc_id in choices:
            view, slider = on_view(doc_id, page_param(params.get("sida")), False)
            return gr.Tabs(selected="dokument"), gr.update(value=doc_id, choices=choices), slider, view
        return gr.Tabs(), gr.update(choices=choices), gr.update(), gr.update()

    def on_poll():
        """While the background indexer works: the table, the status line and
        (when it is done) the choices follow it; the timer stops when idle."""
        busy = indexer.busy()
        done = () if busy else (*[gr.update(choices=c) for c in dropdowns(values())], gr.update(choices=doc_choices()))
        return (doc_table(), status(), gr.Timer(active=busy), *(done or [gr.update()] * 5))

    def on_poll_start():
        """Page load: the table as it is now (cheap: cached, nothing repaired) and the poll timer."""
        return gr.Timer(active=indexer.busy()), doc_table()

    # ---- layout
    with gr.Blocks(title="yttra – trygghetsprogrammet och nämndernas yttranden") as demo:
        gr.Markdown("# yttra\nFråga, jämför och skriv yttranden utifrån Stockholms stads trygghetsprogram och "
                    "nämndernas remissvar. Varje påstående har en källa.")
        status_md = gr.Markdown(status(), elem_id="yttra-status")
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
                            # only "Alla" until page load fills them (on_filters); API callers may
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
                with gr.Row():
                    cmp_csv = gr.File(label="Ladda ner CSV", interactive=False)
                    cmp_md = gr.File(label="Ladda ner Markdown", interactive=False)
                cmp_btn.click(on_compare, [topic], [cmp_out, cmp_csv, cmp_md], api_name="compare")
                topic.submit(on_compare, [topic], [cmp_out, cmp_csv, cmp_md], api_name=False)

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
                    d_docx = gr.File(label="Ladda ner .docx", interactive=False, elem_id="yttra-d-docx")
                    d_md = gr.File(label="Ladda ner Markdown", interactive=False)
                d_out = gr.Markdown(elem_id="yttra-d-out", sanitize_html=True)
                d_btn.click(on_draft, [d_title, d_remittent, d_dnr, d_namnd, d_date, d_points], [d_out, d_docx, d_md],
                            api_name="draft")

            with gr.Tab("Dokument", id="dokument"):
                table = gr.Dataframe(value=doc_table(), headers=["id", "nämnd", "titel", "typ", "program", "dnr",
                                                                 "datum/år", "sidor", "avsnitt", "status", "gissat"],
                                     interactive=False, wrap=True, label="Underlaget", elem_id="yttra-docs")
                with gr.Row():
                    view_doc = gr.Dropdown(doc_choices(), label="Dokument", elem_id="yttra-view-doc")
                    view_page = gr.Slider(1, 50, value=1, step=1, label="Sida", elem_id="yttra-view-page")
                    view_orig = gr.Checkbox(label="Visa original", value=False)
                view_out = gr.HTML(elem_id="yttra-view")
                for comp in (view_doc, view_page, view_orig):
                    comp.change(on_view, [view_doc, view_page, view_orig], [view_out, view_page], api_name=False)
                gr.Markdown(f"### Ladda upp\nPDF, DOCX eller TXT, högst {settings.app.max_upload_mb} MB per fil.")
                upload = gr.File(file_count="multiple", file_types=[".pdf", ".docx", ".txt"], label="Filer",
                                 elem_id="yttra-upload")
                up_btn = gr.Button("Ladda upp och indexera", elem_id="yttra-upload-btn")
                poll = gr.Timer(2.0, active=False)  # refreshes the table while the background indexer works
                up_out = gr.HTML(elem_id="yttra-upload-out")
                gr.Markdown("### Redigera metadata")
                m_choices = doc_choices()
                m_first = m_choices[0] if m_choices else None
                shown0, guessed0, info0, base0 = meta_view(m_first)  # the preselected document's values
                lab = lambda k: META_LABELS[k] + (" (gissat)" if k in guessed0 else "")  # noqa: E731
                with gr.Row():
                    m_doc = gr.Dropdown(m_choices, value=m_first, label="Dokument", elem_id="yttra-m-doc")
                    m_title = gr.Textbox(shown0["title"], label=lab("title"), elem_id="yttra-m-title")
                    m_namnd = gr.Textbox(shown0["namnd"], label=lab("namnd"), elem_id="yttra-m-namnd")
                with gr.Row():
                    m_type = gr.Dropdown(list(DOC_TYPES), value=shown0["doc_type"], label=lab("doc_type"),
                                         elem_id="yttra-m-type")
                    m_period = gr.Dropdown(["", *PERIODS], value=shown0["period"], label=lab("period"),
                                           allow_custom_value=True, elem_id="yttra-m-period")  # e.g. 2028-2031
                    m_dnr = gr.Textbox(shown0["dnr"], label=lab("dnr"), elem_id="yttra-m-dnr")
                    m_date = gr.Textbox(shown0["date"], label=lab("date"), elem_id="yttra-m-date")
                    m_year = gr.Textbox(shown0["year"], label=lab("year"), elem_id="yttra-m-year")
                m_info = gr.Markdown(info0, elem_id="yttra-m-info")
                m_clear = gr.Checkbox(False, label="Töm fält som lämnats tomma", elem_id="yttra-m-clear",
                                      info="Utan kryss ändrar ett tomt fält ingenting; kryssa i för att tömma det.")
                m_base = gr.State(base0)  # the values the form was loaded with: only differences are saved
                m_btn = gr.Button("Spara och omindexera", elem_id="yttra-m-save")
                m_out = gr.Markdown(elem_id="yttra-m-out")
                meta_fields = [m_title, m_namnd, m_type, m_period, m_dnr, m_date, m_year]
                meta_view_out = [*meta_fields, m_base, m_info, m_clear]
                up_btn.click(on_upload, [upload], [up_out, table, view_doc, f_namnd, f_type, f_period, f_year,
                                                   m_doc, poll], api_name=False)
                poll.tick(on_poll, None, [table, status_md, poll, f_namnd, f_type, f_period, f_year, m_doc],
                          api_name=False, show_progress="hidden")
                m_doc.change(on_meta_load, [m_doc], meta_view_out, api_name=False)
                m_btn.click(on_meta_save, [m_doc, *meta_fields, m_clear, m_base],
                            [m_out, table, *meta_view_out, poll], api_name=False)
        demo.load(on_load, None, [tabs, view_doc, view_page, view_out], api_name=False)
        demo.load(on_filters, None, [f_namnd, f_type, f_period, f_year], api_name=False)
        demo.load(on_meta_load, [m_doc], meta_view_out, api_name=False)  # current values, not the build-time ones
        demo.load(status, None, [status_md], api_name=False)
        demo.load(on_poll_start, None, [poll, table], api_name=False)  # a page opened while indexing runs follows it
        demo.unload(on_unload)
    demo.yttra_indexer = indexer
    if catch_up:  # app start: index in the background what a kill (or a copy into corpus/) left unindexed
        try:
            pending = docs.pending_files(settings)
        except Exception:  # noqa: BLE001 - a catch-up that cannot even look must not stop the app
            pending = []
        if pending:
            indexer.submit(pending, why="ikappindexering vid start")
    return demo


QUEUE_CONCURRENCY = 4  # events run at once per handler (gradio's queue); the rest wait in line


def launch_kwargs(settings: Settings) -> dict:
    """Keyword arguments for gr.Blocks.launch: host, port, login (only when
    both a username and a password are set), upload limit, and the download
    guard (assistant.outputs.DownloadGuard: a generated file is served only to
    the browser that made it). The tests launch with exactly these, so they
    exercise the same auth and download configuration."""
    from starlette.middleware import Middleware

    from assistant.outputs import DownloadGuard

    a = settings.app
    auth = (a.username, a.password.get_secret_value()) if a.username and a.password.get_secret_value() else None
    return dict(server_name=a.host, server_port=a.port, css=CSS, show_error=False, auth=auth,
                max_file_size=f"{a.max_upload_mb}mb", auth_message="Logga in för att använda yttra.",
                app_kwargs={"middleware": [Middleware(DownloadGuard, root=output_root())]})


def launch(settings: Settings) -> None:
    demo = build_app(settings, catch_up=True)
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY).launch(**launch_kwargs(settings))
