"""The phrasing answerer: "Hur brukar … formuleras?" — how the responses
word something, which formulations recur and in how many documents.

1. What to look at, from the question: a section it names ("förslaget till
   beslut", "ärendets beredning": the draft's section families), a position
   ("avslutas", "inleds": taxonomy.yaml `phrasing_positions`), a quoted phrase
   ('förvaltningen anser att'), or else its topic, ranked with the shared
   evidence scorer.
2. One or two sentences per response document in scope.
3. Recurring formulations: sentences are grouped when they share a run of at
   least MIN_SHARED_WORDS words (names of nämnder and numbers do not count as
   shared); the shared run is shown with the number of documents using it,
   then each document's sentence, verbatim and cited.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from index.chunk import heading_taxonomy
from index.corpus import Corpus
from index.textnorm import STOPWORDS_SV, analyze, fold, words
from index.types import Answer

from .analyse import Request, cue_regex, namnd_keys, phrases_regex, taxonomy, taxonomy_words
from .answerers import (_WANTS_CHANGE, _WANTS_POSITIVE, _WITHOUT, NO_ANSWER, Sentence, _Cites, _scope, document_sentences,
                        document_stance)
from .compare import find_cues
from .draft import SECTION_FAMILIES, section_family
from .evidence import Scorer
from .quotes import without_heading

MIN_SHARED_WORDS = 3
PER_DOC = 2
MAX_DOCS = 8
MAX_SCANNED_DOCS = 200  # documents read for a quoted phrase or a named decision (a large catalogue: the search's first)
_QUOTED = re.compile(r"['\"»”“‘’]([^'\"»”“‘’]{6,120})['\"«”“‘’]")


def _asked_section(question: str) -> str | None:
    """The section family the question names ('förslaget till beslut' -> 'Förslag till beslut')."""
    q = fold(question.lower())
    for family, heads in SECTION_FAMILIES.items():
        for h in heads:
            hw = fold(h.lower()).split()
            # 'förslaget till beslut' names 'Förslag till beslut': compare word starts
            if len(hw) >= 2 and re.search(r"\b" + r"\w*\s+".join(re.escape(w[:max(4, len(w) - 1)]) for w in hw) + r"\w*", q):
                return family
    for family, heads in SECTION_FAMILIES.items():  # a long one-word heading named as a noun ('sin sammanfattning',
        for h in heads:  # 'synpunktsavsnittet'), not as the verb ('sammanfatta') or inside another word ('remissvaren')
            hw = fold(h.lower()).split()
            if len(hw) == 1 and len(hw[0]) >= 10:
                root = re.escape(re.sub(r"(er|ar|or|en|et)$", "", hw[0]))
                # (after an indefinite article it is a thing of its kind: 'en synpunkt där man …')
                if re.search(rf"(?<!\ben )(?<!\bett )(?<!nagon )(?<!nagra )(?<!\bnan )\b{root}(er|ar|or)?(en|et|na|erna|arna)?(?!\w)"
                             rf"|\b{root}s?(avsnitt|del|rubrik|stycke)\w*", q):
                    return family
    # a part of the minute of its own (index/headings.yaml `other`: 'Reservation', 'Särskilt uttalande'): named
    # also as a thing of its kind ('hur formulerar man en reservation?'), never inside another word
    for head in heading_taxonomy().other:
        hw = fold(head.lower()).split()
        if (len(hw) >= 2 or len(hw[0]) >= 10) and re.search(
                r"\b" + r"\w*\s+".join(re.escape(re.sub(r"(er|ar|or|en|et)$", "", w)) for w in hw) + r"\w*", q):
            return heading_taxonomy().canonical(head)
    return None


def _folded_words(text: str) -> list[str]:
    return [fold(w.lower()) for w in words(text)]


def _part(s: Sentence) -> str | None:
    """The section family a sentence is in, or the part of the minute of its own ('Reservation')."""
    own = heading_taxonomy().canonical((s.chunk.section or "").split(" › ")[-1])
    return s.family or (own if own in heading_taxonomy().other else None)


def _asks_for_any_formulation(req: Request) -> bool:
    """Does the question ask for the responses' formulations in general ('vilka standardfraser finns i
    yttrandena?'): its topic only words for formulations (taxonomy.yaml `phrasing_meta_words`)?"""
    ws = words(req.topic or "")
    return bool(ws) and all(_is_meta(w) for w in ws)


