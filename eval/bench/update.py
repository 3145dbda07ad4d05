"""Update-cost benchmark of the embedded store: add / change / metadata change /
delete one document, amortised adds (merges included), cold start and peak
RSS of `yttra search`, query latency, and `compare` / `ask` latency, on the
real 5-document corpus and on synthetic corpora of 10k-1M passages. Its
corpus, operations and measurements are shared with eval/bench/postgres.py,
and its report (eval/RESULTS.md's update-cost section, the plot) shows both.

    .venv/bin/python -m eval.bench.update [--sizes 10000,100000,1000000] [--rounds 5]
        [--workdir DIR --keep] [--reuse] [--keep-earlier]
        [--out eval/bench/results.json] [--plot eval/bench/update_cost.png]
    .venv/bin/python -m eval.bench.update --cold-again --workdir DIR   # cold starts again, sizes interleaved
    .venv/bin/python -m eval.bench.update --ops-again --workdir DIR [--rounds 9]   # one-document ops again, interleaved
    .venv/bin/python -m eval.bench.update --report                     # plot + eval/RESULTS.md from the JSON

Writes results["update"] into the results file (the rest of it is kept) and
a plot of update cost and latency against corpus size.

How the synthetic corpora are made (vectors from a cache, so only indexing is
timed): the real corpus is read, repaired and chunked once and its passages
embedded once with the real model. Copy j of real document d becomes a new
document (own doc id, one of 40 nämnder, year 2015-2025, period by year);
each passage keeps its section and pages, drops 15 % of its words (seeded),
and gets the real vector of its source passage plus Gaussian noise shaped
like the real vectors' spread (eval/bench/scale.synth_vectors), re-normalised.
The store is written through the store's own writer (StoreWriter: the code
`ingest` writes with), in commits of 50k passages merged into one segment
at the end, as `yttra ingest --rebuild` would leave it. Each size has its
own copy of the corpus folder (never the repository's), whose metadata.yaml
gets an entry per synthetic document: a catalogue as large as the corpus.

The measured operations go through the real `index.pipeline.ingest` on a
real file saved into that folder as the app saves one (fsynced, before the
clock starts; one_doc_ops): a new yttrande of 8-9
passages with its metadata.yaml entry (read, OCR check, chunk, write), a
change to its text (one sentence edited, a section appended), a change to its
title in metadata.yaml, and its deletion; then the same add with
index.intake's duplicate check seeing no other document (a diagnostic). The
embedder serves cached real vectors (texts it has not seen get the vector of
a real passage chosen by hash), so the model's time is excluded everywhere
except the cold `yttra search`, which loads the model and embeds the query as
a user's process does. Each size runs in fresh processes: one builds (its
peak RSS is the build's), one measures operations and queries (its peak RSS
is the steady state), and `yttra search` runs as its own process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

from index.settings import REPO_ROOT, Settings

NAMNDER = [f"{p} stadsdelsnämnd" for p in (
    "Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby", "Bromma", "Kungsholmen", "Norrmalm", "Östermalm",
    "Södermalm", "Enskede-Årsta-Vantör", "Skarpnäck", "Farsta", "Älvsjö", "Hägersten-Älvsjö", "Skärholmen")] + [
    "Kyrkogårdsnämnden", "Trafiknämnden", "Kulturnämnden", "Idrottsnämnden", "Socialnämnden", "Miljö- och hälsoskyddsnämnden",
    "Stadsbyggnadsnämnden", "Exploateringsnämnden", "Fastighetsnämnden", "Utbildningsnämnden", "Arbetsmarknadsnämnden",
    "Äldrenämnden", "Överförmyndarnämnden", "Servicenämnden", "Kommunstyrelsen", "Revisorskollegiet",
    "Valnämnden", "Stockholms Stadshus AB", "Micasa Fastigheter", "Svenska Bostäder", "Familjebostäder",
    "Stockholmshem", "Stockholm Vatten och Avfall", "Stockholms Hamn", "Bostadsförmedlingen", "Stockholm Parkering"]
SMALL_DOC = ("Till\nKommunstyrelsen\n\nSammanfattning\nFörvaltningen föreslår fler trygghetsvandringar i {place} under "
             "hösten, tillsammans med polisen och lokala föreningar.\n\nBakgrund\n" + "\n\n".join(
                 f"Ordningsvakter kan vara ett komplement i område {i}, men förvaltningen betonar att det förebyggande "
                 f"arbetet med unga och föräldrar är viktigare på lång sikt. Kameraövervakning bör utvärderas ({i})."
                 for i in range(12)) + "\n")
CHANGE = "\n\nÖvrigt\nFörvaltningen vill också se över belysningen längs gångstråken i {place}.\n"


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class PeakMemory:
    """Samples a process's resident memory every 20 ms: peaks of the anonymous part (heap: what the
    process allocated) and of the file-backed part (pages of memory-mapped index files, which the
    kernel can drop and re-read under memory pressure), in MB (Linux /proc)."""

    def __init__(self, pid: int | str = "self"):
        import threading

        self.status = Path(f"/proc/{pid}/status")
        self.anon = self.file = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        try:
            fields = dict(line.split(":", 1) for line in self.status.read_text().splitlines() if ":" in line)
        except OSError:
            return
        if "RssAnon" in fields:
            self.anon = max(self.anon, int(fields["RssAnon"].split()[0]) / 1024)
            self.file = max(self.file, int(fields["RssFile"].split()[0]) / 1024)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.sample()

    def stop(self) -> dict:
        self.sample()
        self._stop.set()
        self._thread.join()
        return {"peak_anon_mb": round(self.anon, 1), "peak_file_mb": round(self.file, 1)}


def _pct(xs: list[float]) -> dict:
    ms = np.array(xs) * 1000
    return {"p50": round(float(np.percentile(ms, 50)), 2), "p95": round(float(np.percentile(ms, 95)), 2)}


# ---------------------------------------------------------------- the real corpus, embedded once

def real_base(settings: Settings, cache: Path) -> dict:
    """Chunks of the real corpus with their records, real passage vectors and question vectors (cached in `cache`)."""
    from index.embed import make_embedder
    from index.metadata import load_metadata_file
    from index.pipeline import _doc_signature, _process_file, passage_text
    from index.read import iter_corpus_files

    entries = load_metadata_file(Path(settings.corpus_dir) / settings.metadata_file)
    docs = []
    for p in iter_corpus_files(Path(settings.corpus_dir)):
        chunks, rec, _ = _process_file(p, settings, entries)
        rec["signature"] = _doc_signature(settings, entries.get(p.stem))
        docs.append((chunks, rec))
    texts = [passage_text(c, settings.embed.context) for cs, _ in docs for c in cs]
    questions = [json.loads(x)["question"] for x in (REPO_ROOT / "eval/questions.jsonl").read_text("utf-8").splitlines()
                 if x.strip()]
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        vectors, qvecs, model_id = z["vectors"], z["qvecs"], str(z["model_id"])
    else:
        emb = make_embedder(settings.embed)
        vectors = np.asarray(emb.embed_passages(texts), np.float32)
        qvecs = np.asarray(emb.embed_queries(questions), np.float32)
        model_id = emb.model_id
        np.savez(cache, vectors=vectors, qvecs=qvecs, model_id=np.array(model_id))
    return {"docs": docs, "texts": texts, "vectors": vectors, "questions": questions, "qvecs": qvecs,
            "model_id": model_id}


class CachedEmbedder:
    """Real vectors for texts seen before (the real passages and the questions); others get the
    vector of a real passage chosen by a hash of the text. No model runs."""

    def __init__(self, base: dict):
        self.model_id, self.dim = base["model_id"], int(base["vectors"].shape[1])
        self.vectors = base["vectors"]
        self.known = dict(zip(base["texts"], base["vectors"]))
        self.queries = dict(zip(base["questions"], base["qvecs"]))

    def embed_passages(self, texts):
        return np.stack([self.known.get(t, self.vectors[zlib.crc32(t.encode()) % len(self.vectors)]) for t in texts])

    def embed_queries(self, texts):
        return np.stack([self.queries.get(t, self.vectors[zlib.crc32(t.encode()) % len(self.vectors)]) for t in texts])


# ---------------------------------------------------------------- building a synthetic store

def synthetic_docs(settings: Settings, base: dict, n_target: int, seed: int = 0):
    """The synthetic corpus of about n_target passages, document by document: yields
    (doc_id, chunks, embed keys, lexical tokens, vectors, record, metadata.yaml entry)."""
    from eval.bench.scale import synth_vectors
    from index.chunk import chunk_id
    from index.pipeline import embed_key, passage_text
    from index.textnorm import lexical_tokens
    from index.types import Chunk

    rng = np.random.default_rng(seed)
    analyzer, context = settings.search.analyzer, settings.embed.context
    offsets = np.cumsum([0] + [len(cs) for cs, _ in base["docs"]])
    tokens_seen: dict[str, str] = {}
    n = j = 0
    while n < n_target:
        d = j % len(base["docs"])
        chunks, rec = base["docs"][d]
        doc_id = f"syn{j:07d}"
        namnd, year = NAMNDER[j % len(NAMNDER)], 2015 + j % 11
        period = "2018-2021" if year < 2020 else "2020-2023" if year < 2024 else "2024-2027"
        src = np.arange(offsets[d], offsets[d + 1])
        vecs = synth_vectors(base["vectors"], src, rng)
        new, keys, toks = [], [], []
        for i, c in enumerate(chunks):
            w = c.text.split(" ")
            keep = rng.random(len(w)) >= 0.15
            text = " ".join(x for x, k in zip(w, keep) if k) or c.text
            ch = Chunk(id=chunk_id(doc_id, text, i), doc_id=doc_id, source=f"corpus/{doc_id}.txt", text=text,
                       original=text, start=c.start, end=c.end, page=c.page, page_end=c.page_end, section=c.section,
                       title=f"{c.title} (kopia {j})", namnd=namnd, doc_type=c.doc_type, period=period, year=year,
                       date="", dnr=f"{c.dnr}-{j}")
            pt = passage_text(ch, context)
            new.append(ch)
            keys.append(embed_key(pt))
            toks.append([tokens_seen.setdefault(t, t) for t in lexical_tokens(pt, analyzer)])
        title = f"{rec['meta'].get('title', '')} (kopia {j})"
        meta_rec = {**rec["meta"], "doc_id": doc_id, "namnd": namnd, "year": year, "period": period,
                    "title": title, "guessed": []}
        record = {**rec, "source": f"corpus/{doc_id}.txt", "meta": meta_rec,
                  "sha256": hashlib.sha256(doc_id.encode()).hexdigest(), "n_chunks": len(new), "repaired_words": 0}
        entry = {"title": title, "namnd": namnd, "doc_type": rec["meta"].get("doc_type") or "yttrande",
                 "period": period, "year": year}
        yield doc_id, new, keys, toks, vecs, record, entry
        n += len(new)
        j += 1


def catalogue_text(entries: dict[str, dict]) -> str:
    """metadata.yaml entries in the file's plain layout (JSON strings are YAML double-quoted scalars)."""
    q = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    return "".join(f"{q(d)}:\n" + "".join(f"  {k}: {q(v)}\n" for k, v in e.items()) for d, e in entries.items())


