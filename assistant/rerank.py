"""Optional cross-encoder reranker (off by default): any sentence-transformers
``CrossEncoder`` by hub name or local folder, e.g. BAAI/bge-reranker-v2-m3."""
from __future__ import annotations

from dataclasses import replace

from assistant.settings import Settings


class CrossEncoderReranker:
    def __init__(self, model_name_or_path: str, depth: int = 20) -> None:
        from sentence_transformers import CrossEncoder

        self.model = CrossEncoder(model_name_or_path, device="cpu")
        self.depth = depth

    def rerank(self, query: str, passages: list) -> list:
        head, tail = passages[: self.depth], passages[self.depth:]
        if not head:
            return passages
        scores = self.model.predict([(query, p.chunk.index_text) for p in head])
        reranked = [replace(p, score=float(s)) for p, s in zip(head, scores)]
        reranked.sort(key=lambda p: -p.score)
        return reranked + tail


def load_reranker(settings: Settings) -> CrossEncoderReranker | None:
    return CrossEncoderReranker(settings.reranker_model) if settings.reranker_model else None
