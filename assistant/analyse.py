"""Question analysis: a Swedish question (plus the conversation so far) ->
a typed `Request` the answerers act on.

Names and versions come from the corpus (its facets and catalogue), never
from lists written for particular documents: a new nämnd or a 2028–2031
programme works as soon as it is indexed. The Swedish question cues
(what makes a question a summary, a ranking, …) live in taxonomy.yaml.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Callable, Sequence

import yaml

from index.corpus import Corpus, DocRecord
from index.textnorm import STOPWORDS_SV, fold, words

QUESTION_TYPES = ("topic", "catalogue", "summary", "stance", "change", "phrasing")
MAX_HISTORY = 4  # earlier turns a follow-up is read against


@dataclass(frozen=True)
class Request:
    """What a question asks, resolved against the corpus."""

    question: str
    qtype: str = "topic"  # one of QUESTION_TYPES
    namnder: tuple[str, ...] = ()  # full names as indexed
    period: str = ""  # a programme period as indexed ("2024-2027"), "" = any
    doc_ids: tuple[str, ...] = ()  # documents the question is about (namnd/period resolved), () = any
    topic: str = ""  # the question's subject, without question and meta words
    unknown_namnd: str = ""  # a body named in the question that has no document here
    unknown_period: str = ""  # a period named that no document concerns
    unknown_programme: str = ""  # a programme named ('säkerhetsprogrammet') that no document title in scope names
    followup: bool = False  # context was carried over from the previous turn
    inherited: tuple[str, ...] = ()  # which fields came from the previous turn

    def filters(self) -> dict:
        f: dict = {}
        if self.doc_ids:
            f["doc_id"] = list(self.doc_ids)
        elif self.namnder:
            f["namnd"] = list(self.namnder)
        if self.period and not self.doc_ids:
            f["period"] = self.period
        return f

    def to_dict(self) -> dict:
        return {"type": self.qtype, "namnder": list(self.namnder), "period": self.period,
                "doc_ids": list(self.doc_ids), "topic": self.topic, "unknown_namnd": self.unknown_namnd,
                "unknown_period": self.unknown_period, "unknown_programme": self.unknown_programme, "followup": self.followup,
                "inherited": list(self.inherited)}


# ------------------------------------------------------------------ taxonomy

@dataclass(frozen=True)
class Taxonomy:
    types: tuple[tuple[str, tuple[re.Pattern, ...]], ...]
    latest: frozenset[str]
    previous: frozenset[str]
    meta_words: frozenset[str]
    references: frozenset[str]
    question_words: frozenset[str]
    change_cues: re.Pattern  # sentences that describe a change between versions
    cue_words: frozenset[str] = field(default=frozenset())
    positions: dict = field(default_factory=dict)  # phrasing: {"closing": (...), "opening": (...)}
    scopes: dict = field(default_factory=dict)  # follow-up reference word -> fields it carries
    titles: tuple = ()  # signatory titles (folded word endings)
    quantities: tuple = ()  # ((cue regex on the folded question, evidence regex), ...)
    actors: tuple = ()  # ((cue regex on the folded question, evidence regex),): "Vem ansvarar …?"
    examples: tuple = ()  # ((cue regex, evidence regex),): "ge ett konkret exempel"
    continuations: frozenset[str] = frozenset()  # sentence starts that lean on the sentence before
    stance_words: tuple = ()  # word starts of a stance question that are no topic
    function_words: frozenset[str] = frozenset()
    generic_subjects: frozenset[str] = frozenset()  # subjects that stand for the corpus's own authors
    elaboration: tuple = ()  # word starts that only ask to go on ('exempel', 'utveckla')
    catalogue_fields: tuple = ()  # ((field, regex on the cue text), ...): what a catalogue question asks for
    oldest_words: frozenset[str] = frozenset()  # an "order" question with one of these asks for the oldest
    revision: re.Pattern | None = None  # a change question on why/how a version was revised
    laws: tuple = ()  # ((cue regex, evidence regex),): "vilken lag hänvisar de till?", "vilka fick remissen?"; evidence specific enough to need no word overlap
    following: frozenset[str] = frozenset()  # "nästa version": the version after the one in context
    outcomes: tuple = ()  # ((cue regex, evidence regex),): "vad visade utvärderingen?" needs a stated outcome
    details: tuple = ()  # ((taxonomy key, cue regex, evidence regex, what is missing in words), ...): the kinds above
    improvements: tuple = ()  # ((cue regex, evidence regex),): "vad vill de ska bli bättre?" wants a stated need
    times: tuple = ()  # as `details`, of "när …?": a stated time, checked on the quotes shown
    places: tuple = ()  # ((cue regex, evidence regex),): "var ligger Stadsarkivet?" wants a stated place
    place_topic: tuple = ()  # the topic of a place question that names nothing else ('var ligger dom?')

    @property
    def versions(self) -> frozenset[str]:
        """Words that name a version relative to another ('nya', 'förra', 'nästa')."""
        return self.latest | self.previous | self.following


def _without_lookarounds(pattern: str) -> str:
    """A cue pattern without its lookaround groups: words a cue must NOT be followed by are not cue words."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith(("(?!", "(?=", "(?<!", "(?<="), i):
            depth, j = 0, i
            while j < len(pattern):
                if pattern[j] == "\\":
                    j += 2
                    continue
                depth += pattern[j] == "("
                depth -= pattern[j] == ")"
                j += 1
                if depth == 0:
                    break
            i = j
            continue
        out.append(pattern[i])
        i += 1
    return "".join(out)


@lru_cache(maxsize=1)
def taxonomy_data() -> dict:
    """assistant/taxonomy.yaml as parsed (read once): the one source of the Swedish question cues."""
    return yaml.safe_load(resources.files("assistant").joinpath("taxonomy.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=32)
def taxonomy_words(key: str) -> tuple[str, ...]:
    """taxonomy.yaml's word list `key` (folded words or word starts), () when absent."""
    return tuple(taxonomy_data().get(key) or ())


def counting_words() -> tuple[str, ...]:
    """The words that ask how many (taxonomy.yaml `quantities.count.cues`: 'antal', 'hur manga'), folded."""
    return tuple((taxonomy_data().get("quantities") or {}).get("count", {}).get("cues") or ())


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    data = taxonomy_data()
    types = tuple((t, tuple(re.compile(r"(?<!\w)" + p) for p in pats))
                  for t, pats in data["question_types"].items())
    refs = data["period_references"]
    details = _details(data, ("laws", "remiss_recipients", "preparation", "outcomes", "members", "person_names"))
    # literal words of the cues: they say what kind of answer is wanted, not what it is about
    cue_words = {w for _, pats in data["question_types"].items() for p in pats
                 for w in re.findall(r"[a-z]{4,}", _without_lookarounds(p))}
    return Taxonomy(types, frozenset(refs["latest"]), frozenset(refs["previous"]),
                    frozenset(data["meta_words"]), frozenset(data["followup_references"]),
                    frozenset(data["question_words"]),
                    re.compile(r"(?<!\w)(" + "|".join(re.escape(c) for c in data["change_cues"]) + r")"),
                    frozenset(cue_words),
                    {k: tuple(v) for k, v in (data.get("phrasing_positions") or {}).items()},
                    {k: tuple(v) for k, v in (data.get("followup_scopes") or {}).items()},
                    tuple(data.get("signatory_titles") or ()),
                    tuple((re.compile(r"(?<!\w)(" + "|".join(map(re.escape, q["cues"])) + ")"),
                           re.compile(q["evidence"], re.I)) for q in (data.get("quantities") or {}).values()),
                    _kind(data.get("actors")), _kind(data.get("examples")),
                    frozenset(data.get("discourse_continuations") or ()), tuple(data.get("stance_words") or ()),
                    frozenset(data.get("function_words") or ()), frozenset(data.get("generic_subjects") or ()),
                    tuple(data.get("elaboration_requests") or ()),
                    tuple((f, re.compile(p)) for f, p in (data.get("catalogue_fields") or {}).items()),
                    frozenset(data.get("oldest_words") or ()),
                    re.compile(r"(?<!\w)(" + "|".join(map(re.escape, data.get("revision_cues") or ["\0"])) + ")"),
                    tuple((c, e) for k, c, e, _ in details if k != "outcomes"), frozenset(refs.get("next") or ()),
                    tuple((c, e) for k, c, e, _ in details if k == "outcomes"), details,
                    _kind(data.get("improvements")), _details(data, ("times",)), _kind(data.get("places")),
                    tuple((data.get("places") or {}).get("topic") or ()))


def _details(data: dict, keys: Sequence[str]) -> tuple:
    """((key, cue regex, evidence regex, what is missing in words),) of the answer kinds `keys`."""
    return tuple((key, *_kind(data[key])[0], data[key].get("missing") or "den uppgift frågan gäller")
                 for key in keys if data.get(key))


def _kind(q: dict | None) -> tuple:
    """((cue regex on the folded question, evidence regex),) of one answer kind, () when absent: its
    literal `cues` and its `cue_patterns` (regular expressions)."""
    if not q:
        return ()
    alts = [*map(re.escape, q.get("cues") or ()), *(q.get("cue_patterns") or ())] or ["(?!)"]
    flags = 0 if q.get("case") == "exact" else re.I  # a person's name is told by its capitals
    return ((re.compile(r"(?<!\w)(" + "|".join(alts) + r")\b"), re.compile(q["evidence"], flags)),)


# ------------------------------------------------------------------ names

_GENERIC = {"stadsdelsnamnd", "stadsdelsnamnden", "namnd", "namnden", "och", "forvaltning", "forvaltningen",
            "stadsdelsforvaltning", "stadsdelsforvaltningen", "styrelse", "styrelsen", "stockholms", "stad",
            "stads", "bolag", "bolaget", "stockholm"}
_KEY_SUFFIX = re.compile(r"^(s|en|ens|et|ets|n|ns)?(s?namnd\w*|s?forv\w*|s?stadsdel\w*|s?styrelse\w*)?$")  # 'kulturförv.'


def namnd_keys(namnd: str) -> list[str]:
    """Distinctive folded words of a nämnd name: 'Kyrkogårdsnämnden' -> ['kyrkogard'],
    'Enskede-Årsta-Vantörs stadsdelsnämnd' -> ['enskede', 'arsta', 'vantor']."""
    keys = []
    for w in re.split(r"[\s\-]+", fold(namnd)):
        if w in _GENERIC:
            continue
        w = re.sub(r"s?(namnden|namnd|forvaltningen|forvaltning|styrelsen|styrelse)$", "", w)
        w = re.sub(r"s$", "", w)
        if len(w) >= 4 and w not in _GENERIC:
            keys.append(w)
    return keys


def namnd_abbreviation(namnd: str, min_parts: int = 3) -> str:
    """Initials of a hyphenated name: 'Enskede-Årsta-Vantörs stadsdelsnämnd' -> 'eav' ('' if fewer parts)."""
    first = fold(namnd).split()[0] if namnd.strip() else ""
    parts = [p for p in first.split("-") if p]
    return "".join(p[0] for p in parts) if len(parts) >= min_parts else ""


def _short_initials(question: str, namnd: str) -> bool:
    """Two-part names go by two capitals ('HL', 'HL:s' for Hägersten-Liljeholmen): only written in
    capitals, as a word of its own, since two lower-case letters are too often something else."""
    first = namnd.split()[0] if namnd.strip() else ""
    parts = [p for p in first.split("-") if p]
    if len(parts) != 2:
        return False
    abbr = "".join(p[0] for p in parts).upper()
    if re.search(rf"(?<!\w){re.escape(fold(abbr.lower()))}:s(?!\w)", fold(question.lower())):
        return True  # 'hl:s yttrande': a colon genitive marks an abbreviation, whatever its case
    m = _AUTHOR.search(question)
    if m and fold(m.group(1).strip().lower()) == fold(abbr.lower()):
        return True  # 'vad tycker hl om …': the one who holds the view, whatever its case
    return bool(re.search(rf"(?<!\w){re.escape(abbr)}(?::s|s)?(?!\w)", question))


# a nämnd said by its office ('trafikkontoret' for Trafiknämnden; taxonomy.yaml `office_words`)
_SUFFIX_FORMS = tuple(f"{s}{body}{end}" for s in ("", "s")
                      for body in ("namnd", "forvaltning", "styrelse", "stadsdelsnamnd", *taxonomy_words("office_words"))
                      for end in ("", "en", "ens", "s", "ernas", "erna", "et", "ets"))


def _names(word: str, key: str) -> bool:
    """'kyrkogårdsförvaltningen' names 'kyrkogard'; 'Årstaviken' does not name 'arsta'. One typo is
    forgiven in a long name ('kyrkogårdsnämden', 'kyrkogårsnämnden'): in a key of 6+ letters
    followed by a body word, or in the body word ('nämden', 'förvaltnigen') after the exact key."""
    if word.startswith(key) and _KEY_SUFFIX.match(word[len(key):]):
        return True
    if len(key) < 6:
        return False
    tail = word[len(key):] if word.startswith(key) else ""
    if len(tail) >= 5 and any(_one_edit(tail, f) for f in _SUFFIX_FORMS):
        return True
    return any(_one_edit(word[:cut], key) and word[cut:] in _SUFFIX_FORMS
               for cut in (len(key) - 1, len(key), len(key) + 1))


def _name_keys(known: Sequence[str]) -> list[str]:
    """The folded words and initials that name the known nämnder ('kyrkogard', 'eav')."""
    return [k for n in known for k in namnd_keys(n)] + [a for a in map(namnd_abbreviation, known) if a]


def _names_any(f: str, keys: Sequence[str]) -> bool:
    return f in keys or any(_names(f, k) for k in keys)


_QSPLIT = re.compile(r"[\s\-,.?!:;()»«\"'/]+")  # what separates a question's words


def _qwords(text: str) -> list[str]:
    return [fold(w) for w in _QSPLIT.split(text) if w]


def parties_named(question: str) -> list[str]:
    """The political parties a question names (taxonomy.yaml `parties`), as abbreviations: by a name
    ('vänsterpartiet', 'moderaternas') or by the abbreviation in capitals as a word of its own ('V:s',
    'M, L och KD', '(SD)'; lower-case letters are too often something else)."""
    return [str(abbr) for abbr in (taxonomy_data().get("parties") or {}) if names_party(question, str(abbr))]


def only_parties(text: str) -> bool:
    """Is the text party names and nothing else ('M och KD', 'V', 'Moderaterna'): no body, for a question
    about what members of a party said ('vad tyckte M och KD i socialnämnden?')?"""
    ws = [w for w in re.split(r"[\s,]+", text) if w and fold(w.lower()) not in ("och", "samt", "eller", "&", "plus")]
    return bool(ws) and all(parties_named(w) for w in ws)


def names_party(text: str, abbr: str) -> bool:
    """Does a text name the party: its abbreviation in capitals as a word of its own ('Sara Öberg (V)', 'M, L
    och KD', 'V:s'; not 'S:t'), or a word starting as its name does ('Vänsterpartiet delar …', 'moderaternas')?"""
    names = (taxonomy_data().get("parties") or {}).get(abbr) or []
    starts = tuple(fold(n.lower()) for n in names)
    return bool(re.search(rf"(?<![\w\-:]){re.escape(abbr)}(?::s)?(?![\w\-:])", text)) \
        or bool(starts) and any(w.startswith(starts) for w in _qwords(text.lower()))


def number_value(word: str) -> int:
    """A count as a question writes it ('3', 'tre', 'ett') as a number; 0 for any other word
    (taxonomy.yaml `number_words`, in order from 'en', 'ett', 'två')."""
    if word.isdigit():
        return int(word)
    numbers = [w for w in taxonomy_words("number_words") if " " not in w]
    return ({"en": 1, "ett": 1} | {w: i + 1 for i, w in enumerate(numbers[1:13])}).get(fold(word.lower()), 0)


def party_name(abbr: str) -> str:
    """'V' -> 'Vänsterpartiet (V)'."""
    names = (taxonomy_data().get("parties") or {}).get(abbr) or []
    return f"{names[0]} ({abbr})" if names else abbr


def mentioned_namnder(question: str, known: Sequence[str]) -> list[str]:
    """Nämnder of the corpus that the question names (full name, a distinctive
    part of it, its förvaltning, or its initials such as 'EAV')."""
    qw = _qwords(question)
    hits: dict[str, set[str]] = {}
    for n in known:
        abbr = namnd_abbreviation(n)
        common = common_keys(n)  # 'trafiken', 'miljön' are things, not Trafiknämnden or Miljö- och hälsoskyddsnämnden
        keys = {k for k in namnd_keys(n) if any(_names(w, k) and not (k in common and w[len(k):] in _DEFINITE)
                                                for w in qw)}
        if (abbr and (abbr in qw or abbr + "s" in qw)) or _short_initials(question, n):
            keys.add("#" + n)  # its initials: its own
        if _company_named(qw, n, known):
            keys.add("#" + n)
        if keys:
            hits[n] = keys
    # a name part two nämnder share ('Hägersten' of Hägersten-Liljeholmen and Hägersten-Älvsjö) names
    # neither when the question names more of one ('hägersten-älvsjö')
    return [n for n, keys in hits.items() if not any(keys < other for other in hits.values())]


EVERYDAY_ZIPF = 4.0  # a word this common in Swedish at large (wordfreq) is said of many things


# a common word's definite forms ('trafiken', 'miljön'): the thing; bare or in the genitive ('vad sa kultur
# om …', 'kulturs svar') it is how users name the nämnd
_DEFINITE = frozenset(("en", "ens", "et", "ets", "n", "ns", "erna", "ernas", "arna", "arnas"))


@lru_cache(maxsize=1024)
def common_keys(name: str) -> frozenset[str]:
    """The keys of a nämnd name that are everyday Swedish words made part of it ('Trafik' of
    'Trafiknämnden', 'Miljö' of 'Miljö- och hälsoskyddsnämnden'; wordfreq zipf >= EVERYDAY_ZIPF): in
    the definite form ('trafiken', 'den digitala miljön') they are things; named with a body or office
    word ('trafikkontoret', 'miljöförvaltningen'), bare or in the genitive ('vad sa kultur om …') the
    nämnd. A place ('Bromma stadsdelsnämnd') stands apart from its body word and names its nämnd alone."""
    from wordfreq import zipf_frequency

    out = set()
    for part in re.split(r"\s+", name.strip()):
        low = part.lower()
        m = re.match(r"^(\w+?)s?(nämnden|nämnd|förvaltningen|förvaltning|styrelsen|styrelse)$", low)
        base = m.group(1) if m else (low[:-1] if low.endswith("-") else "")
        if len(base) >= 4 and zipf_frequency(base, "sv") >= EVERYDAY_ZIPF:
            out.add(fold(base))
    return frozenset(out)


def is_company(name: str) -> bool:
    """Is the respondent a company ('AB Familjebostäder'; taxonomy.yaml `company_marks`)?"""
    return bool(set(re.split(r"[\s\-]+", fold(name.lower()))) & set(taxonomy_words("company_marks")))


def _company_named(qw: Sequence[str], name: str, known: Sequence[str]) -> bool:
    """Does a question word name the company `name` by what it is (taxonomy.yaml `company_words`): the bare
    'bolaget' when the catalogue has no other company, 'bostadsbolaget' (definite singular; 'bostadsbolag'
    is the kind) when its first part ('bostad') is in the name ('Familjebostäder')?"""
    if not is_company(name):
        return False
    ends = sorted(taxonomy_words("company_words"), key=len, reverse=True)
    name_words = [w for w in re.split(r"[\s\-]+", fold(name.lower())) if w not in taxonomy_words("company_marks")]
    for w in qw:
        end = next((e for e in ends if w.endswith(e)), None)
        if end is None:
            continue
        head = w[:-len(end)]
        if not head:
            if sum(map(is_company, known)) == 1:
                return True
            continue
        if end not in taxonomy_words("company_words_one"):  # 'bostadsbolag', 'bostadsbolagen': the kind
            continue
        stem = head[:-1] if head.endswith("s") and len(head) > 4 else head
        if len(stem) >= 4 and any(stem in nw for nw in name_words):
            return True
    return False


# A named body: a capitalised word ending in nämnd/förvaltning/styrelse, "X stadsdelsnämnd", Polisregion X.
_BODY = re.compile(r"\b([A-ZÅÄÖ][\wåäöéü\-]*?(?:s? stadsdelsnämnd(?:ens|en|s)?|s? stadsdelsförvaltning(?:ens|en|s)?|"
                   r"nämnden|nämnd|nämnds|"
                   r"förvaltningen|förvaltning|styrelsen)|[a-zåäö]{4,}nämnd(?:en|ens|s)|[a-zåäö]{4,}förvaltning(?:en|ens)|"
                   r"Polisregion \w+)\b")
# "stadsdelsnämnden i Skärholmen", "förvaltningen i Farsta": a body named by its place
_BODY_IN = re.compile(r"\b((?:stadsdelsnämnden|stadsdelsförvaltningen|stadsdelen|stadsdelsområdet|nämnden|förvaltningen)"
                      r" i ([A-ZÅÄÖ][\wåäöéü\-]+))")
_NOT_A_NAME = re.compile(r"^(berorda|olika|alla|respektive|varje|en|den|var|samma|egna|ovriga|andra) ")


# "bromma stadsdelsnämnd", "polisregion syd": a lower-case word before a body word (a place, when the documents lack it)
_PLACE_BODY = re.compile(r"(?<![\w-])([a-zåäö][a-zåäöéü\-]{2,}) (?:stadsdelsnämnd|stadsdelsförvaltning)(?:en|ens|s)?(?!\w)"
                         r"|(?<![\w-])polisregion ([a-zåäö]{3,})")


_TOPIC_PREPOSITION = re.compile(r"(?<!\w)(?:om|kring|angående|gällande|beträffande|rörande)(?!\w)", re.I)
# A verb of being mentioned ("nämns X?", "nämner någon X?", "förekommer X i underlaget?"): X is what is asked about
_MENTION_VERB = re.compile(r"(?<!\w)(?:nämns|nämndes|nämner|nämnde|omnämns|omnämndes|förekommer|förekom|tas upp|togs upp)(?!\w)",
                           re.I)
_DOCUMENT_AFTER = re.compile(r"\s+(?:yttrande|remissvar|svar|synpunkter|tjänsteutlåtande|ärende)", re.I)


def unknown_body(question: str, known: Sequence[str],
                 corpus_words: Callable[[], frozenset[str]] = frozenset,
                 in_text: Callable[[str], bool] | None = None) -> str:
    """A specific body the question names that has no document in the corpus ('' if none).
    `corpus_words()`: folded words of the catalogue (titles, nämnder, handläggare), read
    only when the question names an author; an author named only with them is not unknown."""
    about = _TOPIC_PREPOSITION.search(question)  # 'vad säger de om … trafikförvaltningen': what is asked about
    if about:  # … when someone else is the subject ('de', 'EAV', 'yttrandena' before the preposition)
        before = question[:about.start()]
        subjects = taxonomy().references | taxonomy().generic_subjects
        if not (set(_qwords(before.lower())) & subjects or mentioned_namnder(before, known)):
            about = None
    mention = _MENTION_VERB.search(question)  # 'nämns trafikförvaltningen någonstans?': what is mentioned
    for m in _BODY.finditer(question):
        name = m.group(1)
        f = fold(name)
        if ((about and m.start() > about.start()) or (mention and m.start() > mention.start())) \
                and not _DOCUMENT_AFTER.match(question[m.end():]):
            continue  # a body after 'om' is the topic, unless its own document is asked for ('om X:s yttrande')
        if f in _GENERIC or f in ("facknamnden", "kommunstyrelsen", "namnden", "stadsdelsnamnden",
                                  "stadsdelsforvaltningen", "forvaltningen") or _NOT_A_NAME.match(f):
            continue
        if f.split()[0] in taxonomy().question_words or f.split()[0] in taxonomy_words("body_quantifiers"):
            continue  # 'Vilken stadsdelsnämnd …', 'Någon nämnd …' at the question's start: which one, not a name
        if not namnd_keys(name):
            continue
        if not mentioned_namnder(name, known):
            return re.sub(r"(?<=[ndg])s$", "", name)  # 'stadsbyggnadsnämndens' -> 'stadsbyggnadsnämnden'
    for m in _BODY_IN.finditer(question):
        if namnd_keys(m.group(2)) and not mentioned_namnder(m.group(2), known):
            return m.group(1)
    if in_text is not None:  # 'bromma sdn:s yttrande', typed in lower case: a place the documents never name
        for m in _PLACE_BODY.finditer(question):
            name = m.group(0)  # 'bromma stadsdelsnämnds yttrande': the genitive's s is no part of the name
            name = name[:-1] if name.endswith("s") and _DOCUMENT_AFTER.match(question[m.end():]) else name
            if m.group(2):  # a police region writes no yttrande here unless the catalogue has it
                if not mentioned_namnder(name, known):
                    return name
                continue
            w = m.group(1)
            f = fold(w)
            if (f in STOPWORDS_SV or _NOT_A_NAME.match(f + " ") or f in taxonomy().function_words
                    or f in taxonomy().question_words or mentioned_namnder(name, known) or in_text(w)):
                continue
            return name
    return _unknown_author(question, known, corpus_words)


# "Vad skrev polisen i sitt remissvar …", "vad tyckte Storstockholms brandförsvar om …", "Tyckte Storstockholms
# brandförsvar att …?" (a yes/no question opens with the verb): the subject of an opinion verb is the author asked about
_OPINION_VERBS = ("tyckte", "tycker", "skrev", "skriver", "svarade", "svarar", "anser", "ansåg", "menade", "menar", "sa",
                  "sade", "säger", "kommenterade", "yttrade", "bemötte", "bemöter", "besvarade", "besvarar")
_AUTHOR = re.compile(r"(?:\b(?:vad|hur|vilket|vilka)\s+(?:\w+\s+)?|^\s*)(?:" + "|".join(_OPINION_VERBS) + r")"
                     r"\s+((?:[\wåäöéüÅÄÖ\-]+\s+){0,2}?"
                     r"[\wåäöéüÅÄÖ\-]+?)(?=\s+(?:om|i|på|till|kring|angående|gällande|att|egentligen|själv|"
                     r"överhuvudtaget|sen|sedan|då|nu|också|även)\b|\s+[\wåäöéüÅÄÖ-]+:s\b|\s*[?.!]?\s*$)", re.I)


def _in_catalogue(folded_words: Sequence[str], corpus_words: frozenset[str]) -> bool:
    return bool(corpus_words) and all(w in corpus_words or w.rstrip("s") in corpus_words or w + "s" in corpus_words
                                      for w in folded_words)


def _unknown_author(question: str, known: Sequence[str], corpus_words: Callable[[], frozenset[str]] = frozenset) -> str:
    """The author an opinion question asks about, when it is an organisation with no
    document here: named with a capital, or an organisation noun (taxonomy.yaml
    `actors`), and not a word that stands for the corpus's own authors
    (`generic_subjects`: 'nämnderna', 'förvaltningen', 'de' …)."""
    m = _AUTHOR.search(question)
    if not m:
        return ""
    np = m.group(1).strip()
    words_ = [fold(w.lower()) for w in np.split()]
    generic = taxonomy().generic_subjects
    if not words_ or words_[0] in generic or fold(np.lower()) in generic or mentioned_namnder(np, known):
        return ""
    if words_[0] in taxonomy_words("body_quantifiers") or words_[0] in taxonomy().question_words:
        return ""  # 'svarade nån nämnd …?', 'tyckte vilken nämnd …': which one, not a name
    if _in_catalogue(words_, corpus_words()):  # 'Stockholms stad', a handläggare's name: the corpus has them
        return ""
    actors = taxonomy().actors
    looks_like_org = any(w[:1].isupper() for w in np.split()) or any(ev.search(fold(np.lower())) for _, ev in actors)
    return np if looks_like_org else ""


# "Rinkeby-Kistas yttrande", "trafikkontorets remissvar": the owner of a document, in the genitive
_OWNER = re.compile(r"(?<![\w-])([\wåäöéüÅÄÖ][\wåäöéüÅÄÖ\-]{2,}?)(?::s|s) (?:(?:senaste|första|nya|gamla|tidigare|"
                    r"eget|egna) )?(?i:yttrande|remissvar|svar|tjänsteutlåtande|synpunkter|dokument|ärende)\w*")


def unknown_owner(question: str, known: Sequence[str], corpus_words: Callable[[], frozenset[str]] = frozenset,
                  *, nouns: bool = True) -> str:
    """For a question about a document or its content as a whole (a summary, a catalogue field): the
    owner it names that has no document here ('' if none) — a name in the genitive before a document
    word ('Vem var handläggare på Rinkeby-Kistas yttrande?') or an organisation noun (taxonomy.yaml
    `actors`: 'vilka synpunkter hade trafikkontoret'; only with `nouns`, since in a topic question
    such a noun is what is asked about). Known nämnder, the catalogue's own words and
    the words that stand for the corpus's authors ('förvaltningen', 'nämnderna') are not unknown."""
    generic = taxonomy().generic_subjects | taxonomy().meta_words
    actors = [ev for _, ev in taxonomy().actors]
    def is_body(w: str) -> bool:  # one organisation, definite singular: 'polisen', 'trafikkontoret', not 'nämnder'
        f = fold(w.lower())
        return bool(re.search(r"(et|en)$", f)) and any(ev.fullmatch(f) for ev in actors)

    # a proper name, or an organisation noun ('polisens synpunkter'), in the genitive
    cands = [m.group(1) for m in _OWNER.finditer(question) if m.group(1)[:1].isupper() or is_body(m.group(1))]
    if nouns:  # 'vilka synpunkter hade trafikkontoret': one body, definite singular
        cands += [w for w in words(question) if is_body(w)]
    for name in cands:
        f = fold(name.lower())
        parts = [p for p in re.split(r"[\s\-]+", f) if p]
        if not parts or f in generic or f.rstrip("s") in generic or f in _GENERIC or mentioned_namnder(name, known):
            continue
        if _in_catalogue(parts, corpus_words()):
            continue
        return name
    return ""


# ------------------------------------------------------------------ periods

_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*(?:[-–—]|till)\s*((?:19|20)?\d\d)(?!\d)")
_SHORT_PERIOD = re.compile(r"(?<![\d/.:])(\d\d)\s*[-–]\s*(\d\d)(?![\d/.:])")
# a version by its first year: "2018 års program", "det gamla programmet från 2018", "2028-programmet",
# "2028-förslaget" (the year: `_year`)
_YEAR_OF = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:\s*(?:års|ars)\b|-(?=(?:\w*program|förslag|forslag|version)\w*\b))"
                      r"|\b(?:\w*program\w*|version\w*) (?:från|fran) ((?:19|20)\d\d)\b", re.I)


def _year(m: re.Match) -> str:
    """The year a `_YEAR_OF` match names."""
    return m.group(1) or m.group(2)


def _norm_period(a: str, b: str) -> str:
    if len(b) == 2:
        b = a[:2] + b
    return f"{a}-{b}"


def _by_short_form(m: re.Match, periods: Sequence[str]) -> str:
    """The one version of `periods` ('YYYY-YYYY') a short form match ('24-27') stands for, or ''."""
    hits = [p for p in periods if p[2:4] == m.group(1) and p[-2:] == m.group(2)]
    return hits[0] if len(hits) == 1 else ""


def full_periods(corpus: Corpus, text: str) -> str:
    """`text` with each short form of a catalogue version written out ('24-27' -> '2024-2027', when one
    version of the catalogue ends so), so that every reading of the question sees the version; a short
    form no version has is left as typed. The catalogue is read only when the text has a short form."""
    if not _SHORT_PERIOD.search(text):
        return text
    periods = [p.replace("–", "-") for p in corpus.facets().get("period", {})]
    return _SHORT_PERIOD.sub(lambda m: _by_short_form(m, periods) or m.group(0), text)


_CAPS = re.compile(r"(?<![\w\-/])([A-ZÅÄÖ]{2,5})(?::s)?(?![\w\-/])(?!\s*\d)")


def office_names(corpus: Corpus, text: str) -> str:
    """`text` with a nämnd's office named by the prefix of its diarienummer written out as the nämnd ('SBK'
    of 'SBK 2023-14082' is Stadsbyggnadsnämnden's office, so "vad vill SBK …?" asks Stadsbyggnadsnämnden;
    from the catalogue: a prefix of one nämnd's documents only, in capitals; a prefix followed by a number
    is the diarienummer itself). The catalogue is read only for a short word in capitals."""
    if not _CAPS.search(text):
        return text
    owners: dict[str, set[str]] = {}
    for rec in corpus.documents():
        m = re.match(r"\s*([A-ZÅÄÖ]{2,5})[\s\-]*\d", rec.meta.dnr or "")
        if m and rec.meta.namnd:
            owners.setdefault(m.group(1), set()).add(rec.meta.namnd)
    unique = {p: next(iter(n)) for p, n in owners.items() if len(n) == 1}
    known = list(corpus.facets().get("namnd", {}))

    def name(m: re.Match) -> str:  # (initials that name a nämnd already, 'EAV', stay as typed)
        if m.group(1) not in unique or mentioned_namnder(m.group(0), known):
            return m.group(0)
        namnd = unique[m.group(1)]
        return namnd + ("s" if m.group(0).endswith(":s") and not namnd.endswith("s") else "")
    return _CAPS.sub(name, text) if unique else text


def _period_start(period) -> str:
    """The first year of a version ('2020-2023' or '2020–2023' -> '2020'): the key versions are ordered by."""
    return str(period).split("-")[0].split("–")[0]


def periods_named(text: str) -> set[str]:
    """The programme periods a text names explicitly ("2020-2023", "2024–27"), normalised "YYYY-YYYY"."""
    return {_norm_period(m.group(1), m.group(2)) for m in _PERIOD.finditer(text)}


def versions_named(text: str, periods: Sequence[str]) -> set[str]:
    """The catalogue's versions (`periods`, normalised "YYYY-YYYY") a text names: explicitly ("2020-2023")
    or by its first year ("2018 års program": the version starting that year, when one does)."""
    norm = {str(p).replace("–", "-") for p in periods}
    out = periods_named(text) & norm
    for m in _YEAR_OF.finditer(text):
        out |= {p for p in norm if p.startswith(_year(m))}
    return out


def resolve_period(question: str, periods: Sequence[str], context: str = "") -> tuple[str, str]:
    """(period as indexed, unknown period named) for the question."""
    norm = {p.replace("–", "-"): p for p in periods}
    ordered = sorted(norm, key=_period_start)
    named = [_norm_period(m.group(1), m.group(2)) for m in _PERIOD.finditer(question)]
    if named:
        # every version named must be one the catalogue has: "skillnaden mellan 2024-2027 och 2028-2031"
        # cannot be answered from the 2024-2027 documents alone
        missing = [p for p in named if p not in norm]
        return (norm[named[0]], "") if not missing else ("", missing[0])
    for m in _SHORT_PERIOD.finditer(question):  # "nya programmet 24-27": a version of the catalogue by its short form
        if hit := _by_short_form(m, ordered):
            return norm[hit], ""
    m = _YEAR_OF.search(question)
    if m:
        hits = [p for p in ordered if p.startswith(_year(m))]
        return (norm[hits[0]], "") if hits else ("", f"{_year(m)} års program")
    tax = taxonomy()
    qw = set(_qwords(question))
    # "programmet som kom efter", "det som det ersatte": a clause saying which way from the version in context
    following = bool(qw & tax.following) or bool(cue_regex("next_version_phrases").search(fold(question.lower())))
    earlier = qw & tax.previous
    if earlier == {"innan"} and re.search(r"(?<!\w)innan (det|den|de|dom|\w*programmet|forslaget|\w*namnden|kommunstyrelsen)"
                                          r" \w+", fold(question.lower())):
        earlier = set()  # a conjunction, not the version before: "… innan programmet antas"
    previous = bool(earlier) or bool(cue_regex("previous_version_phrases").search(fold(question.lower())))
    mentions_programme = bool(qw & {"program", "programmet", "programversion", "versionen", "version", "trygghetsprogrammet"})
    if context and not mentions_programme:  # a follow-up on a version: "Och hur många har det nya?"
        refs = "|".join(map(re.escape, sorted(tax.versions)))
        mentions_programme = bool(re.search(rf"(?<!\w)(det|den) ({refs})(?!\w)", fold(question.lower())))
    if ordered and mentions_programme and previous and qw & tax.latest and not context:
        return norm[ordered[-1]], ""  # "målet i det nya programmet jämfört med förra": the newest, set against the one before
    if ordered and mentions_programme and previous:
        anchor = context.replace("–", "-") if context.replace("–", "-") in norm else ordered[-1]
        i = ordered.index(anchor)
        return (norm[ordered[i - 1]], "") if i > 0 else ("", "")
    if ordered and mentions_programme and following:
        anchor = context.replace("–", "-")
        if anchor not in norm:
            return norm[ordered[-1]], ""  # "nästa program" with nothing before it: the newest there is
        i = ordered.index(anchor)
        return (norm[ordered[i + 1]], "") if i + 1 < len(ordered) else ("", "")
    if ordered and mentions_programme and qw & tax.latest:
        return norm[ordered[-1]], ""
    if ordered and mentions_programme and qw & tax.oldest_words and re.search(
            r"(?<!\w)(det|den) (" + "|".join(map(re.escape, sorted(tax.oldest_words))) + r") (\w*program\w*|version\w*)",
            fold(question.lower())):  # "det äldsta programmet": the first version there is
        return norm[ordered[0]], ""
    return "", ""


# ------------------------------------------------------------------ type and topic

@lru_cache(maxsize=1)
def _cue_vocabulary() -> frozenset[str]:
    """The literal words of every cue pattern (question types, catalogue fields): what a misspelt
    question word may be corrected to."""
    data = taxonomy_data()
    pats = [p for ps in data["question_types"].values() for p in ps] + list((data.get("catalogue_fields") or {}).values())
    return frozenset(w for p in pats for w in re.findall(r"[a-z]{5,}", _without_lookarounds(p)))


def _one_edit(a: str, b: str) -> bool:
    """Are a and b one insertion, deletion, substitution or swap of neighbours apart?"""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1:]


@lru_cache(maxsize=4096)
def _spelled(word: str) -> str:
    """A misspelt cue word put right ('diarienumer' -> 'diarienummer'): only a word of six letters or
    more that is no Swedish word (wordfreq), begins no cue word and is one edit from exactly one
    (not counting a cue word it merely extends: a short cue word such as 'samma' says nothing
    about 'sammanfata')."""
    from wordfreq import zipf_frequency

    f = fold(word.lower())
    vocab = _cue_vocabulary()
    if len(f) < 6 or f in vocab or any(v.startswith(f) for v in vocab):
        return f
    if zipf_frequency(word.lower(), "sv") > 0:
        return f
    near = [v for v in vocab if _one_edit(f, v) and not f.startswith(v)]
    if not near and len(f) >= TWO_EDIT_LETTERS:  # 'synpkter' -> 'synpunkter': two slips in a long word
        near = [v for v in vocab if len(v) >= TWO_EDIT_LETTERS and _edits(f, v) == 2 and not f.startswith(v)]
    return near[0] if len(near) == 1 else f


TWO_EDIT_LETTERS = 8  # a cue word this long, and a typed word as long, may be two slips apart


def _edits(a: str, b: str, limit: int = 2) -> int:
    """The optimal-string-alignment distance of a and b (insertions, deletions, substitutions and swaps
    of neighbours), or limit + 1 when it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1] if prev[-1] <= limit else limit + 1


def cue_text(question: str) -> str:
    """The question as the cue patterns read it: folded words, misspelt cue words put right."""
    return " ".join(_spelled(w) for w in _QSPLIT.split(question.lower()) if w)


def question_type(question: str) -> str:
    """The first type (taxonomy.yaml order) with a cue in the question; cues anchored at its start
    ('^delar …': how the question opens) before all others."""
    q = cue_text(question)
    for types in (_anchored_types(), taxonomy().types):
        for qtype, patterns in types:
            if any(p.search(q) for p in patterns):
                return qtype
    # an attribution before the question ("enligt soc, vad ändrades …?", "i HL:s yttrande: vad …"): the
    # question proper opens after it
    lead = _ATTRIBUTION.match(question)
    return question_type(question[lead.end():]) if lead else "topic"


_ATTRIBUTION = re.compile(r"\s*(enligt|hos|för|i|inom)\s+[^,:;?]{1,40}?[,:;]\s*(?=\w)", re.I)


@lru_cache(maxsize=1)
def _anchored_types() -> tuple:
    """The question-type cues anchored at the question's start ('^delar …'), per type."""
    return tuple((t, tuple(p for p in ps if p.pattern.startswith("(?<!\\w)^"))) for t, ps in taxonomy().types)


@lru_cache(maxsize=512)
def _literals(pattern: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z]{4,}", _without_lookarounds(pattern)))


def cue_words_in(question: str) -> set[str]:
    """The question's words that a type cue matched ('vilka namnder ville … andringar'): they say what
    kind of answer is wanted, not what it is about. Only words inside a match that carry one of the
    cue's literal words count, so a topic word caught by a cue's '.{0,30}' stays a topic word."""
    q = cue_text(question)
    out: set[str] = set()
    agreement = cue_regex("agreement_cues")  # 'håller … med': asks whether they agree, names no topic
    for _, patterns in [*taxonomy().types, ("agreement", [agreement])]:
        for p in patterns:
            lits = _literals(p.pattern)
            for m in p.finditer(q):
                a = q.rfind(" ", 0, m.start()) + 1  # whole words: a cue may end inside one ('formulera|s')
                b = q.find(" ", m.end())
                span = q[a:b if b >= 0 else len(q)]
                out |= {w for w in span.split() if any(w.startswith(c) for c in lits)}
    return out


def yes_no_lead(question: str) -> str:
    """The folded verb a yes/no question opens with ("Var EAV positiva?" → "var"; taxonomy.yaml
    `yes_no_leads`), after spoken particles and "och"/"men"; "" when it opens otherwise."""
    for w in cue_text(question).split():
        if w in taxonomy().function_words or w in ("och", "men", "sa"):
            continue
        return w if w in taxonomy_words("yes_no_leads") else ""
    return ""


@lru_cache(maxsize=1)
def _verb_grammar() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    data = taxonomy_data()
    return (frozenset(data.get("question_leads") or ()), frozenset(data.get("modal_verbs") or ()),
            tuple(data.get("finite_verb_endings") or ()))


def question_verbs(question: str, names: Sequence[str] = ()) -> set[str]:
    """The question's verbs by their place in a Swedish question (taxonomy.yaml `question_leads`,
    `modal_verbs`, `finite_verb_endings`), folded: the finite verb right after a leading question
    word ('hur *ställde* sig …', 'vad *föreslår* X'), unless the next word is itself inflected like
    one ('hur trygghetsvandringar fungerar': an indirect question, its subject comes first); a modal
    verb ('vill'); the word before 'sig'. They say what is asked about the subject, not what about."""
    leads, modals, endings = _verb_grammar()
    clauses = [c for c in re.split(r"[,;:]", question) if c.strip()]
    if len(clauses) > 1:  # 'och hos X, vem beredde där?': each clause has its own question word and verb
        return set().union(*(question_verbs(c, names) for c in clauses))
    qw = _qwords(question.lower())
    if not qw:
        return set()
    out: set[str] = set()

    def finite(w: str) -> bool:
        return len(w) >= 3 and w.endswith(endings)

    i = 1 if qw[:1] in (["och"], ["men"], ["sa"]) else 0
    # a strong verb ('vad *föreslog* dom'): its place before a pronoun subject makes it the finite verb
    subject_next = len(qw) > i + 2 and qw[i + 2] in taxonomy_words("subject_pronouns")
    if len(qw) > i + 1 and qw[i] in leads and (finite(qw[i + 1]) or qw[i + 1] in modals or subject_next):
        nxt = qw[i + 2] if len(qw) > i + 2 else ""
        named = any(k.startswith(nxt) for k in names) if nxt else False  # 'vad föreslår enskede-…'
        if not (finite(nxt) and len(nxt) >= 5 and nxt not in modals and not named and len(qw[i + 1]) > 6):
            out.add(qw[i + 1])
    if len(qw) > i + 1 and qw[i] not in leads and (finite(qw[i]) or qw[i].endswith(("des", "tes"))) \
            and qw[i + 1] in taxonomy_words("subject_pronouns"):  # ('*åtgärdades* det i 2024-2027?': a passive)
        out.add(qw[i])  # a yes/no question opens with its verb, its subject next ('*stämmer* det att …', '*gäller* den …')
        if len(qw) > i + 2 and qw[i + 2] in taxonomy_words("verb_particles"):
            out.add(qw[i + 2])  # and the verb's particle after the subject ('*lyfte* de *fram* …')
    for j, w in enumerate(qw):
        if w in modals:
            out.add(w)
            nxt = qw[j + 2] if len(qw) > j + 2 else ""
            # a request ('kan du *plocka fram* …', 'skulle ni *kolla* …') or a passive after its subject ('hur ofta
            # ska den *tas* fram', 'ska det *göras*'): the word after the person is the verb, with its particle
            if nxt and (qw[j + 1] in taxonomy_words("request_pronouns") or (
                    qw[j + 1] in taxonomy_words("subject_pronouns") and len(nxt) >= 3 and nxt.endswith("s")
                    and not nxt.endswith("ss"))):
                out.add(nxt)
                if len(qw) > j + 3 and qw[j + 3] in taxonomy_words("verb_particles"):
                    out.add(qw[j + 3])
            continue
        if w == "sig" and j > 0:
            out.add(qw[j - 1])
        # a finite verb ending the question right after a subject pronoun ('enligt det *de refererar*?'); not a
        # present participle ('den brottsförebyggande'), nor one with an object ('att man *delade* upp programmet')
        if j == len(qw) - 1 and j > 1 and qw[j - 1] in taxonomy_words("subject_pronouns") and finite(w) and len(w) >= 5 \
                and not w.endswith(("ande", "ende")):
            out.add(w)
    # a yes/no question in the perfect ('har det *tagits* om hand', 'har EAV *kommenterat* …'): the
    # first supine within three words of the leading auxiliary
    if len(qw) > i + 1 and qw[i] in taxonomy_words("perfect_auxiliaries"):
        supine = taxonomy_words("supine_endings")
        out.update(next(([w] for w in qw[i + 1:i + 4] if len(w) >= 4 and w.endswith(supine)), []))
    return out


def _in_verb_phrases(folded_question: str) -> set[str]:
    """Words of the question inside a phrasal verb (taxonomy.yaml `verb_phrases`: 'tas om hand'): no topic."""
    return {w for m in cue_regex("verb_phrases").finditer(folded_question) for w in m.group(0).split()}


def _without_format_phrases(question: str) -> str:
    """The question without idioms that only say how to answer (taxonomy.yaml `format_phrases`: 'kort och gott')."""
    folded = fold(question.lower())
    if len(folded) != len(question):
        return question
    asides = taxonomy_data().get("format_asides")
    spans = [*phrases_regex("format_phrases").finditer(folded), *(re.finditer(asides, folded) if asides else ())]
    for m in sorted(spans, key=lambda m: -m.start()):
        question = question[:m.start()] + " " * (m.end() - m.start()) + question[m.end():]
    return question


@lru_cache(maxsize=8)
def phrases_regex(key: str) -> re.Pattern:
    """taxonomy.yaml's folded phrase list `key` as one whole-word regex; matches nothing when absent."""
    alts = "|".join(map(re.escape, sorted(taxonomy_words(key), key=len, reverse=True))) or "(?!)"
    return re.compile(rf"(?<!\w)({alts})(?!\w)")


# A judgement asked of a clause ("tyckte EÅV att det var *rimligt* att SDN får samordningsansvaret?", "är det
# *bra* att …"): the adjective is what is asked about the clause after 'att', not what it is about
_JUDGED = re.compile(r"(?<!\w)(?:det (?:ar|var|vore|blir|blev|skulle vara)|(?:ar|var|vore|blir|blev) det) "
                     r"(?:(?:mer|mindre|sa|lika|mest|minst|inte|helt) )?((?:(?:en|ett) )?(?:\w+ )?\w+) att(?!\w)")


# "… något exempel de tycker är bra?": the judgement a clause of opinion gives
_JUDGED_CLAUSE = re.compile(r"(?<!\w)(?:tycker|tyckte|anser|ansag|menar|menade|bedomer|bedomde|finner|fann) "
                            r"(?:(?:de|dom|han|hon|hen|den|det|man|ni|nagon) )?(?:ar|var|vore|varit) "
                            r"(?:(?:mer|mindre|sa|lika|mest|minst|inte|helt|extra|sarskilt|riktigt|speciellt) )?(\w+)(?!\w)")


# "… nåt som funkar bra?": a relative clause judging how something works
_WORKS_CLAUSE = re.compile(r"(?<!\w)som (\w+) (?:(?:sa|riktigt|mycket|inte|helt|sarskilt) )?(bra|val|battre|bast|daligt|samre)(?!\w)")


def _judged(question_words: str) -> set[str]:
    """The judging words of 'det är ADJ att …' and 'det var en bra idé att …' frames, of a clause of opinion
    ('… exempel de tycker är bra') and of a relative clause on how something works ('nåt som funkar bra') in
    the question's words: how it is judged, not what."""
    folded = fold(question_words)
    return {w for m in _JUDGED.finditer(folded) for w in m.group(1).split()} \
        | {m.group(1) for m in _JUDGED_CLAUSE.finditer(folded)} \
        | {w for m in _WORKS_CLAUSE.finditer(folded) for w in m.groups()}


def _misspelt_meta(folded: str) -> bool:
    """A word one edit from a long meta word (taxonomy.yaml `meta_words`: 'trygghetsprogramet' for
    'trygghetsprogrammet'): it names the documents, not a topic."""
    from .spelling import _unknown

    return len(folded) >= 8 and folded not in taxonomy().meta_words \
        and any(len(m) >= 8 and _one_edit(folded, m) for m in taxonomy().meta_words) \
        and _unknown(folded)  # ('programmets' is a word of its own: the programme's, named as a topic's owner)


def topic_of(question: str, known: Sequence[str]) -> str:
    """The subject words: no stopwords, question/meta words, cue words, names or periods."""
    tax = taxonomy()
    question = _without_format_phrases(question)
    cues = cue_words_in(question)
    keys = _name_keys(known)
    reasons = set(taxonomy_words("reason_words")) if cue_regex("reason_cues").search(fold(question.lower())) else set()
    verbs = question_verbs(question, keys) | _in_verb_phrases(" ".join(_qwords(question.lower())))
    verbs |= _judged(" ".join(_qwords(question.lower())))
    # a decision recorded besides the answer is what is asked about, not how ('vilka *reserverade* sig?',
    # taxonomy.yaml `decision_kinds`): such a verb stays a topic word, so a follow-up inherits it
    verbs = {v for v in verbs if not v.startswith(tuple(taxonomy_words("decision_kinds")))}
    back, shape = taxonomy_words("topic_back_references"), taxonomy_words("format_words") + taxonomy_words("number_words")
    # the counting words ('samma antal som innan'): how many is asked, the thing counted is the topic
    shape += tuple(c for c in counting_words() if " " not in c)
    out = []
    kinds, quantifiers = set(taxonomy_words("body_kinds")), set(taxonomy_words("body_quantifiers"))
    before = earlier = ""
    for w in words(question):
        f, prev, prev2 = fold(w.lower()), before, earlier
        before, earlier = f, prev
        if f in kinds and (prev in quantifiers or (prev == "av" and prev2 in quantifiers)):
            continue  # "någon annan stadsdel", "vilken nämnd", "vilken av stadsdelsnämnderna": who is asked about
        if (f in verbs or w.lower() in STOPWORDS_SV or f in STOPWORDS_SV or f in tax.question_words
                or len(f) <= 2 or f.isdigit() or f in tax.meta_words or f in tax.references
                or f in tax.function_words or (back and f.startswith(back)) or f in shape or f in reasons
                or f in tax.latest or f in tax.previous or f in tax.following or f in tax.oldest_words or f in _GENERIC
                or f in cues or _spelled(w) in cues or _names_any(f, keys)  # 'positv': a misspelt cue word
                or _misspelt_meta(f)):  # 'trygghetsprogramet': the programme, typed fast
            continue
        out.append(w)
    return " ".join(dict.fromkeys(out + _particle_compounds(question, out)))


def _particle_compounds(question: str, kept: Sequence[str]) -> list[str]:
    """'följas upp' -> 'uppföljas': a kept word followed by a verb particle (taxonomy.yaml `verb_particles`)
    as the compound its noun is made of ('uppföljning'), which no stemming reaches from the verb."""
    particles, ws = set(taxonomy_words("verb_particles")), words(question)
    kept_folded = {fold(w.lower()) for w in kept}
    return [nxt.lower() + w.lower() for w, nxt in zip(ws, ws[1:])
            if fold(w.lower()) in kept_folded and fold(nxt.lower()) in particles]


_ALL = ("namnder", "period", "topic")
# "vad mer tycker de behöver utvecklas?": what else, besides the previous topic (the folded question)
_OTHER_THINGS = re.compile(r"^((och|men|sa) )?(vad|vilka|vilket|nagot|nat|nan) (mer|mera|annat|ytterligare)(?!\w)")
# A pronoun object closing a clause points back at the previous turn's subject ("… med det?", "om dem")
# ("… där?": within it)
_REFERS_BACK = re.compile(r"(?<!\w)((om|med|till|av|for|kring|pa|mot|inom|i) (det|detta|den|denna|dem|dom|dessa)|dar"
                          # the thing as the subject or object of a closing verb: 'hur ofta görs den?', 'vem finansierar det?',
                          # 'vem ska anordna dem?', 'vem anordnade dem?'
                          r"|\w{3,}(s|r|a|de|te) (det|detta|den|denna|dem|dom|dessa))(?=\s*($|[?.!,]))")


def _names_back(question: str, previous_topic: str) -> bool:
    """Does the question point at the previous topic with a demonstrative ('det målet', 'den frågan',
    'dessa områden'): a noun after det/den/dessa/denna/detta that shares a term with the previous topic?"""
    from index.corpus import term_matches
    from index.textnorm import analyze

    terms = analyze(previous_topic)
    for m in re.finditer(r"(?<!\w)(det|den|dessa|denna|detta|de) (\w{4,})", fold(question.lower())):
        if any(term_matches(t, m.group(2)) or term_matches(a, t) for t in terms for a in analyze(m.group(2))):
            return True
    return False


def _likens(question: str) -> bool:
    """Does the question ask for something like the previous topic ('tar EAV upp nåt liknande i sitt
    svar?', 'finns det nåt motsvarande i 2020-2023?': taxonomy.yaml `topic_back_references`)?"""
    back = taxonomy_words("topic_back_references")
    return bool(back) and any(w.startswith(back) for w in _qwords(question.lower()))


def asks_why(question: str) -> bool:
    """Does a short question open with 'varför' ('varför är stödet otillräckligt?'): the grounds of
    something the previous answer said, about its topic?"""
    qw = _qwords(question.lower())
    return qw[:1] == ["varfor"] and len(qw) <= 8


def _relational(topic: str) -> bool:
    """Is the topic only nouns that need a complement ('åtgärder', 'risker': taxonomy.yaml `relational_nouns`)?"""
    ws = [fold(w.lower()) for w in topic.split()]
    return bool(ws) and all(w.startswith(taxonomy_words("relational_nouns")) for w in ws)


def _narrows(question: str) -> bool:
    """Does the question ask within the previous answer ('vilka aktörer nämns?', 'vilka exempel tas upp?':
    taxonomy.yaml `narrowing_verbs`), or go on with the previous topic's phrase ('och med vilka aktörer?'
    after 'vad säger X om samverkan': `phrase_continuations`), so its own topic is a part of the previous one?"""
    folded = cue_text(question)  # words only: the cues end at the question's end, its '?' is no word
    return bool(cue_regex("narrowing_verbs").search(folded) or cue_regex("phrase_continuations").search(folded))


def _followup_scope(question: str, own_topic: str, qtype: str) -> tuple[str, ...]:
    """What a question takes over from the previous turn: () when it is not a
    follow-up. A reference word with a scope in taxonomy.yaml (`followup_scopes`:
    'programmet' carries the version, not the nämnd) carries only that; other
    pronouns, a leading 'och'/'men', or a plain question without a topic of its
    own carry nämnd, version and topic. A question about all of them
    ('nämnderna', 'vilken nämnd': `corpus_wide`) never takes over a nämnd."""
    qw = _qwords(question.lower())
    tax = taxonomy()
    if len(qw) > 14 and qw[0] not in ("och", "men", "samt"):  # a long question stands alone, unless it goes on
        return ()
    refs = set(qw) & tax.references
    joined = " ".join(qw)
    wide = bool(spelt_regex("corpus_wide").search(spelt(question)))
    if refs and all(r in tax.scopes for r in refs):
        scope = tuple(dict.fromkeys(f for r in refs for f in tax.scopes[r]))
    elif refs or qw[:1] in (["och"], ["men"], ["samt"]) or (not topic_is_substantial(own_topic) and qtype == "topic") \
            or (qtype == "topic" and any(w.startswith(tax.elaboration) for w in qw[:4])) or _narrows(question) \
            or _likens(question) or asks_why(question) \
            or (not topic_is_substantial(own_topic) and _asks_agreement(joined)):  # "håller EAV med?"
        # "ge ett konkret exempel från parkdriften", "utveckla det": asks to go on about the same document
        scope = _ALL
    elif qtype == "catalogue" and not wide and _asks_one_field(joined):
        scope = ("namnder", "period")  # "Vem var handläggare?" after a question on one nämnd: that nämnd's document
    elif len(main := _main_clause(qw)) <= 5 \
            and not set(main) & (set(taxonomy_words("question_leads")) | {"vilka", "vilken", "vilket"}) \
            and not question_verbs(" ".join(main)) \
            and not set(main) & tax.question_words - set(taxonomy_words("topic_prepositions")):
        # a fragment without a verb ("nåt om ordningsvakter?", "nåt om unga vuxna som varken jobbar el
        # studerar?": the verbs are the relative clause's): a new topic, same document
        scope = ("namnder", "period")
    else:
        scope = ()
    return tuple(f for f in scope if not (wide and f == "namnder"))


def _main_clause(qw: list[str]) -> list[str]:
    """The question's words before a relative clause ('unga vuxna *som varken jobbar …*'): what such a
    clause says describes a noun of the question, it does not ask."""
    return qw[:qw.index("som", 1)] if "som" in qw[1:] else qw


@lru_cache(maxsize=None)
def spelt_regex(key: str) -> re.Pattern:
    """taxonomy.yaml's spelt phrase list `key` as one whole-word regex over spelt() text: a letter
    with a diacritic in a phrase matches itself or its plain letter (typed without å/ä/ö), a plain
    letter only itself, so the question's 'ändra' never matches the phrase 'andra'."""
    def letters(phrase: str) -> str:
        return "".join(f"[{re.escape(c)}{re.escape(fold(c))}]" if len(fold(c)) == 1 and fold(c) != c.lower()
                       else re.escape(c.lower()) for c in unicodedata.normalize("NFC", phrase))
    alts = "|".join(letters(p) for p in sorted(taxonomy_words(key), key=len, reverse=True)) or "(?!)"
    return re.compile(rf"(?<!\w)({alts})(?!\w)")


def spelt(question: str) -> str:
    """The question's words as typed (lower-cased, NFC, one space apart), for spelt_regex."""
    return " ".join(w for w in _QSPLIT.split(unicodedata.normalize("NFC", question.lower())) if w)


@lru_cache(maxsize=8)
def cue_regex(key: str) -> re.Pattern:
    """taxonomy.yaml's regex `key` (on folded words) as whole words; matches nothing when absent."""
    return re.compile(r"(?<!\w)(" + (taxonomy_data().get(key) or "(?!)") + r")(?!\w)")


def without_cues(text: str, rx: re.Pattern) -> str:
    """`text` without the words a cue covers, a cue of several words ("lades till") too: the topic of a
    change question without the words that ask for the change."""
    ws = text.split()
    folded = [fold(w.lower()) for w in ws]
    starts, pos = [], 0
    for f in folded:
        starts.append(pos)
        pos += len(f) + 1
    joined = " ".join(folded)
    covered = [(m.start(), m.end()) for m in rx.finditer(joined)]
    return " ".join(w for w, a, f in zip(ws, starts, folded)
                    if not any(s < a + len(f) and a < e for s, e in covered))


def _asks_agreement(folded_question: str) -> bool:
    """Does the question ask whether someone agrees (taxonomy.yaml `agreement_cues`)?"""
    return bool(cue_regex("agreement_cues").search(folded_question))


def location_rest(question: str) -> str | None:
    """When the question asks where the previous answer's text stands (taxonomy.yaml `location_cues`):
    the rest of it, folded, without the asking words ('vilken sida handlar om X' -> 'handlar om x');
    None when it does not ask that."""
    folded = " ".join(_qwords(question.lower()))
    m = cue_regex("location_cues").search(folded)
    return None if m is None else (folded[:m.start()] + " " + folded[m.end():]).strip()


def _asks_one_field(folded_question: str) -> bool:
    """Does a catalogue question ask for one field of a document (handläggare, dnr, date, recipient …:
    taxonomy.yaml `catalogue_fields`), not for a list of documents?"""
    return any(rx.search(folded_question) for f, rx in taxonomy().catalogue_fields if f not in ("order",))


# ------------------------------------------------------------------ analysis

def versions_answered(catalogue: Sequence[DocRecord], namnder: Sequence[str]) -> list[str]:
    """The programme versions the nämnder's documents concern, oldest first."""
    return sorted({d.meta.period for d in catalogue if d.meta.namnd in namnder and d.meta.period}, key=_period_start)


def docs_for(catalogue: Sequence[DocRecord], namnder: Sequence[str], period: str) -> tuple[str, ...]:
    if not namnder:
        return ()
    p = period.replace("–", "-")
    return tuple(d.doc_id for d in catalogue if d.meta.namnd in namnder
                 and (not p or d.meta.period.replace("–", "-") == p))


_DNR_NUMBER = re.compile(r"\d{4}[/:\-]\d{1,6}")


def _docs_by_dnr(question: str, catalogue: Sequence[DocRecord]) -> tuple[str, ...]:
    """Documents whose diarienummer the question quotes (the number part must match)."""
    asked = set(_DNR_NUMBER.findall(question))
    if not asked:
        return ()
    own = tuple(d.doc_id for d in catalogue if d.meta.dnr and set(_DNR_NUMBER.findall(d.meta.dnr)) & asked)
    if own:
        return own  # the document's own number first; else the responses to the remiss with that number
    return tuple(d.doc_id for d in catalogue
                 if getattr(d.meta, "remiss_dnr", "") and set(_DNR_NUMBER.findall(d.meta.remiss_dnr)) & asked)


_PROGRAMME_WORD = re.compile(r"(?<!\w)(\w{4,}?)program(?:met|men|mets|mens|s)?(?!\w)")
_CONJOINED = re.compile(r"(?<!\w)(\w{4,})- (?:och|eller) (?:(?:ett|en|det|den) )?\w+program")  # 'ett trygghets- och ett säkerhetsprogram'


def _programme_keys(text: str) -> set[str]:
    """The named programmes of a text, folded: 'Trygghets- och säkerhetsprogram 2018–2021' ->
    {'trygghetsprogram', 'sakerhetsprogram'}."""
    t = fold(text.lower())
    return {m.group(1) + "program" for m in _PROGRAMME_WORD.finditer(t)} | \
        {m.group(1) + "program" for m in _CONJOINED.finditer(t)}


def period_by_programme_name(question: str, catalogue: Sequence[DocRecord]) -> str:
    """The one version whose documents' titles name exactly the programme the question names, more fully
    than any other version's ('trygghets- och säkerhetsprogrammet' -> the version titled so); '' else."""
    asked = _programme_keys(question)
    if not asked:
        return ""
    by_period: dict[str, set[str]] = {}
    for d in catalogue:
        if d.meta.period:
            by_period.setdefault(d.meta.period, set()).update(_programme_keys(d.meta.title or ""))
    # the question must name the whole title ('trygghets- och säkerhetsprogrammet'); 'säkerhetsprogrammet' alone
    # may be another programme: the version whose titles' programme names the question names most fully
    fits = sorted(((len(keys), p) for p, keys in by_period.items() if keys and keys <= asked), reverse=True)
    if not fits or (len(fits) > 1 and fits[0][0] == fits[1][0]):
        return ""
    return fits[0][1]


def _without_programme_names(topic: str, catalogue: Sequence[DocRecord], question: str = "") -> str:
    """The topic without the words naming a programme the documents' titles name ('trygghets- och
    säkerhetsprogrammet' names the 2018–2021 version): what a follow-up carries over as its subject.
    Not when the topic's question names two programmes apart ('kopplingen mellan trygghetsprogrammet
    och säkerhetsprogrammet'): they are then what it is about, not which version."""
    named = _title_programmes(catalogue)
    if not named:
        return topic
    if _programmes_named(question or topic, catalogue) >= 2:
        return topic
    return " ".join(w for w in topic.split() if not _names_programme(w, named))


def _title_programmes(catalogue: Sequence[DocRecord]) -> set[str]:
    """The programme keys the document titles name."""
    return set().union(*(_programme_keys(d.meta.title or "") for d in catalogue)) if catalogue else set()


def _names_programme(word: str, named: set[str]) -> bool:
    """Does the word name a programme of the titles (`named`: `_title_programmes`)?"""
    keys = _programme_keys(word)
    return (bool(keys) and keys <= named) or fold(word.lower()) + "program" in named


def _programmes_named(text: str, catalogue: Sequence[DocRecord]) -> int:
    """How many programmes the document titles name does the text name apart, word by word
    ('trygghetsprogrammet och säkerhetsprogrammet': 2; 'trygghets- och säkerhetsprogrammet': 1)?"""
    named = _title_programmes(catalogue)
    return len({k for w in text.split() if _names_programme(w, named) for k in _programme_keys(w)})


def unknown_programme(question: str, catalogue: Sequence[DocRecord], period: str = "") -> str:
    """The programme the question names ('säkerhetsprogrammet 2020–2023') when the document titles in
    scope (those of the versions it names, else all) name programmes but never this one; '' when they
    do or name none."""
    asked = _programme_keys(question)
    if not asked:
        return ""
    wanted = periods_named(question) or ({period.replace("–", "-")} if period else set())  # every version named
    if wanted and _CONJOINED.search(fold(question.lower())) \
            and (titled := period_by_programme_name(question, catalogue)):
        # '… mellan trygghets- och säkerhetsprogrammet och 2020-2023': a title named whole; two programmes named
        # apart ('säkerhetsprogrammet 2020-2023, inte trygghetsprogrammet') name no title
        wanted = wanted | {titled.replace("–", "-")}
    scope = [d for d in catalogue if not wanted or d.meta.period.replace("–", "-") in wanted] or list(catalogue)
    named = set().union(*(_programme_keys(d.meta.title or "") for d in scope)) if scope else set()
    if not named:
        return ""
    missing = [k for k in asked if k not in named]
    if not missing:
        return ""
    if len(missing) < len(asked) and _CONJOINED.search(fold(question.lower())):
        # 'delades i ett trygghets- och ett säkerhetsprogram': the pair asked about, one of them commented on
        return ""
    word = next((w for w in words(question) if fold(w.lower()).startswith(missing[0])), missing[0])
    return word


def expand_body_abbreviations(question: str) -> str:
    """The question with the short forms of body kinds written out (taxonomy.yaml `body_abbreviations`:
    'sdn' -> 'stadsdelsnämnd'), so names and unknown bodies are read the same either way."""
    abbr, rx = _body_abbreviations()
    return rx.sub(lambda m: abbr[m.group(1).lower()], question) if abbr else question


@lru_cache(maxsize=1)
def _body_abbreviations() -> tuple[dict[str, str], re.Pattern]:
    abbr = {k.lower(): v for k, v in (taxonomy_data().get("body_abbreviations") or {}).items()}
    forms = sorted(abbr, key=len, reverse=True) or ["(?!)"]  # 'sdn:s' before 'sdn'
    # not the letters of a diarienummer ('KS 2019/1939')
    return abbr, re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, forms)) + r")(?![\w-])(?! ?\d)", re.I)


