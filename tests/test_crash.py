"""Crash safety: SIGKILL an ingest at random moments and check the index is
always one complete, coherent state (the old or the new, never a mix); and a
damaged index on start is a one-line error that names the fix, never a traceback."""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant.cli import app as cli
from index.pipeline import ingest
from index.read import read_document
from index.retriever import Retriever
from index.store import DB, IndexStoreError, current_generation, current_store, read_current

REPO = Path(__file__).resolve().parent.parent
RUNS = 20
SEED = 20240611
REBUILD = "yttra ingest --rebuild"
runner = CliRunner()

EXTRA_PARAGRAPHS = [
    "Förvaltningen föreslår fler trygghetsvandringar i {place} under hösten, tillsammans med polisen och "
    "lokala föreningar, och vill att belysningen ses över längs gångstråken.",
    "Ordningsvakter kan vara ett komplement i {place}, men förvaltningen betonar att det förebyggande arbetet "
    "med unga och föräldrar är viktigare på lång sikt.",
    "Kameraövervakning vid {place} bör utvärderas innan den utökas. Integritetsfrågorna behöver belysas.",
    "Samverkan med fastighetsägare och bostadsbolag i {place} har gett resultat; klotter och skadegörelse "
    "har minskat enligt förvaltningens uppföljning.",
    "Förvaltningen vill att programmet tydligare anger ansvar och uppföljning för insatserna i {place}.",
]
PLACES = ["Rinkeby", "Tensta", "Skärholmen", "Farsta", "Bromma", "Kista", "Årsta", "Hökarängen", "Vällingby",
          "Hjulsta", "Husby", "Akalla", "Sätra", "Bredäng", "Vårberg", "Rågsved", "Hagsätra", "Högdalen",
          "Bandhagen", "Fruängen", "Hägersten", "Liljeholmen", "Midsommarkransen", "Aspudden"]


def _extra_text(i: int) -> str:
    """A new document per run: several chunks, so the ingest really embeds and writes."""
    place = PLACES[i % len(PLACES)]
    paras = [p.format(place=place) + f" (version {i})" for p in EXTRA_PARAGRAPHS]
    return f"Till\nKommunstyrelsen\n\nSammanfattning\n{paras[0]}\n\nBakgrund\n" + "\n\n".join(paras[1:] * 2) + "\n"


def _state(corpus: Path) -> dict[str, tuple[str, str]]:
    """doc_id -> (sha256 of the file, its text) for every file of the corpus."""
    out = {}
    for p in sorted(corpus.glob("*.txt")):
        out[p.stem] = (hashlib.sha256(p.read_bytes()).hexdigest(), read_document(p).text)
    return out


def _modify(corpus: Path, i: int) -> None:
    a = corpus / "a_sdn.txt"
    a.write_text(a.read_text(encoding="utf-8") + f"Tillägg {i}: nämnden vill följa upp insats nummer {i}.\n",
                 encoding="utf-8")
    (corpus / "extra.txt").write_text(_extra_text(i), encoding="utf-8")


def _classify(index_dir: Path, old: dict, new: dict) -> str:
    """'old' or 'new': which corpus state the live generation holds. Fails on
    anything else (a mix of the two, counts that disagree, chunks that are not
    exact slices of the version of the file they claim)."""
    gen = read_current(index_dir)
    m = gen.manifest
    assert len(gen.chunks) == len(gen.vectors) == m["n_chunks"] == len(gen.embed_keys)
    assert gen.vectors.shape[1] == m["dim"] and np.isfinite(gen.vectors).all()
    shas = {d: rec["sha256"] for d, rec in m["documents"].items()}
    states = [name for name, st in (("old", old), ("new", new)) if shas == {d: v[0] for d, v in st.items()}]
    assert states, f"manifest documents match neither the old nor the new corpus: {shas}"
    state = {"old": old, "new": new}[states[-1]]
    per_doc: dict[str, int] = {}
    for c in gen.chunks:
        assert c.doc_id in state, c.doc_id
        assert state[c.doc_id][1][c.start:c.end] == c.original, (c.doc_id, c.start, c.end)
        per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
    assert per_doc == {d: rec["n_chunks"] for d, rec in m["documents"].items() if rec["n_chunks"]}
    return states[-1]


