"""Fixture gate: documents that are not among the five — other provinces, an autonomous
county, a .docx task table, a .pdf with a table, a portal .html page, GBK and traditional
characters, a draft without 文号 — ingested beside the corpus, and questions about them
written blind (evals/fixtures/README.md). No code or data names a fixture's place,
agency or programme; the gate measures whether the pipeline is general.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluate import EvalSet
from tests.support.gate import assert_meets_thresholds, assistant_over

FIXTURES = Path(__file__).resolve().parents[1] / "evals" / "fixtures"


@pytest.fixture(scope="session")
def fixture_assistant(tmp_path_factory, embeddings, corpus_dir):
    return assistant_over(tmp_path_factory.mktemp("fixture-home"), embeddings, [corpus_dir, FIXTURES / "docs"])


def test_fixture_questions_meet_thresholds(fixture_assistant):
    assert_meets_thresholds(fixture_assistant, EvalSet("fixtures", (FIXTURES / "questions.jsonl",)))


def test_every_fixture_document_is_indexed(fixture_assistant):
    indexed = set(fixture_assistant.index.documents)
    assert {path.name for path in (FIXTURES / "docs").iterdir()} <= indexed
