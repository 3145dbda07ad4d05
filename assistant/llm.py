"""Optional LLM answer mode through any OpenAI-compatible endpoint (Ollama,
vLLM, llama.cpp server, OpenAI, …), using only the standard library.

The model sees the retrieved passages numbered 1..n and must cite them as [n].
Its output is never trusted as is: `validate_answer` drops citation markers
that point at no passage and flags sentences that cite nothing, and every
Citation's quote is a whole sentence of the cited chunk that passes
`verify_quote`, so what the UI shows as a quote exists in the source.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence

from assistant.quotes import sentence_spans, verify_quote
from index.settings import LLMSettings
from index.textnorm import analyze, normalize_ws, words
from index.types import Answer, Chunk, Citation, Hit

NO_ANSWER = "Jag hittar inget i underlaget som besvarar frågan."

PROMPT_PACKAGE = "prompts"  # templates ship as package data (pyproject: package-data)

# One citation marker: [1], [1, 2], [1;2]. Up to three digits, so years such
# as [2021] are left alone as text.
_ONE = r"\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\]"
# A cluster of adjacent markers: [1][2], [1] [2], [1, 2].
_CLUSTER = re.compile(rf"{_ONE}(?:[ \t]*{_ONE})*")
# A marker cluster written after the sentence's end punctuation ("… parken. [1]")
# is moved before it ("… parken [1].") so it belongs to the sentence it follows.
_AFTER_PUNCT = re.compile(rf"([.!?])[ \t]*({_ONE}(?:[ \t]*{_ONE})*)")
_THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)
_MIN_CLAIM_WORDS = 3  # shorter fragments ("Ja.", "Sammanfattning") are not flagged


class LLMError(RuntimeError):
    """The endpoint could not give an answer; the message is one line, Swedish / English."""


# ---------------------------------------------------------------- client


class LLMClient:
    """Minimal client for POST {base_url}/chat/completions (OpenAI format)."""

    def __init__(self, settings: LLMSettings):
        self.settings = settings

    @property
    def enabled(self) -> bool:
        return bool(self.settings.base_url.strip() and self.settings.model.strip())

    @property
    def url(self) -> str:
        base = self.settings.base_url.strip().rstrip("/")
        return base if base.endswith("/chat/completions") else f"{base}/chat/completions"

    def _opener(self) -> urllib.request.OpenerDirector:
        # A local endpoint (Ollama on 127.0.0.1) must not be sent through an
        # HTTP(S)_PROXY from the environment; remote ones keep the proxy.
        host = (urllib.parse.urlsplit(self.url).hostname or "").lower()
        if host in ("localhost", "::1") or host.startswith("127."):
            return urllib.request.build_opener(urllib.request.ProxyHandler({}))
        return urllib.request.build_opener()

    def chat(self, messages: list[dict]) -> str:
        """Send the messages; return the assistant message's text."""
        s = self.settings
        if not self.enabled:
            raise LLMError("LLM-läget är inte konfigurerat (sätt YTTRA_LLM__BASE_URL och YTTRA_LLM__MODEL) "
                           "/ LLM mode is not configured")
        body = json.dumps({"model": s.model, "messages": messages, "temperature": s.temperature,
                           "max_tokens": s.max_tokens, "stream": False}).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        key = s.api_key.get_secret_value()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        where = s.base_url.strip()
        timeout_msg = (f"LLM-tjänsten på {where} svarade inte inom {s.timeout_s:g} s (timeout) "
                       f"/ LLM endpoint timed out after {s.timeout_s:g} s")
        try:
            with self._opener().open(req, timeout=s.timeout_s) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            detail = _error_detail(e)
            raise LLMError(f"LLM-tjänsten svarade med HTTP {e.code}{detail} / LLM endpoint returned HTTP {e.code}"
                           ) from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise LLMError(timeout_msg) from None
            if isinstance(reason, ConnectionRefusedError):
                raise LLMError(f"Kunde inte ansluta till LLM-tjänsten på {where}: anslutningen nekades "
                               f"/ connection refused") from None
            raise LLMError(f"Kunde inte nå LLM-tjänsten på {where}: {_one_line(reason)} "
                           f"/ could not reach LLM endpoint") from None
        except (TimeoutError, socket.timeout):
            raise LLMError(timeout_msg) from None
        except http.client.HTTPException as e:
            raise LLMError(f"LLM-tjänsten på {where} avbröt svaret: {_one_line(type(e).__name__)} "
                           f"/ LLM endpoint broke off the response") from None
        except ConnectionRefusedError:
            raise LLMError(f"Kunde inte ansluta till LLM-tjänsten på {where}: anslutningen nekades "
                           f"/ connection refused") from None
        except OSError as e:
            raise LLMError(f"Kunde inte nå LLM-tjänsten på {where}: {_one_line(e)} "
                           f"/ could not reach LLM endpoint") from None
        return _parse_content(raw)


