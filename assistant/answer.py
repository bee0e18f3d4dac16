"""Answer stage: question (+ conversation) → a grounded, cited ``Answer``.

``answer()`` is the one entry point used by the CLI, the UI and the evaluation harness.
The default composer is extractive and deterministic (it only quotes the documents);
an OpenAI-compatible LLM, when configured, rewrites that evidence into fluent text and
is checked against the cited passages, falling back to the extractive answer.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from assistant.index import PolicyIndex, open_index
from assistant.retrieve import HybridRetriever, Passage
from assistant.settings import Settings, get_settings


@dataclass(frozen=True)
class Citation:
    number: int                 # the [n] used in the answer text
    chunk_id: str
    source: str
    title: str
    doc_number: str
    jurisdiction: str
    section: str                # heading path below the title
    text: str                   # the cited passage
    start: int                  # span in the cleaned document
    end: int

    @classmethod
    def from_passage(cls, number: int, passage: Passage) -> Citation:
        chunk = passage.chunk
        return cls(number, chunk.chunk_id, chunk.source, chunk.title, chunk.doc_number, chunk.jurisdiction,
                   chunk.section, chunk.text, chunk.start, chunk.end)


@dataclass
class Answer:
    question: str
    text: str                                   # Markdown; [n] refers to citations[n-1]
    citations: list[Citation]
    retrieved: list[Passage]
    abstained: bool
    mode: str = "extractive"                    # "extractive" | "llm"
    standalone_question: str = ""               # the question after follow-up rewriting
    notice: str = ""                            # e.g. "LLM unavailable; showing the offline answer"
    timings: dict[str, float] = field(default_factory=dict)   # milliseconds per stage
    answer_id: str = field(default_factory=lambda: uuid.uuid4().hex)   # keys the user's rating of this answer

    def to_dump(self) -> dict:
        """The eval dump line (also ``ask --json``)."""
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "answer": self.text,
            "abstained": self.abstained,
            "mode": self.mode,
            "notice": self.notice,
            "citations": [
                {"n": c.number, "source": c.source, "title": c.title, "doc_number": c.doc_number,
                 "jurisdiction": c.jurisdiction, "section": c.section, "text": c.text, "start": c.start, "end": c.end}
                for c in self.citations
            ],
            "retrieved": [
                {"rank": p.rank, "source": p.chunk.source, "section": p.chunk.section, "text": p.chunk.text,
                 "score": round(p.score, 6), "bm25_rank": p.bm25_rank, "dense_rank": p.dense_rank}
                for p in self.retrieved
            ],
            "latency_ms": round(self.timings.get("total", 0.0), 1),
            "timings_ms": {k: round(v, 1) for k, v in self.timings.items()},
        }

    def markdown_with_sources(self) -> str:
        from assistant.present import answer_with_sources

        return answer_with_sources(self)


class Assistant:
    """Holds the opened index, the embedding model and the retriever; safe to share across threads."""

    def __init__(self, settings: Settings, index: PolicyIndex | None = None, embeddings=None) -> None:
        from assistant.embeddings import load_embeddings
        from assistant.rerank import load_reranker

        self.settings = settings
        self.index = index or open_index(settings)
        self.embeddings = embeddings or load_embeddings(settings)
        self.retriever = HybridRetriever(self.index, self.embeddings, settings.candidates_per_retriever,
                                         settings.rrf_k, reranker=load_reranker(settings))

    def answer(self, question: str, history: list[dict] | None = None, filters: dict | None = None) -> Answer:
        final = None
        for final in self.stream(question, history, filters):
            pass
        return final

    def stream(self, question: str, history: list[dict] | None = None,
               filters: dict | None = None) -> Iterator[Answer]:
        """Yield growing partial answers (LLM mode streams), ending with the final one."""
        from assistant.compose import compose

        started = time.perf_counter()
        for partial in compose(self, question, history or [], filters or {}):
            partial.timings["total"] = (time.perf_counter() - started) * 1000
            yield partial


_assistants: dict[str, Assistant] = {}
_lock = threading.Lock()


def get_assistant(settings: Settings | None = None) -> Assistant:
    """One shared ``Assistant`` per configuration (opening the index and model is the slow part)."""
    settings = settings or get_settings()
    key = settings.model_dump_json()
    with _lock:
        if key not in _assistants:
            _assistants[key] = Assistant(settings)
        return _assistants[key]


def reset_assistants() -> None:
    """Forget opened indexes (after a re-ingest, or between tests)."""
    with _lock:
        _assistants.clear()


def answer(question: str, history: list[dict] | None = None, filters: dict | None = None,
           settings: Settings | None = None) -> Answer:
    return get_assistant(settings).answer(question, history, filters)
