"""The documents tab's handlers over a real index: upload (checked, size-limited), the ingest
report, asking about the upload at once, and removal. Synthetic documents only."""
from __future__ import annotations

import pytest

from assistant.engine import Assistant
from assistant.settings import Settings
from assistant.surfaces.ui import REPORT_HEADERS, Handlers, safe_upload_name
from ingest.pipeline import ingest
from tests.ingest.test_corpus_changes import PLAN_A, write_task_docx

QUESTION = "举办示例区科学嘉年华由哪个单位牵头？"


@pytest.fixture()
def handlers(tmp_path, embeddings):
    settings = Settings(home=tmp_path / "home", corpus_dir=tmp_path / "corpus", upload_max_mb=1)
    settings.corpus_dir.mkdir()
    (settings.corpus_dir / "a.txt").write_text(PLAN_A, encoding="utf-8")
    ingest(settings, progress=False, embeddings=embeddings)
    return Handlers(Assistant(settings, embeddings=embeddings), settings)


def test_upload_is_indexed_reported_and_answerable_at_once(handlers, tmp_path):
    upload = write_task_docx(tmp_path / "示例区 任务.docx")
    status, documents, report, choices, cleared = handlers.upload_document(str(upload))
    assert status.startswith("✔") and "示例区 任务.docx [docx]" in status and "1 records" in status
    assert cleared is None
    assert (handlers.settings.uploads_dir / "示例区 任务.docx").exists()
    assert list(report.columns) == REPORT_HEADERS
    row = report[report[REPORT_HEADERS[0]] == "示例区 任务.docx"].iloc[0]
    assert row["表格 / Tables"] == "2（3 行）" and row["责任分工 / Records"] == "1"
    assert "without a header row" in row["提示 / Warnings"]
    assert ("示例区科协2030年工作要点", "示例区 任务.docx") in choices["choices"]

    answer = handlers.assistant.answer(QUESTION)
    assert "区科协" in answer.text
    assert any(c.source == "示例区 任务.docx" for c in answer.citations)


def test_removing_a_document_from_the_tab(handlers, tmp_path):
    handlers.upload_document(str(write_task_docx(tmp_path / "tasks.docx")))
    status, documents, report, choices = handlers.delete_document("tasks.docx")
    assert status.startswith("✔")
    assert list(report[REPORT_HEADERS[0]]) == ["a.txt"]
    assert "tasks.docx" not in handlers.assistant.index.documents
    assert not (handlers.settings.uploads_dir / "tasks.docx").exists()
    assert all(c.source != "tasks.docx" for c in handlers.assistant.answer(QUESTION).citations)


def test_uploads_of_the_wrong_type_damaged_or_too_large_are_refused(handlers, tmp_path):
    before = handlers.assistant.index.manifest.generation
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    assert "只接受 / only" in handlers.upload_document(str(exe))[0]
    fake = tmp_path / "fake.docx"
    fake.write_text("not a word file", encoding="utf-8")
    assert "corrupt .docx" in handlers.upload_document(str(fake))[0]
    big = tmp_path / "big.txt"
    big.write_text("示例" * 400_000, encoding="utf-8")
    assert "too large" in handlers.upload_document(str(big))[0]
    assert handlers.assistant.index.manifest.generation == before
    assert not any(handlers.settings.uploads_dir.glob("*")) if handlers.settings.uploads_dir.exists() else True


def test_upload_names_lose_folders_and_forbidden_characters():
    assert safe_upload_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_upload_name('a<b>:c?.docx') == "a_b_c_.docx"
    assert safe_upload_name("示例 方案.pdf") == "示例 方案.pdf"