def _one_line(obj, limit: int = 200) -> str:
    text = normalize_ws(str(obj))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_detail(e: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(e.read().decode("utf-8", "replace"))
        err = data.get("error") if isinstance(data, dict) else None
        msg = err.get("message") if isinstance(err, dict) else err
        return f" ({_one_line(msg)})" if msg else ""
    except Exception:
        return ""


def _parse_content(raw: bytes) -> str:
    bad = "LLM-tjänsten gav ett felaktigt svar ({}) / malformed response from LLM endpoint"
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise LLMError(bad.format("inte JSON")) from None
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise LLMError(bad.format("saknar choices[0].message.content")) from None
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if not isinstance(content, str):
        raise LLMError(bad.format("innehållet är inte text"))
    content = _THINK.sub("", content).strip()  # reasoning models' <think>…</think>
    if not content:
        raise LLMError(bad.format("tomt svar"))
    return content


# ---------------------------------------------------------------- prompts


def load_prompt(name: str) -> str:
    """The template prompts/<name>.txt, read as package data (works from a wheel too)."""
    from importlib.resources import files

    if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
        raise ValueError(f"invalid prompt name {name!r}")
    return files(PROMPT_PACKAGE).joinpath(f"{name}.txt").read_text(encoding="utf-8").strip()


def _chunk_of(item: Hit | Chunk) -> Chunk:
    return item.chunk if isinstance(item, Hit) else item


def format_passages(hits_or_chunks: Sequence[Hit | Chunk]) -> str:
    """The passages numbered 1..n: '[n] Nämnd (år), titel, s. X, avsnitt: Y' then the text."""
    blocks = []
    for n, item in enumerate(hits_or_chunks, 1):
        c = _chunk_of(item)
        head = c.namnd or c.doc_id
        if c.year:
            head += f" ({c.year})"
        parts = [head]
        if c.title:
            parts.append(c.title)
        parts.append(f"s. {c.pages}")
        if c.section:
            parts.append(f"avsnitt: {c.section}")
        blocks.append(f"[{n}] {', '.join(parts)}\n{c.text.strip()}")
    return "\n\n".join(blocks)


# ---------------------------------------------------------------- validation


def _numbers(cluster: str) -> list[int]:
    return [int(x) for x in re.findall(r"\d+", cluster)]


def _format_cluster(nums: list[int]) -> str:
    return "[" + ", ".join(str(n) for n in nums) + "]"


def _rewrite_markers(text: str, fn) -> str:
    """Replace each marker cluster by fn(numbers) (a list; empty = drop the cluster)."""

    def sub(m: re.Match) -> str:
        nums = fn(_numbers(m.group(0)))
        if not nums:
            return ""  # the cluster goes, with the blanks before it
        at_line_start = m.start() == 0 or text[m.start() - 1] == "\n"
        return ("" if at_line_start else " ") + _format_cluster(nums)

    return re.sub(rf"[ \t]*{_CLUSTER.pattern}", sub, text)


def is_no_answer(text: str) -> bool:
    """True when the model's answer is the fixed no-answer phrase (markers, quotes and case ignored)."""
    t = normalize_ws(_CLUSTER.sub("", text)).strip(" \"'”»«*").rstrip(".").casefold()
    return t == NO_ANSWER.rstrip(".").casefold()


def _answer_sentences(text: str) -> list[str]:
    """Sentences of an answer: each line (paragraph or list item) split into sentences."""
    out = []
    for line in text.splitlines():
        out.extend(line[a:b] for a, b in sentence_spans(line))
    return out


def _needs_citation(sentence: str) -> bool:
    bare = normalize_ws(_CLUSTER.sub("", sentence))
    if bare.startswith("#") or bare.endswith(":"):
        return False  # heading / list introduction
    if is_no_answer(bare):
        return False
    return len(words(bare)) >= _MIN_CLAIM_WORDS


def _snippet(sentence: str, limit: int = 120) -> str:
    s = normalize_ws(_CLUSTER.sub("", sentence)).lstrip("-*•– ").strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def validate_answer(text: str, chunks: list[Chunk]) -> tuple[str, list[int], list[str]]:
    """Check the model's [n] markers against the passages.

    Returns (cleaned text, cited passage numbers in order of first use, warnings):
    markers outside 1..len(chunks) are removed (one warning each), adjacent
    markers are merged ('[1][2]' -> '[1, 2]'), markers written after the
    full stop are moved before it, and every sentence with no valid
    citation is reported as 'Ocitat påstående: …' unless the whole answer
    is the no-answer phrase.
    """
    n_max = len(chunks)
    warnings: list[str] = []
    cited: list[int] = []
    text = text.strip()
    text = _AFTER_PUNCT.sub(lambda m: f" {m.group(2)}{m.group(1)}", text)

    def keep(nums: list[int]) -> list[int]:
        valid = []
        for n in nums:
            if 1 <= n <= n_max:
                if n not in valid:
                    valid.append(n)
            else:
                src = f"underlaget har {n_max} passager" if n_max else "underlaget är tomt"
                warnings.append(f"Ogiltig källhänvisning [{n}] togs bort ({src}).")
        for n in valid:
            if n not in cited:
                cited.append(n)
        return valid

    cleaned = _rewrite_markers(text, keep).strip()
    if is_no_answer(cleaned):
        return NO_ANSWER, [], warnings
    for sent in _answer_sentences(cleaned):
        if not _CLUSTER.search(sent) and _needs_citation(sent):
            warnings.append(f"Ocitat påstående: {_snippet(sent)}")
    return cleaned, cited, warnings


# ---------------------------------------------------------------- grounding


def best_quote(chunk: Chunk, claim: str) -> str:
    """The sentence of chunk.text sharing the most (stemmed, stopword-free) words
    with `claim`; the first sentence on a tie. Always passes verify_quote."""
    want = set(analyze(_CLUSTER.sub(" ", claim)))
    best, best_score = "", -1
    for a, b in sentence_spans(chunk.text):
        sent = chunk.text[a:b]
        score = len(want & set(analyze(sent)))
        if score > best_score:
            best, best_score = sent, score
    if best and verify_quote(best, chunk):
        return best
    return chunk.text.strip()


def _ground(text: str, items: Sequence[Hit | Chunk]) -> tuple[str, list[Citation], list[str], bool]:
    """Validate, renumber by first use, and attach a verified quote per citation.
    Returns (text, citations, warnings, abstained)."""
    chunks = [_chunk_of(i) for i in items]
    cleaned, cited, warnings = validate_answer(text, chunks)
    if cleaned == NO_ANSWER:
        return NO_ANSWER, [], warnings, True
    # Answer sentences citing each passage (original numbering) pick its quote.
    claims: dict[int, list[str]] = {n: [] for n in cited}
    for sent in _answer_sentences(cleaned):
        for m in _CLUSTER.finditer(sent):
            for n in _numbers(m.group(0)):
                if n in claims:
                    claims[n].append(sent)
    renum = {old: new for new, old in enumerate(cited, 1)}
    out = _rewrite_markers(cleaned, lambda nums: sorted(renum[n] for n in nums if n in renum)).strip()
    citations = []
    for old in cited:
        item = items[old - 1]
        chunk = _chunk_of(item)
        quote = best_quote(chunk, " ".join(dict.fromkeys(claims[old])))
        score = item.score if isinstance(item, Hit) else 0.0
        citations.append(Citation(n=renum[old], chunk=chunk, quote=quote, score=score))
    return out, citations, warnings, False


DEFAULT_SHAPE = "Ett kort svar i löptext, med nämnd och år där det hjälper läsaren."


def llm_answer(client: LLMClient, question: str, hits: list[Hit], *, shape: str = "") -> Answer:
    """Answer `question` from the top `max_passages` hits via the model; mode='llm'.
    `shape` says what kind of answer the question asks for (the analysis decides:
    a list, an amount, running text). Raises LLMError when the endpoint fails."""
    hits = list(hits)[: client.settings.max_passages]
    if not hits:
        return Answer(question=question, text=NO_ANSWER, abstained=True, mode="llm", query=question)
    messages = [
        {"role": "system", "content": load_prompt("answer_system")},
        {"role": "user", "content": load_prompt("answer_user").format(
            question=question.strip(), shape=shape or DEFAULT_SHAPE, passages=format_passages(hits))},
    ]
    raw = client.chat(messages)
    text, citations, warnings, abstained = _ground(raw, hits)
    if abstained:
        return Answer(question=question, text=NO_ANSWER, abstained=True, mode="llm", related=hits,
                      warnings=warnings, query=question)
    return Answer(question=question, text=text, citations=citations, mode="llm", warnings=warnings,
                  query=question)


def _points_text(points) -> str:
    if isinstance(points, str):
        return points.strip() or "(inga angivna)"
    items = [str(p).strip() for p in (points or []) if str(p).strip()]
    return "\n".join(f"- {p}" for p in items) or "(inga angivna)"


def llm_draft(client: LLMClient, inputs: dict, precedents: list[Hit]) -> tuple[str, list[Citation], list[str]]:
    """A prose draft yttrande grounded in precedent passages.

    `inputs` keys: title, namnd, remittent, dnr, date, points (str or list of
    str); missing keys are left blank. Returns (text with [n] renumbered by
    first use, citations with verified quotes, warnings). Raises LLMError.
    """
    precedents = list(precedents)[: client.settings.max_passages]
    values = {k: str(inputs.get(k) or "").strip() for k in ("title", "namnd", "remittent", "dnr", "date")}
    messages = [
        {"role": "system", "content": load_prompt("draft_system")},
        {"role": "user", "content": load_prompt("draft_user").format(
            **values, points=_points_text(inputs.get("points")),
            precedents=format_passages(precedents) or "(inga tidigare yttranden)")},
    ]
    raw = client.chat(messages)
    text, citations, warnings, _ = _ground(raw, precedents)
    return text, citations, warnings