def author_words(corpus: Corpus) -> frozenset[str]:
    """The catalogue's words that may name an author: nämnder, handläggare and titles, but not the
    recipient a title names ('yttrande till kommunstyrelsen': Kommunstyrelsen wrote nothing here)."""
    recipients = {fold(m.group(1).lower()) for rec in corpus.documents()
                  for m in re.finditer(r"\btill (\w+)", rec.meta.title or "")}
    return catalogue_words(corpus) - recipients


def catalogue_words(corpus: Corpus, fields: Sequence[str] = ("title", "namnd", "handlaggare")) -> frozenset[str]:
    """Folded words of the catalogue's `fields` (titles, nämnder, handläggare)."""
    return frozenset(fold(w.lower()) for rec in corpus.documents() for f in fields
                     for w in words(getattr(rec.meta, f, "") or ""))


def in_corpus(corpus: Corpus, word: str) -> bool:
    """Does the word (a stem of it) occur in the corpus's passages? A word without content terms does."""
    from index.textnorm import analyze

    terms = analyze(word)
    return not terms or any(corpus.term_stats(terms).df.get(t) for t in terms)


def _elliptic_rewrite(question: str, corpus: Corpus, previous: Request) -> str:
    """The previous question asked again of the nämnd or version this one names, when it names one and
    says nothing else ('och hos Spånga-Tensta?', 'och Stadsarkivet då?', 'samma fråga för 2020-2023';
    taxonomy.yaml `ellipsis_words`): the previous question without its own names and periods, followed
    by this one. '' when the question is not elliptic."""
    known = list(corpus.facets().get("namnd", {}))
    named = expand_body_abbreviations(question)
    qw = _qwords(named.lower())
    if not qw or len(qw) > 8 or not previous.question:
        return ""
    unknown = "" if mentioned_namnder(named, known) else unknown_body(named, known, lambda: author_words(corpus), lambda w: in_corpus(corpus, w))
    tax = taxonomy()
    versions = tax.versions
    period_words = set(_qwords(" ".join(m.group(0) for m in (*_PERIOD.finditer(named), *_YEAR_OF.finditer(named)))))
    names_version = bool(period_words) or bool(set(qw) & versions)
    keys = _name_keys(known)
    initials = {namnd_abbreviation(n, 2) for n in known if _short_initials(question, n)}  # 'HL'
    unknown_words = set(_qwords(unknown.lower()))
    naming = [w for w in qw if _names_any(w, keys) or w in initials or w.rstrip("s") in initials or w in unknown_words]
    if not naming and not names_version:
        return ""
    filler = set(taxonomy_words("ellipsis_words")) | set(taxonomy_words("comparison_words")) | tax.meta_words | versions | _GENERIC | STOPWORDS_SV
    rest = [w for w in qw if w not in naming and w not in period_words and w not in filler and not w.isdigit()
            and len(w) > 1]  # 'EAV:s' splits into 'eav' and its genitive 's'
    if rest:
        return ""
    drop = set(_qwords(previous.unknown_namnd.lower())) | {namnd_abbreviation(n, 2) for n in previous.namnder} - {""}
    # "och vad sa de om programmet 2020-2023?": a pronoun points at the previous nämnd, which stays asked
    pointed = not naming and bool(_OPINION_OF_PRONOUN.search(fold(question.lower())))
    kept = [t for t in _YEAR_OF.sub(" ", _PERIOD.sub(" ", previous.question)).split()
            if pointed or not any(_names_any(w, keys) or w in drop or w.removesuffix("s") in drop for w in _qwords(t.lower()))]
    rewritten = " ".join(kept) + " " + question.strip()
    if pointed and period_words:  # one clause, so the nämnd and the version are asked together
        rewritten = " ".join(kept).rstrip(" ?.!") + " " + " ".join(
            m.group(0) for m in (*_PERIOD.finditer(named), *_YEAR_OF.finditer(named))) + "?"
    if previous.period and not names_version and (
            not (namnder := mentioned_namnder(named, known)) or docs_for(corpus.documents(), namnder, previous.period)):
        rewritten += f" ({previous.period})"  # the version asked about before, where the new nämnd answered it
    return rewritten


