"""Office fixture gate (issue 21): the files an office really has — a task-breakdown workbook
with merged cells and a second sheet of targets, an image-only scan and a page image, a
legacy .doc, a .docx with Word's automatic numbering and merged table cells, a notice that
carries its plan as 附件 and repeals an older one — written blind by someone who saw only
the genre (evals/fixtures/office/README.md), ingested beside the corpus. No code or data
names anything in these documents.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.evaluate import EvalSet
from tests.support.gate import assert_meets_thresholds, assistant_over

OFFICE = Path(__file__).resolve().parents[1] / "evals" / "fixtures" / "office"


@pytest.fixture(scope="session")
def office_assistant(tmp_path_factory, embeddings, corpus_dir):
    return assistant_over(tmp_path_factory.mktemp("office-home"), embeddings, [corpus_dir, OFFICE / "docs"])


def test_every_office_document_is_indexed(office_assistant):
    documents = {path.name for path in (OFFICE / "docs").iterdir()}
    if shutil.which("soffice") is None and shutil.which("antiword") is None:
        documents.discard("old_format.doc")  # README: .doc needs LibreOffice or antiword; .ci/run installs one
    assert documents <= set(office_assistant.index.documents)


def test_office_questions_meet_thresholds(office_assistant):
    assert_meets_thresholds(office_assistant, EvalSet("office", (OFFICE / "questions.jsonl",)))
