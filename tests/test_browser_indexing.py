"""Issue 12 finding 7 in real Chromium: an upload whose (simulated, gated)
embedding runs long gets its reply at once, and the Dokument tab's table
follows the background indexing by itself (indexeras → indexerad), no reload."""

from __future__ import annotations

import os
import socket

import pytest

from conftest import CHROMIUM, launch_chromium, upload_in_app
from index.local import LocalCorpus
from index.pipeline import ingest
from test_hostile_writes import YTTRANDE, GatedEmbedder

pytestmark = [pytest.mark.browser, pytest.mark.integration]

if not os.path.exists(CHROMIUM):
    pytest.skip("Chromium is not installed (make test installs Debian's chromium)", allow_module_level=True)


def test_the_table_follows_background_indexing(tiny_settings, tmp_path):
    from playwright.sync_api import expect

    from assistant.app import QUEUE_CONCURRENCY, build_app, launch_kwargs

    emb = GatedEmbedder("LÅNGSAMT")
    s = tiny_settings.with_overrides(app__index_wait_s=1.0)
    assert ingest(s, embedder=emb, progress=False).ok
    demo = build_app(s, LocalCorpus(s, emb))
    kw = launch_kwargs(s)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        kw.update(server_port=sock.getsockname()[1], prevent_thread_lock=True, quiet=True)
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY).launch(**kw)
    upload = tmp_path / "langsam.txt"
    upload.write_text(YTTRANDE + "Förvaltningen vill se LÅNGSAMT växande trygghetsvandringar.\n", encoding="utf-8")
    try:
        with launch_chromium() as b:
            page = b.new_page(viewport={"width": 1400, "height": 1200})
            page.goto(f"http://127.0.0.1:{kw['server_port']}/", timeout=60_000)
            out = upload_in_app(page, upload, timeout=60_000)
            expect(out).to_contain_text("pågår i bakgrunden")
            row = page.locator("#yttra-docs .virtual-row", has_text="langsam.txt")  # gradio 6's table rows
            expect(row).to_contain_text("indexeras", timeout=30_000)
            emb.gate.set()
            expect(row).to_contain_text("indexerad", timeout=60_000)  # the poll timer refreshed it
            expect(row).not_to_contain_text("indexeras")
            page.close()
    finally:
        emb.gate.set()
        demo.close()