_CLAUSE_BREAK = re.compile(r"\s[–—-]\s|[;:]\s|[.?!]\s+(?=\w)")


def _named_apart(question: str, namnder: Sequence[str], known: Sequence[str]) -> bool:
    """Do the nämnder and the programme version stand in different clauses of the question (a dash,
    colon, semicolon or sentence break between), the version's clause naming no nämnd?"""
    clauses = [c for c in _CLAUSE_BREAK.split(question) if c and c.strip()]
    if len(clauses) < 2:
        return False
    versioned = [c for c in clauses if periods_named(c) or _YEAR_OF.search(c) or
                 set(_qwords(c.lower())) & taxonomy().versions]
    return bool(versioned) and all(not mentioned_namnder(c, known) for c in versioned) and \
        any(mentioned_namnder(c, known) for c in clauses if c not in versioned)


# A pronoun as the one holding a view ("vad tyckte de om …", "deras syn"): the nämnd pointed at, not a thing
_OPINION_OF_PRONOUN = re.compile(r"(?<!\w)((" + "|".join(fold(v) for v in _OPINION_VERBS)
                                 + r") (de|dom|hen|han|hon)|deras|hennes|hans)(?!\w)")  # on the folded question


_CONTRAST = re.compile(r"^(och|men|samt) (\w+)( (da|sen|dar|isallafall|iaf))?$")  # "och lokalt?" (folded)


