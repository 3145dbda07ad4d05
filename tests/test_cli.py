import json

from typer.testing import CliRunner

from assistant.cli import app

runner = CliRunner()
FIELDS = {"rank", "score", "chunk_id", "doc_id", "source", "title", "namnd", "doc_type", "period", "year",
          "page", "section", "text"}


def _ingest(tiny_settings, *extra):
    return runner.invoke(app, ["ingest", "-q", "--corpus-dir", str(tiny_settings.corpus_dir),
                               "--index-dir", str(tiny_settings.index_dir), *extra])


def test_ingest_then_search_human_and_json(tiny_settings):
    res = _ingest(tiny_settings)
    assert res.exit_code == 0, res.output
    assert "Indexerade 2 dokument" in res.output
    res = runner.invoke(app, ["search", "ordningsvakter", "-k", "2", "--index-dir", str(tiny_settings.index_dir)])
    assert res.exit_code == 0, res.output
    assert "1. Spånga-Tensta stadsdelsnämnd (2021)" in res.output and "s. " in res.output
    assert "Sammanfattning" in res.output
    res = runner.invoke(app, ["search", "ordningsvakter", "--json", "-k", "2", "--index-dir", str(tiny_settings.index_dir)])
    obj = json.loads(res.output)
    assert obj["query"] == "ordningsvakter" and len(obj["results"]) == 2
    assert FIELDS <= set(obj["results"][0])
    assert obj["results"][0]["rank"] == 1 and obj["results"][0]["namnd"] == "Spånga-Tensta stadsdelsnämnd"


def test_batch_json_one_object_per_line_in_order(tiny_settings, tmp_path):
    _ingest(tiny_settings)
    qfile = tmp_path / "q.txt"
    qfile.write_text("ordningsvakter\n\nbegravningsplatser\nkommunikation och trygghet\n", encoding="utf-8")
    res = runner.invoke(app, ["search", "--batch", str(qfile), "--json", "-k", "3",
                              "--index-dir", str(tiny_settings.index_dir)])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.output.splitlines()]
    assert [x["query"] for x in lines] == ["ordningsvakter", "begravningsplatser", "kommunikation och trygghet"]
    for x in lines:
        assert 1 <= len(x["results"]) <= 3
        assert [r["rank"] for r in x["results"]] == list(range(1, len(x["results"]) + 1))
        for r in x["results"]:
            assert FIELDS <= set(r)
            assert r["source"].endswith(f"{r['doc_id']}.txt")
    assert lines[1]["results"][0]["doc_id"] == "b_kyrk"


def test_unknown_filter_value_lists_valid_ones(tiny_settings):
    _ingest(tiny_settings)
    res = runner.invoke(app, ["search", "trygghet", "--namnd", "Trafiknämnden", "--index-dir", str(tiny_settings.index_dir)])
    assert res.exit_code == 2
    assert "Kyrkogårdsnämnden" in res.output and "Spånga-Tensta stadsdelsnämnd" in res.output


def test_modes_and_filters_from_the_cli(tiny_settings):
    _ingest(tiny_settings)
    for mode in ("dense", "bm25", "hybrid"):
        res = runner.invoke(app, ["search", "trygghet", "--mode", mode, "--namnd", "Kyrkogård", "--json",
                                  "--index-dir", str(tiny_settings.index_dir)])
        assert res.exit_code == 0, res.output
        assert {r["doc_id"] for r in json.loads(res.output)["results"]} == {"b_kyrk"}


def test_ingest_with_a_broken_file_exits_nonzero_but_indexes_the_rest(tiny_settings):
    (tiny_settings.corpus_dir / "trasig.pdf").write_bytes(b"%PDF-1.4 garbage")
    res = _ingest(tiny_settings)
    assert res.exit_code == 1
    assert "trasig.pdf" in res.output and "Indexerade 2 dokument" in res.output


def test_search_without_index_says_how_to_build(tmp_path):
    res = runner.invoke(app, ["search", "trygghet", "--index-dir", str(tmp_path / "none")])
    assert res.exit_code == 2 and "yttra ingest" in res.output


def test_question_or_batch_required(tiny_settings):
    res = runner.invoke(app, ["search", "--index-dir", str(tiny_settings.index_dir)])
    assert res.exit_code == 2 and "--batch" in res.output


def test_ask_json_has_answer_markers_and_citation_sources(tiny_settings):
    _ingest(tiny_settings)
    res = runner.invoke(app, ["ask", "Vad tycker Spånga-Tensta om ordningsvakter?", "--json",
                              "--index-dir", str(tiny_settings.index_dir)])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.output)
    assert "[1]" in obj["answer"] and not obj["abstained"]
    c = obj["citations"][0]
    assert c["source"] == f"{tiny_settings.corpus_dir.name}/a_sdn.txt" or c["source"].endswith("a_sdn.txt")
    assert c["page"] >= 1 and c["quote"] and c["quote"] in " ".join(c["text"].split())


def test_ask_abstains_with_the_fixed_phrase(tiny_settings):
    _ingest(tiny_settings)
    res = runner.invoke(app, ["ask", "Vad tyckte Skarpnäcks stadsdelsnämnd om programmet?",
                              "--index-dir", str(tiny_settings.index_dir)])
    assert res.exit_code == 0 and "Jag hittar inget i underlaget som besvarar frågan." in res.output


def test_compare_and_draft_from_the_cli(tiny_settings, tmp_path):
    _ingest(tiny_settings)
    csv_path = tmp_path / "t.csv"
    xlsx_path = tmp_path / "t.xlsx"
    res = runner.invoke(app, ["compare", "ordningsvakter", "--csv", str(csv_path), "--xlsx", str(xlsx_path), "--json",
                              "--index-dir", str(tiny_settings.index_dir)])
    assert res.exit_code == 0, res.output
    rows = {r["namnd"]: r for r in json.loads(res.output)["rows"]}
    assert rows["Spånga-Tensta stadsdelsnämnd"]["stance"] == "positiv"
    import csv
    import io

    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")  # Swedish Excel: BOM and ';'
    table = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert table[0][0] == "Nämnd" and any(r[0] == "Spånga-Tensta stadsdelsnämnd" for r in table[1:])
    import openpyxl

    sheet = openpyxl.load_workbook(xlsx_path)["Jämförelse"]
    assert [c.value for c in sheet[1]][:1] == ["Nämnd"] and sheet.max_row == len(table)
    plain = tmp_path / "plain.csv"
    res = runner.invoke(app, ["compare", "ordningsvakter", "--csv", str(plain), "--csv-plain",
                              "--index-dir", str(tiny_settings.index_dir)])
    assert res.exit_code == 0 and plain.read_text(encoding="utf-8").startswith("nämnd")
    out = tmp_path / "utkast.docx"
    res = runner.invoke(app, ["draft", "--title", "Trygghetsprogram 2028–2031", "--namnd", "Skarpnäcks stadsdelsnämnd",
                              "--date", "2027-11-20", "--points", "kommunikation", "--out", str(out),
                              "--index-dir", str(tiny_settings.index_dir)])
    assert res.exit_code == 0, res.output
    import docx

    assert "Skarpnäcks stadsdelsnämnd" in "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    res = runner.invoke(app, ["draft", "--title", "T", "--namnd", "N", "--date", "13/12/2023", "--out", str(out),
                              "--index-dir", str(tiny_settings.index_dir)])
    assert res.exit_code == 2 and "ÅÅÅÅ-MM-DD" in res.output
