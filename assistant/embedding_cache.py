"""Embedding cache: a text embedded once by a model is never embedded again by it.

Two layers, both SQLite files keyed by sha256(model, text) and holding float32 vectors:

* the home cache, ``<home>/embedding-cache.sqlite3``, shared by every index generation,
  ``--rebuild``, ``--replace``, remove-then-add and the evaluation's fresh indexes;
* the shipped cache, ``assistant/data/corpus-embeddings.sqlite3``, read only: the vectors
  of the bundled corpus/, so a new machine's first ingest (or serve) embeds nothing it ships.
  Regenerate it with ``python -m ingest.shipped_vectors`` after changing corpus/,
  the chunker or the default model (a test fails until then).

Why not LangChain's ``CacheBackedEmbeddings``: it lives in ``langchain-classic`` (not a
dependency) and its byte stores keep one JSON file per vector; one SQLite file in WAL mode is
safe with two writing processes, is bounded in size with one DELETE, and ships as one file.
Nothing is lost when the cache fails: a damaged file is moved aside and started afresh,
a full or read-only disk only means the texts are embedded (docs/decisions.md).
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

CACHE_FILE = "embedding-cache.sqlite3"
SHIPPED_CACHE = Path(__file__).parent / "data" / "corpus-embeddings.sqlite3"
DEFAULT_MAX_MB = 512
_LOOKUP_BATCH = 500   # SQLite's default limit on host parameters is far above this


def cache_key(model: str, text: str) -> bytes:
    return hashlib.sha256(model.encode("utf-8") + b"\0" + text.encode("utf-8")).digest()


class VectorCache:
    """One SQLite file of (key → float32 vector). ``read_only`` opens a shipped file in place."""

    def __init__(self, path: Path, read_only: bool = False, max_mb: int = DEFAULT_MAX_MB) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.max_bytes = max_mb * 1024 * 1024
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None:
            return self._db
        try:
            if self.read_only:
                if not self.path.exists():
                    return None
                # immutable: the package folder may be read-only, and nobody writes a shipped file.
                self._db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = self._open_writable()
        except (sqlite3.Error, OSError) as error:
            log.warning("embedding cache %s unusable (%s); embedding without it", self.path, error)
            self._db = None
        return self._db

    def _open_writable(self) -> sqlite3.Connection:
        try:
            return self._create()
        except sqlite3.DatabaseError as error:   # "file is not a database", a torn page …
            if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
                raise
            aside = self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
            log.warning("embedding cache %s is damaged (%s); moved to %s and started afresh", self.path, error, aside.name)
            for suffix in ("", "-wal", "-shm"):
                part = Path(str(self.path) + suffix)
                if part.exists():
                    part.replace(Path(str(aside) + suffix))
            return self._create()

    def _create(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")       # readers never wait for the one writer
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
            db.execute("SELECT count(*) FROM vectors LIMIT 1").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, list[float]]:
        db = self._connect()
        if db is None or not keys:
            return {}
        found: dict[bytes, list[float]] = {}
        try:
            for start in range(0, len(keys), _LOOKUP_BATCH):
                part = list(keys[start:start + _LOOKUP_BATCH])
                rows = db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                found.update((key, np.frombuffer(blob, dtype=np.float32).tolist()) for key, blob in rows)
        except sqlite3.DatabaseError as error:
            log.warning("embedding cache %s unreadable (%s); embedding without it", self.path, error)
            return {}
        return found

    def put_many(self, items: Sequence[tuple[bytes, Sequence[float]]]) -> None:
        db = self._connect()
        if db is None or self.read_only or not items:
            return
        try:
            with db:
                db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)",
                               [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in items])
            self._bound_size(db)
        except sqlite3.Error as error:   # a full or read-only disk: the vectors are still returned
            log.warning("embedding cache %s not written (%s)", self.path, error)

    def _bound_size(self, db: sqlite3.Connection) -> None:
        pages, page_size = db.execute("PRAGMA page_count").fetchone()[0], db.execute("PRAGMA page_size").fetchone()[0]
        if pages * page_size <= self.max_bytes:
            return
        count = db.execute("SELECT count(*) FROM vectors").fetchone()[0]
        # The oldest quarter goes (rowids grow with insertion); freed pages are reused.
        with db:
            db.execute("DELETE FROM vectors WHERE rowid IN (SELECT rowid FROM vectors ORDER BY rowid LIMIT ?)",
                       (max(1, count // 4),))

    def count(self) -> int:
        db = self._connect()
        return db.execute("SELECT count(*) FROM vectors").fetchone()[0] if db is not None else 0

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class CachedEmbeddings(Embeddings):
    """Wraps a model: ``embed_documents`` answers from the caches and embeds only the misses.

    Queries are not cached (each question is new; the retriever keeps the last one)."""

    def __init__(self, model_name: str, load: Callable[[], Embeddings], home_cache: VectorCache | None,
                 shipped: VectorCache | None = None, dimension: int = 0) -> None:
        self.model_name = model_name
        self._load = load
        self._model: Embeddings | None = None
        self.home_cache = home_cache
        self.shipped = shipped
        self._dimension = dimension
        self.embedded = 0    # texts that went through the model (benchmarks and tests read these)
        self.reused = 0

    @property
    def model(self) -> Embeddings:
        """The model, loaded on the first text no cache holds (a cached ingest never loads it)."""
        if self._model is None:
            self._model = self._load()
        return self._model

    @property
    def dimension(self) -> int:
        return self._dimension or int(getattr(self.model, "dimension", 0))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [cache_key(self.model_name, text) for text in texts]
        unique = list(dict.fromkeys(keys))
        found: dict[bytes, list[float]] = {}
        for layer in (self.shipped, self.home_cache):
            if layer is not None and len(found) < len(unique):
                found.update(layer.get_many([key for key in unique if key not in found]))
        missing = [key for key in unique if key not in found]
        if missing:
            text_of = dict(zip(keys, texts))
            vectors = self.model.embed_documents([text_of[key] for key in missing])
            new = list(zip(missing, vectors))
            found.update(new)
            if self.home_cache is not None:
                self.home_cache.put_many(new)
        if not self._dimension and found:
            self._dimension = len(next(iter(found.values())))
        self.embedded += len(missing)
        self.reused += len(texts) - len(missing)
        return [found[key] for key in keys]

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)

    def cached_count(self, texts: list[str]) -> int:
        """How many of ``texts`` some cache already holds (the progress bar counts them as done)."""
        keys = list(dict.fromkeys(cache_key(self.model_name, text) for text in texts))
        found: set[bytes] = set()
        for layer in (self.shipped, self.home_cache):
            if layer is not None:
                found.update(layer.get_many([key for key in keys if key not in found]))
        return sum(1 for text in texts if cache_key(self.model_name, text) in found)


def cached_embeddings(settings, model: Embeddings | None = None) -> CachedEmbeddings:
    """The configured model (or ``model``) behind the home cache and, for the bundled default
    model, the shipped one. Vectors are keyed by the model's name: a model given without one
    (a test double) is keyed by its class, so it never reads another model's vectors."""
    from assistant.embeddings import load_embeddings
    from assistant.settings import DEFAULT_EMBEDDING_MODEL

    if model is None:
        name, load = settings.embedding_model, (lambda: load_embeddings(settings))
    else:
        name = getattr(model, "model_name", "") or f"{type(model).__module__}.{type(model).__qualname__}"
        load = lambda: model   # noqa: E731
    wrapper = CachedEmbeddings(
        name, load, VectorCache(settings.home / CACHE_FILE, max_mb=settings.embedding_cache_max_mb),
        VectorCache(SHIPPED_CACHE, read_only=True) if name == DEFAULT_EMBEDDING_MODEL and settings.embedding_cache_shipped else None)
    if model is not None:
        wrapper._model = model
    return wrapper
