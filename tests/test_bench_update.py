"""The update-cost benchmark's shared pieces (eval/bench/update.py), without timing
assertions: the catalogue it writes is a valid metadata.yaml, the one-document
operations leave the corpus folder as they found it, and the report renders
both stores from minimal results."""

from __future__ import annotations

import json
from types import SimpleNamespace

from eval.bench import update as u
from index.metadata import load_metadata_file


def test_catalogue_text_reads_back(tmp_path):
    entries = {"syn0000001": {"title": 'Svar på "remiss" #1: trygghet', "namnd": "Östermalms stadsdelsnämnd",
                              "doc_type": "yttrande", "period": "2024-2027", "year": 2025},
               "syn0000002": {"title": "a\\b 'c'", "namnd": "Kyrkogårdsnämnden", "doc_type": "yttrande",
                              "period": "2018-2021", "year": 2017}}
    path = tmp_path / "metadata.yaml"
    path.write_text("# rubrik\n" + u.catalogue_text(entries), encoding="utf-8")
    assert load_metadata_file(path) == entries


def test_one_doc_ops_calls_the_store_and_cleans_up(tmp_path):
    meta = tmp_path / "metadata.yaml"
    meta.write_text('"x":\n  namnd: "N"\n', encoding="utf-8")
    calls = []
    ok = SimpleNamespace(ok=True)

    def write(p):
        calls.append(("write", p.name, p.read_text(encoding="utf-8").count("våren"),
                      load_metadata_file(meta).get(p.stem)))
        return ok

    res = u.one_doc_ops(tmp_path, 2, write, lambda d: calls.append(("delete", d)) or ok)
    # two rounds of the four operations, then the diagnostic adds (and their deletes)
    assert [c[0] for c in calls] == ["write", "write", "write", "delete"] * 2 + ["write", "delete"] * 2
    assert [c[2] for c in calls if c[0] == "write"][:3] == [0, 1, 1]  # add, change (edited), metadata change
    entry = {"namnd": "Kommunstyrelsen", "doc_type": "yttrande", "year": 2024}
    assert [c[3] for c in calls if c[1] == "bench_remiss_1.txt"] == [  # its entry at add, change, metadata change
        entry, entry, {**entry, "title": "Trygghetsvandringar i Område 1"}]
    assert meta.read_text(encoding="utf-8") == '"x":\n  namnd: "N"\n'  # put back as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metadata.yaml"]
    assert set(res) >= {f"{op}_s" for op in u.OPS} | {"add_without_duplicate_check_s"}
    assert all(len(res[f"{op}_all_s"]) == 2 for op in u.OPS)


def _size(n: int, docs: int, add: float) -> dict:
    pct = {"p50": 1.0, "p95": 2.0}
    return {"target": n, "n": max(n, 149), "documents": docs, "build_s": 1.0,
            "ops": {"add_s": add, "change_s": add, "change_metadata_s": add, "delete_s": add / 2,
                    "amortised_add_mean_s": add, "amortised_add_max_s": add, "amortised_merges": 0,
                    "metadata_read": {"entries": docs, "cold_s": 0.01, "warm_s": 0.0001}},
            "queries": {**{k: pct for k in (*u.QUERY_CASES, "hybrid_first_pass")}, "segments": 1,
                        "avgdl_vs_biggest_segment": 1.0,
                        "answers": {"compare": {**pct, "n": 5, "rows": docs}, "ask": {**pct, "n": 21},
                                    "compare_filter_namnd": {**pct, "n": 5, "rows": 1}}},
            "cold_search_hybrid": {"s": 0.5, "rss_mb": 90}, "cold_search_bm25": {"s": 0.4}, "ops_queries_rss_mb": 200,
            "build_rss_mb": 300, "segments": ["flat"], "loadavg_before": [1.0, 1.0, 1.0]}


def test_report_has_both_stores_and_the_1m_note(tmp_path):
    sizes = [_size(0, 5, 0.02), _size(10_000, 336, 0.021)]
    update = {"meta": {"started": "t", "cpus": 2, "rounds": 5, "method": "m"}, "sizes": sizes,
              "table": u.summarise(sizes)}
    pg_size = {**_size(10_000, 336, 0.04), "complete": True, "passages_per_s": 130.0, "db_mb": 400.0,
               "cold_start": {"cli_search_process_s": 0.9}, "answers": sizes[1]["queries"]["answers"]}
    pg = {"created": "t2", "sizes": [{**pg_size, "target": 0, "n": 149, "documents": 5}, pg_size]}
    md = u.update_markdown(update, pg)
    rows = [r for r in md.splitlines() if r.startswith("| 10,000 |")]
    assert any("| embedded | 0.021 (1.05)" in r for r in rows) and any("| PostgreSQL | 0.040 (1.00)" in r for r in rows)
    assert "1M passages" in md and "not run" in md
    assert "plot" in u.plot(update, tmp_path / "p.png", pg)
    json.dumps(update)  # the results stay JSON
