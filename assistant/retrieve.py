"""Retrieve stage: hybrid search — BM25 over jieba tokens plus dense search in Chroma,
fused by reciprocal rank fusion — returning typed passages that keep each retriever's
rank and score (shown in the UI for debugging).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

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
    sentence_rank: int | None = None
    sentence_score: float | None = None

    def describe_scores(self) -> str:
        parts = [f"fused {self.score:.4f}"]
        if self.bm25_rank:
            parts.append(f"BM25 #{self.bm25_rank} ({self.bm25_score:.2f})")
        if self.dense_rank:
            parts.append(f"dense #{self.dense_rank} ({self.dense_score:.3f})")
        if self.sentence_rank:
            parts.append(f"sentence #{self.sentence_rank} ({self.sentence_score:.3f})")
        return ", ".join(parts)


# A top BM25 score of this share of the query's idf mass counts as a full keyword match
# (chosen on evals/dev.jsonl: 0.6 kept Chinese fact questions and raised paraphrases).
STRONG_KEYWORD_MATCH = 0.6


class HybridRetriever:
    def __init__(self, index: PolicyIndex, embeddings, candidates: int = 30, rrf_k: int = 60, reranker=None) -> None:
        self.index = index
        self.embeddings = embeddings
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.reranker = reranker
        self._last_query: tuple[str, list[float]] | None = None

    def keyword_ranking(self, query: str, sources: list[str] | None) -> list[tuple[str, float]]:
        scores = self.index.keyword_scores(query)
        if sources:
            scores = np.where(self.index.scope_mask(sources), scores, 0.0)
        order = np.argsort(-scores, kind="stable")[: self.candidates]
        # A chunk that shares no term with the question is no keyword evidence at all.
        return [(self.index.chunks[i].chunk_id, float(scores[i])) for i in order if scores[i] > 0]

    def dense_ranking(self, query: str, sources: list[str] | None, depth: int | None = None) -> list[tuple[str, float]]:
        return self.index.dense_search(self.query_vector(query), depth or self.candidates, sources)

    def query_vector(self, query: str) -> list[float]:
        """The query's embedding; the last one is kept, since answerability asks again for the same query."""
        last = self._last_query
        if last is not None and last[0] == query:
            return last[1]
        vector = self.embeddings.embed_query(query)
        self._last_query = (query, vector)      # one tuple assignment: safe to share across threads
        return vector

    def keyword_strength(self, query: str, keyword: list[tuple[str, float]]) -> float:
        """How well the words of the query match at all: the top BM25 score over the query's
        own idf mass, scaled so that a strong match is 1. A paraphrase scores low."""
        mass = sum(self.index.idf(token) for token in set(self.index.segmenter.tokens(query)))
        top = keyword[0][1] if keyword else 0.0
        return min(1.0, top / (STRONG_KEYWORD_MATCH * mass)) if mass else 0.0

    def search(self, query: str, k: int = 5, sources: list[str] | None = None, keyword_query: str | None = None) -> list[Passage]:
        keyword = self.keyword_ranking(keyword_query or query, sources)
        strength = self.keyword_strength(keyword_query or query, keyword)
        vector = self.query_vector(query)
        dense = self.index.dense_search(vector, self.candidates, sources)
        sentence = self.index.sentence_search(vector, self.candidates, sources)
        # Words decide as far as they match; where they do not (a paraphrase), single
        # sentences that match in meaning take their place.
        fused = self._fuse([("bm25", keyword, strength), ("dense", dense, 1.0), ("sentence", sentence, 1.0 - strength)])
        if self.reranker is not None:
            fused = self.reranker.rerank(query, fused)
        return [replace(passage, rank=rank) for rank, passage in enumerate(fused[:k], start=1)]

    def _fuse(self, rankings: list[tuple[str, list[tuple[str, float]], float]]) -> list[Passage]:
        """Weighted reciprocal rank fusion of (name, ranking, weight)."""
        entries: dict[str, dict] = {}
        for name, ranking, weight in rankings:
            for rank, (chunk_id, score) in enumerate(ranking, start=1):
                entry = entries.setdefault(chunk_id, {"score": 0.0})
                entry["score"] += weight / (self.rrf_k + rank)
                entry[f"{name}_rank"], entry[f"{name}_score"] = rank, score
        ordered = sorted(entries.items(), key=lambda item: (-item[1]["score"], self.index.position[item[0]]))
        return [Passage(chunk=self.index.chunk_by_id[chunk_id], rank=0, **fields) for chunk_id, fields in ordered]
