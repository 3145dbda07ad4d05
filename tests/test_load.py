"""The CI version of the load test (python -m eval.load_test): the app served
over the real corpus as assistant.app.launch serves it, 20 concurrent users
asking through "/ask" for about 15 s, then uploads while they ask.

No latency assertion (CI machines differ): the figures are printed (-s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.load_test import (ask, check_index, load_questions, make_client, prepare, run_upload_phase, run_users,
                            start_app, summarize, table)
from index.read import iter_corpus_files

pytestmark = [pytest.mark.slow, pytest.mark.integration]

USERS = 20


@pytest.fixture
def served(real_settings, tmp_path):
    """A copy of the real corpus and its session index (uploads never touch corpus/)."""
    settings = prepare(tmp_path / "work", index_dir=real_settings.index_dir)
    demo, url = start_app(settings)
    ask(make_client(url), "Vad säger nämnderna om ordningsvakter?")  # warm-up, not measured
    yield settings, url
    demo.close()


def test_20_users_get_answers_with_content(served):
    _, url = served
    results, wall = run_users(url, load_questions(), USERS, 15)
    s = summarize("fråga", results, wall, USERS)
    print("\n" + table([s]))
    assert s["errors"] == 0, s["error_samples"]
    assert all(r.ok for r in results)  # every reply had an assistant message with content
    assert {r.user for r in results} == set(range(USERS))  # every user got answers
    assert len({r.question for r in results}) >= USERS  # different questions


def test_uploads_during_queries_keep_the_index_consistent_and_searchable(served):
    settings, url = served
    docs, log, up_s, results, wall = run_upload_phase(settings, url, load_questions(), USERS, n_docs=5, min_seconds=2)
    s = summarize("fråga+uppladdning", results, wall, USERS)
    print("\n" + table([s]) + f"\nuppladdning: {[f['seconds'] for f in log]} s")
    assert all(f["ok"] for f in log), log
    assert len({f["doc_id"] for f in log}) == 5
    assert s["errors"] == 0, s["error_samples"]
    assert s["requests"] >= USERS
    check = check_index(settings, docs, url)
    print(check)
    assert not check["problems"], check["problems"]
    assert check["n_chunks"] == check["vector_rows"]
    assert check["uploads_found"] == 5 and check["uploads_found_via_app"] == 5
    assert check["documents"] == len(iter_corpus_files(Path(settings.corpus_dir)))  # the 5 uploads + the corpus
