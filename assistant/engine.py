"""Answer stage entry point: question (+ conversation) → a grounded, cited ``Answer``.

``answer()`` is the one entry point used by the CLI, the UI and the evaluation harness.
The default composer is extractive and deterministic (it only quotes the documents);
an OpenAI-compatible LLM, when configured, rewrites that evidence into fluent text and
is checked against the cited passages, falling back to the extractive answer.
"""
from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Iterator

from assistant.compose import compose
from assistant.index import IndexUnavailable, PolicyIndex, live_generation_name, open_index
from assistant.query import find_jurisdictions
from assistant.retrieve import HybridRetriever
from assistant.settings import Settings, get_settings
from assistant.types import Answer
from assistant.understanding.answer_type import load_model as load_answer_type_model
from assistant.understanding.topic import record_vectors


class Assistant:
    """Holds the opened index, the embedding model and the retriever; safe to share across threads."""

    def __init__(self, settings: Settings, index: PolicyIndex | None = None, embeddings=None) -> None:
        from assistant.embeddings import load_embeddings
        from assistant.rerank import load_reranker

        self.settings = settings
        self.embeddings = embeddings or load_embeddings(settings)
        self.reranker = load_reranker(settings)
        self._swap = threading.Lock()
        self._use(index or open_index(settings))
        # The gazetteer (all of China's divisions) loads in about two seconds: at start, not
        # on an official's first question.
        find_jurisdictions("", self.index.documents)
        load_answer_type_model()

    def _use(self, index: PolicyIndex) -> None:
        self.index = index
        record_vectors(index, self.embeddings)     # the records' headings, embedded once per generation
        self.retriever = HybridRetriever(index, self.embeddings, self.settings.candidates_per_retriever,
                                         self.settings.rrf_k, reranker=self.reranker)

    def refresh(self) -> bool:
        """Switch to a newly published generation, if there is one (checked before every question:
        one small file read). A new generation that does not open leaves the current one answering."""
        live = live_generation_name(self.settings.index_dir)
        if not live or live == self.index.generation:
            return False
        with self._swap:
            if live_generation_name(self.settings.index_dir) == self.index.generation:
                return False
            try:
                self._use(open_index(self.settings))
            except IndexUnavailable as error:
                logging.getLogger(__name__).warning("keeping index generation %s: %s", self.index.generation, error)
                return False
        return True

    def answer(self, question: str, history: list[dict] | None = None, filters: dict | None = None) -> Answer:
        final = None
        for final in self.stream(question, history, filters):
            pass
        return final

    def stream(self, question: str, history: list[dict] | None = None,
               filters: dict | None = None) -> Iterator[Answer]:
        """Yield growing partial answers (LLM mode streams), ending with the final one."""
        started = time.perf_counter()
        self.refresh()
        with self._swap:   # one consistent (index, retriever) pair for the whole answer
            snapshot = copy.copy(self)
        for partial in compose(snapshot, question, history or [], filters or {}):
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