def _is_meta(word: str) -> bool:
    """A word for formulations themselves (taxonomy.yaml `phrasing_meta_words`: a word start, or the whole
    word for one of four letters or fewer: 'ord' is no start of 'ordningsvakter')."""
    f = fold(word.lower())
    return any(f == m or (len(m) > 4 and f.startswith(m)) for m in taxonomy_words("phrasing_meta_words"))


def _topic_words(topic: str) -> str:
    """The topic without the words for formulations ('vilka ord använder nämnderna om samverkan?' is on 'samverkan')."""
    return " ".join(w for w in (topic or "").split() if not _is_meta(w))


NEAR_DUPLICATE = 0.9  # the share of the shorter sentence that the longer one repeats, in order


def _restates(a: str, b: str) -> bool:
    """Does one sentence repeat nearly all of the other ('Vidare anser kulturförvaltningarna att …' and the
    body's 'Vidare anser förvaltningarna att … arbetet utnyttja …')?"""
    a, b = fold(a.lower()), fold(b.lower())
    m = SequenceMatcher(None, a, b, autojunk=False)
    return sum(x.size for x in m.get_matching_blocks()) >= NEAR_DUPLICATE * min(len(a), len(b))


def _mixed(text: str) -> bool:
    """Support, then a critique or a clause set against it, in one sentence ('Det är bra att …, men …')."""
    positive, critical = find_cues(text)  # the contrast words of taxonomy.yaml `contrast_openings`, anywhere in it
    return bool(positive) and (bool(critical) or bool(phrases_regex("contrast_openings").search(fold(text.lower()))))


MAX_RECURRING = 5  # formulations shown when the question asks for the recurring ones in general
RUN_WORDS = 3  # words a formulation shares across documents, at least
OPENING_WORDS = 2  # ... starting within the sentence's first words: officialese formulas open the sentence


def _recurring(corpus: Corpus, req: Request, docs) -> Answer:
    """The formulations the most responses share: runs of RUN_WORDS words at a sentence's opening ('Förvaltningen
    föreslår att', 'Ärendet har beretts'; names of nämnder and numbers masked) counted by the documents using them, the longest common run of each group shown, then each
    document's sentence, verbatim and cited."""
    mask = {k for d in docs for k in namnd_keys(d.meta.namnd)}
    names = {d.doc_id: d.meta.namnd or d.doc_id for d in docs}
    grams: dict[tuple[str, ...], dict[str, tuple[Sentence, list[str], int]]] = {}
    for rec in docs[:MAX_DOCS]:
        for x in document_sentences(corpus, rec.doc_id):
            toks = _tokens(without_heading(x.text, x.chunk.section), mask)
            for i in range(min(OPENING_WORDS, len(toks) - RUN_WORDS + 1)):  # a formula opens the sentence
                g = tuple(toks[i:i + RUN_WORDS])
                if any(t.startswith("<") for t in g) or all(t in STOPWORDS_SV for t in g):
                    continue
                grams.setdefault(g, {}).setdefault(rec.doc_id, (x, toks, i))
    shared = sorted((g for g, by in grams.items() if len(by) >= 2), key=lambda g: (-len(grams[g]), g))
    cites = _Cites()
    parts: list[str] = []
    seen: set[tuple] = set()
    total = min(len(docs), MAX_DOCS)
    for g in shared:
        by = grams[g]
        key = tuple(sorted((d, x.order) for d, (x, _, _) in by.items()))
        if key in seen:
            continue  # the same sentences again, one word further along the same phrase
        seen.add(key)
        run = list(g)  # as far as every sentence goes on with the same words
        x0, toks0, i0 = next(iter(by.values()))
        while all(i + len(run) < len(toks) for _, toks, i in by.values()) and \
                len({toks[i + len(run)] for _, toks, i in by.values()}) == 1 \
                and not toks0[i0 + len(run)].startswith("<"):
            run.append(toks0[i0 + len(run)])
        phrase = _surface(without_heading(x0.text, x0.chunk.section), run)
        lines = [f"- **{names[d]}**: {cites.sentence(x)}" for d, (x, _, _) in by.items()]
        lead = "…" if i0 else ""
        parts.append(f"Återkommande formulering i {len(by)} av {total} yttranden: »{lead}{phrase}…«\n" + "\n".join(lines))
        if len(parts) >= MAX_RECURRING:
            break
    if not cites.items:
        return Answer(req.question, NO_ANSWER, abstained=True, query=req.question, filters=req.filters(),
                      warnings=["Ingen formulering återkommer i mer än ett yttrande."])
    return Answer(req.question, "\n\n".join(parts), cites.items, query=req.question, filters=req.filters())


