"""Topic by meaning: which action, project or task row a question is about.

Each responsibility record is represented by its document title and heading path
("…老年人科学素质提升行动"), embedded once per index generation with the bundled model;
the question's query embedding (the one retrieval computed) is compared with them, so an
everyday description ("helping old people use phones") finds the 智慧助老 / elderly action
although it shares no word with its heading. The passages retrieval found vote too: a
record whose section holds one of the best passages is what the question is about.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from ingest.records import ResponsibilityRecord

_cache: dict[tuple[str, int], np.ndarray] = {}
_lock = threading.Lock()
PASSAGE_VOTE = (0.06, 0.04, 0.02)     # added for a record holding the 1st / 2nd / 3rd retrieved passage


@dataclass(frozen=True)
class TopicMatch:
    record: ResponsibilityRecord
    score: float            # cosine to the record's headings, plus the passages' vote
    margin: float           # how far it stands above the next record of another action


def record_text(record: ResponsibilityRecord) -> str:
    return " ".join([*record.section_path[1:], record.action])


def record_vectors(index, embeddings) -> np.ndarray:
    """One normalised vector per ``index.records`` row (cached per generation and model)."""
    key = (index.generation, id(embeddings))
    with _lock:
        if key not in _cache:
            texts = [record_text(r) for r in index.records]
            matrix = np.asarray(embeddings.embed_documents(texts) if texts else np.zeros((0, 1)), dtype=np.float32)
            if matrix.size:
                matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9
            _cache.clear()           # one generation at a time: an old one is not asked again
            _cache[key] = matrix
        return _cache[key]


def match_records(index, embeddings, vector, passages, sources: list[str] | None) -> list[TopicMatch]:
    """Records in scope, best first, scored by meaning and by where the retrieved passages lie."""
    records = index.records
    if not records or vector is None:
        return []
    matrix = record_vectors(index, embeddings)
    query = np.asarray(vector, dtype=np.float32)
    query /= np.linalg.norm(query) + 1e-9
    cosines = matrix @ query
    scope = set(sources or index.documents)
    scored = []
    for i, record in enumerate(records):
        if record.source not in scope:
            continue
        vote = sum(weight for weight, p in zip(PASSAGE_VOTE, passages)
                   if p.chunk.source == record.source and p.chunk.section_path[:len(record.section_path)] == record.section_path)
        scored.append((float(cosines[i]) + vote, record))
    scored.sort(key=lambda item: -item[0])
    out = []
    for position, (score, record) in enumerate(scored):
        others = [s for s, r in scored if r.action != record.action]
        out.append(TopicMatch(record, score, score - (others[0] if others else 0.0)))
        if position >= 9:
            break
    return out
