"""The app served for real on 127.0.0.1 and driven over HTTP with gradio_client."""

import socket
import urllib.request

import pytest

from assistant.app import answer_markdown, build_app, md_escape, render_hits
from index.pipeline import ingest
from index.search import SearchIndex
from index.types import Answer

ALL = "Alla"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tiny_settings):
    ingest(tiny_settings, progress=False)
    demo = build_app(tiny_settings)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_page_is_served_locally_in_swedish(served):
    page = urllib.request.urlopen(served, timeout=30).read().decode("utf-8")
    assert "yttra" in page


def test_ask_returns_cited_answer_and_sources(served, tiny_settings):
    from gradio_client import Client

    client = Client(served, verbose=False)
    # gradio_client leaves out gr.State inputs/outputs (the conversation history).
    _, chat, sources = client.predict("Vad tycker nämnden om ordningsvakter?", [], ALL, ALL, ALL, ALL,
                                      api_name="/ask")
    reply = chat[-1]["content"]
    reply = reply if isinstance(reply, str) else str(reply)
    assert "Spånga" in reply and "[1]" in reply
    assert "Källor" in sources and "<mark>" in sources
    assert "corpus/" not in sources and str(tiny_settings.corpus_dir) not in sources  # no server paths (issue 11)
    assert "Trygghetsprogrammet – svar på remiss" in sources  # the title instead
    assert "?dok=a_sdn&amp;sida=" in sources or "?dok=a_sdn&sida=" in sources


def test_compare_and_draft_endpoints(served):
    from gradio_client import Client

    client = Client(served, verbose=False)
    table, csv_file, md_file = client.predict("ordningsvakter", api_name="/compare")
    assert "Spånga-Tensta stadsdelsnämnd" in table and "positiv" in table
    assert csv_file and md_file
    md, docx, md2 = client.predict("Trygghetsprogram 2028–2031", "kommunstyrelsen", "", "Skarpnäcks stadsdelsnämnd",
                                   "2027-11-20", "kommunikation", api_name="/draft")
    assert "Skarpnäcks stadsdelsnämnd" in md and docx
    bad, _, _ = client.predict("", "kommunstyrelsen", "", "", "13/12/2023", "", api_name="/draft")
    assert "Kan inte skapa utkast" in bad


def test_document_text_is_escaped(tiny_settings, tiny_corpus):
    (tiny_corpus / "evil.txt").write_text("Sammanfattning\n<script>alert(1)</script> <b>trygghet</b> "
                                          "[klicka](javascript:alert(1)) ![x](http://evil/x.png)\n", encoding="utf-8")
    ingest(tiny_settings, progress=False)
    index = SearchIndex.load(tiny_settings.index_dir)
    hits = index.search("alert script trygghet klicka", None, k=5, mode="bm25")
    html = render_hits(hits)
    assert "<script>" not in html and "&lt;script&gt;" in html
    md = md_escape("<script>x</script> [klicka](javascript:alert(1)) ![x](y)")
    assert "<script>" not in md and "](" not in md and "![" not in md


def test_answer_markdown_keeps_our_markers_only():
    a = Answer(question="q", text="**Nämnd (2021)** skriver: »text med <b>html</b> och [länk](x)« [1]")
    md = answer_markdown(a)
    assert md.startswith("**Nämnd") and md.endswith("[1]")
    assert "<b>" not in md and "](" not in md