def _asked_position(question: str) -> str | None:
    q = fold(question.lower())
    for pos, cues in taxonomy().positions.items():
        if any(re.search(r"(?<!\w)" + re.escape(c), q) for c in cues):
            return pos
    return None


def _tokens(text: str, mask: set[str]) -> list[str]:
    """Folded words; names of nämnder and numbers become placeholders (never shared)."""
    out = []
    for i, w in enumerate(words(text)):
        f = fold(w.lower())
        out.append(f"<{i}>" if (f.isdigit() or any(f.startswith(k) for k in mask)) else f)
    return out


def _shared_run(a: list[str], b: list[str]) -> tuple[int, int]:
    """(start in a, length) of the longest run of words a and b share."""
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.a, m.size


def _pick_sentences(corpus: Corpus, req: Request, docs) -> dict[str, list[Sentence]]:
    section = _asked_section(req.question)
    position = _asked_position(req.question)
    quoted = [fold(m.group(1).lower()).strip() for m in _QUOTED.finditer(req.question)]
    q = _WITHOUT.sub(" ", fold(req.question.lower()))  # "… utan att låta negativa": not what it asks for
    # "Hur uttrycker X att de håller med?" / "Hur formuleras kritik?": the sentences that take that stance
    judgement = taxonomy_words("judgement_words")  # "hur formulerade HL sin samlade bedömning?": its stance, either way
    # "… där man först berömmer något och sen vill att det kompletteras": support and critique in one sentence
    # (a section named beside a stance, "… positivt ställningstagande, typ i sammanfattningen": the stance's
    # sentences in that section first)
    stance = "" if (quoted or position) else \
        "mixed" if _WANTS_CHANGE.search(q) and _WANTS_POSITIVE.search(q) else \
        "critical" if _WANTS_CHANGE.search(q) else "positive" if _WANTS_POSITIVE.search(q) else \
        "any" if judgement and any(fold(w.lower()).startswith(judgement) for w in words(req.topic or "")) else ""
    # a kind of decision named ("hur formulerar man att nämnden avstyrker delvis?"; taxonomy.yaml
    # `decision_kinds`): the sentences that take it, those with the question's other words first
    kinds = tuple(taxonomy_words("decision_kinds"))
    decided = [f[:max(len(k) for k in kinds if f.startswith(k))] for f in (fold(w.lower()) for w in words(req.question))
               if f.startswith(kinds)] if not (quoted or section) else []
    scorer = None if (quoted or section or position or stance or decided) else \
        Scorer(corpus, _topic_words(req.topic) or req.question)
    agree = cue_regex("agreement_cues")
    about = Scorer(corpus, req.topic) if stance and stance != "any" and analyze(req.topic or "") else None
    chosen: dict[str, list[Sentence]] = {}
    looked_for = bool(quoted or decided)  # a phrase or a decision: its takers are few, so more documents are read
    if (scorer is not None and len(docs) > MAX_DOCS) or (looked_for and len(docs) > MAX_SCANNED_DOCS):
        # the documents that speak to it first (the search's order), not the catalogue's first few
        hits = corpus.search(_topic_words(req.topic) or req.question, k=4 * MAX_DOCS, filters=req.filters() or None)
        rank = {}
        for i, h in enumerate(hits):
            rank.setdefault(h.chunk.doc_id, i)
        docs = sorted(docs, key=lambda d: rank.get(d.doc_id, len(hits)))
    for rec in docs[:MAX_SCANNED_DOCS if looked_for else MAX_DOCS]:
        if len(chosen) >= MAX_DOCS:
            break
        sents = document_sentences(corpus, rec.doc_id)
        if not sents:
            continue
        if quoted:
            picked = [s for s in sents if any(q in fold(s.text.lower()) for q in quoted)][:PER_DOC]
        elif position == "closing":  # the end of the document's own text, not appendices or letterheads
            # (before a named section: "hur avslutas de – upprepas förslaget till beslut sist?" asks for the end)
            body = [s for s in sents if s.family == "Förvaltningens synpunkter och förslag"] or \
                [s for s in sents if s.family] or sents
            picked = body[-1:]
        elif section and not stance:
            picked = [s for s in sents if _part(s) == section][:PER_DOC]
        elif decided:
            rest = set(analyze(req.topic or ""))
            picked = [s for s in sents if any(w.startswith(tuple(decided)) for w in _folded_words(s.text))]
            picked.sort(key=lambda x: -len(rest & set(analyze(x.text))))
            picked = picked[:PER_DOC]
        elif position == "opening":
            views = [s for s in sents if s.family == "Förvaltningens synpunkter och förslag"] or sents
            picked = views[:1]
        elif stance:
            ds = document_stance(corpus, rec)
            if stance == "positive":  # a supportive clause counts, also before a "men …"
                picked = sorted((x for x in ds.positive + ds.critical if find_cues(x.text)[0]), key=lambda x: x.order)
                if agree.search(q):  # "att de håller med": the sentences that say so ('instämmer helt') first
                    picked.sort(key=lambda x: not agree.search(fold(x.text.lower())))
            elif stance == "any":
                picked = sorted(ds.positive + ds.critical, key=lambda x: x.order)
            elif stance == "mixed":
                picked = sorted((x for x in ds.positive + ds.critical if _mixed(x.text)), key=lambda x: x.order)
            else:
                picked = list(ds.critical)
            if about is not None:  # "att de håller med stadsledningskontoret": the stance sentences on that first
                picked.sort(key=lambda x: -about.coverage(x.text)[0])
            if section:
                picked.sort(key=lambda x: _part(x) != section)
            picked = picked[:PER_DOC]
        else:
            scored = scorer.rank(scorer.sentences(corpus.passages(rec.doc_id)))
            by_text = {s.text: s for s in sents}
            best = scored[0].rel if scored else 0.0
            picked = [by_text[x.text] for x in scored if x.text in by_text and x.lex > 0
                      and x.rel >= 0.8 * best][:PER_DOC]
        picked = [s for s in picked if not any(o is not s and fold(o.text) in fold(s.text) for o in picked)]
        # a restatement (the summary's sentence again in the body, a word changed): the first one read
        picked = [s for i, s in enumerate(picked) if not any(_restates(o.text, s.text) for o in picked[:i])]
        if picked:  # (a sentence that repeats another with its heading glued on is left out)
            chosen[rec.doc_id] = sorted(picked, key=lambda s: s.order)
    return chosen