def _contrasted_topic(question: str, topic: str, previous_topic: str, corpus: Corpus) -> str:
    """'och lokalt?' after 'vem har ansvaret på central nivå?': the previous question asked again with its
    one word most like the new one ('central') in the new one's place: "ansvaret lokalt nivå". The
    likeness is the embedding model's (cosine of the words' query vectors). '' when the question is not
    such a bare contrast or the previous topic has a single word (then the new word is a new topic)."""
    m = _CONTRAST.match(" ".join(_qwords(question.lower())))
    prev = previous_topic.split()
    if not m or len(prev) < 2 or len(topic.split()) != 1:
        return ""
    new = topic.split()[0]
    if any(fold(w.lower()) == fold(new.lower()) for w in prev):
        return ""
    vecs = [corpus.embed_query(w) for w in [new, *prev]]
    sims = [float(vecs[0] @ v) / (float((vecs[0] @ vecs[0]) * (v @ v)) ** 0.5 or 1.0) for v in vecs[1:]]
    i = max(range(len(prev)), key=lambda k: sims[k])
    return " ".join(new if k == i else w for k, w in enumerate(prev))


def _carried_topic(previous: Request, catalogue: Sequence[DocRecord]) -> str:
    """The previous turn's topic as a follow-up takes it over: without the programme's names (the version
    is carried apart) and without the name of a body the corpus has no document from ('Norrmalms' in
    'vad tycker Norrmalms stadsdelsnämnd om programmet?' is who was asked about, not what)."""
    topic = _without_programme_names(previous.topic, catalogue, previous.question)
    body = {fold(w.lower()) for w in words(previous.unknown_namnd)}
    asks_more = taxonomy().elaboration  # 'menas' in "…, vad menas?" asked to explain, it is no part of the topic
    return " ".join(w for w in topic.split() if fold(w.lower()) not in body and not fold(w.lower()).startswith(asks_more))


