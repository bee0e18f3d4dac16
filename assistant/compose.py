"""Compose: plan the question, retrieve for the plan, build the answer.

The orchestration behind ``Assistant.stream``: guards the input, rewrites follow-ups,
retrieves per jurisdiction when comparing, builds the extractive answer and, when an
LLM is configured, lets it rewrite that evidence (checked, with fallback).
"""
from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import replace

from assistant.markup import escape_quotes
from assistant.types import Answer
from assistant.answers import Evidence, compose_extractive
from assistant.answers.finish import mark_status, with_status, without_empty_markup
from assistant.query import QueryPlan
from assistant.retrieve import Passage
from assistant.text import bilingual
from assistant.versions import current_sources, version_notice
from assistant.understanding import plan_query, understand
from assistant.understanding.scope import enclosing_jurisdictions
from assistant.understanding.topic import match_records

CLOSEST_SENTENCES = 30      # how many sentences, closest in meaning, inform the choice of answer sentences
EMPTY_QUESTION = bilingual("请输入一个问题。", "Please enter a question.")
VAGUE_QUESTION = bilingual("请把问题说得具体一些。", "Please ask a full question.")
# Content is a Chinese character or a word of two or more letters; "2", "？？？" or the
# "[2J" a terminal leaves behind are not questions, and searching for them returns noise.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_WORD = re.compile(r"[^\W\d_]{2,}")


def has_content(text: str) -> bool:
    return len(text) >= 2 and bool(_CJK.search(text) or _WORD.search(text))


# A run of one repeated character ("啊啊啊啊…", "？？？？") says no more than three of it, and a
# long one would outweigh the question's words in its embedding. Digits are left alone (1000000).
_REPEATED = re.compile(r"(\D)\1{3,}")


def clean_question(question: str, max_chars: int) -> tuple[str, str]:
    """Drop control characters, shorten runs of one repeated character and cut an over-long
    question; returns (question, notice)."""
    text = "".join(ch for ch in (question or "") if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())
    notice = ""
    if len(text) > max_chars:
        text = text[:max_chars]
        notice = bilingual(f"问题过长，只使用了前 {max_chars} 个字符。",
                           f"The question was too long; only its first {max_chars} characters were used.")
    return _REPEATED.sub(r"\1\1\1", text), notice


def evidence_for(assistant, question: str, history: list[dict], filters: dict,
                 timings: dict[str, float] | None = None) -> Evidence | None:
    """Plan the question and retrieve for the plan: what every answer is built from
    (``None`` for an empty question or one with no content: "2", "[2J")."""
    settings, index = assistant.settings, assistant.index
    timings = {} if timings is None else timings
    started = time.perf_counter()
    text, _ = clean_question(question, settings.max_question_chars)
    if not text or not has_content(text):
        return None
    standalone = _llm_rewrite(settings, text, history)
    plan = plan_query(text, history, index.documents, index.agency_names, standalone, index.segmenter)
    # The query embedding retrieval needs anyway (kept by the retriever) decides the answer type too.
    vector = assistant.retriever.query_vector(plan.dense_text)
    understand(plan, vector)
    sources = current_sources(index, allowed_sources(index, plan, filters),
                              named=[*plan.documents, *(filters.get("documents") or [])])
    timings["plan"] = _ms(started)
    started = time.perf_counter()
    passages = retrieve_for_plan(assistant.retriever, index, plan, sources, settings.top_k)
    unscoped = assistant.retriever.dense_ranking(plan.dense_text, None, depth=1) if sources else []
    unscoped_keyword = float(index.keyword_scores(plan.search_text).max(initial=0.0)) if sources else None
    closest = index.sentence_matches(vector, CLOSEST_SENTENCES, sources)
    topics = match_records(index, assistant.embeddings, vector, passages, sources) if plan.answer_type == "organisation" else []
    wider = _wider_passages(assistant.retriever, index, plan, sources, passages, settings.top_k)
    timings["retrieve"] = _ms(started)
    return Evidence(plan=plan, passages=passages, index=index, sources=sources, topics=topics, wider_passages=wider,
                    unscoped_dense_top=unscoped[0][1] if unscoped else None, unscoped_keyword_top=unscoped_keyword,
                    sentence_similarity={match.text: match.cosine for match in reversed(closest)})


def compose(assistant, question: str, history: list[dict], filters: dict) -> Iterator[Answer]:
    settings, index = assistant.settings, assistant.index
    timings: dict[str, float] = {}
    text, notice = clean_question(question, settings.max_question_chars)
    evidence = evidence_for(assistant, question, history, filters, timings)
    if evidence is None:
        yield Answer(question=question, text=EMPTY_QUESTION if not text else VAGUE_QUESTION, citations=[],
                     retrieved=[], abstained=True, standalone_question="", notice=notice, timings=timings)
        return
    started = time.perf_counter()
    answer = compose_extractive(evidence, slot_refusals=settings.slot_refusals)
    # Quoted passages are document text: shown as text, never as a link, image or tag.
    answer.text = searched_as(evidence.plan) + escape_quotes(answer.text)
    answer.retrieved = cited_first(answer, evidence.passages, index, settings.top_k)
    answer.notice = " ".join(filter(None, [notice, answer.notice, version_notice(answer, index)]))
    answer.timings = timings
    timings["compose"] = _ms(started)
    if settings.llm_enabled and not answer.abstained:
        from assistant.grounding import index_names
        from assistant.llm import stream_llm_answer

        for partial in stream_llm_answer(settings, evidence.plan.question, evidence.passages, answer, index_names(index),
                                         embed=assistant.embeddings.embed_documents):
            partial.timings = timings
            partial.notice = " ".join(filter(None, [notice, partial.notice]))
            # The LLM's answer gets the same last touches as an extractive one: drafts marked, no empty emphasis.
            partial.citations = with_status(partial.citations, index.documents)
            partial.text = without_empty_markup(mark_status(partial.text, partial.citations, evidence.plan.language == "en"))
            yield partial
        return
    yield answer


def searched_as(plan: QueryPlan) -> str:
    """A rewritten follow-up is shown above its answer, so the official sees what was searched."""
    if plan.standalone == plan.question:
        return ""
    label = "Searched as" if plan.language == "en" else "检索的问题"
    return f"*{label}{': ' if plan.language == 'en' else '：'}{plan.standalone}*\n\n"


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


def _wider_passages(retriever, index, plan: QueryPlan, sources: list[str] | None, passages: list[Passage],
                    k: int) -> list[Passage]:
    """For a place no document covers inside one that is (株洲 in 湖南省): the closest passages of
    the enclosing jurisdiction's documents, so that a refusal quotes what the wider plan sets
    for its whole area — not a neighbouring city's passage."""
    enclosing = enclosing_jurisdictions(plan, index.documents) if plan.unknown_places else None
    if not enclosing:
        return []
    within = [s for s in (sources or index.documents) if index.documents[s].jurisdiction in enclosing.jurisdictions]
    if not within or any(p.chunk.source in within for p in passages):
        return []
    return retriever.search(plan.dense_text, k, within, plan.search_text)


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
