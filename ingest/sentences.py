"""Sentence-level vectors: a second, finer dense index beside the chunk vectors.

An official's paraphrase often matches one sentence of a passage in meaning while the
whole passage (title, headings, other sentences) drowns it; searching sentences and
mapping each back to its passage finds those (measured on evals/dev.jsonl; see
docs/decisions.md). Each sentence record names its passage by ``chunk_id``.
"""
from __future__ import annotations

from dataclasses import dataclass

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
    return [SentenceRecord(f"{chunk.chunk_id}~{n}", chunk.chunk_id, chunk.source, sentence)
            for chunk in chunks
            for n, sentence in enumerate(s for s in sentences(chunk.text) if len(s) >= MIN_SENTENCE_CHARS)]


def sentence_collection_name(chunk_collection: str) -> str:
    return chunk_collection + SENTENCE_COLLECTION_SUFFIX


def add_sentence_vectors(client, chunk_collection: str, chunks: list[Chunk], reusable: dict[str, list[float]],
                         embeddings, batch_size: int, write_batch: int) -> None:
    """Embed every sentence not in ``reusable`` (vectors of unchanged documents) and store all."""
    records = sentence_records(chunks)
    vectors = dict(reusable)
    todo = [r for r in records if r.sentence_id not in vectors]
    for batch in batched(todo, max(1, batch_size)):
        for record, vector in zip(batch, embeddings.embed_documents([r.text for r in batch])):
            vectors[record.sentence_id] = vector
    collection = client.create_collection(sentence_collection_name(chunk_collection), metadata={"hnsw:space": "cosine"},
                                          embedding_function=None)
    for batch in batched(records, write_batch):
        collection.add(ids=[r.sentence_id for r in batch], embeddings=[vectors[r.sentence_id] for r in batch],
                       documents=[r.text for r in batch], metadatas=[{"chunk_id": r.chunk_id, "source": r.source} for r in batch])


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