def _previous_version(previous: Request, catalogue: Sequence[DocRecord]) -> str:
    """The version the previous turn was about: named, or that of its documents when they share one."""
    own = {d.meta.period for d in catalogue if d.doc_id in previous.doc_ids} if previous.doc_ids else set()
    return previous.period or (own.pop() if len(own) == 1 else "")


def _versions_compared(question: str, corpus: Corpus, previous: Request) -> str:
    """'jämför med 2020-2023' after a question on another version, naming no nämnd: the change between the
    two versions, as a question ('vad skiljer programmet 2024-2027 från programmet 2020-2023 om X'); ''
    when the question is no such comparison."""
    qw = set(_qwords(question.lower()))
    if not qw & set(taxonomy_words("comparison_words")) or mentioned_namnder(
            expand_body_abbreviations(question), list(corpus.facets().get("namnd", {}))):
        return ""
    periods = {p.replace("–", "-") for p in corpus.facets().get("period", {})}
    named = periods_named(question) & periods
    before = _previous_version(previous, corpus.documents()).replace("–", "-")
    if len(named) != 1 or not before or before in named:
        return ""
    later, earlier = sorted([before, *named], key=_period_start, reverse=True)
    topic = f" om {previous.topic}" if previous.topic else ""
    return f"vad skiljer programmet {later} från programmet {earlier}{topic}"


