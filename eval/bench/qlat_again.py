"""Query latency again on a kept 1M embedded store: three passes of `eval.bench.update.query_cases` in one
process (query vectors from the cache, so the query embedding is excluded).

The store is the one `eval.bench.update` builds, kept in W:

    .venv/bin/python -m eval.bench.update --child build --n 1000000 --workdir W/n1000000 --cache W/real_vectors.npz
    .venv/bin/python -m eval.bench.qlat_again W OUT.json

Unlike `measure_queries`, no small documents are added first: the store is the bulk build's single segment.
Session 23's raw numbers: eval/bench/qlat_1m_session23.json (its "off" rows are this code; its "on" rows an
experimental BM25 pruning that was not kept).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(work: Path, out: Path) -> dict:
    from eval.bench.update import REPO_ROOT, CachedEmbedder, query_cases, real_base
    from index.local import LocalCorpus
    from index.settings import Settings

    wd = work / "n1000000"
    base = real_base(Settings(corpus_dir=REPO_ROOT / "corpus", index_dir=wd / "index"), work / "real_vectors.npz")
    corpus = LocalCorpus(Settings(corpus_dir=wd / "corpus", index_dir=wd / "index"), CachedEmbedder(base))
    corpus.search(base["questions"][0], k=5)  # loads the index
    passes = []
    for i in range(3):
        r = query_cases(corpus, base["questions"])
        passes.append(r)
        print(i, {k: r[k] for k in ("hybrid", "bm25", "hybrid_filter_year", "hybrid_filter_namnd")}, flush=True)
    out.write_text(json.dumps({"passes": passes}, indent=1), "utf-8")
    return {"passes": passes}


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
