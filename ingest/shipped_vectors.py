"""Regenerate the vectors shipped for the bundled corpus (assistant/data/corpus-embeddings.sqlite3):

    python -m ingest.shipped_vectors

Run it after changing corpus/, the chunker, the sentence split or the default model;
tests/ingest/test_embedding_cache.py fails until then. Texts already in the home cache are
not embedded again, so after an ingest it takes seconds.
"""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import numpy as np

from assistant.embedding_cache import SHIPPED_CACHE, cache_key, cached_embeddings
from assistant.settings import DEFAULT_EMBEDDING_MODEL, Settings, get_settings
from ingest.pipeline import corpus_embedding_texts


def write_shipped_cache(settings: Settings, path: Path = SHIPPED_CACHE) -> int:
    """Embed the bundled corpus's texts (from the home cache when it has them) into ``path``."""
    texts = list(dict.fromkeys(corpus_embedding_texts(settings)))
    embeddings = cached_embeddings(settings)
    embeddings.shipped = None             # the file being rewritten is not a source
    vectors = embeddings.embed_documents(texts)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute("CREATE TABLE vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
    db.executemany("INSERT INTO vectors VALUES (?, ?)",
                   sorted((cache_key(settings.embedding_model, t), np.asarray(v, dtype=np.float32).tobytes())
                          for t, v in zip(texts, vectors)))
    db.commit()
    db.execute("VACUUM")
    db.close()
    tmp.replace(path)
    return len(texts)


def main() -> int:
    settings = get_settings()
    if settings.embedding_model != DEFAULT_EMBEDDING_MODEL:
        print("error: the shipped vectors are the default model's; unset embedding_model", file=sys.stderr)
        return 2
    count = write_shipped_cache(settings)
    print(f"Wrote {count} vectors to {SHIPPED_CACHE} ({SHIPPED_CACHE.stat().st_size / 1e6:.1f} MB).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