def analyse_one(question: str, corpus: Corpus, previous: Request | None = None) -> Request:
    if previous is not None and (compared := _versions_compared(question, corpus, previous)):
        req = analyse_one(compared, corpus)
        return replace(req, question=question, followup=True, inherited=("period", "topic", "type"))
    if previous is not None and (rewritten := _elliptic_rewrite(question, corpus, previous)):
        req = analyse_one(rewritten, corpus)
        inherited = ["question", "topic"]
        topic = _carried_topic(previous, corpus.documents())
        if req.doc_ids and set(req.doc_ids) == set(previous.doc_ids):
            # another author of the same joint response ('och Stadsarkivet då?' after Kulturförvaltningen): its name is the focus
            known = list(corpus.facets().get("namnd", {}))
            own = [w for w in words(question) if _names_any(fold(w.lower()), _name_keys(known))]
            topic = " ".join(dict.fromkeys([*own, *topic.split()]))
        req = replace(req, topic=topic)
        if req.qtype == "topic" and ("type" in previous.inherited or previous.qtype in ("summary", "stance")):
            # the previous question asked again of another nämnd or version: of the same kind ("vad tyckte EAV
            # om programmet?" -> "jämför med Kulturförvaltningen" is both summaries)
            req = replace(req, qtype=previous.qtype)
            inherited.append("type")
        if previous.doc_ids and set(_qwords(question.lower())) & set(taxonomy_words("comparison_words")):
            # "jämför med Kulturnämnden": the previous documents next to the new ones
            req = replace(req, namnder=tuple(dict.fromkeys((*previous.namnder, *req.namnder))),
                          doc_ids=tuple(dict.fromkeys((*previous.doc_ids, *req.doc_ids))))
            inherited.append("namnder")
        return replace(req, followup=True, inherited=tuple(inherited))
    facets = corpus.facets()
    known = list(facets.get("namnd", {}))
    periods = list(facets.get("period", {}))
    named = expand_body_abbreviations(question)  # "södermalms sdn" names Södermalms stadsdelsnämnd
    namnder = tuple(mentioned_namnder(named, known))
    catalogue = corpus.documents()
    context = ""
    if previous is not None:
        context = _previous_version(previous, catalogue)
    period, unknown_period = resolve_period(question, periods, context)
    tax = taxonomy()
    if period and namnder and not context and set(_qwords(question.lower())) & tax.latest \
            and not (periods_named(question) or _YEAR_OF.search(question) or _SHORT_PERIOD.search(question)) \
            and not docs_for(catalogue, namnder, period):
        # "vad tyckte Familjebostäder om det nya programmet?": new when they answered, the latest version they did
        theirs = versions_answered(catalogue, namnder)
        period = theirs[-1] if theirs else period
    titled = baseline = ""  # a version named by its programme's title; that version when it is compared with
    if (not periods_named(question) and not _YEAR_OF.search(question)
            and set(_qwords(question.lower())) & tax.versions):
        # "det gamla trygghets- och säkerhetsprogrammet": the version its name belongs to, not the one before the newest
        titled = period_by_programme_name(question, catalogue)
        if titled and namnder and not docs_for(catalogue, namnder, titled):
            titled = ""  # a hint only: X's view on the old programme may stand in its response to a later one
        if titled:
            period, unknown_period = titled, ""
    qtype = question_type(question)
    if qtype == "change" and not titled and not period and not unknown_period \
            and _programmes_named(question, catalogue) == 1:
        # "varför delades trygghets- och säkerhetsprogrammet upp?": a change question naming one programme by
        # the title only one version's documents carry asks about that version (two programmes named apart,
        # 'skillnaden mellan trygghetsprogrammet och säkerhetsprogrammet', are what it compares)
        titled = period_by_programme_name(question, catalogue)
        period = titled or period
    if qtype == "change" and titled and re.search(r"(?<!\w)(och|an|mot|fran|med) (det |den )?("
                                                  + "|".join(map(re.escape, sorted(tax.previous))) + r")(?!\w)",
                                                  " ".join(_qwords(question.lower()))):
        # "skillnaden mellan trygghetsprogrammet och det gamla trygghets- och säkerhetsprogrammet": the old
        # version named by its title is compared with, the version asked about is the one after it ("var det
        # gamla programmet X?" asks about the old one)
        ordered = sorted(periods, key=_period_start)
        at = ordered.index(titled) if titled in ordered else -1
        if 0 <= at < len(ordered) - 1:
            period, baseline = ordered[at + 1], titled
    if qtype == "topic" and previous is None and cue_regex("still_holds").search(fold(question.lower())):
        qtype = "change"  # "gäller målet … fortfarande i nya programmet?": asked on its own, what changed
    if qtype == "topic" and len(versions_named(question, periods)) >= 2:
        qtype = "change"  # "2018-2021-programmet utgick från X, vad utgår 2020-2023 från?": two versions related
    if qtype == "change" and periods and not periods_named(question) and not _YEAR_OF.search(question) \
            and cue_regex("change_baseline").search(fold(question.lower())):
        # "var det nytt jämfört med förra programmet?": the earlier version is the baseline, the one in
        # context (else the newest) the version asked about
        newest = max(periods, key=_period_start)
        period, unknown_period = (context or newest), ""
    topic = topic_of(named, known)
    if any(cue.search(fold(question.lower())) for cue, _ in tax.places):
        # "var ligger dom?": where, of the nämnd or thing asked about, not its whole document; "vilka lokaler
        # nämns?": a place may be stated by its location without the word ('centrala läge, … på Kungsklippan')
        topic = " ".join(dict.fromkeys([*topic.split(), *tax.place_topic]))
    req = Request(question=question, qtype=qtype, namnder=namnder, period=period, topic=topic,
                  unknown_namnd=(_unknown_author(named, known, lambda: author_words(corpus)) if namnder  # 'vad svarade
                                 else unknown_body(named, known, lambda: author_words(corpus), lambda w: in_corpus(corpus, w))),  # KS på X:s synpunkter?'
                  unknown_period=unknown_period)
    scope = _followup_scope(question, topic, qtype) if previous is not None else ()
    if scope:
        inherited = []
        if "namnder" in scope and not req.namnder and not req.unknown_namnd and previous.namnder:
            req = replace(req, namnder=previous.namnder)
            inherited.append("namnder")
        if "period" in scope and not req.period and not req.unknown_period and context:
            # the version named before, or that of the previous turn's documents ("när ska programmet börja
            # gälla?" after "vad sa Kyrkogårdsnämnden om programmet?": the version it commented on)
            req = replace(req, period=context)
            inherited.append("period")
        whole = bool(cue_regex("whole_view_cues").search(fold(question.lower())))
        if "topic" in scope and previous.topic and not _OTHER_THINGS.search(fold(question.lower())) \
                and not (whole and not _REFERS_BACK.search(fold(question.lower()))) and (
                not topic_is_substantial(req.topic) or _REFERS_BACK.search(
                fold(question.lower())) or _narrows(question) or _likens(question) or _names_back(question, previous.topic)
                or asks_why(question) or _relational(req.topic)):
            # "ser de nån risk med det?": the risk of the previous topic; "vad tyckte EAV om det målet?": that goal
            carried = _carried_topic(previous, catalogue)  # the version is carried apart
            req = replace(req, topic=(carried + " " + req.topic).strip())
            inherited.append("topic")
        elif "topic" in scope and previous.topic and not namnder and not periods_named(question) \
                and (swapped := _contrasted_topic(question, req.topic, _carried_topic(previous, catalogue), corpus)):
            req = replace(req, topic=swapped)  # "och lokalt?" after "vem har ansvaret på central nivå?"
            inherited.append("topic")
        if req.qtype == "topic" and req.namnder and "topic" in inherited and not topic_is_substantial(topic) \
                and cue_regex("reason_cues").search(fold(question.lower())):
            req = replace(req, qtype="stance")  # "varför då?" after X's view on a topic: X's stance and its grounds
            inherited.append("type")
        if req.qtype == "topic" and previous.qtype != "topic" and not topic_is_substantial(topic) \
                and not (req.namnder and "namnder" not in inherited) \
                and not any(cue.search(fold(question.lower())) for cue, _ in tax.laws):  # 'vilka andra fick remissen?'
            # (a question naming its own nämnd, 'vad tyckte Kulturnämnden?', is asked of that nämnd: below)
            req = replace(req, qtype=previous.qtype)
            inherited.append("type")
        req = replace(req, followup=True, inherited=tuple(inherited))
    if not req.namnder and not req.unknown_namnd:  # a whole document's owner: any noun; else only 'X:s synpunkter'
        owner = unknown_owner(question, known, lambda: author_words(corpus),
                              nouns=req.qtype in ("summary", "catalogue"))
        if owner:
            req = replace(req, unknown_namnd=owner)
    by_dnr = _docs_by_dnr(question, catalogue)
    if req.qtype == "topic" and (req.namnder or by_dnr) and not topic_is_substantial(req.topic) \
            and not any(cue.search(fold(named.lower())) for cue, _ in tax.laws):  # "vem beredde ärendet hos X?"
        req = replace(req, qtype="summary")  # "Vad tyckte X om programmet?": no topic asked, the whole view is
    if by_dnr:  # "dokumentet KS 2023/739": the document itself, its nämnd and version
        recs = [d for d in catalogue if d.doc_id in by_dnr]
        return replace(req, doc_ids=by_dnr, namnder=tuple(dict.fromkeys(d.meta.namnd for d in recs if d.meta.namnd)),
                       period=recs[0].meta.period if len({d.meta.period for d in recs}) == 1 else req.period,
                       unknown_namnd="", unknown_period="")
    prog = unknown_programme(question, catalogue, baseline or req.period)  # the baseline's title names a programme too
    if prog:
        req = replace(req, unknown_programme=prog)
    docs = docs_for(catalogue, req.namnder, req.period)
    # the nämnd pointed at: 'vad tyckte de …', 'vad svarade den nämnden …' (a reference word whose scope is the nämnd)
    pointed = bool(_OPINION_OF_PRONOUN.search(fold(question.lower()))) or any(
        tuple(tax.scopes.get(w, ())) == ("namnder",) for w in _qwords(question.lower()))
    if req.namnder and req.period and not docs and ("period" in req.inherited or "namnder" in req.inherited) \
            and not ("period" not in req.inherited and pointed) \
            and not ("period" in req.inherited and cue_regex("same_version_phrases").search(fold(question.lower()))):
        # context from the previous turn must not make the question impossible: "Sammanfatta
        # Kyrkogårdsnämndens yttrande" after a question on another version asks for its own yttrande (but
        # "vad tyckte de om programmet 2024-2027?" asks the nämnd pointed at, which may not have answered it;
        # "… på samma programversion?" asks the version of the previous turn, answered or not)
        drop = "period" if "period" in req.inherited else "namnder"
        req = replace(req, **{drop: "" if drop == "period" else ()},
                      inherited=tuple(f for f in req.inherited if f != drop))
        docs = docs_for(catalogue, req.namnder, req.period)
    if req.namnder and req.period and not docs and "period" not in req.inherited and not periods_named(question) \
            and not _YEAR_OF.search(question) and set(_qwords(question.lower())) & set(taxonomy_words("older_version_words")):
        # "HL:s yttrande om det gamla programmet": an older version than the newest, the one the nämnd answered
        newest = max(periods, key=_period_start)
        theirs = {d.meta.period for d in catalogue if d.meta.namnd in req.namnder and d.meta.period
                  and d.meta.period.replace("–", "-") != str(newest).replace("–", "-")}
        if len(theirs) == 1:
            req = replace(req, period=theirs.pop(), unknown_period="")
            docs = docs_for(catalogue, req.namnder, req.period)
    if req.namnder and req.period and not docs and _named_apart(named, req.namnder, known):
        # "EAV klagade på X – har nya versionen 2024-2027 något om det?": the nämnd is the background of
        # one clause, the version the subject of another: the question is about that version
        req = replace(req, namnder=())
        docs = docs_for(catalogue, req.namnder, req.period)
    if req.namnder and req.period and not docs and req.qtype == "change" and tax.revision.search(cue_text(question)):
        # "enligt soc, vad ändrades när 2018-2021 skulle ersättas?": the nämnd's response to the version that
        # replaced it tells (taxonomy.yaml `revision_cues`)
        later = [p for p in versions_answered(catalogue, req.namnder) if _period_start(p) > _period_start(req.period)]
        if later:
            req = replace(req, period=later[0].replace("–", "-"))
            docs = docs_for(catalogue, req.namnder, req.period)
    if req.namnder and req.period and not docs:
        # the nämnd exists but did not comment on that version: say so rather than answer from another
        return replace(req, unknown_period=req.period, period=req.period)
    if previous is not None and previous.namnder and not req.namnder and not req.unknown_namnd \
            and spelt_regex("others_words").search(spelt(question)):
        # "vad tyckte de andra?" after a question on one nämnd: every other nämnd's document in scope
        def others_on(p: str) -> tuple[str, ...]:
            return tuple(d.doc_id for d in catalogue if d.meta.namnd and d.meta.namnd not in previous.namnder
                         and (not p or d.meta.period.replace("–", "-") == p))

        others = others_on(req.period.replace("–", "-"))
        if not others and "period" in req.inherited:  # none other on the version carried over: all others
            others = others_on("")
            req = replace(req, period="", inherited=tuple(f for f in req.inherited if f != "period"))
        if others:
            return replace(req, doc_ids=others, followup=True, inherited=(*req.inherited, "others"))
    return replace(req, doc_ids=docs)