def corpus_copy(dst: Path) -> Path:
    """A copy of the real corpus folder (its documents and metadata.yaml), made once: the
    benchmark writes its documents and catalogue there, never into the repository's corpus."""
    import shutil

    if not (dst / "metadata.yaml").exists():
        dst.mkdir(parents=True, exist_ok=True)
        for f in (REPO_ROOT / "corpus").iterdir():
            if f.is_file():
                shutil.copy(f, dst / f.name)
    return dst


def build_synthetic(settings: Settings, base: dict, n_target: int, seed: int = 0) -> dict:
    """Write a store of about n_target passages of copied real documents, and their entries
    into the corpus folder's metadata.yaml (a catalogue as large as the corpus); returns what it took."""
    from index.pipeline import CODE_VERSION
    from index.store import new_store, switch_current
    from index.writer import StoreWriter

    t0 = time.perf_counter()
    meta = {"model_id": base["model_id"], "dim": int(base["vectors"].shape[1]), "analyzer": settings.search.analyzer,
            "context": settings.embed.context}
    path = new_store(Path(settings.index_dir), meta)
    writer = StoreWriter(path, settings.search.hnsw_threshold)
    stamp = {"chunk": settings.chunk.model_dump(), "code_version": CODE_VERSION,
             "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "hnsw_threshold": settings.search.hnsw_threshold}
    n = pending = j = 0
    entries: dict[str, dict] = {}
    for doc_id, chunks, keys, toks, vecs, record, entry in synthetic_docs(settings, base, n_target, seed):
        writer.put(doc_id, chunks, keys, toks, vecs, record)
        entries[doc_id] = entry
        n += len(chunks)
        pending += len(chunks)
        j += 1
        if pending >= 50_000:
            writer.commit(stamp)
            pending = 0
    writer.commit(stamp)
    write_s = time.perf_counter() - t0
    t = time.perf_counter()
    writer.maintain(full=True)
    merge_s = time.perf_counter() - t
    switch_current(Path(settings.index_dir), path)
    kind = [s.kind for s in writer.open_segments().values()]
    writer.close()
    meta_path = Path(settings.corpus_dir) / settings.metadata_file
    with meta_path.open("a", encoding="utf-8") as f:
        f.write("\n" + catalogue_text(entries))
    return {"n": n, "documents": j, "build_s": round(time.perf_counter() - t0, 1), "write_s": round(write_s, 1),
            "final_merge_s": round(merge_s, 1), "segments": kind, "build_rss_mb": _rss_mb(),
            "store_mb": round(sum(p.stat().st_size for p in path.iterdir()) / 2**20, 1),
            "metadata_entries": len(entries) + 5}


# ---------------------------------------------------------------- measuring one store (shared with postgres.py)

OPS = ("add", "change", "change_metadata", "delete")


def save_like_the_app(path: Path, text: str) -> None:
    """Write a file as the app saves one (assistant.outputs.write_atomic, assistant.documents'
    uploads and metadata saves): a temp file in the same folder, fsynced, renamed over the
    old one. The measured store call then starts, as it does in the app, after the save is
    on disk: an unsynced write would be flushed by the store's first fsync (ext4 commits
    the pending writes of a rewritten file with its journal), and a rewritten metadata.yaml
    of 3,000 entries would be timed as part of the store's operation."""
    import tempfile

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def one_doc_ops(corpus_dir: Path, rounds: int, write, delete, tag: str = "bench_remiss") -> dict:
    """add / change / change_metadata / delete one document, `rounds` times, through `write(path)`
    (an ingest or upsert of that file) and `delete(doc_id)`; both return a report with .ok.
    add: a new yttrande (SMALL_DOC, 8-9 passages) saved into the corpus folder with its entry
    appended to metadata.yaml; change: one sentence edited and a section appended (its new
    passages are embedded); change_metadata: its title set in metadata.yaml (every passage
    rewritten, nothing embedded); delete: the document removed (its file too, afterwards).
    Files are saved as the app saves them (save_like_the_app: fsynced, before the clock
    starts). Only the store call is timed; metadata.yaml is read inside it, as every ingest
    does. metadata.yaml is put back as it was at the end."""
    meta = Path(corpus_dir) / "metadata.yaml"
    saved = meta.read_text(encoding="utf-8")
    try:
        return _one_doc_ops(Path(corpus_dir), meta, rounds, write, delete, tag)
    finally:
        save_like_the_app(meta, saved)  # the folder as it was found


def _one_doc_ops(corpus_dir: Path, meta: Path, rounds: int, write, delete, tag: str) -> dict:
    from index.metadata import edit_entry_text

    out: dict[str, list[float]] = {op: [] for op in OPS}
    for r in range(rounds):
        place = f"Område {r}"
        p = Path(corpus_dir) / f"{tag}_{r}.txt"
        for op in OPS:
            if op == "add":
                save_like_the_app(p, SMALL_DOC.format(place=place))
                save_like_the_app(meta, meta.read_text(encoding="utf-8") +
                                  f'"{p.stem}":\n  namnd: "Kommunstyrelsen"\n  doc_type: yttrande\n  year: 2024\n')
            elif op == "change":
                save_like_the_app(p, SMALL_DOC.format(place=place).replace("hösten", "våren") +
                                  CHANGE.format(place=place))
            elif op == "change_metadata":
                text = meta.read_text(encoding="utf-8")
                save_like_the_app(meta, edit_entry_text(text, p.stem, {"title": f"Trygghetsvandringar i {place}"}))
            t = time.perf_counter()
            rep = delete(p.stem) if op == "delete" else write(p)
            out[op].append(time.perf_counter() - t)
            assert rep.ok, getattr(rep, "failed", rep)
        p.unlink()
    res = {f"{op}_s": round(statistics.median(v), 4) for op, v in out.items()}
    res.update({f"{op}_all_s": [round(x, 4) for x in v] for op, v in out.items()})
    # diagnostic: the same add with index.intake's duplicate check seeing no other document (one
    # lookup by hash per file; before issue 9 it read every document's record); the store's own cost of an add
    import index.intake as intake

    find, times = intake.Duplicates.find, []
    intake.Duplicates.find = lambda self, *a, **k: None
    try:
        for r in range(rounds):
            p = Path(corpus_dir) / f"{tag}_nodup_{r}.txt"
            save_like_the_app(p, SMALL_DOC.format(place=f"Kvarter {r}"))
            t = time.perf_counter()
            assert write(p).ok
            times.append(time.perf_counter() - t)
            assert delete(p.stem).ok
            p.unlink()
    finally:
        intake.Duplicates.find = find
    res["add_without_duplicate_check_s"] = round(statistics.median(times), 4)
    return res


def metadata_read(corpus_dir: Path) -> dict:
    """Seconds to read metadata.yaml as an ingest does (index.metadata.metadata_entries): cold
    (nothing cached, as in a new process) and warm (unchanged since the last read)."""
    import index.metadata as md

    path = Path(corpus_dir) / "metadata.yaml"
    md.clear_caches()
    t = time.perf_counter()
    n = len(md.metadata_entries(path))
    cold = time.perf_counter() - t
    warm = []
    for _ in range(5):
        t = time.perf_counter()
        md.metadata_entries(path)
        warm.append(time.perf_counter() - t)
    return {"entries": n, "cold_s": round(cold, 4), "warm_s": round(statistics.median(warm), 5)}


QUERY_CASES = ("hybrid", "hybrid_filter_namnd", "hybrid_filter_year", "dense", "bm25")


def query_cases(corpus, questions: list[str], k: int = 5) -> dict:
    """p50/p95 (ms) of each case over the questions, query vectors precomputed (the embedder
    serves them from its cache); 'hybrid_first_pass' is the first hybrid pass in this process.
    Filters: the middle nämnd of the sorted facet values, the latest year."""
    facets = corpus.facets()
    namnd, years = list(facets["namnd"]), list(facets["year"])
    cases = {"hybrid": ("hybrid", None), "hybrid_filter_namnd": ("hybrid", {"namnd": namnd[len(namnd) // 2]}),
             "hybrid_filter_year": ("hybrid", {"year": years[-1]}), "dense": ("dense", None), "bm25": ("bm25", None)}
    out = {}
    times = []
    for q in questions:
        t = time.perf_counter()
        corpus.search(q, k=k)
        times.append(time.perf_counter() - t)
    out["hybrid_first_pass"] = _pct(times[1:])
    for name, (mode, f) in cases.items():
        times = []
        for q in questions:
            t = time.perf_counter()
            corpus.search(q, k=k, mode=mode, filters=f)
            times.append(time.perf_counter() - t)
        out[name] = _pct(times[1:])
    return out


COMPARE_TOPICS = ("samverkan med polisen", "ordningsvakter", "trygghet i parker", "kameraövervakning",
                  "belysning och trygghet")


def ask_questions(per_type: int = 3) -> list[str]:
    """The first `per_type` dev questions of each answer type in eval/answers.jsonl (follow-ups aside)."""
    rows = [json.loads(x) for x in (REPO_ROOT / "eval/answers.jsonl").read_text("utf-8").splitlines() if x.strip()]
    out: dict[str, list[str]] = {}
    for r in rows:
        if r.get("split") == "dev" and r.get("type") != "followup" and len(out.setdefault(r["type"], [])) < per_type:
            out[r["type"]].append(r["question"])
    return [q for qs in out.values() for q in qs]


def measure_answers(corpus, rounds: int = 2) -> dict:
    """Latency of `compare` (Jämför: one row per document) and `ask` (the answerers, LLM off) as
    library calls on an open corpus, the embedder serving query vectors from memory. compare:
    COMPARE_TOPICS over all documents and filtered to the middle nämnd; ask: ask_questions().
    Each list runs `rounds` times; the first round (it warms the caches) is left out when rounds > 1."""
    from assistant.answer import answer
    from assistant.compare import compare

    namnd = list(corpus.facets()["namnd"])
    flt = {"namnd": namnd[len(namnd) // 2]}
    qs = ask_questions()
    res: dict = {}
    for name, fn, items in (("compare", lambda t: compare(corpus, t), COMPARE_TOPICS),
                            ("compare_filter_namnd", lambda t: compare(corpus, t, filters=flt), COMPARE_TOPICS),
                            ("ask", lambda q: answer(corpus, q), qs)):
        times: list[float] = []
        for r in range(rounds):
            for x in items:
                t = time.perf_counter()
                out = fn(x)
                if r or rounds == 1:
                    times.append(time.perf_counter() - t)
        res[name] = {**_pct(times), "n": len(times)}
        if name.startswith("compare"):
            res[name]["rows"] = len(out.rows)
    return res


def measure_ops(settings: Settings, base: dict, rounds: int, amortised: int) -> dict:
    """one_doc_ops through `index.pipeline.ingest`; then `amortised` consecutive adds (merges
    included) and their deletion in one ingest."""
    from index.pipeline import ingest

    emb = CachedEmbedder(base)
    corpus_dir = Path(settings.corpus_dir)
    ingest(settings, [], remove=["-"], embedder=emb, progress=False)  # metadata.yaml read once, as in a running app
    res = one_doc_ops(corpus_dir, rounds, lambda p: ingest(settings, [p], embedder=emb, progress=False),
                      lambda d: ingest(settings, [], remove=[d], embedder=emb, progress=False))
    # amortised: many single-document adds in a row, with whatever merges the policy runs
    import index.writer as writer_mod

    merges = []
    real = writer_mod.StoreWriter._merge
    writer_mod.StoreWriter._merge = lambda self, ids: merges.append(len(ids)) or real(self, ids)
    files = []
    try:
        times = []
        for r in range(amortised):
            p = corpus_dir / f"bench_many_{r}.txt"
            p.write_text(SMALL_DOC.format(place=f"Kvarter {r}"), encoding="utf-8")
            files.append(p)
            t = time.perf_counter()
            ingest(settings, [p], embedder=emb, progress=False)
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        ingest(settings, [], remove=[f"bench_many_{r}" for r in range(amortised)], embedder=emb, progress=False)
        del_many = time.perf_counter() - t
    finally:
        writer_mod.StoreWriter._merge = real
        for p in files:
            p.unlink(missing_ok=True)
    res.update({"amortised_adds": amortised, "amortised_add_mean_s": round(float(np.mean(times)), 4),
                "amortised_add_max_s": round(float(np.max(times)), 4), "amortised_merges": len(merges),
                f"delete_{amortised}_in_one_s": round(del_many, 4)})
    res["metadata_read"] = metadata_read(corpus_dir)
    return res


def measure_queries(settings: Settings, base: dict) -> dict:
    """query_cases and measure_answers, as an incrementally updated store is: three small documents
    added since the bulk build (a second segment, and a global avgdl that differs from the big
    segment's, so BM25 ranks with impacts and rescores its candidates). The first hybrid pass
    touches the memory-mapped postings for the first time in this process."""
    from index.local import LocalCorpus
    from index.pipeline import ingest

    emb = CachedEmbedder(base)
    kept = []
    for r in range(3):
        p = Path(settings.corpus_dir) / f"bench_kept_{r}.txt"
        p.write_text(SMALL_DOC.format(place=f"Stadsdel {r}"), encoding="utf-8")
        kept.append(p)
        ingest(settings, [p], embedder=emb, progress=False)
    corpus = LocalCorpus(settings, emb)
    t = time.perf_counter()
    corpus.search(base["questions"][0], k=5)  # first query: loads the index (cold, in-process)
    out = {"first_query_in_process_s": round(time.perf_counter() - t, 3)}
    out.update(query_cases(corpus, base["questions"]))
    index = corpus.index
    out["segments"] = len(index.segments)
    out["avgdl_vs_biggest_segment"] = round(index.lex.avgdl / max(index.segments, key=len).avgdl, 6)
    out["answers"] = measure_answers(corpus)
    ingest(settings, [], remove=[p.stem for p in kept], embedder=emb, progress=False)  # leave the store as built
    for p in kept:
        p.unlink()
    return out


def cold_search(index_dir: Path | None, question: str, mode: str, repeats: int = 5, env: dict | None = None) -> dict:
    """Wall time and peak RSS of a fresh `yttra search` process (python -m assistant.cli); index_dir
    None: the store the environment `env` selects (PostgreSQL)."""
    wrapper = ("import json, resource, subprocess, sys, time\n"
               "from eval.bench.update import PeakMemory\n"
               "t = time.perf_counter()\n"
               "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
               "mem = PeakMemory(p.pid)\n"
               "err = p.communicate()[1]\n"
               "wall = time.perf_counter() - t\n"
               "print(json.dumps({'wall': wall, 'maxrss': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,\n"
               "                  'rc': p.returncode, **mem.stop(), 'err': err.decode()[-300:]}))\n")
    times, rss, anon, filed = [], [], [], []
    for _ in range(repeats):
        where = ["--index-dir", str(index_dir)] if index_dir is not None else []
        res = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "assistant.cli", "search", question,
                              "--mode", mode, *where], capture_output=True, text=True, cwd=REPO_ROOT, timeout=600,
                             env=env)
        r = json.loads(res.stdout.strip().splitlines()[-1])
        if r["rc"] != 0:
            raise RuntimeError(f"yttra search failed: {r['err']}")
        times.append(r["wall"])
        rss.append(r["maxrss"] / 1024)
        anon.append(r["peak_anon_mb"])
        filed.append(r["peak_file_mb"])
    return {"s": round(statistics.median(times), 3), "all_s": [round(x, 3) for x in times],
            "rss_mb": round(max(rss), 1), "peak_anon_mb": round(max(anon), 1), "peak_file_mb": round(max(filed), 1)}


# ---------------------------------------------------------------- driver

def _child(args) -> dict:
    """One step for one size in this (fresh) process."""
    mem = PeakMemory() if args.step != "ops-round" else None
    index_dir = Path(args.workdir) / "index"
    base = real_base(Settings(corpus_dir=REPO_ROOT / "corpus", index_dir=index_dir), Path(args.cache))
    settings = Settings(corpus_dir=corpus_copy(Path(args.workdir) / "corpus"), index_dir=index_dir)
    if args.step == "ops-round":
        return ops_round(settings, base, args.round)
    if args.step == "build":
        if args.n == 0:  # the real corpus through the real pipeline
            from index.pipeline import ingest

            t = time.perf_counter()
            rep = ingest(settings, embedder=CachedEmbedder(base), progress=False)
            res = {"n": rep.chunks, "documents": rep.documents, "build_s": round(time.perf_counter() - t, 2),
                   "segments": ["flat"], "build_rss_mb": _rss_mb()}
        else:
            res = build_synthetic(settings, base, args.n)
        res["build_memory"] = mem.stop()
        return res
    res = {"ops": measure_ops(settings, base, args.rounds, args.amortised),
           "queries": measure_queries(settings, base)}
    res["ops_queries_rss_mb"] = _rss_mb()
    res["ops_queries_memory"] = mem.stop()
    return res


def run_size(n: int, workdir: Path, cache: Path, rounds: int, amortised: int, reuse: bool = False) -> dict:
    out: dict = {}
    saved = workdir / "build.json"
    for step in ("build", "measure"):
        if step == "build" and reuse and saved.exists() and (workdir / "index" / "CURRENT").exists():
            out.update(json.loads(saved.read_text("utf-8")))  # a store built by an earlier run (--reuse)
            continue
        res = subprocess.run([sys.executable, "-m", "eval.bench.update", "--child", step, "--n", str(n),
                              "--workdir", str(workdir), "--cache", str(cache), "--rounds", str(rounds),
                              "--amortised", str(amortised)], capture_output=True, text=True, cwd=REPO_ROOT)
        if res.returncode != 0:
            raise RuntimeError(f"{step} n={n} failed:\n{res.stderr[-3000:]}")
        out.update(json.loads(res.stdout.strip().splitlines()[-1]))
        if step == "build":
            saved.write_text(res.stdout.strip().splitlines()[-1], "utf-8")
    q = json.loads((REPO_ROOT / "eval/questions.jsonl").read_text("utf-8").splitlines()[0])["question"]
    out["cold_search_hybrid"] = cold_search(workdir / "index", q, "hybrid")
    out["cold_search_bm25"] = cold_search(workdir / "index", q, "bm25")
    return out


def _target(size: dict) -> int:
    """The size asked for (0 = the real corpus) of a size's results (earlier runs did not store it)."""
    if "target" in size:
        return size["target"]
    return 0 if size["documents"] <= 5 else 10 ** round(np.log10(size["n"]))


def summarise(sizes: list[dict]) -> list[dict]:
    base = sizes[0]
    rows = []
    for s in sizes:
        o, q = s["ops"], s["queries"]
        row = {"passages": s["n"], "documents": s["documents"], "build_s": s["build_s"],
               "add_s": o["add_s"], "change_s": o["change_s"], "delete_s": o["delete_s"],
               "change_metadata_s": o.get("change_metadata_s"), "earlier_run": s.get("earlier_run"),
               "loadavg": s.get("loadavg_before") or s.get("loadavg_after"),
               "metadata_entries": (o.get("metadata_read") or {}).get("entries"),
               "metadata_read_cold_s": (o.get("metadata_read") or {}).get("cold_s"),
               "metadata_read_warm_s": (o.get("metadata_read") or {}).get("warm_s")}
        b_ops = s.get("base_ops") or base["ops"]  # an earlier run's row: that run's baseline
        b_cold = (s.get("base_cold_search_hybrid") or base["cold_search_hybrid"])["s"]
        row["add_without_duplicate_check_s"] = o.get("add_without_duplicate_check_s")
        for op in ("add", "change", "delete", "change_metadata", "add_without_duplicate_check"):
            if o.get(f"{op}_s") and b_ops.get(f"{op}_s"):
                row[f"{op}_x"] = round(o[f"{op}_s"] / b_ops[f"{op}_s"], 2)
        for name, res in (q.get("answers") or {}).items():
            row[f"{name}_p50"], row[f"{name}_p95"] = res["p50"], res["p95"]
        row.update({"amortised_add_s": o["amortised_add_mean_s"], "amortised_max_s": o["amortised_add_max_s"],
                    "merges": o["amortised_merges"],
                    "cold_search_s": s["cold_search_hybrid"]["s"],
                    "cold_x": round(s["cold_search_hybrid"]["s"] / b_cold, 2),
                    "cold_bm25_s": s["cold_search_bm25"]["s"],
                    "rss_search_mb": s["cold_search_hybrid"]["rss_mb"], "rss_ops_mb": s["ops_queries_rss_mb"],
                    "rss_build_mb": s["build_rss_mb"],
                    "anon_search_mb": s["cold_search_hybrid"].get("peak_anon_mb"),
                    "file_search_mb": s["cold_search_hybrid"].get("peak_file_mb"),
                    "anon_ops_mb": s.get("ops_queries_memory", {}).get("peak_anon_mb"),
                    "file_ops_mb": s.get("ops_queries_memory", {}).get("peak_file_mb"),
                    "anon_build_mb": s.get("build_memory", {}).get("peak_anon_mb"),
                    "file_build_mb": s.get("build_memory", {}).get("peak_file_mb"),
                    "hybrid_first_p50": q.get("hybrid_first_pass", {}).get("p50"),
                    "hybrid_first_p95": q.get("hybrid_first_pass", {}).get("p95"),
                    "query_segments": q.get("segments"), "avgdl_ratio": q.get("avgdl_vs_biggest_segment"),
                    "hybrid_p50": q["hybrid"]["p50"], "hybrid_p95": q["hybrid"]["p95"],
                    "filtered_p50": q["hybrid_filter_namnd"]["p50"], "filtered_p95": q["hybrid_filter_namnd"]["p95"],
                    "year_p95": q["hybrid_filter_year"]["p95"], "dense_p95": q["dense"]["p95"],
                    "bm25_p95": q["bm25"]["p95"]})
        rows.append(row)
    return rows


PG_RESULTS = REPO_ROOT / "eval/bench/postgres_results.json"


def _pg_results(pg: dict | None) -> dict:
    if pg is None and PG_RESULTS.exists():
        pg = json.loads(PG_RESULTS.read_text("utf-8"))
    return pg or {}


def store_rows(update: dict, pg: dict | None = None) -> list[dict]:
    """One row per store and size, the same fields for both stores (None where not measured)."""
    rows = []
    base = update["sizes"][0] if update.get("sizes") else None
    for s, r in zip(update.get("sizes", []), update.get("table", [])):
        q, a = s["queries"], s["queries"].get("answers") or {}
        rows.append({"store": "embedded", "target": _target(s), "passages": s["n"], "documents": s["documents"],
                     "entries": r.get("metadata_entries"), "ops": s["ops"], "base_ops": s.get("base_ops") or base["ops"],
                     "cold_s": s["cold_search_hybrid"]["s"],
                     "base_cold_s": (s.get("base_cold_search_hybrid") or base["cold_search_hybrid"])["s"],
                     "queries": q, "answers": a, "load": r.get("loadavg"), "earlier": s.get("earlier_run"),
                     "read": s["ops"].get("metadata_read")})
    pg = _pg_results(pg)
    sizes = [x for x in pg.get("sizes", []) if x.get("ops")]
    pbase = next((x for x in sizes if x["target"] == 0), None)
    for s in sizes:
        rows.append({"store": "PostgreSQL", "target": s["target"], "passages": s["n"], "documents": s["documents"],
                     "entries": s["ops"].get("metadata_read", {}).get("entries"), "ops": s["ops"],
                     # a size measured again in its own interleaved rounds: the 5-document figures of those rounds
                     "base_ops": s.get("base_ops") or (pbase or s)["ops"],
                     "cold_s": s["cold_start"]["cli_search_process_s"],
                     "base_cold_s": s.get("base_cold_s") or (pbase or s)["cold_start"]["cli_search_process_s"],
                     "queries": s["queries"],
                     "answers": s.get("answers") or {}, "load": s.get("loadavg_before"), "earlier": None,
                     "read": s["ops"].get("metadata_read"), "db_mb": s.get("db_mb")})
    return sorted(rows, key=lambda r: (r["target"], r["store"] != "embedded"))


def _x(row: dict, op: str) -> str:
    v, b = row["ops"].get(f"{op}_s"), row["base_ops"].get(f"{op}_s")
    if v is None:
        return "–"
    return f"{v:.3f} ({v / b:.2f})" if b else f"{v:.3f}"


def _pp(d: dict | None, key: str) -> str:
    v = (d or {}).get(key)
    return f"{v['p50']:g} / {v['p95']:g}" if v else "–"


def side_by_side_markdown(update: dict, pg: dict | None = None) -> list[str]:
    """The two stores' update cost and latency, size by size (eval/bench/update.py and postgres.py)."""
    rows = store_rows(update, pg)
    pgr = _pg_results(pg)
    out = ["| passages | docs | store | add s (×) | change s (×) | metadata change s (×) | delete s (×) "
           "| add without the duplicate check s (×) | metadata.yaml: entries, read warm / cold ms "
           "| load avg (1, 5, 15 min) |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        rd = r.get("read") or {}
        read = (f"{rd['entries']:,}: {1000 * rd['warm_s']:.2f} / {1000 * rd['cold_s']:.1f}" if rd else "5")
        mark = " †" if r["earlier"] else ""
        out.append(f"| {r['passages']:,}{mark} | {r['documents']:,} | {r['store']} | {_x(r, 'add')} | {_x(r, 'change')} "
                   f"| {_x(r, 'change_metadata')} | {_x(r, 'delete')} | {_x(r, 'add_without_duplicate_check')} | {read} | "
                   f"{', '.join(f'{x:.1f}' for x in r['load'] or [])} |")
    out += ["", "Latency (ms unless stated; query embedding excluded except in the cold `yttra search`; compare "
            "and ask as library calls with the LLM off):", "",
            "| passages | store | cold `yttra search` s (×) | hybrid p50 / p95 | hybrid, nämnd filter p50 / p95 "
            "| year filter p95 | dense p95 | BM25 p95 | compare, all documents p50 / p95 (rows) "
            "| compare, one nämnd p50 / p95 (rows) | ask p50 / p95 |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        q, a = r["queries"], r["answers"]
        cmp_rows = lambda k: f" ({a[k]['rows']:,})" if a.get(k) else ""  # noqa: E731
        out.append(f"| {r['passages']:,}{' †' if r['earlier'] else ''} | {r['store']} | {r['cold_s']:.2f} "
                   f"({r['cold_s'] / r['base_cold_s']:.2f}) | {_pp(q, 'hybrid')} | {_pp(q, 'hybrid_filter_namnd')} | "
                   f"{q['hybrid_filter_year']['p95']:g} | {q['dense']['p95']:g} | {q['bm25']['p95']:g} | "
                   f"{_pp(a, 'compare')}{cmp_rows('compare')} | {_pp(a, 'compare_filter_namnd')}"
                   f"{cmp_rows('compare_filter_namnd')} | {_pp(a, 'ask')} |")
    exact = [(x["n"], x["queries_exact"]) for x in pgr.get("sizes", []) if x.get("queries_exact")]
    if exact:
        out += ["", "PostgreSQL with exact dense search (the store's own path up to "
                "`index.postgres.EXACT_BELOW` = 2,000 passages; HNSW above): " + "; ".join(
                    f"{n:,} passages: hybrid p50 / p95 {_pp(e, 'hybrid')}, dense p95 {e['dense']['p95']:g}"
                    for n, e in exact) + " ms."]
    builds = [x for x in pgr.get("sizes", []) if x.get("target")]
    if builds:
        out += ["", "PostgreSQL bulk load (the synthetic corpus through PgCorpus's per-document writer, then "
                "ANALYZE): " + "; ".join(
                    f"{x['n']:,} passages in {x['build_s']:,.0f} s ({x['passages_per_s']:.0f} passages/s"
                    + (f", database {x['db_mb']:,.0f} MB" if x.get("db_mb") else "")
                    + (f"; the HNSW index and the postings' primary key built after the rows, in "
                       f"{x['deferred_indexes_s']['hnsw_s']:,.0f} s and {x['deferred_indexes_s']['postings_pkey_s']:,.0f} s"
                       if x.get("deferred_indexes_s") else "") + ")"
                    + ("" if x["complete"] else f" – stopped at the time limit; the whole {x['target']:,} would "
                       f"take about {x['extrapolated_build_s']:,} s") for x in builds) + "."]
    rss = [(x["n"], x["cold_start"], x.get("measure_process_rss_mb")) for x in pgr.get("sizes", [])
           if x.get("cold_start", {}).get("cli_search_rss_mb")]
    if rss:
        out += ["", "PostgreSQL, peak RSS of a cold `yttra search` process (import, model load, connect, one hybrid "
                "query; the server's own memory apart) and of the process that ran the operations, queries and "
                "answers: " + "; ".join(f"{n:,} passages: {c['cli_search_rss_mb']:,.0f} MB"
                                         + (f" / {m:,.0f} MB" if m else "") for n, c, m in rss) + "."]
    return out


def update_markdown(update: dict, pg: dict | None = None) -> str:
    """The update-cost section of eval/RESULTS.md (eval/sweep.py's bench_markdown appends it):
    the embedded store (results.json, key `update`) and PostgreSQL (postgres_results.json) side by side."""
    rows, meta = update.get("table", []), update.get("meta", {})
    pgr = _pg_results(pg)
    earlier = sorted({r["earlier_run"] for r in rows if r.get("earlier_run")})
    out = ["## Update cost and latency: embedded store and PostgreSQL", "",
           f"From `eval/bench/results.json` (key `update`, written by `.venv/bin/python -m eval.bench.update`, run "
           f"started {meta.get('started', '?')}) and `eval/bench/postgres_results.json` (written by "
           f"`.venv/bin/python -m eval.bench.postgres`, run started {pgr.get('created', '–')}), on "
           f"{meta.get('cpus', '?')} CPUs shared with other sessions' work: the load averages show how busy the "
           f"machine was, so compare numbers taken at similar load. Median of {meta.get('rounds', '?')} rounds per "
           "operation; ×: ratio to the same operation on the same store with the 5-document corpus.", "",
           "Both stores hold the same synthetic corpus at each size (the same documents, passages and vectors), "
           "with a metadata.yaml entry per document, so every ingest reads a catalogue as large as the corpus. "
           "The operations are the same library calls (`index.pipeline.ingest` for the embedded store, "
           "`PgCorpus.upsert` / `delete` for PostgreSQL) on the same small yttrande (8-9 passages): add it (its "
           "entry appended to metadata.yaml), change its text (one sentence edited, a section appended), change its "
           "title in metadata.yaml (every passage rewritten, nothing embedded), delete it.", "",
           " ".join(str(meta.get("method", "")).split()), ""]
    if pgr.get("method"):
        method = re.sub(r" [3-6]\. ", " ", " ".join(str(pgr["method"]).split()).removeprefix("2. per size: "))
        out += ["PostgreSQL run, per size: " + method, ""]
    if earlier:
        old = [r for r in rows if r.get("earlier_run")]
        lacks = [what for what, missing in (
            ("before metadata.yaml had an entry per document (it held the 5 real entries)",
             any((r.get("metadata_entries") or 0) < (r.get("documents") or 0) for r in old)),
            ("before the metadata change operation", any(r.get("change_metadata_s") is None for r in old)),
            ("before compare/ask were measured", any(r.get("compare_p50") is None for r in old))) if missing]
        out += [f"†: from an earlier run ({', '.join(earlier)}), not measured again in the latest one"
                + (": " + ", ".join(lacks) if lacks else "") + ".", ""]
    notes = []
    for store in ("embedded", "PostgreSQL"):
        again = [r["ops"] for r in store_rows(update, pg) if r["store"] == store and r["ops"].get("measured")]
        if again:
            probes = [statistics.median(o["fsync_probe_ms"]) for o in again if o.get("fsync_probe_ms")]
            first = re.sub(r"; fsync of 4 KB[^;]*", "", again[0]["measured"])
            notes.append(f"{store}: {first}" + (f"; fsync of 4 KB, median per size {min(probes):g}-{max(probes):g} ms"
                                               if probes else ""))
    if notes:
        out += ["The one-document operations (add, change, metadata change, delete, add without the duplicate "
                "check) were then measured again with the sizes interleaved (`eval.bench.update --ops-again`, "
                "`eval.bench.pg_profile --ops-again`), which replaced the full runs' figures: every operation waits "
                "for several fsyncs, and this machine's shared disk has busy spells (an fsync of 4 KB takes 0.4 ms, "
                "at times 4-8 ms) that, in runs one size after another, fall on one size and not the other (the load average column is the full runs'). "
                "Per store: " + " | ".join(notes) + ".", ""]
    out += side_by_side_markdown(update, pg)
    out += ["", *before_after_markdown(update, pg)]
    out += ["", "### Embedded store: amortised adds, first pass, memory", "",
            "| passages | add, amortised s (max) | merges | cold, bm25 s | hybrid, first pass p50 / p95 ms |",
            "|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['passages']:,}{' †' if r.get('earlier_run') else ''} | {r['amortised_add_s']:.3f} "
                   f"({r['amortised_max_s']:.3f}) | {r['merges']} | {r['cold_bm25_s']:.2f} | "
                   f"{r.get('hybrid_first_p50')} / {r.get('hybrid_first_p95')} |")
    out += ["", "Memory, peak MB: RSS as the OS reports it (maximum resident set), and its two parts sampled every "
            "20 ms: heap (anonymous memory the process allocated) and mapped index files (pages of the "
            "memory-mapped segment files and HNSW graph; shared with the page cache, dropped and re-read by the "
            "kernel under memory pressure).", "",
            "| passages | segments (queried) | `yttra search`: RSS / heap / mapped | operations + queries: "
            "RSS / heap / mapped | bulk build: RSS / heap / mapped |",
            "|---|---|---|---|---|"]
    for r, s in zip(rows, update.get("sizes", [])):
        out.append(f"| {r['passages']:,} | {', '.join(s.get('segments', []))} ({r.get('query_segments')}) | "
                   f"{r['rss_search_mb']:.0f} / {r.get('anon_search_mb')} / {r.get('file_search_mb')} | "
                   f"{r['rss_ops_mb']:.0f} / {r.get('anon_ops_mb')} / {r.get('file_ops_mb')} | "
                   f"{r['rss_build_mb']:.0f} / {r.get('anon_build_mb')} / {r.get('file_build_mb')} |")
    before = update.get("before")
    if before:
        out += ["", "Before (the previous store: one immutable generation directory per ingest, rewritten whole; "
                + before.get("method", "") + "):", "",
                "| passages | add s (×) | change s (×) | delete s (×) | cold `yttra search` s | peak RSS search MB |",
                "|---|---|---|---|---|---|"]
        b0 = before["rows"][0]
        out += [f"| {b['passages']:,} | {b['add_s']} ({b['add_s'] / b0['add_s']:.1f}) | {b['change_s']} "
                f"({b['change_s'] / b0['change_s']:.1f}) | {b['delete_s']} ({b['delete_s'] / b0['delete_s']:.1f}) | "
                f"{b.get('cold_search_s', '')} | {b.get('rss_search_mb', '')} |" for b in before["rows"]]
    mc = REPO_ROOT / "eval/bench/metadata_results.json"
    if mc.exists():
        m = json.loads(mc.read_text("utf-8"))
        out += ["", "### Reading metadata.yaml", "",
                "`.venv/bin/python -m eval.bench.metadata_cost` (`eval/bench/metadata_results.json`): one ingest "
                "of one small document into the embedded store with metadata.yaml of 5 to 3,355 entries, before "
                "and after index/metadata.py cached entries by their text (a changed file costs its changed "
                "entries: every entry is parsed once per process, with libyaml where its layout is plain; "
                "'cold' empties that cache first, as a new `yttra ingest` process starts), and 'incremental': "
                "since issue 9's follow-up the ingest reads the file through `metadata_entries` (a read-only view: "
                "no copy of every entry), an unchanged file costs one comparison of its bytes with the last read, "
                "and a changed one is decoded and cut into entries again only around the changed bytes.", "",
                "| code | entries | ingest one, warm s | of it metadata.yaml s | ingest one, cold s | of it metadata.yaml s "
                "| load avg |", "|---|---|---|---|---|---|---|"]
        for label in ("before", "after", *(k for k in m if k not in ("before", "after"))):
            for x in (m.get(label) or {}).get("sizes", []):
                out.append(f"| {label} | {x['entries']:,} | {x['ingest_one_warm_s']:.3f} | "
                           f"{x['metadata_read_warm_s']:.4f} | {x['ingest_one_cold_s']:.3f} | "
                           f"{x['metadata_read_cold_s']:.4f} | {', '.join(f'{v:.1f}' for v in x['loadavg'])} |")
    prof = _pg_profile()
    if prof:
        out += ["", *pg_profile_markdown(prof)]
    lex = REPO_ROOT / "eval/bench/pg_lexical.json"
    if lex.exists():
        out += ["", *pg_lexical_markdown(json.loads(lex.read_text("utf-8")))]
    out += ["", *pg_1m_markdown(pgr)]
    out += ["", *goals_markdown(update, pg)]
    if update.get("plot"):
        out += ["", f"Plot: `eval/bench/{Path(str(update['plot']).split()[-1]).name}`."]
    return "\n".join(out) + "\n"


# The goal ratios at 100k before issue 9's follow-up on one-document costs (eval/RESULTS.md as it
# stood: update run 2026-11-23T03:12:02, PostgreSQL run 2026-11-23T04:23:14+0000; sizes run one
# after another, 5 rounds, files saved without fsync).
AB_OLD = "embedded 1.82 / 1.27 / 1.75 / 1.73 / 1.32, PostgreSQL 1.54 / 1.30 / 1.51 / 1.07 / 1.32"
AB_NEW = "embedded 1.06 / 1.00 / 1.09 / 1.09 / 1.09, PostgreSQL 1.32 / 1.28 / 1.36 / 0.98 / 1.31"
AGAIN_RUNS = ("embedded 1.21 / 1.10 / 1.20 / 1.09 / 1.06 (15 rounds, the table) and 1.06 / 1.00 / 1.09 / 1.09 / 1.09 "
              "(the A/B); PostgreSQL 1.42 / 1.30 / 1.39 / 1.19 / 1.45 (15 rounds, 0 and 100k), 1.32 / 1.28 / 1.36 / "
              "0.98 / 1.31 (the A/B) and 1.14 / 1.15 / 1.15 / 1.03 / 1.28 (15 rounds, 0, 10k and 100k: the table)")
OPS_BEFORE = {"embedded": {"add": 1.84, "change": 1.30, "change_metadata": 2.01, "delete": 1.71,
                           "add_without_duplicate_check": 1.57},
              "PostgreSQL": {"add": 2.20, "change": 1.78, "change_metadata": 1.84, "delete": 1.02,
                             "add_without_duplicate_check": 1.51}}


BEFORE_AFTER_SIZE = 100_000  # the size of the 'before' figures (OPS_BEFORE)


def before_after_markdown(update: dict, pg: dict | None = None) -> list[str]:
    """The goal ratios at the largest size, before and after the follow-up on one-document costs (100k:
    the size the 'before' figures were taken at; PostgreSQL's 1M run is reported apart)."""
    rows = [r for r in store_rows(update, pg) if r["store"] in OPS_BEFORE and r["target"] <= BEFORE_AFTER_SIZE]
    ops = (*OPS, "add_without_duplicate_check")
    out = ["One document at the largest size, × the 5-document figure, before → after the follow-up on "
           "one-document costs (before: this file's previous run, sizes one after another, 5 rounds, files "
           "written without fsync; after: the table above; other interleaved runs and an A/B of the old and new "
           "code in the same rounds under 'What the runs show'):", "",
           "| store | passages | add | change | metadata change | delete | add without the duplicate check |",
           "|---|---|---|---|---|---|---|"]
    for store in OPS_BEFORE:
        rs = [r for r in rows if r["store"] == store]
        if not rs:
            continue
        g = max(rs, key=lambda r: (r["target"], not r["earlier"]))
        cells = []
        for op in ops:
            v, b = g["ops"].get(f"{op}_s"), g["base_ops"].get(f"{op}_s")
            cells.append(f"{OPS_BEFORE[store][op]:.2f} → {v / b:.2f}" if v and b else f"{OPS_BEFORE[store][op]:.2f} → –")
        out.append(f"| {store} | {g['passages']:,}{' †' if g['earlier'] else ''} | " + " | ".join(cells) + " |")
    return out


def pg_lexical_markdown(lex: dict) -> list[str]:
    """PostgreSQL's BM25 latency with the capped ranking of large corpora, and its agreement with
    the exact ranking (eval/bench/pg_lexical.json, one entry per size)."""
    out = ["### PostgreSQL lexical search: capped BM25 above the postings budget", "",
           "`.venv/bin/python -m eval.bench.pg_lexical --pgdata DIR` (`eval/bench/pg_lexical.json`) on the store "
           "`eval.bench.pg_profile` keeps: BM25 sums every posting of the query's terms while they number at most "
           "`index.postgres.LEXICAL_POSTINGS_BUDGET`; above it the postings of the rarest terms within the budget "
           "pick `LEXICAL_RESCORE` candidates, which get their exact BM25 over every term (the real corpus, with "
           "at most some 20k postings per question, always takes the exact path: its eval numbers are unchanged). "
           "The synthetic corpus is the worst case for this: copies of 5 documents, so every 4-gram is common "
           "(a question's terms have about 1M postings at 100k passages). Latency in ms over the eval questions, "
           "k=5, after a warm-up pass; agreement: the share of the exact top-k also in the capped top-k (passages, "
           "and the real passages they copy).", "",
           "| passages | budget (rescored) | BM25 p50 / p95 | nämnd filter p50 / p95 | year filter p50 / p95 "
           "| hybrid p50 / p95 | exact BM25 p50 / p95 | agreement @5 / @10 / @50: passages; sources | load avg |",
           "|---|---|---|---|---|---|---|---|---|"]
    for _, x in sorted(lex.items(), key=lambda kv: int(kv[0])):
        ag = x["agreement_with_exact"]
        pp = lambda k: f"{x[k]['p50']:g} / {x[k]['p95']:g}"  # noqa: E731
        out.append(f"| {x['passages']:,} | {x['budget']:,} ({x['rescore']}) | {pp('bm25')} | {pp('bm25_filter_namnd')} "
                   f"| {pp('bm25_filter_year')} | {pp('hybrid')} | {pp('bm25_exact')} | "
                   f"{ag['passages@5']:.2f} / {ag['passages@10']:.2f} / {ag['passages@50']:.2f}; "
                   f"{ag['sources@5']:.2f} / {ag['sources@10']:.2f} / {ag['sources@50']:.2f} | "
                   f"{', '.join(f'{v:.1f}' for v in x['loadavg_at_start'])} |")
    return out


def _goal_line(g: dict, store: str, ratio, fmt) -> str:
    """One store and size against issue 9's goals."""
    nodup = fmt(ratio(g, "add_without_duplicate_check"))
    prof = _pg_profile()
    if store == "PostgreSQL" and nodup == "–" and len(prof) > 1:  # measured by eval/bench/pg_profile.py
        lo, hi = prof[min(prof, key=int)]["ops"], prof[max(prof, key=int)]["ops"]
        nodup = (f"{hi['add_without_duplicate_check_s'] / lo['add_without_duplicate_check_s']:.2f}× in the "
                 f"pg_profile run, where the add with it was {hi['add_s'] / lo['add_s']:.2f}")
    return (f"- {store}, {g['passages']:,} passages{' †' if g.get('earlier') else ''}: add / change / metadata change / delete "
            f"{' / '.join(fmt(ratio(g, op)) for op in OPS)}× the 5-document figure (goal ≤ 1.5); "
            f"add without index.intake's duplicate check {nodup}×; "
            f"hybrid p95 {g['queries']['hybrid']['p95']:g} ms; cold `yttra search` {g['cold_s']:.2f} s "
            f"({g['cold_s'] / g['base_cold_s']:.2f}×); compare over all {g['answers'].get('compare', {}).get('rows', 0):,} "
            f"documents p50 {g['answers'].get('compare', {}).get('p50', 0) / 1000:.1f} s, over one nämnd "
            f"p50 {g['answers'].get('compare_filter_namnd', {}).get('p50', 0):g} ms; ask p50 / p95 "
            f"{_pp(g['answers'], 'ask')} ms.")


def goals_markdown(update: dict, pg: dict | None = None) -> list[str]:
    """Issue 9's goals at the largest size of this run, per store, and what stands in their way."""
    rows = store_rows(update, pg)
    if not rows:
        return []
    ratio = lambda r, op: (r["ops"][f"{op}_s"] / r["base_ops"][f"{op}_s"]  # noqa: E731
                           if r["ops"].get(f"{op}_s") and r["base_ops"].get(f"{op}_s") else None)
    fmt = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
    out = ["### Goals (issue 9)", ""]
    for store in ("embedded", "PostgreSQL"):
        rs = [r for r in rows if r["store"] == store]
        if not rs:
            continue
        big_ones = [r for r in rs if r["target"] >= 100_000] or [max(rs, key=lambda r: r["target"])]
        for g in sorted(big_ones, key=lambda r: r["target"]):  # PostgreSQL: 100k and 1M
            out.append(_goal_line(g, store, ratio, fmt))
    table = update.get("table", [])
    big = max(table, key=lambda r: r["passages"]) if table else None
    if big:
        out.append(f"- Embedded store, peak RSS at {big['passages']:,} passages{' †' if big.get('earlier_run') else ''}: "
                   f"search {big['rss_search_mb'] / 1024:.2f} GB (heap {(big.get('anon_search_mb') or 0) / 1024:.2f}), "
                   f"operations and queries {big['rss_ops_mb'] / 1024:.2f} GB (heap "
                   f"{(big.get('anon_ops_mb') or 0) / 1024:.2f}), bulk build {big['rss_build_mb'] / 1024:.2f} GB (heap "
                   f"{(big.get('anon_build_mb') or 0) / 1024:.2f}).")
    pg_big = max((x for x in _pg_results(pg).get("sizes", []) if x.get("cold_start", {}).get("cli_search_rss_mb")),
                 key=lambda x: x["n"], default=None)
    if pg_big:
        out.append(f"- PostgreSQL, peak RSS at {pg_big['n']:,} passages: cold `yttra search` process "
                   f"{pg_big['cold_start']['cli_search_rss_mb'] / 1024:.2f} GB, the process that ran operations, "
                   f"queries and answers {(pg_big.get('measure_process_rss_mb') or 0) / 1024:.2f} GB (the server's own "
                   f"memory apart; database {(pg_big.get('db_mb') or 0) / 1024:.1f} GB on disk).")
    out += ["", "What the runs show: one document's operations now cost about what they cost on the 5-document "
            "corpus on both stores at 100k passages (the before → after table above). What had grown, and what was "
            "done in issue 9's follow-up on one-document costs:", "",
            "- metadata.yaml (both stores): every ingest decoded the whole file (0.8 ms at 3,361 entries), looked it "
            "up by its whole text, cut the whole text into entries again after any save (3-4 ms) and copied every "
            "entry for the caller (0.5-2 ms): about 3 ms per ingest, 10-12 ms after a save, at 3,361 entries. "
            "Ingest now reads it through `index.metadata.metadata_entries`, a read-only view that copies only the "
            "entries read; an unchanged file costs one comparison of its bytes with the last read (0.1 ms); a "
            "changed one is decoded and cut into entries again only around the changed bytes (every rule of the "
            "cut is about one line, so the entries before and after keep their cut; 0.6-0.9 ms after a save at "
            "3,361 entries). The whole-file parse stays the reference: any layout the cut cannot vouch for, and "
            "every error, goes through it, and tests/test_pipeline.py checks that both agree after random saves.",
            "- PostgreSQL: every write counted the catalogue for its report (`SELECT count(*) FROM "
            "yttra_documents`, 0.3 ms at 3,356 documents and growing with them); the writers now keep the count in "
            "yttra_meta.n_documents inside their transactions (schema version 3; an older index is migrated in "
            "place on first use).",
            "- An A/B in the same interleaved rounds (10 rounds, the previous metadata read and document count "
            "patched back in) put the old code at " + AB_OLD + " and this code at " + AB_NEW + " (× the 5-document "
            "figure at 100k; add / change / metadata change / delete / add without the duplicate check). "
            "Interleaved runs of this code vary from run to run, PostgreSQL's most (its HNSW pages in or out of "
            "shared_buffers): " + AGAIN_RUNS + ".",
            "- The benchmark now saves files as the app does (fsynced, before the clock starts) and measures the "
            "operations with the sizes interleaved; saving with or without fsync made no measurable difference "
            "in an A/B on a quiet disk, interleaving did: in runs one size after another a busy spell of the shared "
            "disk (fsync of 4 KB at 4-8 ms instead of 0.4) fell on one size (the full run measured the 10k "
            "embedded store's operations in such a spell, at 3-8× the 5-document figures, and its amortised adds, "
            "still in the table below, at 0.043 s).",
            "",
            "What still grows, on PostgreSQL: the HNSW insert. pgvector inserts each new passage into the graph "
            "(a search with ef_construction 64, then its neighbours' lists rewritten), which touches hundreds of "
            "index pages per passage at 100k; inserting one synthetic document's 30 passages took 33 ms with the "
            "HNSW index and 1.6 ms without it at 100k passages (4.0 and 1.1 ms at 149; the eight B-tree indexes "
            "and the heap: 1.4 against 0.9 ms), and with the 176 MB graph larger than the 128 MB of shared_buffers "
            "many of those pages are read back in after a restart (EXPLAIN BUFFERS: 5,800 reads for 30 passages). "
            "With shared_buffers = 1 GB the COPY into yttra_passages still took 8-18 ms for the small yttrande "
            "against 4 ms at 149 passages: the graph search itself grows. The synthetic corpus is a hard case for "
            "it (each real passage's vector has about 670 noisy copies at 100k, and the yttrande's vectors are real "
            "ones). Removing it needs a different write path (new passages searched exactly until a batch joins "
            "the graph, as the embedded store's segments do) or a cheaper graph (halfvec, a lower "
            "ef_construction), each of which changes search; not done. The postings' COPY grows a little "
            "(4.5 → 5.5 ms: the primary key, 1.1 GB, outgrows shared_buffers).", ""]
    return out


def pg_profile_markdown(prof: dict) -> list[str]:
    """Where PostgreSQL's one-document operations spend their time (eval/bench/pg_profile.py)."""
    out = ["### Where PostgreSQL's update time goes", "",
           "`.venv/bin/python -m eval.bench.pg_profile --passages N` (`eval/bench/pg_profile.json`): the same "
           "operations, first without a profiler, then with every SQL statement and COPY timed and the Python "
           "side under cProfile (which slows the Python side, so read the shares, not the sums).", "",
           "| passages | add / change / metadata change / delete s | add without the duplicate check s "
           "| SQL of all of a round's calls, ms (of the round's ms) | slowest statements per round, ms | load avg |",
           "|---|---|---|---|---|---|"]
    for key in sorted(prof, key=int):
        p = prof[key]
        o = p.get("ops") or p.get("ops_profiled", {})
        top = "; ".join(f"`{x['statement'][:60]}` {x['per_round_ms']:g}" for x in p.get("sql", [])[:4])
        out.append(f"| {p.get('n', 0):,} | {o.get('add_s')} / {o.get('change_s')} / {o.get('change_metadata_s')} / "
                   f"{o.get('delete_s')} | {o.get('add_without_duplicate_check_s')} | "
                   f"{p.get('sql_total_per_round_ms')} of {p.get('ops_total_per_round_ms')} | {top} | "
                   f"{', '.join(f'{v:.1f}' for v in p.get('ops_loadavg') or p.get('loadavg_at_start') or [])} |")
    big = prof[max(prof, key=int)]
    if big.get("relations_mb"):
        rel = ", ".join(f"{k} {v:,.0f}" for k, v in list(big["relations_mb"].items())[:6])
        out += ["", f"At {big.get('n', 0):,} passages the largest relations (MB): {rel}; server settings: " +
                ", ".join(f"{k} {v}" for k, v in big.get("settings", {}).items()) + "."]
    return out


PG_1M_NOTE = (
    "The PostgreSQL benchmark stops at {largest:,} passages. Scaled from there, 1M passages would mean "
    "{hours} hours of loading through the store's per-document writer at the rates "
    "measured at 100k ({rates} passages/s, in the benchmark run and the profile run's build; if they held: "
    "inserts into the postings' primary key slow down as it outgrows memory, so this is a lower bound), a "
    "database of about {db_gb:.0f} GB (postings: one row "
    "per distinct n-gram per passage, about 180 per passage with the default `ngram` analyzer, so about 180M "
    "rows, plus their two B-tree indexes, the passages' text and vectors and the HNSW graph), and a server "
    "sized for it: shared_buffers and RAM of several GB so that the HNSW graph (about 2 GB for 1M 384-dimensional "
    "vectors) and the postings' upper index levels stay cached, maintenance_work_mem of several GB to build "
    "the HNSW index in memory, and a bulk path that loads with COPY and builds the indexes afterwards instead "
    "of maintaining them row by row. This machine has 2 cores shared with three other sessions and "
    "pgserver's default configuration (128 MB shared_buffers), so the run would take hours and say "
    "more about the machine than about the store; it was not attempted. What 100k already shows for 1M: one "
    "document's operations run a fixed number of statements (the duplicate check is one indexed lookup, "
    "`find_content`), but the inserts into the HNSW graph and the postings' B-trees slow as those outgrow the "
    "cache, and BM25 ranks a question whose postings exceed `LEXICAL_POSTINGS_BUDGET` from its rarest terms' "
    "candidates (eval/bench/pg_lexical.py).")


def _pg_profile() -> dict:
    """eval/bench/pg_profile.json's runs by size (its other keys, e.g. "ops_interleaved", left out)."""
    path = REPO_ROOT / "eval/bench/pg_profile.json"
    data = json.loads(path.read_text("utf-8")) if path.exists() else {}
    return {k: v for k, v in data.items() if k.isdigit()}


def pg_1m_markdown(pgr: dict) -> list[str]:
    """PostgreSQL at 1M passages: how the run went and what it shows, or why it was not run."""
    big = max((x for x in pgr.get("sizes", []) if x.get("target", 0) >= 1_000_000 and x.get("ops")),
              key=lambda x: x["n"], default=None)
    if big is None:
        return ["### PostgreSQL at 1M passages: not run", "", PG_1M_NOTE.format(**_pg_1m(pgr))]
    base = next((x for x in pgr.get("sizes", []) if x.get("target") == 0 and x.get("ops")), None)
    ops, q, cold = big["ops"], big["queries"], big["cold_start"]
    b_ops = big.get("base_ops") or (base or {}).get("ops") or {}  # the 5-document figures of the same rounds
    ratio = lambda op: (f"{ops[op + '_s']:.3f} s ({ops[op + '_s'] / b_ops[op + '_s']:.2f}×)"  # noqa: E731
                        if b_ops.get(op + "_s") else f"{ops[op + '_s']:.3f} s")
    missed = [label for op, label in (("add", "add"), ("change", "change"), ("change_metadata", "metadata change"),
                                      ("delete", "delete")) if b_ops.get(op + "_s") and ops[op + "_s"] / b_ops[op + "_s"] > 1.5]
    again = ("; measured again after the build" + (f" ({ops['measured']})" if ops.get("measured") else "")
             + (f"; queries, compare and ask measured again ({big['queries_measured']})"
                if big.get("queries_measured") else ""))
    d = big.get("deferred_indexes_s") or {}
    a = big.get("answers") or {}
    return [
        "### PostgreSQL at 1M passages", "",
        f"Run started {big.get('started', '?')} (`eval.bench.postgres --sizes 1000000 --rounds 5`, results in "
        f"`eval/bench/postgres_results.json`): {big['n']:,} passages in {big['documents']:,} documents, loaded "
        f"through PgCorpus's per-document writer in {big['build_s']:,.0f} s ({big['passages_per_s']:.0f} passages/s) "
        f"with the HNSW index and the postings' primary key built afterwards ({d.get('hnsw_s', 0):,.0f} s and "
        f"{d.get('postings_pkey_s', 0):,.0f} s, maintenance_work_mem 6 GB), then ANALYZE; database "
        f"{(big.get('db_mb') or 0) / 1024:.1f} GB; pgserver's default server (128 MB shared_buffers). The machine's 2 "
        f"cores were shared with the answer evaluation and the test suite during the run (load average "
        f"{', '.join(f'{v:.1f}' for v in big.get('loadavg_before') or [])} before the measurements), the sizes were "
        "not interleaved and the one-document operations ran right after the index builds" + (again or
        ": read the latencies as upper bounds and the operation ratios as one run's") + ".", "",
        f"- One document: add {ratio('add')}, change {ratio('change')}, metadata change {ratio('change_metadata')}, "
        f"delete {ratio('delete')}, add without the duplicate check {ratio('add_without_duplicate_check')} "
        f"(× the 5-document figure; goal ≤ 1.5: {'missed for ' + ' and '.join(missed) if missed else 'met'}); "
        "metadata.yaml with "
        f"{ops.get('metadata_read', {}).get('entries', 0):,} entries is read in "
        f"{1000 * ops.get('metadata_read', {}).get('warm_s', 0):.1f} ms warm, "
        f"{ops.get('metadata_read', {}).get('cold_s', 0):.1f} s cold (once per process).",
        f"- Cold `yttra search` (new process: import, model, connect, one hybrid query): median "
        f"{cold['cli_search_process_s']:.2f} s of {', '.join(f'{x:.2f}' for x in cold['all_s'])} (goal ≤ 3 s: met); "
        f"peak RSS {cold.get('cli_search_rss_mb', 0):,.0f} MB (goal ≤ 4 GB: met; the server's memory apart), the "
        f"measuring process {(big.get('measure_process_rss_mb') or 0):,.0f} MB; a fresh PgCorpus's first BM25 "
        f"query {cold.get('open_and_first_bm25_query_ms', 0):,.0f} ms.",
        f"- Queries (k = 5, query vectors precomputed): hybrid p50 / p95 {_pp(q, 'hybrid')} ms (goal p95 ≤ 60: "
        f"{'met' if q['hybrid']['p95'] <= 60 else 'missed'}), first pass {_pp(q, 'hybrid_first_pass')}, nämnd filter "
        f"{_pp(q, 'hybrid_filter_namnd')}, year filter {_pp(q, 'hybrid_filter_year')}, dense {_pp(q, 'dense')}, "
        f"BM25 {_pp(q, 'bm25')} ms.",
        f"- compare over all documents p50 / p95 {_pp(a, 'compare')} ms, over one nämnd {_pp(a, 'compare_filter_namnd')} "
        f"ms; ask {_pp(a, 'ask')} ms." if a else "- compare and ask: not measured.",
    ]


def _pg_1m(pgr: dict) -> dict:
    done = [x for x in pgr.get("sizes", []) if x.get("target")]
    if not done:
        return {"largest": 0, "hours": "–", "rates": "–", "db_gb": float("nan")}
    big = max(done, key=lambda x: x["n"])
    rates = [big["passages_per_s"]] + [p["build"]["passages_per_s"] for p in _pg_profile().values()
                                        if p.get("build", {}).get("n", 0) == big["n"]]
    db = big.get("db_mb") or float("nan")
    fast, slow = (f"{1_000_000 / r / 3600:.1f}" for r in (max(rates), min(rates)))
    return {"largest": big["n"], "rates": " and ".join(f"{r:.0f}" for r in rates),
            "hours": fast if fast == slow else f"{fast}-{slow}", "db_gb": db * 1e6 / big["n"] / 1024}


def plot(update: dict, path: Path, pg: dict | None = None) -> str:
    """Update cost, query latency, compare/ask and cold start against size: embedded store solid,
    PostgreSQL dashed, an earlier run's points (†) unconnected and hollow."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no plot (results are in the JSON)"
    table = update["table"]
    rows = [r for r in table if not r.get("earlier_run")]
    old = [r for r in table if r.get("earlier_run")]
    n = [r["passages"] for r in rows]
    both = store_rows(update, pg)
    pgs = [r for r in both if r["store"] == "PostgreSQL"]
    emb = [r for r in both if r["store"] == "embedded" and not r["earlier"]]
    emb_old = [r for r in both if r["store"] == "embedded" and r["earlier"]]
    pn = [r["passages"] for r in pgs]

    def earlier(ax, xs, ys, mark, color, label):
        if xs:
            ax.plot(xs, ys, mark, color=color, mfc="none", ls="none", label=label)

    fig, axes = plt.subplots(2, 2, figsize=(15, 10))
    ax = axes[0][0]
    for c, (op, mark) in enumerate((("add", "o"), ("change", "s"), ("change_metadata", "D"), ("delete", "^"))):
        name = op.replace("_", " ")
        ax.plot([r["passages"] for r in emb], [r["ops"][f"{op}_s"] for r in emb], mark + "-", color=f"C{c}",
                label=f"embedded: {name} one document")
        if pgs:
            ax.plot(pn, [r["ops"][f"{op}_s"] for r in pgs], mark + "--", color=f"C{c}",
                    label=f"PostgreSQL: {name} one document")
        pts = [(r["passages"], r["ops"][f"{op}_s"]) for r in emb_old if r["ops"].get(f"{op}_s")]
        earlier(ax, [x for x, _ in pts], [y for _, y in pts], mark, f"C{c}", f"embedded: {name}, earlier run †")
    nodup = [(r["passages"], r["ops"]["add_without_duplicate_check_s"]) for r in emb
             if r["ops"].get("add_without_duplicate_check_s")]
    if nodup:
        ax.plot(*zip(*nodup), "o:", color="C5", label="embedded: add without the duplicate check")
    prof = _pg_profile()
    if len(prof) > 1:
        ax.plot([prof[k]["n"] for k in sorted(prof, key=int)],
                [prof[k]["ops"]["add_without_duplicate_check_s"] for k in sorted(prof, key=int)], "o-.", color="C5",
                label="PostgreSQL: add without the duplicate check (pg_profile run)")
    ax.plot(n, [r["amortised_add_s"] for r in rows], "x:", color="C4", label="embedded: add, amortised (merges incl.)")
    before = update.get("before", {}).get("rows", [])
    if before:
        ax.plot([b["passages"] for b in before], [b["add_s"] for b in before], "o:", color="grey",
                label="embedded: add one, before (generation store)")
    ax.set(xscale="log", yscale="log", xlabel="passages", ylabel="seconds (in-process ingest / upsert call)",
           title="Update cost of one document")
    ax.legend(fontsize=7)
    ax = axes[0][1]
    for c, (key, label, mark) in enumerate((("hybrid", "hybrid", "o"), ("hybrid_filter_namnd", "hybrid, nämnd filter",
                                                                        "s"), ("bm25", "BM25 only", "^"),
                                            ("dense", "dense only", "v"))):
        ax.plot([r["passages"] for r in emb], [r["queries"][key]["p95"] for r in emb], mark + "-", color=f"C{c}",
                label=f"embedded: {label} p95")
        if pgs:
            ax.plot(pn, [r["queries"][key]["p95"] for r in pgs], mark + "--", color=f"C{c}",
                    label=f"PostgreSQL: {label} p95")
        earlier(ax, [r["passages"] for r in emb_old], [r["queries"][key]["p95"] for r in emb_old], mark, f"C{c}",
                f"embedded: {label} p95, earlier run †")
    ax.axhline(60, color="red", lw=0.8, ls=":", label="goal p95 60 ms")
    ax.set(xscale="log", yscale="log", xlabel="passages", ylabel="ms (query embedding excluded)",
           title="Query latency")
    ax.legend(fontsize=7)
    ax = axes[1][0]
    for store, rs, style in (("embedded", emb, "-"), ("PostgreSQL", pgs, "--")):
        rs = [r for r in rs if r["answers"]]
        if not rs:
            continue
        x = [r["passages"] for r in rs]
        for c, (key, q, label, mark) in enumerate((("compare", "p50", "compare, all documents p50", "o"),
                                                   ("compare_filter_namnd", "p50", "compare, one nämnd p50", "s"),
                                                   ("ask", "p50", "ask p50", "^"), ("ask", "p95", "ask p95", "v"))):
            ax.plot(x, [r["answers"][key][q] for r in rs], mark + style, color=f"C{c}", label=f"{store}: {label}")
    ax.set(xscale="log", yscale="log", xlabel="passages", ylabel="ms (library call, LLM off)",
           title="compare and ask")
    ax.legend(fontsize=7)
    ax = axes[1][1]
    ax.plot(n, [r["cold_search_s"] for r in rows], "o-", color="C0", label="embedded: cold `yttra search` (hybrid), s")
    ax.plot(n, [r["cold_bm25_s"] for r in rows], "s-", color="C1", label="embedded: cold `yttra search --mode bm25`, s")
    earlier(ax, [r["passages"] for r in old], [r["cold_search_s"] for r in old], "o", "C0",
            "embedded: cold (hybrid), earlier run †")
    if pgs:
        ax.plot(pn, [r["cold_s"] for r in pgs], "o--", color="C0", label="PostgreSQL: cold `yttra search` (hybrid), s")
    ax2 = ax.twinx()
    nt = [r["passages"] for r in table]
    ax2.plot(nt, [r["rss_search_mb"] / 1024 for r in table], "^--", color="purple",
             label="embedded: peak RSS search, GB (1M: earlier run)")
    ax2.plot(nt, [(r.get("anon_search_mb") or 0) / 1024 for r in table], "^:", color="purple", label="  of it heap, GB")
    ax2.plot(nt, [r["rss_build_mb"] / 1024 for r in table], "v--", color="brown", label="embedded: peak RSS build, GB")
    ax2.plot(nt, [(r.get("anon_build_mb") or 0) / 1024 for r in table], "v:", color="brown", label="  of it heap, GB")
    ax.set(xscale="log", xlabel="passages", ylabel="seconds", title="Cold start and memory")
    ax.set_ylim(bottom=0)
    ax2.set_ylim(bottom=0)
    ax2.set_ylabel("GB")
    ax.legend(fontsize=7, loc="upper left")
    ax2.legend(fontsize=7, loc="center left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return f"plot written to {path}"


def cold_again(results: Path, workdir: Path, repeats: int) -> str:
    """The cold `yttra search` of every kept store measured again, one run per size in turn, so that a
    busy spell on the shared machine hits all sizes alike rather than one."""
    data = json.loads(results.read_text("utf-8"))
    update = data["update"]
    q = json.loads((REPO_ROOT / "eval/questions.jsonl").read_text("utf-8").splitlines()[0])["question"]
    sizes = [s for s in update["sizes"] if not s.get("earlier_run") and (workdir / f"n{_target(s)}" / "index").exists()]
    runs: dict = {(id(s), m): [] for s in sizes for m in ("hybrid", "bm25")}
    load = [round(x, 2) for x in os.getloadavg()]
    for _ in range(repeats):
        for s in sizes:
            for m in ("hybrid", "bm25"):
                runs[id(s), m].append(cold_search(workdir / f"n{_target(s)}" / "index", q, m, repeats=1))
    for s in sizes:
        for m in ("hybrid", "bm25"):
            rs = runs[id(s), m]
            s[f"cold_search_{m}"] = {"s": round(statistics.median(r["s"] for r in rs), 3),
                                     "all_s": [r["s"] for r in rs], "rss_mb": max(r["rss_mb"] for r in rs),
                                     "peak_anon_mb": max(r["peak_anon_mb"] for r in rs),
                                     "peak_file_mb": max(r["peak_file_mb"] for r in rs),
                                     "measured": f"again, sizes interleaved; load avg {load} -> "
                                                 f"{[round(x, 2) for x in os.getloadavg()]}"}
    update["table"] = summarise(update["sizes"])
    results.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
    return "; ".join(f"{s['n']:,}: {s['cold_search_hybrid']['all_s']}" for s in sizes)


def fsync_probe(folder: Path, n: int = 10) -> float:
    """Median ms of fsyncing a 4 KB append in `folder`: how busy the shared disk is right now
    (every write of either store waits for a few of these)."""
    path = Path(folder) / ".fsync-probe"
    times = []
    try:
        for _ in range(n):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            try:
                os.write(fd, b"\0" * 4096)
                t = time.perf_counter()
                os.fsync(fd)
                times.append(time.perf_counter() - t)
            finally:
                os.close(fd)
    finally:
        path.unlink(missing_ok=True)
    return round(1000 * statistics.median(times), 2)


def interleaved_ops(run_round, sizes: list, rounds: int) -> dict:
    """one_doc_ops measured again for several sizes, interleaved: round r runs `run_round(size, r)`
    (a fresh process: two untimed rounds of the operations, then one timed round) for every size
    in turn, the order reversed every other round, so that a busy spell of the shared machine
    (its disk above all: each operation waits for several fsyncs) hits every size alike.
    Returns {size: ops} with medians over the rounds, every round's times and how busy the
    machine was."""
    runs: dict = {s: [] for s in sizes}
    load = [round(x, 2) for x in os.getloadavg()]
    for r in range(rounds):
        for s in (sizes if r % 2 == 0 else sizes[::-1]):
            runs[s].append(run_round(s, r))
    out = {}
    for s, rs in runs.items():
        ops: dict = {}
        for op in (*OPS, "add_without_duplicate_check"):
            xs = [x[f"{op}_s"] for x in rs]
            ops[f"{op}_s"] = round(statistics.median(xs), 4)
            ops[f"{op}_all_s"] = xs
        probes = [x["fsync_ms"] for x in rs]
        ops["measured"] = (f"again, {rounds} rounds, sizes interleaved (a fresh process per size and round: "
                           f"metadata.yaml read, two untimed rounds, one timed); load avg {load} -> "
                           f"{[round(x, 2) for x in os.getloadavg()]}; fsync of 4 KB, median per round "
                           f"{statistics.median(probes)} ms (max {max(probes)})")
        ops["fsync_probe_ms"] = probes
        out[s] = ops
    return out


def ops_round(settings: Settings, base: dict, r: int) -> dict:
    """One round of one_doc_ops through `index.pipeline.ingest` in this fresh process, after
    metadata.yaml is read once (as in a running app) and two untimed rounds."""
    from index.pipeline import ingest

    emb = CachedEmbedder(base)
    ingest(settings, [], remove=["-"], embedder=emb, progress=False)

    def write(p):
        return ingest(settings, [p], embedder=emb, progress=False)

    def delete(d):
        return ingest(settings, [], remove=[d], embedder=emb, progress=False)

    corpus_dir = Path(settings.corpus_dir)
    one_doc_ops(corpus_dir, 2, write, delete, tag="warmup_remiss")
    probe = fsync_probe(Path(settings.index_dir))
    res = one_doc_ops(corpus_dir, 1, write, delete, tag=f"bench_remiss_r{r}")
    return {**{k: v for k, v in res.items() if not k.endswith("_all_s")}, "fsync_ms": probe}


def ops_again(results: Path, workdir: Path, rounds: int) -> str:
    """The one-document operations of every kept store measured again (interleaved_ops); the
    sizes' ops in the results file are replaced by these (their other numbers are kept)."""
    data = json.loads(results.read_text("utf-8"))
    update = data["update"]
    sizes = [s for s in update["sizes"] if not s.get("earlier_run") and (workdir / f"n{_target(s)}" / "index").exists()]
    cache = workdir / "real_vectors.npz"

    def run_round(target: int, r: int) -> dict:
        res = subprocess.run([sys.executable, "-m", "eval.bench.update", "--child", "ops-round", "--n", str(target),
                              "--workdir", str(workdir / f"n{target}"), "--cache", str(cache), "--round", str(r)],
                             capture_output=True, text=True, cwd=REPO_ROOT)
        if res.returncode != 0:
            raise RuntimeError(f"ops round n={target} failed:\n{res.stderr[-3000:]}")
        return json.loads(res.stdout.strip().splitlines()[-1])

    again = interleaved_ops(run_round, [_target(s) for s in sizes], rounds)
    for s in sizes:
        s["ops"].update(again[_target(s)])
    update["table"] = summarise(update["sizes"])
    results.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
    return "; ".join(f"{s['n']:,}: " + ", ".join(f"{op} {s['ops'][f'{op}_s']}" for op in OPS) for s in sizes)


def write_report(results: Path, plot_path: Path, md: Path) -> str:
    """The plot and eval/RESULTS.md's update-cost section from the JSON files, no runs: the section
    is what `yttra eval --results` appends last (eval/sweep.py bench_markdown), so it replaces the
    file's tail from its heading on."""
    data = json.loads(results.read_text("utf-8"))
    update = data["update"]
    update.setdefault("meta", {})["method"] = __doc__[__doc__.index("How the synthetic"):].strip()
    update["plot"] = plot(update, plot_path)
    results.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
    text = md.read_text("utf-8")
    at = min((text.find(h) for h in ("## Update cost of the embedded store", "## Update cost and latency")
              if text.find(h) >= 0), default=len(text))
    md.write_text(text[:at].rstrip("\n") + "\n\n" + update_markdown(update), "utf-8")
    return f"{update['plot']}; {md} rewritten from its update-cost section on"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m eval.bench.update", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="synthetic sizes (passages); 0 = the real corpus "
                    "(always run first, as the baseline)")
    ap.add_argument("--rounds", type=int, default=5, help="add/change/delete rounds per size (median reported)")
    ap.add_argument("--amortised", type=int, default=40, help="consecutive single-document adds per size")
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "eval/bench/results.json")
    ap.add_argument("--plot", type=Path, default=REPO_ROOT / "eval/bench/update_cost.png")
    ap.add_argument("--workdir", type=Path, default=None, help="where stores are built (default: a temp dir)")
    ap.add_argument("--before", type=Path, default=None, help="JSON of the old store's numbers to include")
    ap.add_argument("--keep", action="store_true", help="keep the built stores")
    ap.add_argument("--reuse", action="store_true", help="reuse stores kept in --workdir by an earlier run "
                    "(the measuring step's operations leave them as they were)")
    ap.add_argument("--keep-earlier", action="store_true", help="keep the results file's rows of sizes not run "
                    "now (each marked with the run it came from)")
    ap.add_argument("--report", action="store_true", help="run nothing: redraw the plot and rewrite "
                    "eval/RESULTS.md's update-cost section from the JSON files")
    ap.add_argument("--cold-again", action="store_true", help="measure the cold `yttra search` again on the stores "
                    "kept in --workdir, the sizes interleaved (one run of each in turn), and update the results")
    ap.add_argument("--ops-again", action="store_true", help="measure the one-document operations again on the stores "
                    "kept in --workdir, the sizes interleaved (a fresh process per size and round), and update the results")
    ap.add_argument("--child", choices=("build", "measure", "ops-round"), help=argparse.SUPPRESS)
    ap.add_argument("--round", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--cache", default="", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        a.step = a.child
        print(json.dumps(_child(a)))
        return {}
    if a.report:
        print(write_report(a.out, a.plot, REPO_ROOT / "eval/RESULTS.md"))
        return {}
    if a.cold_again:
        print(cold_again(a.out, Path(a.workdir), 5))
        return {}
    if a.ops_again:
        print(ops_again(a.out, Path(a.workdir), a.rounds))
        return {}
    sys.stdout.reconfigure(line_buffering=True)
    work = Path(a.workdir or tempfile.mkdtemp(prefix="yttra-update-"))
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "real_vectors.npz"
    sizes = [0] + [int(x) for x in a.sizes.split(",") if x.strip() and int(x)]
    data = json.loads(a.out.read_text("utf-8")) if a.out.exists() else {}
    update = {"meta": {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count(),
                       "machine": platform.processor() or platform.machine(), "loadavg_at_start": os.getloadavg(),
                       "rounds": a.rounds, "amortised": a.amortised,
                       "hnsw_threshold": Settings().search.hnsw_threshold,
                       "method": __doc__[__doc__.index("How the synthetic"):].strip()},
              "sizes": []}
    if a.before and a.before.exists():
        update["before"] = json.loads(a.before.read_text("utf-8"))
    earlier = []
    if a.keep_earlier:  # rows of sizes not run now, from the results file, marked with their run
        old = data.get("update") or {}
        old_base = next((r for r in old.get("sizes", []) if _target(r) == 0), {})
        earlier = [{"base_ops": old_base.get("ops"), "base_cold_search_hybrid": old_base.get("cold_search_hybrid"),
                    **r, "target": _target(r), "earlier_run": r.get("earlier_run") or old.get("meta", {}).get("started")}
                   for r in old.get("sizes", []) if _target(r) not in sizes]
    for n in sizes:
        t = time.perf_counter()
        wd = work / f"n{n}"
        started, load = time.strftime("%Y-%m-%dT%H:%M:%S"), [round(x, 2) for x in os.getloadavg()]
        res = run_size(n, wd, cache, a.rounds, a.amortised, a.reuse)
        res.update({"target": n, "started": started, "loadavg_before": load})
        res["seconds"] = round(time.perf_counter() - t, 1)
        res["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        update["sizes"].append(res)
        update["sizes"] = sorted([r for r in update["sizes"] if r not in earlier] + earlier, key=lambda r: r["target"])
        update["table"] = summarise(update["sizes"])
        print(json.dumps(next(r for r in update["table"] if r["passages"] == res["n"])))
        data["update"] = update
        a.out.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
        if not a.keep and not a.reuse and n:
            import shutil

            shutil.rmtree(wd / "index", ignore_errors=True)
    update["plot"] = plot(update, a.plot)
    print(update["plot"])
    data["update"] = update
    a.out.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
    return update


if __name__ == "__main__":
    main()
