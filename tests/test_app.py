"""The minimal app served for real on 127.0.0.1, queried over HTTP with gradio_client."""

import socket
import urllib.request

import pytest

from assistant.app import build_app, render_hits
from index.pipeline import ingest
from index.search import SearchIndex


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tiny_settings):
    ingest(tiny_settings, progress=False)
    demo = build_app(tiny_settings)
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_page_is_served_locally_in_swedish(served):
    html = urllib.request.urlopen(served, timeout=30).read().decode("utf-8")
    assert "yttra" in html


def test_question_returns_cited_passages(served):
    from gradio_client import Client

    client = Client(served, verbose=False)
    out = client.predict("Vad tycker nämnden om ordningsvakter?", "Alla", "Alla", "Alla", "Alla", 3, api_name="/search")
    assert "Spånga-Tensta stadsdelsnämnd" in out and "s. " in out and "Sammanfattning" in out
    out = client.predict("trygghet", "Kyrkogårdsnämnden", "Alla", "Alla", "Alla", 5, api_name="/search")
    assert "Kyrkogårdsnämnden" in out and "Spånga-Tensta" not in out
    assert "Skriv en fråga" in client.predict("  ", "Alla", "Alla", "Alla", "Alla", 3, api_name="/search")


def test_document_text_is_escaped(tiny_settings, tiny_corpus):
    (tiny_corpus / "evil.txt").write_text("Sammanfattning\n<script>alert(1)</script> <b>trygghet</b>\n", encoding="utf-8")
    ingest(tiny_settings, progress=False)
    index = SearchIndex.load(tiny_settings.index_dir)
    hits = index.search("alert script trygghet", None, k=5, mode="bm25")
    html = render_hits(hits)
    assert "<script>" not in html and "&lt;script&gt;" in html
