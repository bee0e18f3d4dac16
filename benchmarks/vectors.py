"""Embedding caches for the benchmark (never used by the product).

* ``real``: no cache — every chunk is embedded by the bundled model, as ``policy-assistant
  ingest`` does. Ingest time and chunks/s are only measured in this mode.
* ``template``: a distractor chunk whose text, once invented place names, level words
  (我市/全县…) and section numbers are replaced by placeholders and the document title is
  left out, equals a chunk already embedded reuses that vector. The five real documents
  are always embedded for real and come first, so most distractor chunks carry the vector
  of the real chunk they were made from. A 1,000-document corpus (~33,000 chunks) then
  needs ~1,350 real embeddings instead of ~33,000 (hours on 2 cores). Everything else —
  chunking, BM25, Chroma, the answers — works on the actual text.

Vectors are kept in a small SQLite file so a re-run does not embed again.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import numpy as np

from benchmarks.corpus import INVENTED, REAL_PLACES
from ingest.chunk import PATH_SEPARATOR

PLACE = re.compile(INVENTED + r"(?:省|市|县|新区)\d{3}|" + "|".join(REAL_PLACES))
LEVEL = re.compile(r"(?<=[我全本])[省市县区]")
MARKER = re.compile(r"(^|\n| › )(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．](?!\d))")


def template_key(index_text: str) -> str:
    """The chunk text with title, places, level words and numbering abstracted away."""
    path, _, body = index_text.partition("\n")
    below_title = PATH_SEPARATOR.join(path.split(PATH_SEPARATOR)[1:])
    text = MARKER.sub(r"\1", LEVEL.sub("K", PLACE.sub("P", below_title + "\n" + body)))
    return "t:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def exact_key(index_text: str) -> str:
    return "e:" + hashlib.sha256(index_text.encode("utf-8")).hexdigest()


class VectorStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
        self._memory = {key: np.frombuffer(blob, dtype=np.float32).tolist()
                        for key, blob in self._db.execute("SELECT key, vector FROM vectors")}

    def get(self, key: str):
        return self._memory.get(key)

    def put_many(self, items: list[tuple[str, list[float]]]) -> None:
        for key, vector in items:
            self._memory[key] = list(vector)
        self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                             [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in items])
        self._db.commit()


class CachedEmbeddings:
    """Wraps the real embeddings; ``embed_documents`` answers from the cache when it can."""

    def __init__(self, embeddings, store: VectorStore, mode: str) -> None:
        assert mode in ("exact", "template")
        self._embeddings = embeddings
        self._store = store
        self.mode = mode
        self.dimension = embeddings.dimension
        self.model_name = getattr(embeddings, "model_name", "")
        self.embedded = 0          # texts that went through the model
        self.reused = 0

    def key(self, text: str) -> str:
        # Real documents never contain the invented names: they are always embedded exactly.
        return template_key(text) if self.mode == "template" and INVENTED in text else exact_key(text)

    def prefill(self, texts: list[str], batch: int = 32, progress=None) -> int:
        """Embed, once, every text whose key is not cached yet (first occurrence wins)."""
        todo: dict[str, str] = {}
        for text in texts:
            key = self.key(text)
            if self._store.get(key) is None and key not in todo:
                todo[key] = text
        items = list(todo.items())
        for start in range(0, len(items), batch):
            part = items[start:start + batch]
            vectors = self._embeddings.embed_documents([text for _, text in part])
            stored = [(key, vector) for (key, _), vector in zip(part, vectors)]
            # A real chunk's vector also serves the distractors made from it.
            stored += [(template_key(text), vector) for (key, text), vector in zip(part, vectors)
                       if self.mode == "template" and key.startswith("e:")]
            self._store.put_many(stored)
            self.embedded += len(part)
            if progress:
                progress(min(start + batch, len(items)), len(items))
        return len(items)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float] | None] = [self._store.get(self.key(text)) for text in texts]
        missing = [i for i, vector in enumerate(vectors) if vector is None]
        if missing:
            fresh = self._embeddings.embed_documents([texts[i] for i in missing])
            self._store.put_many([(self.key(texts[i]), vector) for i, vector in zip(missing, fresh)])
            for i, vector in zip(missing, fresh):
                vectors[i] = vector
            self.embedded += len(missing)
        self.reused += len(texts) - len(missing)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._embeddings.embed_query(text)
