"""Small named types shared by every pipeline stage.

Everything a citation needs travels with the `Chunk`, so nothing downstream
(search, assistant, UI) has to look a document up again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# What a document is: the programme itself, a nämnd's yttrande (remissvar), a
# förvaltning's tjänsteutlåtande to its nämnd, a protokoll(sutdrag), or other.
DOC_TYPES = ("program", "yttrande", "tjänsteutlåtande", "protokoll", "other")
# The programme versions of the seed corpus (examples and metadata guessing only): any
# period YYYY-YYYY passes `valid_period`, so a 2028-2031 programme needs no code change.
PERIODS = ("2018-2021", "2020-2023", "2024-2027")
MAX_PERIOD_YEARS = 10


def valid_period(value: str) -> bool:
    """'YYYY-YYYY' with a start in 1900-2199 and an end 1-10 years later."""
    import re

    m = re.fullmatch(r"(\d{4})-(\d{4})", value or "")
    return bool(m) and 1900 <= int(m.group(1)) < 2200 and 1 <= int(m.group(2)) - int(m.group(1)) <= MAX_PERIOD_YEARS


@dataclass(frozen=True)
class DocMeta:
    """What users filter and cite by. `guessed` names the fields that were
    extracted automatically rather than taken from corpus/metadata.yaml (shown
    as "gissat" until a person confirms them there); `confidence` gives each
    guessed field's confidence, 0-1. Every field has a default, so records
    written before a field existed still load."""

    doc_id: str
    title: str = ""
    namnd: str = ""
    doc_type: str = "other"
    period: str = ""
    dnr: str = ""  # the document's own diarienummer
    date: str = ""  # ISO YYYY-MM-DD, or "" when unknown
    year: int | None = None
    remiss_dnr: str = ""  # the diarienummer of the remiss the document answers
    handlaggare: str = ""  # the contact person named in the title block / letterhead
    guessed: tuple[str, ...] = ()
    confidence: dict = field(default_factory=dict, hash=False)  # guessed field -> 0..1

    def to_dict(self) -> dict:
        d = asdict(self)
        d["guessed"] = list(self.guessed)
        return d


@dataclass(frozen=True)
class Document:
    """A source file read into text.

    `text` is the original text exactly as read (for .txt: the file's decoded
    content). `page_starts[i]` is the character offset in `text` where page
    i+1 begins; page_starts[0] == 0.
    """

    id: str
    source: str  # path relative to the repo / corpus root, e.g. corpus/000_x.txt
    text: str
    page_starts: tuple[int, ...] = (0,)
    meta: DocMeta | None = None
    sha256: str = ""
    # What the parser knows about spans of `text`, as (start, end, kind):
    # 'h0'..'h9' a heading line (level; h0 a title), 'top'/'bottom' a line in a
    # PDF page's top/bottom margin band, 'small' a line set smaller than the
    # body text, 'header'/'footer' DOCX header/footer text, 'join' a page
    # break inside one paragraph. Read by index.layout.
    marks: tuple[tuple[int, int, str], ...] = ()

    def page_of(self, offset: int) -> int:
        """1-based page number containing character `offset`."""
        import bisect

        return max(1, bisect.bisect_right(self.page_starts, offset))

    @property
    def n_pages(self) -> int:
        return len(self.page_starts)


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage with everything needed to cite it.

    `start`/`end` are offsets into the *original* source text (Document.text);
    `text` is the displayed (OCR-repaired) passage and `original` the exact
    source slice text[start:end].
    """

    id: str
    doc_id: str
    source: str
    text: str
    original: str
    start: int
    end: int
    page: int
    page_end: int
    section: str
    title: str = ""
    namnd: str = ""
    doc_type: str = "other"
    period: str = ""
    year: int | None = None
    date: str = ""
    dnr: str = ""

    @property
    def pages(self) -> str:
        return str(self.page) if self.page == self.page_end else f"{self.page}–{self.page_end}"

    @property
    def label(self) -> str:
        """Short citation label, e.g. 'Spånga-Tensta stadsdelsnämnd, 2021, s. 3'."""
        parts = [self.namnd or self.doc_id]
        if self.year:
            parts.append(str(self.year))
        parts.append(f"s. {self.pages}")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Chunk":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    rank: int  # 1-based
    dense_rank: int | None = None
    bm25_rank: int | None = None


@dataclass
class IngestReport:
    """What an ingest did, for the CLI/UI to print."""

    documents: int = 0
    chunks: int = 0
    embedded: int = 0  # chunks whose vectors had to be computed
    reused: int = 0  # chunks whose vectors came from the previous index
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, message)
    guessed: list[tuple[str, list[str]]] = field(default_factory=list)  # (doc_id, fields)
    repaired: list[tuple[str, int]] = field(default_factory=list)  # (doc_id, n words repaired)
    removed: list[str] = field(default_factory=list)
    copied: list[tuple[str, str]] = field(default_factory=list)  # (file given, corpus file it was copied to)
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)  # (file, doc_id it duplicates, why)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class Citation:
    """One numbered source of an answer: the chunk and the verbatim quote
    (one or more whole sentences of chunk.text) that supports the claim."""

    n: int
    chunk: Chunk
    quote: str
    score: float = 0.0

    def to_dict(self) -> dict:
        c = self.chunk
        return {"n": self.n, "quote": self.quote, "score": round(self.score, 6), "chunk_id": c.id,
                "doc_id": c.doc_id, "source": c.source, "title": c.title, "namnd": c.namnd,
                "doc_type": c.doc_type, "period": c.period, "year": c.year, "date": c.date,
                "page": c.page, "page_end": c.page_end, "section": c.section, "label": c.label,
                "text": c.text}


@dataclass
class Answer:
    """A Swedish answer whose every claim points at a Citation by [n]."""

    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    mode: str = "extractive"  # extractive | llm
    related: list[Hit] = field(default_factory=list)  # low-relevance passages shown when abstaining
    warnings: list[str] = field(default_factory=list)
    query: str = ""  # the retrieval query actually used (after follow-up rewriting)
    filters: dict = field(default_factory=dict)
    request: dict = field(default_factory=dict)  # the analysed question: type, nämnder, period, documents, topic

    @property
    def qtype(self) -> str:
        return self.request.get("type", "topic")

    def to_dict(self) -> dict:
        return {"question": self.question, "answer": self.text, "abstained": self.abstained,
                "mode": self.mode, "question_type": self.qtype, "request": self.request,
                "query": self.query, "filters": self.filters,
                "citations": [c.to_dict() for c in self.citations],
                "related": [{"rank": h.rank, "score": round(h.score, 6), "source": h.chunk.source,
                             "namnd": h.chunk.namnd, "page": h.chunk.page, "section": h.chunk.section,
                             "text": h.chunk.text} for h in self.related],
                "warnings": list(self.warnings)}