def _structure(corpus: Corpus, req: Request, docs) -> Answer:
    """"Vilka rubriker brukar yttrandena ha?": the documents' own section headings, the recurring ones
    first with the number of documents using each, in the order they usually come; each cited with the
    first body sentence under it in one document (a heading itself is never quoted)."""
    heads: dict[str, dict] = {}
    for rec in docs[:MAX_DOCS * 4]:
        seen: set[str] = set()
        for s in document_sentences(corpus, rec.doc_id):
            part = (s.chunk.section or "").split(" › ")[-1].strip()
            family = section_family(s.chunk.section) if part else None  # 'Förvaltningarnas synpunkter' and
            part = family or part  # 'Förvaltningens synpunkter och förslag' are one heading (index/headings.yaml)
            key = fold(part.lower()).rstrip(":. ")
            if not part or key in seen:
                continue
            seen.add(key)
            h = heads.setdefault(key, {"name": part, "docs": {}, "pos": []})
            h["docs"].setdefault(rec.doc_id, s)
            h["pos"].append(len(seen))
    if not heads:
        return Answer(req.question, NO_ANSWER, abstained=True, query=req.question, filters=req.filters(),
                      warnings=["Dokumenten i underlaget har inga rubriker som går att läsa ut."])
    total = len({d for h in heads.values() for d in h["docs"]})
    names = {d.doc_id: d.meta.namnd or d.doc_id for d in docs}
    recurring = [h for h in heads.values() if len(h["docs"]) >= 2]
    order = sorted(recurring or heads.values(), key=lambda h: sum(h["pos"]) / len(h["pos"]))
    cites = _Cites()
    lines = []
    for h in order[:12]:
        d, s = next(iter(h["docs"].items()))
        lines.append(f"- **{h['name']}** ({len(h['docs'])} av {total}) – t.ex. {names.get(d, d)}: {cites.sentence(s)}")
    head = ("Rubriker som återkommer i yttrandena, i den ordning de brukar komma (antal dokument som har dem):"
            if recurring else "Ingen rubrik återkommer; dokumentens rubriker:")
    return Answer(req.question, head + "\n" + "\n".join(lines), cites.items, query=req.question, filters=req.filters())


