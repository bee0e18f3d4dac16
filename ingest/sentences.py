"""Sentence-level vectors: a second, finer dense index beside the chunk vectors.

An official's paraphrase often matches one sentence of a passage in meaning while the
whole passage (title, headings, other sentences) drowns it; searching sentences and
mapping each back to its passage finds those (measured on evals/dev.jsonl; see
docs/decisions.md). Each sentence record names its passage by ``chunk_id``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.embeddings import batched
from assistant.text import sentences
from ingest.chunk import Chunk

# Shorter "sentences" are headings or list stubs ("（四）进度安排。"): the chunk vector covers them.
MIN_SENTENCE_CHARS = 8
SENTENCE_COLLECTION_SUFFIX = "-sentences"


@dataclass(frozen=True)
class SentenceRecord:
    sentence_id: str        # "<chunk_id>~<n>"
    chunk_id: str
    source: str
    text: str


def sentence_records(chunks: list[Chunk]) -> list[SentenceRecord]:
    """The sentences of every chunk; a chunk with none long enough is one record itself, so
    that every passage has a vector (its dense score comes from its sentences)."""
    records = []
    for chunk in chunks:
        texts = [s for s in sentences(chunk.text) if len(s) >= MIN_SENTENCE_CHARS] or [chunk.text.strip() or chunk.index_text]
        records += [SentenceRecord(f"{chunk.chunk_id}~{n}", chunk.chunk_id, chunk.source, text)
                    for n, text in enumerate(texts)]
    return records


def sentence_collection_name(chunk_collection: str) -> str:
    return chunk_collection + SENTENCE_COLLECTION_SUFFIX


def embed_sentences(records: list[SentenceRecord], reusable: dict[str, list[float]], embeddings,
                    batch_size: int, on_batch=None) -> dict[str, list[float]]:
    """Vectors of every record: reused (unchanged documents) or embedded, a batch at a time."""
    vectors = {r.sentence_id: reusable[r.sentence_id] for r in records if r.sentence_id in reusable}
    todo = [r for r in records if r.sentence_id not in vectors]
    for batch in batched(todo, max(1, batch_size)):
        for record, vector in zip(batch, embeddings.embed_documents([r.text for r in batch])):
            vectors[record.sentence_id] = vector
        if on_batch is not None:
            on_batch(len(batch))
    return vectors


def store_sentence_vectors(client, chunk_collection: str, records: list[SentenceRecord],
                           vectors: dict[str, list[float]], write_batch: int) -> None:
    collection = client.create_collection(sentence_collection_name(chunk_collection), metadata={"hnsw:space": "cosine"},
                                          embedding_function=None)
    for batch in batched(records, write_batch):
        collection.add(ids=[r.sentence_id for r in batch], embeddings=[vectors[r.sentence_id] for r in batch],
                       documents=[r.text for r in batch], metadatas=[{"chunk_id": r.chunk_id, "source": r.source} for r in batch])


def chunk_vectors_from_sentences(records: list[SentenceRecord], vectors: dict[str, list[float]]) -> dict[str, list[float]]:
    """A unit mean of each chunk's sentence vectors: stored with the chunk (Chroma needs a vector
    per record) without embedding the chunk again; retrieval scores chunks by their sentences."""
    grouped: dict[str, list[list[float]]] = {}
    for record in records:
        grouped.setdefault(record.chunk_id, []).append(vectors[record.sentence_id])
    means = {}
    for chunk_id, members in grouped.items():
        mean = np.mean(np.asarray(members, dtype=np.float32), axis=0)
        means[chunk_id] = (mean / max(float(np.linalg.norm(mean)), 1e-12)).tolist()
    return means


def reusable_sentence_vectors(client, chunk_collection: str, unchanged_sources: list[str]) -> dict[str, list[float]]:
    """Sentence vectors of unchanged documents from the live generation ({} when it has none)."""
    if not unchanged_sources:
        return {}
    try:
        stored = client.get_collection(sentence_collection_name(chunk_collection)).get(
            where={"source": {"$in": unchanged_sources}}, include=["embeddings"])
    except Exception:  # an older generation without sentences, or an unreadable store: re-embed
        return {}
    return {sentence_id: list(vector) for sentence_id, vector in zip(stored["ids"], stored["embeddings"])}