@lru_cache(maxsize=1)
def _answer_reference_patterns() -> tuple[re.Pattern, dict, frozenset[str]]:
    data = taxonomy_data()
    ords = {k: int(v) for k, v in (data.get("answer_ordinals") or {}).items()}
    nouns = "|".join(map(re.escape, data.get("answer_ordinal_nouns") or ["\0"]))
    alt = "|".join(map(re.escape, ords)) or "\0"
    article_only = set(data.get("answer_ordinals_after_article_only") or ())  # 'andra nämnder' = other ones
    bare = "|".join(map(re.escape, (o for o in ords if o not in article_only))) or "\\0"
    ordinal = re.compile(rf"(?<!\w)(?:(?:den|det) ({alt})(?!\w)|({bare}) (?:s?(?:{nouns})\w*))")
    return ordinal, ords, frozenset(data.get("answer_pronouns") or ())


def answer_reference(question: str) -> tuple[int | None, str]:
    """Does the question point into the previous answer's list of nämnder? (n, word): n >= 1 its n-th
    ('Sammanfatta det första', 'den tredje nämnden'), -1 its last, 0 the nämnd(er) it named ('Vad
    kritiserade de?'); word is the ordinal to leave out of the topic. (None, '') when it does not."""
    ordinal, ords, pronouns = _answer_reference_patterns()
    q = fold(question.lower())
    m = ordinal.search(q)
    if m:
        word = m.group(1) or m.group(2)
        return ords[word], word
    if set(_qwords(question.lower())) & pronouns or _OPINION_OF_DEN.search(q):
        return 0, ""
    return None, ""


