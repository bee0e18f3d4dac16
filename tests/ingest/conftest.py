"""Fixtures shared by the ingest stage tests: the five real seed documents, loaded,
cleaned and parsed once per session (parsing is pure Python and takes well under a second).

Seeds are keyed by their three-digit prefix ("000" … "004").
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import CleanResult, clean_text
from ingest.load import RawDocument, load_file
from ingest.metadata import load_manifest
from ingest.pipeline import ParsedDocument, parse_document

SEED_PREFIXES = ("000", "001", "002", "003", "004")


def seed_path(corpus_dir: Path, prefix: str) -> Path:
    (path,) = corpus_dir.glob(f"{prefix}_*.txt")
    return path


@pytest.fixture(scope="session")
def raw_seeds(corpus_dir) -> dict[str, RawDocument]:
    return {prefix: load_file(seed_path(corpus_dir, prefix)) for prefix in SEED_PREFIXES}


@pytest.fixture(scope="session")
def cleaned_seeds(raw_seeds) -> dict[str, CleanResult]:
    return {prefix: clean_text(raw.text) for prefix, raw in raw_seeds.items()}


@pytest.fixture(scope="session")
def corpus_manifest(corpus_dir) -> dict[str, dict]:
    return load_manifest(corpus_dir / "manifest.toml")


@pytest.fixture(scope="session")
def parsed_seeds(raw_seeds, corpus_manifest) -> dict[str, ParsedDocument]:
    """What ingest makes of each seed with the corpus manifest applied (default 400-char chunks)."""
    return {prefix: parse_document(raw, corpus_manifest.get(raw.source), 400) for prefix, raw in raw_seeds.items()}
