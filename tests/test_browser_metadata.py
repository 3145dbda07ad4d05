"""Issue 11 point 1 in real headless Chromium: what the user did in
Dokument → Redigera metadata. Saving the preselected document without edits
leaves metadata.yaml byte-identical; changing one field changes only that
value (comments kept, previous file in .metadata-history); a field emptied
without the confirmation box blanks nothing; guessed values are marked.
Screenshot: tests/artifacts/metadata.png."""

import os
import re
import shutil
from pathlib import Path

import pytest

from assistant.documents import list_documents, metadata_history
from index.metadata import load_metadata_file
from conftest import CHROMIUM, launch_chromium, serve_app
from index.pipeline import ingest

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CORPUS = Path(__file__).resolve().parent.parent / "corpus"
FIRST, OTHER = "000_3597c3daaecaf7f2", "003_8cbd9df508089135"

if not os.path.exists(CHROMIUM):
    pytest.skip("Chromium is not installed (make test installs Debian's chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """Two real documents, the real commented metadata.yaml, and one new file without an entry."""
    from index.settings import Settings

    root = tmp_path_factory.mktemp("browser-meta")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in (f"{FIRST}.txt", f"{OTHER}.txt", "metadata.yaml"):
        shutil.copy(CORPUS / name, corpus / name)
    (corpus / "zz_ny.txt").write_text("Till\nKyrkogårdsnämnden\n\nSammanfattning\nFörvaltningen ställer sig positiv "
                                      "till trygghetsvandringar på begravningsplatserna.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    assert ingest(settings, progress=False).ok
    url, demo = serve_app(settings)
    yield url, settings
    demo.close()


@pytest.fixture(scope="module")
def browser():
    with launch_chromium() as b:
        yield b


def _field(page, name):
    return page.locator(f"#yttra-m-{name} textarea, #yttra-m-{name} input").first


def _pick(page, label):
    """Pick a document in the form's dropdown by (part of) its label, 'nämnd · år · titel'."""
    box = page.locator("#yttra-m-doc input").first
    box.click()
    box.fill(label)
    page.get_by_role("option", name=re.compile(re.escape(label))).first.click()


def test_save_without_edits_then_one_field(app, browser):
    from playwright.sync_api import expect

    url, settings = app
    path = Path(settings.corpus_dir) / "metadata.yaml"
    original = path.read_bytes()
    entries = load_metadata_file(path)
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(url, timeout=60_000)
    page.get_by_role("tab", name="Dokument").click()

    # The preselected document's values are in the form (the bug: every field empty).
    expect(_field(page, "title")).to_have_value(entries[FIRST]["title"], timeout=60_000)
    expect(_field(page, "namnd")).to_have_value("Spånga-Tensta stadsdelsnämnd")
    expect(_field(page, "dnr")).to_have_value("KS 2019/1939")
    expect(_field(page, "year")).to_have_value("2021")

    # Save without touching anything: the file stays byte-identical.
    out = page.locator("#yttra-m-out")
    page.locator("#yttra-m-save").click()
    expect(out).to_contain_text("Inga ändringar", timeout=120_000)
    assert path.read_bytes() == original
    assert metadata_history(settings) == []

    # Change one field of another document: only that value changes, comments survive.
    _pick(page, "Hägersten-Liljeholmens")  # OTHER
    expect(_field(page, "title")).to_have_value(entries[OTHER]["title"], timeout=60_000)
    _field(page, "dnr").fill("HL 2017/1234")
    page.locator("#yttra-m-save").click()
    expect(out).to_contain_text("Sparat", timeout=180_000)
    expect(out).to_contain_text("omindexerat", timeout=180_000)
    assert ".metadata-history/" in out.inner_text()
    before, after = original.decode("utf-8").splitlines(), path.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and changed == [('  dnr: ""           # not stated in the text',
                                                       '  dnr: "HL 2017/1234"           # not stated in the text')]
    [backup] = metadata_history(settings)
    assert backup.read_bytes() == original
    row = {d.doc_id: d for d in list_documents(settings)}[OTHER]
    assert row.indexed and row.dnr == "HL 2017/1234"

    # Emptying a field without ticking "Töm fält som lämnats tomma" blanks nothing.
    saved = path.read_bytes()
    _field(page, "title").fill("")
    page.locator("#yttra-m-save").click()
    expect(out).to_contain_text("Tomma fält ändrades inte", timeout=120_000)
    assert path.read_bytes() == saved
    expect(_field(page, "title")).to_have_value(entries[OTHER]["title"])  # the form shows the kept value again

    # A document without an entry shows its guessed values, marked as guessed.
    _pick(page, "Kyrkogårdsnämnden")  # zz_ny, its nämnd guessed
    expect(_field(page, "namnd")).to_have_value("Kyrkogårdsnämnden", timeout=60_000)
    expect(page.locator("#yttra-m-namnd")).to_contain_text("gissat")
    expect(page.locator("#yttra-m-info")).to_contain_text("gissade")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "metadata.png"), full_page=True)
    page.locator("#yttra-m-save").click()
    expect(out).to_contain_text("Inga ändringar", timeout=120_000)
    assert path.read_bytes() == saved
    page.close()
