"""Gradio web app (thin layer): a Swedish question in, the top passages with
their citations out. Handlers call library functions; domain errors become
Swedish messages. Document text is untrusted and always HTML-escaped."""

from __future__ import annotations

import html
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home; the machine is offline

import gradio as gr  # noqa: E402

from index.retriever import Retriever
from index.search import FilterError
from index.settings import Settings
from index.store import IndexStoreError
from index.embed import EmbedderError
from index.types import Hit

CSS = """
.yttra-hit {border:1px solid #d0d7de; border-radius:8px; padding:10px 14px; margin:8px 0;}
.yttra-cite {font-size:0.9em; color:#444; margin-bottom:6px;}
.yttra-passage {white-space:pre-wrap; font-family:inherit; margin:0;}
"""

ALL = "Alla"


def render_hits(hits: list[Hit]) -> str:
    """HTML for a list of hits; every piece of document text is escaped."""
    if not hits:
        return "<p>Jag hittar inget i underlaget som matchar frågan.</p>"
    out = []
    for h in hits:
        c = h.chunk
        cite = (f"[{h.rank}] <b>{html.escape(c.namnd or c.doc_id)}</b>"
                f"{' (' + str(c.year) + ')' if c.year else ''} · {html.escape(c.title)}<br>"
                f"s. {html.escape(c.pages)} · {html.escape(c.section)} · "
                f"<code>{html.escape(c.source)}</code>")
        out.append(f'<div class="yttra-hit"><div class="yttra-cite">{cite}</div>'
                   f'<pre class="yttra-passage">{html.escape(c.text.strip())}</pre></div>')
    return "\n".join(out)


def build_app(settings: Settings, retriever: Retriever | None = None) -> gr.Blocks:
    retriever = retriever or Retriever(settings)
    try:
        values = retriever.index.filter_values()
        status = f"Index: {len(retriever.index)} avsnitt."
    except IndexStoreError as e:
        values = {"namnd": [], "doc_type": [], "period": [], "year": []}
        status = f"Inget index ännu: {e}"

    def on_search(query: str, namnd: str, doc_type: str, period: str, year: str, k: int):
        query = (query or "").strip()
        if not query:
            return "<p>Skriv en fråga.</p>"
        filters = {"namnd": None if namnd in (None, ALL) else namnd,
                   "doc_type": None if doc_type in (None, ALL) else doc_type,
                   "period": None if period in (None, ALL) else period,
                   "year": None if year in (None, ALL) else int(year)}
        try:
            hits = retriever.search(query[:2000], k=int(k), filters=filters)
        except (IndexStoreError, FilterError, EmbedderError, ValueError) as e:
            return f"<p><b>Fel:</b> {html.escape(str(e))}</p>"
        return render_hits(hits)

    with gr.Blocks(title="yttra – sök i trygghetsprogrammet") as demo:
        gr.Markdown("# yttra\nSök i Stockholms stads trygghetsprogram och nämndernas yttranden. "
                    "Varje träff visar nämnd, dokument, sida och avsnitt.")
        gr.Markdown(status, elem_id="yttra-status")
        with gr.Row():
            query = gr.Textbox(label="Fråga", placeholder="Vad säger nämnderna om ordningsvakter?",
                               scale=5, elem_id="yttra-query")
            button = gr.Button("Sök", variant="primary", scale=1, elem_id="yttra-search")
        with gr.Row():
            namnd = gr.Dropdown([ALL] + values["namnd"], value=ALL, label="Nämnd")
            doc_type = gr.Dropdown([ALL] + values["doc_type"], value=ALL, label="Dokumenttyp")
            period = gr.Dropdown([ALL] + values["period"], value=ALL, label="Programversion")
            year = gr.Dropdown([ALL] + [str(y) for y in values["year"]], value=ALL, label="År")
            k = gr.Slider(1, 20, value=settings.search.k, step=1, label="Antal träffar")
        results = gr.HTML(elem_id="yttra-results")
        inputs = [query, namnd, doc_type, period, year, k]
        button.click(on_search, inputs, results, api_name="search")
        query.submit(on_search, inputs, results, api_name=False)
    return demo


def launch(settings: Settings) -> None:
    demo = build_app(settings)
    demo.queue(default_concurrency_limit=4).launch(
        server_name=settings.app.host, server_port=settings.app.port, css=CSS, show_error=False)
