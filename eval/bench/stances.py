"""Benchmark: a ranking question ("Vilken nämnd var mest kritisk?") cold, and after a restart.

A ranking reads every document's overall stance. The first process reads them from the passages (time
proportional to the corpus) and keeps them in the corpus's cache folder (assistant.stance_store); a
restarted process reads them from there. Prints JSON:

    python -m eval.bench.stances INDEX_DIR CORPUS_DIR [--out FILE]

The stance store of that index is deleted first (it is a cache), so "cold" is a first run ever.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index_dir", type=Path)
    ap.add_argument("corpus_dir", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--question", default="Vilken nämnd var mest kritisk?")
    args = ap.parse_args(argv)

    import assistant.answerers as ans
    from assistant.answer import answer
    from index.local import LocalCorpus
    from index.settings import Settings

    corpus = LocalCorpus(Settings(corpus_dir=args.corpus_dir, index_dir=args.index_dir))
    disk = corpus.cache_dir / "stances.sqlite"
    disk.unlink(missing_ok=True)
    out: dict = {"passages": len(corpus), "documents": len(corpus.documents()), "question": args.question}

    t = time.perf_counter()
    first = answer(corpus, args.question)
    out["cold_question_s"] = round(time.perf_counter() - t, 2)  # reads every document, keeps them on disk
    out["stance_rows"] = len(ans.store_for(corpus))
    out["store_bytes"] = disk.stat().st_size

    ans._OVERALL.clear()  # a restarted process: nothing in memory, the rows on disk
    t = time.perf_counter()
    n = ans.warm_stances(corpus)
    out["restart_warm_s"] = round(time.perf_counter() - t, 2)
    out["restart_warm_documents"] = n
    ans._OVERALL.clear()
    t = time.perf_counter()
    again = answer(corpus, args.question)
    out["restart_question_s"] = round(time.perf_counter() - t, 2)  # no warm-up: straight from the disk rows
    out["same_answer"] = again.text == first.text
    out["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)
    text = json.dumps(out, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if out["same_answer"] else 1


if __name__ == "__main__":
    sys.exit(main())
