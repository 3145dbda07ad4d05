"""The UI driven in real headless Chromium (Debian's /usr/bin/chromium) with Playwright.

Asks a question, sees citations, opens a source, switches tabs, compares
nämnder, downloads a draft, and checks that hostile document text is shown
as text. Screenshots go to tests/artifacts/.
"""

import os
import shutil
from pathlib import Path

import pytest

from conftest import CHROMIUM, launch_chromium, serve_app, upload_in_app
from index.pipeline import ingest

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

# Markdown images/links and HTML in a document's title and nämnd (issue 12): must never be fetched or linked.
EVIL = "evil.invalid"
HOSTILE_META = f"""
"zz_hostile":
  title: "![x](http://{EVIL}/title.png) [logga in här](http://{EVIL}/login) <img src=http://{EVIL}/t2.png>"
  namnd: "Ondnämnden ![n](http://{EVIL}/namnd.png) [logga in](http://{EVIL}/n)"
  doc_type: yttrande
  year: 2023
"""

if not os.path.exists(CHROMIUM):
    pytest.skip("Chromium is not installed (make test installs Debian's chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    from index.settings import Settings

    root = tmp_path_factory.mktemp("browser")
    corpus = root / "corpus"
    shutil.copytree(Path(__file__).resolve().parent.parent / "corpus", corpus)
    (corpus / "zz_hostile.txt").write_text(
        "Sammanfattning\nFörvaltningen testar trygghetsvandringar. <img src=x onerror=\"window.__pwned=1\">"
        "<script>window.__pwned=2</script> [klicka här](javascript:window.__pwned=3)\n\n"
        "Förvaltningens synpunkter\nFörvaltningen anser att nattliga trygghetsvandringar med pannlampor "
        "behövs i alla stadsdelar.\n", encoding="utf-8")
    with open(corpus / "metadata.yaml", "a", encoding="utf-8") as fh:  # hostile metadata, editable in the app
        fh.write(HOSTILE_META)
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    ingest(settings, progress=False)
    url, demo = serve_app(settings)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def browser():
    with launch_chromium() as b:
        yield b


def test_ask_cite_open_source_compare_and_download_draft(app_url, browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url, timeout=60_000)
    page.get_by_label("Fråga", exact=True).fill("Vad säger nämnderna om ordningsvakter?")
    page.locator("#yttra-ask").click()
    sources = page.locator("#yttra-sources")
    sources.get_by_text("Källor").wait_for(timeout=60_000)
    assert "Spånga-Tensta stadsdelsnämnd" in sources.inner_text()
    assert page.locator("#yttra-sources mark").count() >= 1
    chat = page.locator("#yttra-chat").inner_text()
    assert "[1]" in chat
    page.screenshot(path=str(ARTIFACTS / "fraga.png"), full_page=True)

    # Open the cited source: the link opens the document tab at that page.
    with page.context.expect_page() as new:
        sources.get_by_role("link", name="Öppna dokumentet").first.click()
    doc = new.value
    doc.wait_for_load_state()
    doc.locator("#yttra-view").get_by_text("Sida 4 av").wait_for(timeout=60_000)
    assert "ordningsvakternas roll" in doc.locator("#yttra-view").inner_text()
    doc.screenshot(path=str(ARTIFACTS / "dokument.png"), full_page=True)
    doc.close()

    # Compare nämnder.
    page.get_by_role("tab", name="Jämför nämnder").click()
    page.get_by_label("Ämne").fill("ordningsvakter")
    page.locator("#yttra-compare").click()
    page.locator("#yttra-comparison").get_by_text("positiv").first.wait_for(timeout=60_000)
    assert "ej berört" in page.locator("#yttra-comparison").inner_text()
    page.screenshot(path=str(ARTIFACTS / "jamfor.png"), full_page=True)

    # Draft and download the .docx.
    page.get_by_role("tab", name="Skriv yttrande").click()
    page.get_by_label("Remissens titel").fill("Stockholms stads trygghetsprogram 2028–2031")
    page.get_by_label("Egen nämnd").fill("Skarpnäcks stadsdelsnämnd")
    page.get_by_label("Det vi vill framföra (en punkt per rad)").fill("samverkan med polisen")
    page.locator("#yttra-draft").click()
    page.locator("#yttra-d-out").get_by_text("Skarpnäcks stadsdelsnämnd godkänner").first.wait_for(timeout=120_000)
    link = page.locator("#yttra-d-docx a[download], #yttra-d-docx a").first
    link.wait_for(timeout=60_000)
    with page.expect_download() as dl:
        link.click()
    target = tmp_path / "utkast.docx"
    dl.value.save_as(target)
    import docx

    text = "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
    assert "Skarpnäcks stadsdelsnämnd" in text and "Formulering från" not in text
    import zipfile

    with zipfile.ZipFile(target) as z:  # the earlier yttranden are Word comments beside the text they support
        assert "word/comments.xml" in z.namelist() and "corpus/" in z.read("word/comments.xml").decode("utf-8")
    page.screenshot(path=str(ARTIFACTS / "skriv.png"), full_page=True)
    page.close()


def test_hostile_document_is_shown_as_text(app_url, browser):
    page = browser.new_page()
    page.goto(app_url, timeout=60_000)
    page.get_by_label("Fråga", exact=True).fill("trygghetsvandringar onerror script klicka")
    page.locator("#yttra-ask").click()
    page.locator("#yttra-sources .yttra-hit").first.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None  # no injected script or handler ran
    assert page.locator("#yttra-sources img").count() == 0
    assert page.locator("#yttra-chat script, #yttra-chat img[src='x']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert "<script>" in page.locator("#yttra-sources").inner_text()  # visible as text
    page.goto(app_url + "?dok=zz_hostile&sida=1", timeout=60_000)
    page.locator("#yttra-view").get_by_text("Sida 1 av").wait_for(timeout=60_000)
    assert page.evaluate("window.__pwned") is None
    assert "<img src=x" in page.locator("#yttra-view").inner_text()
    page.screenshot(path=str(ARTIFACTS / "hostile.png"), full_page=True)
    page.close()


def test_upload_a_pdf_in_the_browser_and_find_it(app_url, browser, tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    for text in ("Sammanfattning", "Förvaltningen föreslår fler parkvakter vid Årstaviken under sommaren."):
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 8, text)
    path = tmp_path / "Yttrande parkvakter.pdf"
    pdf.output(str(path))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url, timeout=60_000)
    upload_in_app(page, path)
    page.screenshot(path=str(ARTIFACTS / "uppladdning.png"), full_page=True)
    page.get_by_role("tab", name="Fråga").click()
    page.get_by_label("Fråga", exact=True).fill("parkvakter vid Årstaviken")
    page.locator("#yttra-ask").click()
    page.locator("#yttra-sources").get_by_text("Yttrande parkvakter").first.wait_for(timeout=60_000)
    assert "s. 1–2" in page.locator("#yttra-sources").inner_text()  # heading on page 1, text on page 2
    page.close()


def test_hostile_title_and_namnd_fetch_nothing(app_url, browser):
    """A hostile title and nämnd (metadata.yaml) through every view: chat,
    sources, comparison, draft, document list. Chromium requests nothing
    outside the app, and no link or image points anywhere else."""
    from urllib.parse import urlparse

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(app_url, timeout=60_000)
    page.get_by_label("Fråga", exact=True).fill("nattliga trygghetsvandringar med pannlampor")
    page.locator("#yttra-ask").click()
    page.locator("#yttra-sources").get_by_text("Ondnämnden").first.wait_for(timeout=60_000)
    page.get_by_role("tab", name="Jämför nämnder").click()
    page.get_by_label("Ämne").fill("nattliga trygghetsvandringar med pannlampor")
    page.locator("#yttra-compare").click()
    page.locator("#yttra-comparison").get_by_text("Ondnämnden").first.wait_for(timeout=60_000)
    page.get_by_role("tab", name="Skriv yttrande").click()
    page.get_by_label("Remissens titel").fill("Stockholms stads trygghetsprogram 2028–2031")
    page.get_by_label("Egen nämnd").fill("Skarpnäcks stadsdelsnämnd")
    page.get_by_label("Det vi vill framföra (en punkt per rad)").fill("nattliga trygghetsvandringar med pannlampor")
    page.locator("#yttra-draft").click()
    draft = page.locator("#yttra-d-out")
    draft.get_by_text("Källor").first.wait_for(timeout=120_000)
    page.get_by_role("tab", name="Dokument").click()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "hostile_meta.png"), full_page=True)
    chat = page.locator("#yttra-chat").inner_text()
    assert "Ondnämnden ![n](http://evil.invalid/namnd.png)" in chat  # the nämnd shown as written, in Markdown
    assert "[logga in här](http://evil.invalid/login)" in draft.inner_text()  # the title, in the draft's Källor
    hosts = {urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    print("hosts requested:", sorted(h or "" for h in hosts))
    assert not [u for u in requests if EVIL in u]
    assert hosts <= {"127.0.0.1", "localhost"}, hosts
    assert EVIL not in "".join(el.get_attribute("href") or "" for el in page.locator("a[href]").all())
    assert page.locator(f"img[src*='{EVIL}']").count() == 0
    for area in ("#yttra-chat", "#yttra-sources", "#yttra-comparison", "#yttra-d-out"):
        assert page.locator(f"{area} img").count() == 0, area
        for el in page.locator(f"{area} a[href]").all():  # only our own links to a document page
            assert (el.get_attribute("href") or "").startswith("?dok="), (area, el.get_attribute("href"))
    page.close()
