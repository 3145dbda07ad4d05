"""Issue 12 caveat 4 in real headless Chromium: the metadata form shows and
saves "Remissens diarienummer" and "Handläggare". Guessed values are marked
(gissat) and not written unless the user changes them; a value the user types
is saved alone; a field emptied without the confirmation box blanks nothing.
Screenshot: tests/artifacts/metadata_fields.png."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import CHROMIUM, HashEmbedder, launch_chromium, serve_app
from index.local import LocalCorpus
from index.metadata import load_metadata_file
from index.pipeline import ingest
from index.store import read_catalogue
from test_metadata_save import TU_TEXT

pytestmark = [pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

if not os.path.exists(CHROMIUM):
    pytest.skip("Chromium is not installed (make test installs Debian's chromium)", allow_module_level=True)


def _field(page, name):
    return page.locator(f"#yttra-m-{name} textarea, #yttra-m-{name} input").first


def test_remiss_dnr_and_handlaggare_in_the_form(tiny_settings):
    from playwright.sync_api import expect

    (Path(tiny_settings.corpus_dir) / "c_tu.txt").write_text(TU_TEXT, encoding="utf-8")
    s = tiny_settings.with_overrides(app__index_wait_s=30.0)
    assert ingest(s, embedder=HashEmbedder(), progress=False).ok
    path = Path(s.corpus_dir) / "metadata.yaml"
    url, demo = serve_app(s, LocalCorpus(s, HashEmbedder()))
    try:
        with launch_chromium() as b:
            page = b.new_page(viewport={"width": 1400, "height": 1400})
            page.goto(url, timeout=60_000)
            page.get_by_role("tab", name="Dokument").click()
            box = page.locator("#yttra-m-doc input").first
            expect(box).to_have_value(re.compile(r"\S"), timeout=60_000)  # the page load filled the form
            box.click()
            box.fill("Remiss av trygghetsprogram")
            page.get_by_role("option", name=re.compile("Remiss av trygghetsprogram")).first.click()

            expect(_field(page, "remiss-dnr")).to_have_value("KS 2023/739", timeout=60_000)
            expect(_field(page, "handlaggare")).to_have_value("Anna Lindqvist")
            expect(page.locator("#yttra-m-remiss-dnr")).to_contain_text("Remissens diarienummer (gissat)")
            expect(page.locator("#yttra-m-handlaggare")).to_contain_text("Handläggare (gissat)")

            out = page.locator("#yttra-m-out")
            _field(page, "handlaggare").fill("Karin Berg")
            page.locator("#yttra-m-save").click()
            expect(out).to_contain_text("Handläggare → ”Karin Berg”", timeout=120_000)
            expect(out).to_contain_text("omindexerat", timeout=120_000)
            assert load_metadata_file(path)["c_tu"] == {"handlaggare": "Karin Berg"}  # the guesses stay guesses
            expect(page.locator("#yttra-m-handlaggare")).not_to_contain_text("gissat")
            expect(page.locator("#yttra-m-remiss-dnr")).to_contain_text("gissat")

            _field(page, "remiss-dnr").fill("")
            _field(page, "dnr").fill("KF 2023/89")
            page.locator("#yttra-m-save").click()
            expect(out).to_contain_text("Tomma fält ändrades inte (Remissens diarienummer)", timeout=120_000)
            assert load_metadata_file(path)["c_tu"] == {"handlaggare": "Karin Berg", "dnr": "KF 2023/89"}
            expect(_field(page, "remiss-dnr")).to_have_value("KS 2023/739")  # shown again, still guessed
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "metadata_fields.png"), full_page=True)
            page.close()
        assert demo.yttra_indexer.join(60)
        rec = read_catalogue(s.index_dir)["c_tu"]["meta"]
        assert rec["handlaggare"] == "Karin Berg" and rec["dnr"] == "KF 2023/89" and "remiss_dnr" in rec["guessed"]
    finally:
        demo.close()
