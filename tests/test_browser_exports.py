"""Issue 11, points 4 and 5, in real Chromium (Debian's, driven by Playwright),
doing what the handläggare did: compare nämnder and download the CSV and the
.xlsx, open them as Swedish Excel would (';', UTF-8 with BOM; openpyxl), write
a draft and download the .docx, render it with LibreOffice and check the page.

The app is launched with launch_kwargs (DownloadGuard included), over a copy of
the real corpus indexed with the fast test embedder. Screenshots and the
downloaded files go to tests/artifacts/exports/.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import CHROMIUM, CORPUS, HashEmbedder, launch_chromium, serve_app
from test_exports import A4_PT, ARTIFACTS, pdf_pages, save_png, soffice_pdf

pytestmark = [pytest.mark.browser, pytest.mark.integration]

if not os.path.exists(CHROMIUM):
    pytest.skip("Chromium is not installed (make test installs Debian's chromium)", allow_module_level=True)

TITLE = "Stockholms stads trygghetsprogram 2028–2031"
NAMND = "Skarpnäcks stadsdelsnämnd"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """(url, corpus folder) of the app as `yttra serve` launches it."""
    from index.local import LocalCorpus
    from index.pipeline import ingest
    from index.settings import Settings

    root = tmp_path_factory.mktemp("exports")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns(".metadata-history"))
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    assert ingest(settings, embedder=HashEmbedder(), progress=False).ok
    url, demo = serve_app(settings, LocalCorpus(settings, HashEmbedder()))
    yield url, corpus
    demo.close()


@pytest.fixture(scope="module")
def page(app):
    with launch_chromium() as b:
        ctx = b.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
        pg = ctx.new_page()
        pg.goto(app[0], timeout=60_000)
        yield pg
        ctx.close()


def download(page, box: str, target_dir: Path) -> Path:
    """Click the download link in the gr.File with elem_id `box`; the file as the browser saved it."""
    link = page.locator(f"#{box} a[href*='file=']").first
    link.wait_for(timeout=120_000)
    with page.expect_download(timeout=60_000) as dl:
        link.click()
    target = target_dir / dl.value.suggested_filename
    dl.value.save_as(target)
    return target


def no_server_path(text: str, corpus: Path) -> None:
    assert str(corpus) not in text and str(corpus.parent) not in text and "/tmp/" not in text


def test_compare_downloads_open_in_swedish_excel(app, page, tmp_path):
    from openpyxl import load_workbook

    from assistant.compare import EXPORT_HEADER

    url, corpus = app
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("tab", name="Jämför nämnder").click()
    page.get_by_label("Ämne").fill("ordningsvakter")
    page.locator("#yttra-compare").click()
    page.locator("#yttra-comparison").get_by_text("positiv").first.wait_for(timeout=120_000)

    csv_file = download(page, "yttra-cmp-csv", tmp_path)
    assert csv_file.name == "jamforelse_ordningsvakter.csv"
    raw = csv_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "no BOM: Excel would read the file as ANSI"
    with open(csv_file, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == EXPORT_HEADER and len(rows) >= 3
    assert all(len(r) == len(EXPORT_HEADER) for r in rows)  # one column per field, not one long column
    names = [r[0] for r in rows[1:]]
    assert "Spånga-Tensta stadsdelsnämnd" in names and "Kyrkogårdsnämnden" in names  # å/ä intact
    sources = [r[EXPORT_HEADER.index("Källa")] for r in rows[1:] if r[EXPORT_HEADER.index("Källa")]]
    assert sources and all(re.fullmatch(r"corpus/[^/]+\.(txt|pdf|docx), s\. \d+(–\d+)?", s) for s in sources)
    no_server_path(raw.decode("utf-8-sig"), corpus)
    shutil.copy(csv_file, ARTIFACTS / csv_file.name)

    xlsx_file = download(page, "yttra-cmp-xlsx", tmp_path)
    assert xlsx_file.name == "jamforelse_ordningsvakter.xlsx"
    ws = load_workbook(xlsx_file)["Jämförelse"]
    xrows = [[c.value for c in row] for row in ws.iter_rows()]
    assert xrows[0] == EXPORT_HEADER
    assert [r[0] for r in xrows[1:]] == names
    xsources = [r[EXPORT_HEADER.index("Källa")] for r in xrows[1:] if r[EXPORT_HEADER.index("Källa")]]
    assert xsources == sources
    no_server_path("\n".join(str(v) for r in xrows for v in r if v is not None), corpus)
    shutil.copy(xlsx_file, ARTIFACTS / xlsx_file.name)
    page.screenshot(path=str(ARTIFACTS / "jamfor.png"), full_page=True)


def test_draft_docx_is_an_a4_tjansteutlatande(app, page, tmp_path):
    from docx import Document

    page.get_by_role("tab", name="Skriv yttrande").click()
    page.get_by_label("Remissens titel").fill(TITLE)
    page.get_by_label("Egen nämnd").fill(NAMND)
    page.get_by_label("Diarienummer").fill("KS 2027/1234")
    page.get_by_label("Datum (ÅÅÅÅ-MM-DD)").fill("2027-11-20")
    page.get_by_label("Det vi vill framföra (en punkt per rad)").fill(
        "samverkan med polisen behöver stärkas\nordningsvakter i offentlig miljö")
    page.locator("#yttra-draft").click()
    page.locator("#yttra-d-out").get_by_text(f"{NAMND} godkänner").first.wait_for(timeout=120_000)

    docx_file = download(page, "yttra-d-docx", tmp_path)
    assert docx_file.name == "yttrande_Stockholms_stads_trygghetsprogram_2028_2031.docx"  # not cut mid-word
    doc = Document(str(docx_file))
    assert doc.core_properties.author == NAMND and doc.core_properties.title == TITLE
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Formulering från" not in body and "prejudikat" not in body.lower()
    assert len(doc.comments) >= 3 and any("corpus/" in c.text for c in doc.comments)

    pdf = soffice_pdf(docx_file, tmp_path / "pdf")
    pages = pdf_pages(pdf)
    assert all(abs(w - A4_PT[0]) < 2 and abs(h - A4_PT[1]) < 2 for w, h, _ in pages), [p[:2] for p in pages]
    first = re.sub(r"\s+", " ", pages[0][2])
    for needle in ("Skarpnäcks stadsdelsförvaltning", "Tjänsteutlåtande", "Dnr KS 2027/1234", "2027-11-20",
                   "Handläggare", "Till", NAMND, TITLE, f"Sida 1 ({len(pages)})"):
        assert needle in first, needle
    assert all("Formulering från" not in t for _, _, t in pages)
    shutil.copy(docx_file, ARTIFACTS / docx_file.name)
    save_png(pdf, ARTIFACTS / "skriv-docx-sida1.png")
    page.screenshot(path=str(ARTIFACTS / "skriv.png"), full_page=True)
