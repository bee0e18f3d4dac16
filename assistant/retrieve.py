"""Retrieve stage: hybrid search — BM25 over jieba tokens plus dense search in Chroma,
fused by reciprocal rank fusion — returning typed passages that keep each retriever's
rank and score (shown in the UI for debugging).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.index import PolicyIndex
from ingest.chunk import Chunk


@dataclass(frozen=True)
class Passage:
    chunk: Chunk
    score: float                       # fused score (RRF, or the reranker's when one is configured)
    rank: int                          # 1-based
    bm25_rank: int | None = None
    bm25_score: float | None = None
    dense_rank: int | None = None
    dense_score: float | None = None

    def describe_scores(self) -> str:
        parts = [f"fused {self.score:.4f}"]
        if self.bm25_rank:
            parts.append(f"BM25 #{self.bm25_rank} ({self.bm25_score:.2f})")
        if self.dense_rank:
            parts.append(f"dense #{self.dense_rank} ({self.dense_score:.3f})")
        return ", ".join(parts)


class HybridRetriever:
    def __init__(self, index: PolicyIndex, embeddings, candidates: int = 30, rrf_k: int = 60, reranker=None) -> None:
        self.index = index
        self.embeddings = embeddings
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.reranker = reranker

    def keyword_ranking(self, query: str, sources: list[str] | None) -> list[tuple[str, float]]:
        scores = self.index.keyword_scores(query)
        if sources:
            allowed = np.array([chunk.source in sources for chunk in self.index.chunks])
            scores = np.where(allowed, scores, 0.0)
        order = np.argsort(-scores, kind="stable")[: self.candidates]
        # A chunk that shares no term with the question is no keyword evidence at all.
        return [(self.index.chunks[i].chunk_id, float(scores[i])) for i in order if scores[i] > 0]

    def dense_ranking(self, query: str, sources: list[str] | None) -> list[tuple[str, float]]:
        return self.index.dense_search(self.embeddings.embed_query(query), self.candidates, sources)

    def search(self, query: str, k: int = 5, sources: list[str] | None = None, keyword_query: str | None = None) -> list[Passage]:
        keyword = self.keyword_ranking(keyword_query or query, sources)
        dense = self.dense_ranking(query, sources)
        fused = self._fuse(keyword, dense)
        if self.reranker is not None:
            fused = self.reranker.rerank(query, fused)
        return [replace(passage, rank=rank) for rank, passage in enumerate(fused[:k], start=1)]

    def _fuse(self, keyword: list[tuple[str, float]], dense: list[tuple[str, float]]) -> list[Passage]:
        entries: dict[str, dict] = {}
        for name, ranking in (("bm25", keyword), ("dense", dense)):
            for rank, (chunk_id, score) in enumerate(ranking, start=1):
                entry = entries.setdefault(chunk_id, {"score": 0.0})
                entry["score"] += 1.0 / (self.rrf_k + rank)
                entry[f"{name}_rank"], entry[f"{name}_score"] = rank, score
        ordered = sorted(entries.items(), key=lambda item: (-item[1]["score"], self.index.position[item[0]]))
        return [Passage(chunk=self.index.chunk_by_id[chunk_id], rank=0, **fields) for chunk_id, fields in ordered]


class PolicyRetriever(BaseRetriever):
    """The hybrid retriever as a LangChain ``BaseRetriever``, for use in other chains."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    hybrid: HybridRetriever
    k: int = 5

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [
            Document(page_content=p.chunk.text, id=p.chunk.chunk_id,
                     metadata={**p.chunk.metadata(), "score": p.score, "bm25_rank": p.bm25_rank, "dense_rank": p.dense_rank})
            for p in self.hybrid.search(query, self.k)
        ]
