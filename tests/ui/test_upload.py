"""What the upload tells a clerk, without a server: refusals say what to do in the
interface language; the report is plain words; corrections are manifest entries ingest reads."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.surfaces.ui.upload import (forget_corrections, plain_report, record_corrections, refusal_advice,
                                          unsupported_advice)
from ingest.load import LoadError, load_file
from ingest.metadata import apply_manifest, load_manifest
from ingest.report import DocumentReport


def scanned_pdf(path: Path) -> Path:
    """A PDF with a page and no text layer: what a scanner without OCR produces."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with open(path, "wb") as out:
        writer.write(out)
    return path


def loader_reason(path: Path) -> str:
    with pytest.raises(LoadError) as refused:
        load_file(path)
    return str(refused.value)


@pytest.mark.parametrize("language,advice", [("中文", "扫描件"), ("English", "Run OCR")])
def test_a_scanned_pdf_is_told_to_run_ocr_in_the_users_language(tmp_path, language, advice):
    reason = loader_reason(scanned_pdf(tmp_path / "scan.pdf"))
    message = refusal_advice("scan.pdf", reason, language)
    assert advice in message and message.startswith("⚠ scan.pdf")


@pytest.mark.parametrize("language,advice", [("中文", "请另存为 Word（.docx）、PDF 或文本（.txt）"),
                                             ("English", "Save it as Word (.docx), PDF or text (.txt)")])
def test_an_unsupported_file_is_told_what_to_save_it_as(language, advice):
    message = unsupported_advice("汇报.pptx", language)
    assert ".pptx" in message and advice in message


def test_an_unknown_reason_still_gets_a_sentence_and_the_reason():
    message = refusal_advice("x.txt", "something new went wrong", "中文")
    assert "无法读取这个文件" in message and "something new went wrong" in message


def report(**overrides) -> DocumentReport:
    fields = dict(source="plan.docx", title="石梁县科普工作要点", format="docx", encoding="utf-8", characters=475,
                  sections=3, chunks=8, tables=1, table_rows=4, records=2, targets=1, jurisdiction="",
                  found={"状态": "征求意见稿"}, missing=["文号", "地区"], warnings=["no jurisdiction found"])
    fields.update(overrides)
    return DocumentReport(**fields)


def test_the_report_is_plain_chinese_and_names_what_is_missing():
    text = plain_report(report(), "中文")
    assert text.startswith("✔ 已收录《石梁县科普工作要点》")
    assert "3 个章节、8 个可检索段落、1 个表格" in text and "2 条责任分工、1 个目标指标" in text
    assert "地区：**未识别" in text and "状态：**征求意见稿**" in text and "文中未找到：文号、地区" in text
    for jargon in ("chars", "chunks", "warnings", "·"):
        assert jargon not in text


def test_the_report_in_english():
    text = plain_report(report(jurisdiction="石梁县"), "English")
    assert "**石梁县**" in text and "8 searchable passages" in text and "document number (文号)" in text
    assert "已收录" not in text


def test_corrections_are_manifest_entries_that_ingest_applies(tmp_path):
    from ingest.metadata import DocumentInfo

    record_corrections(tmp_path, "plan.docx", "石梁县科普工作要点", "石梁县", "征求意见稿")
    record_corrections(tmp_path, "other.txt", "另一个", "", "")
    record_corrections(tmp_path, "plan.docx", "石梁县科普工作要点", "石梁县", "正式印发")   # replaced, not added
    entries = load_manifest(tmp_path / "manifest.toml")
    assert entries["plan.docx"] == {"source": "plan.docx", "title": "石梁县科普工作要点", "jurisdiction": "石梁县",
                                    "status": "正式印发"}
    assert entries["other.txt"] == {"source": "other.txt", "title": "另一个"}     # empty fields are not overrides
    info = apply_manifest(DocumentInfo("plan.docx", "d", "原标题", jurisdiction="", status=""), entries["plan.docx"])
    assert (info.title, info.jurisdiction, info.status) == ("石梁县科普工作要点", "石梁县", "正式印发")
    forget_corrections(tmp_path, "plan.docx")
    assert list(load_manifest(tmp_path / "manifest.toml")) == ["other.txt"]
    assert not list(tmp_path.glob(".manifest-*"))                                 # no temporary file left
