"""Process-wide state of the web app: recent answers, conversations, feedback, limits.

Everything here is shared by the HTTP API and the Gradio UI (both run in one process
behind one port), so a thumbs-up in the UI and a ``POST /api/v1/feedback`` land in the
same SQLite file, and both honour the same per-client rate limit.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from troly.api.safety import TokenBucketLimiter
from troly.services import Services

log = logging.getLogger("troly.api")
K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A small thread-safe LRU map with a fixed capacity."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(1, capacity)
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


class ConversationStore:
    """Recent turns per conversation id (bounded: conversations and turns per conversation).

    Clients may instead send the history themselves (the widget does, from its
    sessionStorage); this store serves clients that only keep the id.
    """

    def __init__(self, capacity: int = 2000, max_turns: int = 8) -> None:
        self.max_turns = max_turns
        self._lru: LRU[str, list[dict[str, str]]] = LRU(capacity)
        self._lock = threading.Lock()

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def history(self, conversation_id: str) -> list[dict[str, str]]:
        return list(self._lru.get(conversation_id) or [])

    def append(self, conversation_id: str, question: str, answer: str) -> None:
        with self._lock:
            turns = self._lru.get(conversation_id) or []
            turns = [*turns, {"question": question, "answer": answer}][-self.max_turns :]
            self._lru.put(conversation_id, turns)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    answer_id TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL DEFAULT 0,
    citations TEXT NOT NULL DEFAULT '[]',
    history TEXT NOT NULL DEFAULT '[]',
    source TEXT NOT NULL DEFAULT 'api'
);
CREATE INDEX IF NOT EXISTS feedback_answer ON feedback (answer_id);
"""


class FeedbackUnavailable(RuntimeError):
    """The feedback database could not be written (locked, removed folder, disk full)."""


