"""The documents tab's handlers over a real index: upload (checked, size-limited), the clerk's
confirmation of title/jurisdiction/status before indexing, the report in plain words, asking
about the upload at once, and removal. Synthetic documents only."""
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


def upload_and_confirm(handlers, path, language="中文", **corrections):
    message, draft, box, title, jurisdiction, status, cleared = handlers.upload_document(str(path), language)
    assert draft is not None, message
    assert box["visible"] is True and cleared is None
    return handlers.confirm_upload(draft, corrections.get("title", title), corrections.get("jurisdiction", jurisdiction),
                                   corrections.get("status", status["value"]), language)


def test_upload_waits_for_confirmation_then_is_indexed_reported_in_plain_words_and_answerable(handlers, tmp_path):
    upload = write_task_docx(tmp_path / "示例区 任务.docx")
    generation = handlers.assistant.index.manifest.generation
    message, draft, box, title, jurisdiction, status, _ = handlers.upload_document(str(upload))
    assert "请确认" in message and title == "示例区科协2030年工作要点"
    assert handlers.assistant.index.manifest.generation == generation      # nothing indexed before confirming
    assert "示例区 任务.docx" not in handlers.assistant.index.documents

    report_text, cleared, box, documents, report, choices = handlers.confirm_upload(draft, title, jurisdiction,
                                                                                    status["value"])
    assert report_text.startswith("✔ 已收录《示例区科协2030年工作要点》")
    assert "1 条责任分工" in report_text
    assert "chars" not in report_text and "warnings" not in report_text        # no developer English
    assert cleared is None and box["visible"] is False
    assert (handlers.settings.uploads_dir / "示例区 任务.docx").exists()
    assert list(report.columns) == REPORT_HEADERS
    row = report[report[REPORT_HEADERS[0]] == "示例区 任务.docx"].iloc[0]
    assert row["表格 / Tables"] == "2（3 行）" and row["责任分工 / Records"] == "1"
    assert ("示例区科协2030年工作要点", "示例区 任务.docx") in choices["choices"]

    answer = handlers.assistant.answer(QUESTION)
    assert "区科协" in answer.text
    assert any(c.source == "示例区 任务.docx" for c in answer.citations)


def test_the_clerks_jurisdiction_title_and_status_reach_the_index_through_the_upload_manifest(handlers, tmp_path):
    upload = write_task_docx(tmp_path / "plan.docx")
    text = upload_and_confirm(handlers, upload, title="石梁县科协2030年工作要点（征求意见稿）", jurisdiction="石梁县",
                              status="征求意见稿")[0]
    assert "地区：**石梁县**" in text and "状态：**征求意见稿**" in text
    info = handlers.assistant.index.documents["plan.docx"]
    assert (info.jurisdiction, info.status) == ("石梁县", "征求意见稿")
    assert info.title == "石梁县科协2030年工作要点（征求意见稿）"
    assert "石梁县" in handlers.jurisdictions()
    # the correction lives in the upload folder's manifest, so a later ingest of that folder keeps it
    manifest = (handlers.settings.uploads_dir / "manifest.toml").read_text(encoding="utf-8")
    assert 'source = "plan.docx"' in manifest and 'jurisdiction = "石梁县"' in manifest
    ingest(handlers.settings, [handlers.settings.uploads_dir], progress=False, embeddings=handlers.assistant.embeddings)
    handlers.assistant.refresh()
    assert handlers.assistant.index.documents["plan.docx"].jurisdiction == "石梁县"


def test_english_interface_gets_the_report_in_english(handlers, tmp_path):
    text = upload_and_confirm(handlers, write_task_docx(tmp_path / "tasks.docx"), language="English")[0]
    assert text.startswith("✔ **示例区科协2030年工作要点** is indexed")
    assert "responsibility assignments" in text and "已收录" not in text


def test_cancelled_upload_leaves_nothing_behind(handlers, tmp_path):
    message, draft, *_ = handlers.upload_document(str(write_task_docx(tmp_path / "tasks.docx")))
    status, cleared, box = handlers.cancel_upload(draft)
    assert status == "已取消上传。" and cleared is None and box["visible"] is False
    assert not list(handlers.settings.uploads_dir.iterdir())


def test_removing_a_document_from_the_tab(handlers, tmp_path):
    upload_and_confirm(handlers, write_task_docx(tmp_path / "tasks.docx"), jurisdiction="石梁县")
    status, documents, report, choices = handlers.delete_document("tasks.docx")
    assert status.startswith("✔")
    assert list(report[REPORT_HEADERS[0]]) == ["a.txt"]
    assert "tasks.docx" not in handlers.assistant.index.documents
    assert not (handlers.settings.uploads_dir / "tasks.docx").exists()
    assert "tasks.docx" not in (handlers.settings.uploads_dir / "manifest.toml").read_text(encoding="utf-8")
    assert all(c.source != "tasks.docx" for c in handlers.assistant.answer(QUESTION).citations)


@pytest.mark.parametrize("language,wrong_type,damaged,too_large", [
    ("中文", "不支持 .exe 文件", "文件已损坏", "超过 1 MB 的上限"),
    ("English", ".exe files cannot be indexed", "The file is damaged", "over the 1 MB limit"),
])
def test_uploads_of_the_wrong_type_damaged_or_too_large_are_refused_with_what_to_do(handlers, tmp_path, language,
                                                                                      wrong_type, damaged, too_large):
    before = handlers.assistant.index.manifest.generation
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    assert wrong_type in handlers.upload_document(str(exe), language)[0]
    fake = tmp_path / "fake.docx"
    fake.write_text("not a word file", encoding="utf-8")
    assert damaged in handlers.upload_document(str(fake), language)[0]
    big = tmp_path / "big.txt"
    big.write_text("示例" * 400_000, encoding="utf-8")
    assert too_large in handlers.upload_document(str(big), language)[0]
    assert handlers.assistant.index.manifest.generation == before
    assert not any(handlers.settings.uploads_dir.glob("*")) if handlers.settings.uploads_dir.exists() else True


def test_upload_names_lose_folders_and_forbidden_characters():
    assert safe_upload_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_upload_name('a<b>:c?.docx') == "a_b_c_.docx"
    assert safe_upload_name("示例 方案.pdf") == "示例 方案.pdf"