def answer_phrasing(corpus: Corpus, req: Request) -> Answer:
    docs = _scope(corpus, req)
    if not docs:
        return Answer(req.question, NO_ANSWER, abstained=True, query=req.question, filters=req.filters(),
                      warnings=["Inget yttrande i underlaget matchar frågan."])
    if _asked_position(req.question) == "structure":
        return _structure(corpus, req, docs)
    q = fold(req.question.lower())
    if not (_asked_section(req.question) or _asked_position(req.question) or _QUOTED.search(req.question)
            or _WANTS_CHANGE.search(q) or _WANTS_POSITIVE.search(q)) and _asks_for_any_formulation(req):
        return _recurring(corpus, req, docs)
    chosen = _pick_sentences(corpus, req, docs)
    if not chosen:
        return Answer(req.question, NO_ANSWER, abstained=True, query=req.question, filters=req.filters(),
                      warnings=["Inget av yttrandena formulerar sig om det frågan gäller."])
    names = {d.doc_id: d.meta.namnd or d.doc_id for d in docs}
    mask = {k for d in docs for k in namnd_keys(d.meta.namnd)}
    items = [(d, s, _tokens(s.text, mask)) for d, ss in chosen.items() for s in ss]

    # group sentences of different documents that share a run of words
    groups: list[dict] = []
    for d, s, toks in items:
        best = None
        for g in groups:
            start, size = _shared_run(g["run"], toks)
            if size >= MIN_SHARED_WORDS and d not in g["docs"] and (best is None or size > best[1]):
                best = (g, size, start)
        if best:
            g, size, start = best
            g["run"] = g["run"][start:start + size]
            g["docs"][d] = s
        else:
            groups.append({"run": toks, "docs": {d: s}})
    recurring = sorted((g for g in groups if len(g["docs"]) >= 2), key=lambda g: -len(g["docs"]))
    cites = _Cites()
    parts: list[str] = []
    total = len(chosen)
    for g in recurring[:4]:
        first = next(iter(g["docs"].values()))
        phrase = _surface(first.text, g["run"])
        head = (f"Återkommande formulering i {len(g['docs'])} av {total} yttranden"
                + (f": »…{phrase}…«" if phrase else ":"))
        lines = [f"- **{names[d]}**: {cites.sentence(s)}" for d, s in g["docs"].items()]
        parts.append(head + "\n" + "\n".join(lines))
    single = [(d, s) for g in groups if len(g["docs"]) == 1 for d, s in g["docs"].items()]
    if single:
        title = "Andra formuleringar:" if recurring else \
            f"Så formulerar sig {total} {'yttrande' if total == 1 else 'yttranden'} (ingen formulering återkommer ordagrant):"
        parts.append(title + "\n" + "\n".join(f"- **{names[d]}**: {cites.sentence(s)}" for d, s in single[:8]))
    if not cites.items:
        return Answer(req.question, NO_ANSWER, abstained=True, query=req.question, filters=req.filters(),
                      warnings=["Inga citerbara meningar hittades."])
    return Answer(req.question, "\n\n".join(parts), cites.items, query=req.question, filters=req.filters())


def _surface(text: str, run: list[str]) -> str:
    """The run of folded words as it is written in `text` (verbatim), '' if not found."""
    ws = list(re.finditer(r"[^\W_]+(?:[-–][^\W_]+)*", text))
    folded = [fold(m.group(0).lower()) for m in ws]
    n = len(run)
    for i in range(len(folded) - n + 1):
        if all(r.startswith("<") or folded[i + j] == r for j, r in enumerate(run)):
            return text[ws[i].start():ws[i + n - 1].end()]
    return ""
