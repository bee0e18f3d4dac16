"""Fixtures for the production-readiness tests: a real Chroma server, a tiny two-document
corpus, a small finished index to damage, and the robustness matrix that test_bad_input.py
fills and writes to docs/robustness.md. Helpers live in tests/production/support.py.

Everything runs against real components (the bundled model, Chroma, bm25s, subprocesses);
the session fixtures ``embeddings``, ``indexed_settings`` and ``policy_assistant`` come
from tests/conftest.py.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.production.support import ROBUSTNESS_DOC, ChromaServer, RobustnessMatrix, free_port, write_tiny_corpus


@pytest.fixture(scope="session")
def tiny_index_home(tmp_path_factory, embeddings) -> Path:
    """A data directory holding a finished (embedded-store) index of the tiny corpus. Copy it before changing it."""
    from assistant.settings import Settings
    from ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("tiny-index")
    corpus = write_tiny_corpus(root / "corpus")
    home = root / "home"
    ingest(Settings(home=home), [corpus], progress=False, embeddings=embeddings)
    return home


@pytest.fixture
def tiny_home_copy(tiny_index_home, tmp_path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(tiny_index_home, home)
    return home


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real ``chroma run`` server on a free loopback port, stopped at the end of the session."""
    root = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(root / "data", free_port(), root / "chroma.log")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def robustness_matrix():
    matrix = RobustnessMatrix()
    yield matrix
    if matrix.complete():
        ROBUSTNESS_DOC.write_text(matrix.markdown(), encoding="utf-8")