def _orphans(index_dir: Path) -> list[str]:
    """Segment files of the live store that no commit references (what a kill mid-write leaves)."""
    store = current_store(index_dir)
    with sqlite3.connect(store / DB) as conn:
        known = {n for (n,) in conn.execute("SELECT name FROM segments")}
    return [p.name for p in store.glob("seg-*") if p.stem not in known]


def _cli_ingest(corpus: Path, index_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "ingest", "-q", "--corpus-dir", str(corpus), "--index-dir",
         str(index_dir)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_sigkill_during_ingest_never_leaves_a_broken_index(tiny_settings):
    corpus, index_dir = Path(tiny_settings.corpus_dir), Path(tiny_settings.index_dir)
    assert ingest(tiny_settings, progress=False).ok
    retriever = Retriever(tiny_settings)  # one long-lived reader, as the app has

    # how long one real ingest takes, as a subprocess (start-up, reading, embedding, writing);
    # the mean of two, as the machine may be shared
    took = []
    for i in (-2, -1):
        _modify(corpus, i)
        t0 = time.monotonic()
        proc = _cli_ingest(corpus, index_dir)
        _, err = proc.communicate(timeout=300)
        took.append(time.monotonic() - t0)
        assert proc.returncode == 0, err.decode()
        assert _classify(index_dir, {}, _state(corpus)) == "new"
    full = sum(took) / len(took)

    rng = random.Random(SEED)
    counts = {"old": 0, "new": 0, "inconsistent": 0}
    mid_write = finished = 0
    problems = []
    for i in range(1, RUNS + 1):
        old, old_gen = _state(corpus), current_generation(index_dir).name
        _modify(corpus, i)
        new = _state(corpus)
        delay = rng.uniform(0, 1.2 * full)
        proc = _cli_ingest(corpus, index_dir)
        try:
            proc.wait(timeout=delay)
            finished += 1
        except subprocess.TimeoutExpired:
            proc.kill()  # SIGKILL
            proc.wait()
        proc.stderr.close()
        mid_write += bool(_orphans(index_dir))
        try:
            state = _classify(index_dir, old, new)
            gen_name = current_generation(index_dir).name
            assert (state == "old") == (gen_name == old_gen), (state, gen_name, old_gen)
            hits = retriever.search("ordningsvakter", k=3)
            assert hits and hits[0].chunk.doc_id in new
            counts[state] += 1
        except (AssertionError, IndexStoreError) as e:
            counts["inconsistent"] += 1
            problems.append(f"run {i} (killed after {delay:.2f} s): {e}")
        # a normal ingest afterwards completes and includes the change
        rep = ingest(tiny_settings, progress=False)
        assert rep.ok, rep.failed
        assert _classify(index_dir, old, new) == "new"
        assert any(f"version {i})" in c.text for c in retriever.passages("extra"))
        assert not _orphans(index_dir), "the next ingest removes what a killed one left"

    print(f"\nkill test: {RUNS} runs, {counts['old']} old index, {counts['new']} new index, "
          f"{counts['inconsistent']} inconsistent ({mid_write} killed mid-write with an uncommitted segment left, "
          f"{finished} finished before the kill; one ingest takes {full:.1f} s, delays 0–{1.2 * full:.1f} s)")
    assert not problems, problems
    assert counts["old"] + counts["new"] == RUNS


# --------------------------------------------------------------------------- corrupt index on start


def _corrupt(kind: str, index_dir: Path) -> None:
    store = current_store(index_dir)
    seg = sorted(store.glob("seg-*.bin"))[0]
    if kind == "current-missing-gen":
        (index_dir / "CURRENT").write_text("store-20990101T000000-gone", encoding="utf-8")
    elif kind == "current-path":
        (index_dir / "CURRENT").write_text("../../etc", encoding="utf-8")
    elif kind == "segment-truncated":
        data = seg.read_bytes()
        seg.write_bytes(data[: len(data) // 2])
    elif kind == "segment-empty":
        seg.write_bytes(b"")
    elif kind == "segment-missing":
        seg.unlink()
    elif kind == "segment-garbage":
        seg.write_bytes(b"\x89PNG\r\n\x1a\n{{{ not a segment \xff" * 50)
    elif kind == "sqlite-garbage":
        for p in store.glob(f"{DB}*"):
            p.unlink()
        (store / DB).write_bytes(b"\x89PNG\r\n\x1a\n{{{ not a database \xff" * 200)
    elif kind == "sqlite-truncated":
        with sqlite3.connect(store / DB) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        data = (store / DB).read_bytes()
        (store / DB).write_bytes(data[: len(data) // 3])
    elif kind == "format-old":
        with sqlite3.connect(store / DB) as conn:
            conn.execute("UPDATE meta SET value = '1' WHERE key = 'format_version'")
    elif kind == "old-generation-layout":  # an index written by the previous (generation) format
        import shutil

        shutil.rmtree(store)
        gen = index_dir / "gen-20240101T000000-abcdef"
        gen.mkdir()
        (gen / "manifest.json").write_text('{"format_version": 1}', encoding="utf-8")
        (index_dir / "CURRENT").write_text(gen.name, encoding="utf-8")
    else:  # pragma: no cover
        raise AssertionError(kind)


# a plain ingest notices every one of these (it opens every segment) and rebuilds
CORRUPTIONS = ["current-missing-gen", "current-path", "segment-truncated", "segment-empty", "segment-missing",
               "segment-garbage", "sqlite-garbage", "sqlite-truncated", "format-old", "old-generation-layout"]
INGEST_RECOVERS = CORRUPTIONS


def _one_line_error(res) -> str:
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    assert len(lines) == 1 and lines[0].startswith("yttra: "), res.output
    assert "Traceback" not in res.output
    return lines[0]


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_corrupt_index_is_one_line_naming_the_rebuild(kind, tiny_settings):
    ingest(tiny_settings, progress=False)
    _corrupt(kind, Path(tiny_settings.index_dir))
    idx = str(tiny_settings.index_dir)

    with pytest.raises(IndexStoreError, match=REBUILD):
        Retriever(tiny_settings).search("ordningsvakter")
    for mode in ("bm25", "dense", "hybrid"):
        line = _one_line_error(runner.invoke(cli, ["search", "ordningsvakter", "--mode", mode, "--index-dir", idx]))
        assert REBUILD in line
    assert REBUILD in _one_line_error(runner.invoke(cli, ["ask", "Vad tycker nämnden om ordningsvakter?",
                                                          "--index-dir", idx]))

    args = ["ingest", "-q", "--corpus-dir", str(tiny_settings.corpus_dir), "--index-dir", idx]
    res = runner.invoke(cli, args if kind in INGEST_RECOVERS else args + ["--rebuild"])
    assert res.exit_code == 0, (res.output, res.exception)
    hits = Retriever(tiny_settings).search("ordningsvakter", k=1)
    assert hits and hits[0].chunk.doc_id == "a_sdn"
    res = runner.invoke(cli, ["search", "ordningsvakter", "--index-dir", idx])
    assert res.exit_code == 0 and "Spånga-Tensta" in res.output


def test_corrupt_index_cli_subprocess_has_no_traceback(tiny_settings):
    """The real `yttra search` process: exit 2, one line on stderr, nothing on stdout."""
    ingest(tiny_settings, progress=False)
    _corrupt("segment-empty", Path(tiny_settings.index_dir))
    env = {**os.environ, "YTTRA_INDEX_DIR": str(tiny_settings.index_dir)}
    res = subprocess.run([sys.executable, "-m", "assistant.cli", "search", "ordningsvakter"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2, res.stderr
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("yttra: ") and REBUILD in lines[0], res.stderr


@pytest.mark.parametrize("kind", ["current-missing-gen", "segment-empty", "sqlite-garbage", "format-old"])
def test_app_builds_and_shows_the_message(kind, tiny_settings):
    import gradio as gr

    from assistant.app import build_app

    ingest(tiny_settings, progress=False)
    _corrupt(kind, Path(tiny_settings.index_dir))
    demo = build_app(tiny_settings)
    [status] = [b for b in demo.blocks.values() if isinstance(b, gr.Markdown) and b.elem_id == "yttra-status"]
    assert REBUILD in status.value and "Traceback" not in status.value
