"""Compose: plan the question, retrieve for the plan, build the answer.

The orchestration behind ``Assistant.stream``: guards the input, rewrites follow-ups,
retrieves per jurisdiction when comparing, builds the extractive answer and, when an
LLM is configured, lets it rewrite that evidence (checked, with fallback).
"""
from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterator
from dataclasses import replace

from assistant.answer import Answer
from assistant.extractive import Evidence, compose_extractive
from assistant.query import QueryPlan, plan_query
from assistant.retrieve import Passage
from assistant.text import bilingual

EMPTY_QUESTION = bilingual("请输入一个问题。", "Please enter a question.")


def clean_question(question: str, max_chars: int) -> tuple[str, str]:
    """Drop control characters and cut an over-long question; returns (question, notice)."""
    text = "".join(ch for ch in (question or "") if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())
    if len(text) > max_chars:
        return text[:max_chars], bilingual(f"问题过长，只使用了前 {max_chars} 个字符。",
                                           f"The question was too long; only its first {max_chars} characters were used.")
    return text, ""


def compose(assistant, question: str, history: list[dict], filters: dict) -> Iterator[Answer]:
    settings, index = assistant.settings, assistant.index
    timings: dict[str, float] = {}
    started = time.perf_counter()
    text, notice = clean_question(question, settings.max_question_chars)
    if not text:
        yield Answer(question=question, text=EMPTY_QUESTION, citations=[], retrieved=[], abstained=True,
                     standalone_question="", notice=notice, timings=timings)
        return
    standalone = _llm_rewrite(settings, text, history)
    plan = plan_query(text, history, index.documents, index.agency_names, standalone)
    sources = allowed_sources(index, plan, filters)
    timings["plan"] = _ms(started)

    started = time.perf_counter()
    passages = retrieve_for_plan(assistant.retriever, index, plan, sources, settings.top_k)
    timings["retrieve"] = _ms(started)

    started = time.perf_counter()
    answer = compose_extractive(Evidence(plan=plan, passages=passages, index=index, sources=sources))
    answer.retrieved = cited_first(answer, passages, index, settings.top_k)
    answer.notice = " ".join(filter(None, [notice, answer.notice]))
    answer.timings = timings
    timings["compose"] = _ms(started)
    if settings.llm_enabled and not answer.abstained:
        from assistant.grounding import index_names
        from assistant.llm import stream_llm_answer

        for partial in stream_llm_answer(settings, text, passages, answer, index_names(index)):
            partial.timings = timings
            partial.notice = " ".join(filter(None, [notice, partial.notice]))
            yield partial
        return
    yield answer


def _llm_rewrite(settings, question: str, history: list[dict]) -> str | None:
    if not (settings.llm_enabled and history):
        return None
    from assistant.llm import rewrite_question

    return rewrite_question(settings, question, history)


def allowed_sources(index, plan: QueryPlan, filters: dict) -> list[str] | None:
    """Documents to search: the user's explicit filters win, then jurisdictions the question names."""
    wanted_docs = set(filters.get("documents") or [])
    wanted_places = set(filters.get("jurisdictions") or [])
    if wanted_docs or wanted_places:
        return [source for source, info in index.documents.items()
                if source in wanted_docs or info.doc_id in wanted_docs or info.jurisdiction in wanted_places] or None
    if plan.documents and len(plan.jurisdictions) <= 1:
        return plan.documents
    if plan.jurisdictions:
        return [source for source, info in index.documents.items() if info.jurisdiction in plan.jurisdictions] or None
    return None


def retrieve_for_plan(retriever, index, plan: QueryPlan, sources: list[str] | None, k: int) -> list[Passage]:
    """Top-k passages; for a comparison, each named jurisdiction is searched and represented."""
    keyword_query = plan.search_text
    dense_query = plan.dense_text
    if not plan.is_comparison or len(plan.jurisdictions) < 2:
        return retriever.search(dense_query, k, sources, keyword_query)
    per_place = [
        retriever.search(dense_query, k, [s for s in (sources or index.documents) if index.documents[s].jurisdiction == place],
                         keyword_query)
        for place in plan.jurisdictions
    ]
    merged: list[Passage] = []
    for rank in range(k):
        for results in per_place:
            if rank < len(results) and results[rank].chunk.chunk_id not in {p.chunk.chunk_id for p in merged}:
                merged.append(results[rank])
    return [replace(p, rank=i) for i, p in enumerate(merged[: max(k, 2 * len(per_place))], start=1)]


def cited_first(answer: Answer, passages: list[Passage], index, k: int) -> list[Passage]:
    """The passages the answer cites lead the retrieved list (some come from the
    responsibility records or the section tree rather than from search), then the rest."""
    by_id = {p.chunk.chunk_id: p for p in passages}
    cited = [by_id.get(c.chunk_id) or Passage(chunk=index.chunk_by_id[c.chunk_id], score=0.0, rank=0)
             for c in answer.citations]
    cited_ids = {p.chunk.chunk_id for p in cited}
    rest = [p for p in passages if p.chunk.chunk_id not in cited_ids]
    return [replace(p, rank=i) for i, p in enumerate(cited + rest[: max(0, k - len(cited))], start=1)]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