# 'den' as the one who holds a view ('vad tyckte den om polisens roll?') or with a body word ('den nämnden'):
# the nämnd of the previous answer; elsewhere 'den' is a thing ('hur ofta görs den?')
_WANT_VERBS = ("ville", "vill", "önskade", "önskar", "kritiserade", "kritiserar", "efterlyste", "efterlyser",
               "föreslog", "föreslår", "saknade", "saknar", "betonade", "betonar", "lyfte", "lyfter")
_OPINION_OF_DEN = re.compile(r"(?<!\w)(?:(?:" + "|".join(fold(v) for v in (*_OPINION_VERBS, *_WANT_VERBS))
                             + r") den|den (?:har )?(?:namnden|forvaltningen|stadsdelen|stadsdelsnamnden))(?!\w)")


def asks_for_one(question: str) -> bool:
    """Does the question ask for one nämnd ('Vilken nämnd var mest kritisk?'), not a list?"""
    return bool(set(_qwords(question.lower())) & set(taxonomy_data().get("singular_cues") or ()))


def topic_is_substantial(topic: str) -> bool:
    """Does the topic name something, beyond asking to go on ('ett konkret exempel', 'utveckla':
    taxonomy.yaml `elaboration_requests`) or to take the previous one ('nåt liknande':
    `topic_back_references`)?"""
    asks_more = taxonomy().elaboration + taxonomy_words("topic_back_references")
    return len([w for w in topic.split() if (len(w) >= 3 or (len(w) >= 2 and w.isupper()))  # 'mål', 'brå', 'EU'
                and not fold(w.lower()).startswith(asks_more)]) >= 1


# a sentence ends at . ! ? before a capital, or at ? before anything ('… 2020-2023? ge en överblick'); not at
# the dot of an abbreviation before lower case ('kulturförv. och stadsarkivet')
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖÉ])|(?<=\?)\s+(?=\S)")


def asker_context(message: str) -> tuple[str, str]:
    """(the question, the background told before it) of a message of several sentences, read as a short
    conversation: the statements before the last question (the last sentence ending in '?') are the
    background it is asked against, a previous turn ('EAV saknade något om välfärdsbrott i 2020–2023. Har
    det kommit in något i den nya versionen?': 'det' points into it, the version asked about is the
    question's own). A sentence with a word by which the asker speaks of themself (taxonomy.yaml
    `asker_words`: 'Vi har själva publika lokaler …') is their situation: before the question it is
    background too, after it it is left out ('Vill veta vem jag ska ringa om förskolefrågorna.'); other
    sentences after it stay with it ('… 2018–2021? ge en överblick'). A message of one sentence, or without
    a '?', comes back as it is, with no background."""
    text = (message or "").strip()
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p.strip()]
    asks = [i for i, p in enumerate(parts) if p.endswith("?")]
    if len(parts) < 2 or not asks:
        return text, ""
    last = asks[-1]
    mine = set(taxonomy_words("asker_words"))

    def own(p: str) -> bool:
        return bool({w.lower() for w in words(p)} & mine)

    def told(p: str) -> bool:  # a statement before the question: the background it is asked against
        return own(p) or not p.endswith("?")

    if not any(told(p) for p in parts[:last]) and not any(own(p) for p in parts[last + 1:]):
        return text, ""
    before = [p for p in parts[:last] if told(p)]
    head = [p for p in parts[:last] if not told(p)]
    tail = [p for p in parts[last + 1:] if not own(p)]
    return " ".join([*head, parts[last], *tail]), " ".join(before)


def previous_request(corpus: Corpus, history: Sequence[str] | None) -> Request | None:
    """The request of the conversation's last question (read with the ones before it), None without one."""
    previous = None
    for q in list(history or [])[-MAX_HISTORY:]:
        if q and q.strip():
            previous = analyse_one(q.strip()[:2000], corpus, previous)
    return previous


def carried_topic(corpus: Corpus, previous: Request | None) -> str:
    """The topic a follow-up would take over from the conversation's last question (`previous_request`;
    '' when none)."""
    return _carried_topic(previous, corpus.documents()) if previous is not None and previous.topic else ""


def analyse(question: str, corpus: Corpus, history: Sequence[str] | None = None) -> Request:
    """The request for `question`, reading earlier questions of the conversation
    (oldest first) so follow-ups keep their nämnd, version and topic."""
    return analyse_one(question, corpus, previous_request(corpus, history))