class FeedbackStore:
    """Ratings of answers, with the question, answer and citations, in one SQLite file."""

    def __init__(self, path: Path, timeout: float = 3.0) -> None:
        self.path = Path(path)
        self.timeout = timeout  # seconds to wait for a lock held by another writer
        self._lock = threading.Lock()
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            # The schema is (re)created whenever the file is missing: a database deleted
            # while the server runs comes back on the next rating instead of failing
            # every call with "no such table" until a restart.
            fresh = not self._ready or not self.path.exists()
            if fresh:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.timeout)
            try:
                if fresh:
                    conn.executescript(_SCHEMA)
                    self._ready = True
                yield conn
                conn.commit()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    self._ready = False  # recreated on the next call
                raise
            finally:
                conn.close()

    def add(
        self,
        answer: dict[str, Any],
        rating: str,
        comment: str = "",
        source: str = "api",
        history: list[dict[str, str]] | None = None,
    ) -> int:
        if rating not in ("up", "down"):
            raise ValueError("rating must be 'up' or 'down'")
        row = (
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            str(answer.get("id") or ""),
            rating,
            comment or "",
            str(answer.get("question") or ""),
            str(answer.get("answer") or ""),
            1 if answer.get("refused") else 0,
            json.dumps(answer.get("citations") or [], ensure_ascii=False),
            json.dumps(history or [], ensure_ascii=False),
            source,
        )
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (created_at, answer_id, rating, comment, question, answer,"
                " refused, citations, history, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cur.lastrowid or 0)

    def rows(self, rating: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM feedback"
        args: tuple[str, ...] = ()
        if rating:
            sql += " WHERE rating = ?"
            args = (rating,)
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            out = []
            for r in conn.execute(sql + " ORDER BY id", args):
                d = dict(r)
                d["citations"] = json.loads(d["citations"] or "[]")
                d["history"] = json.loads(d["history"] or "[]")
                d["refused"] = bool(d["refused"])
                out.append(d)
            return out

    def count(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])

    def add_comment(self, row_id: int, comment: str, answer_id: str | None = None) -> bool:
        """Attach what the user said was wrong to a stored rating (the 👎 box of the UI and
        the widget). With ``answer_id``, only the row that rated that answer is changed (a
        client can only comment on its own rating: answer ids are random)."""
        sql, args = "UPDATE feedback SET comment = ? WHERE id = ?", [comment, row_id]
        if answer_id is not None:
            sql += " AND answer_id = ?"
            args.append(answer_id)
        with self._connect() as conn:
            cur = conn.execute(sql, args)
            return cur.rowcount > 0


def gold_candidate(row: dict[str, Any]) -> dict[str, Any]:
    """A feedback row in the shape of ``eval/gold.jsonl``, for a human to check and complete.

    ``doc_ids``/``locations`` come from the answer's citations; ``evidence`` and ``facts``
    are left empty (a reviewer copies them from the source text). A thumbs-down on a
    refusal suggests an answerable question the system missed; a thumbs-up on a refusal
    suggests an ``unanswerable`` item.
    """
    from troly.text import has_diacritics

    citations = row.get("citations") or []
    doc_ids: list[str] = []
    for c in citations:
        d = str(c.get("doc_id") or "")
        if d and d not in doc_ids:
            doc_ids.append(d)
    refused = bool(row.get("refused"))
    # up: the answer (or the refusal) was right; down on a refusal: it was answerable.
    answerable: bool | None = (not refused) if row["rating"] == "up" else (refused or None)
    item: dict[str, Any] = {
        "id": f"fb{int(row['id']):05d}",
        "question": row["question"],
        "type": "unanswerable" if answerable is False else None,
        "persona": None,
        "answerable": answerable,
        "accented": has_diacritics(row["question"]),
        "doc_ids": doc_ids if answerable is not False else [],
        "evidence": [],
        "locations": [str(c.get("location") or "") for c in citations]
        if row["rating"] == "up"
        else [],
        "facts": [],
    }
    if row.get("history"):
        item["history"] = [h.get("question", "") for h in row["history"] if h.get("question")]
    item["feedback"] = {
        "rating": row["rating"],
        "comment": row.get("comment") or "",
        "answer_id": row["answer_id"],
        "answer": row["answer"],
        "refused": refused,
        "citations": citations,
        "created_at": row["created_at"],
        "source": row.get("source") or "",
    }
    return item


@dataclass
class AppState:
    """What the routes and the UI share; built once by ``create_app``."""

    services: Services
    limiter: TokenBucketLimiter
    feedback: FeedbackStore
    # Per client address, all conversations together (the middleware), and wrong admin keys
    # per address; ``limiter`` above is per address *and* conversation (the ask routes).
    ip_limiter: TokenBucketLimiter = field(default_factory=lambda: TokenBucketLimiter(0, 1))
    # Heavy questions (long, many model tokens) are answered one at a time, whoever sends
    # them: they can take at most one core, the other stays for ordinary questions.
    heavy_gate: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(1)
    )
    admin_limiter: TokenBucketLimiter = field(default_factory=lambda: TokenBucketLimiter(0, 1))
    answers: LRU[str, dict[str, Any]] = field(default_factory=lambda: LRU(2000))
    answer_history: LRU[str, list[dict[str, str]]] = field(default_factory=lambda: LRU(2000))
    conversations: ConversationStore = field(default_factory=ConversationStore)

    def remember(self, answer: dict[str, Any], history: list[dict[str, str]] | None) -> None:
        """Keep a finished answer by id so feedback can refer to it by id alone."""
        if answer.get("id"):
            self.answers.put(str(answer["id"]), answer)
            self.answer_history.put(str(answer["id"]), list(history or []))

    def record_feedback(
        self,
        answer_id: str,
        rating: str,
        comment: str = "",
        source: str = "api",
        fallback: dict[str, Any] | None = None,
    ) -> int | None:
        """Store a rating; ``None`` when the answer is neither remembered nor supplied."""
        answer = self.answers.get(answer_id)
        history = self.answer_history.get(answer_id) or []
        if answer is None:
            if not fallback or not fallback.get("question") or not fallback.get("answer"):
                return None
            answer = {**fallback, "id": answer_id}
        try:
            return self.feedback.add(answer, rating, comment, source, history)
        except (sqlite3.Error, OSError) as exc:
            log.error(
                "feedback not stored in %s: %s: %s", self.feedback.path, type(exc).__name__, exc
            )
            raise FeedbackUnavailable(str(exc)) from exc
