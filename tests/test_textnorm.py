from index.textnorm import analyze, fold, normalize_ws


def test_fold_strips_swedish_diacritics():
    assert fold("Förvaltningen Ärendet Åtgärd café") == "forvaltningen arendet atgard cafe"


def test_folded_and_stemmed_forms_meet():
    # The OCR-damaged spelling and the correct one analyse to the same term.
    assert analyze("förvaltningen") == analyze("forvaltningen")
    assert analyze("Nämnderna") == analyze("namnderna")
    # Swedish stemming joins inflections.
    assert analyze("ordningsvakternas")[0] == analyze("ordningsvakter")[0]


def test_stopwords_dropped_but_content_kept():
    toks = analyze("Vad säger nämnden om ordningsvakter och polisen?")
    assert "och" not in toks and "om" not in toks
    assert any(t.startswith("ordningsvak") for t in toks)
    assert any(t.startswith("polis") for t in toks)


def test_numbers_and_dnr_survive():
    assert {"2019", "1939", "ks"} <= set(analyze("KS 2019/1939"))


def test_normalize_ws():
    assert normalize_ws("  a\n b\t\tc  ") == "a b c"
