"""Issue 12, downloads in real Chromium: a draft's .docx is downloaded by the
browser that made it; another browser (its own cookie jar) gets 403 for the
very same URL; closing the tab deletes the file. The app is launched with
launch_kwargs, as `yttra serve` launches it (the DownloadGuard included)."""

from __future__ import annotations

import os
import time
import urllib.parse
from pathlib import Path

import pytest

from conftest import CHROMIUM, HashEmbedder, launch_chromium, serve_app
from index.local import LocalCorpus
from index.pipeline import ingest

pytestmark = [pytest.mark.browser, pytest.mark.integration]

if not os.path.exists(CHROMIUM):
    pytest.skip("Chromium is not installed (make test installs Debian's chromium)", allow_module_level=True)


@pytest.fixture
def guarded_app(tiny_settings):

    assert ingest(tiny_settings, embedder=HashEmbedder(), progress=False).ok
    url, demo = serve_app(tiny_settings, LocalCorpus(tiny_settings, HashEmbedder()))
    yield url
    demo.close()


def test_only_the_drafting_browser_gets_the_draft(guarded_app):
    with launch_chromium() as b:
        mine = b.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
        other = b.new_context()
        page = mine.new_page()
        page.goto(guarded_app, timeout=60_000)
        page.get_by_role("tab", name="Skriv yttrande").click()
        page.get_by_label("Remissens titel").fill("Stockholms stads trygghetsprogram 2028–2031")
        page.get_by_label("Egen nämnd").fill("Skarpnäcks stadsdelsnämnd")
        page.get_by_label("Det vi vill framföra (en punkt per rad)").fill("samverkan med polisen")
        page.locator("#yttra-draft").click()
        link = page.locator("#yttra-d-docx a[href*='file=']").first
        link.wait_for(timeout=120_000)
        href = urllib.parse.urljoin(guarded_app, link.get_attribute("href"))
        assert "yttra-out" in href

        assert mine.request.get(href).status == 200  # the drafting browser's cookie jar
        with page.expect_download(timeout=60_000) as dl:
            link.click()
        assert Path(dl.value.path()).stat().st_size > 1000  # a real .docx arrived in that browser
        assert other.request.get(href).status == 403  # another browser, same URL
        stranger = other.new_page()
        resp = stranger.goto(href)
        assert resp is not None and resp.status == 403

        path = Path(urllib.parse.unquote(href.split("file=", 1)[1]))
        assert path.is_file()
        page.close()  # the tab closes: the session ends and its downloads are deleted
        deadline = time.monotonic() + 90
        while path.exists() and time.monotonic() < deadline:
            time.sleep(1)
        assert not path.exists() and not path.parent.exists()
        mine.close()
        other.close()
