"""Tests for ingest.load with small real files written into tmp_path (no mocks)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from ingest.load import (
    MAX_FILE_BYTES,
    SUPPORTED_SUFFIXES,
    LoadError,
    LoadProblem,
    RawDocument,
    discover,
    load_file,
    load_paths,
)

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
CHINESE = "湖南省科学技术协会关于印发《规划》的通知\n\n一、总体要求"


# ---------------------------------------------------------------- fixtures


def write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Leave Policy", level=1)
    document.add_paragraph("Employees receive 25 days of annual leave.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Grade"
    table.cell(0, 1).text = "Days"
    table.cell(1, 0).text = "Senior"
    table.cell(1, 1).text = "30"
    document.add_paragraph("Unused leave expires in March.")
    document.save(path)
    return path


def make_pdf(path: Path, lines: list[str], font: Path | None = None, **encryption) -> Path:
    pdf = FPDF()
    pdf.add_page()
    if font is None:
        pdf.set_font("Helvetica", size=12)
    else:
        pdf.add_font("cjk", fname=str(font), collection_font_number=0)
        pdf.set_font("cjk", size=12)
    for line in lines:
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    if encryption:
        pdf.set_encryption(**encryption)
    pdf.output(str(path))
    return path


def cjk_font() -> Path | None:
    """A Chinese-capable font file on this machine, if fontconfig knows one.

    Debian's fonts-noto-cjk ships only .ttc collections; fpdf2 opens the first font of a
    collection (``collection_font_number=0``), so .ttc counts as well as .ttf/.otf."""
    if shutil.which("fc-list") is None:
        return None
    out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        candidate = line.split(":")[0].strip()
        if candidate.lower().endswith((".ttf", ".otf", ".ttc")):
            return Path(candidate)
    return None


def reason_for(path: Path) -> str:
    with pytest.raises(LoadError) as info:
        load_file(path)
    return str(info.value)


# ---------------------------------------------------------------- plain text


def test_utf8_text_loads_with_metadata(tmp_path):
    path = write(tmp_path / "policy.txt", "Remote work: two days per week.\n")
    doc = load_file(path)
    assert isinstance(doc, RawDocument)
    assert doc.source == "policy.txt"
    assert doc.path == path
    assert doc.text == "Remote work: two days per week.\n"
    assert doc.encoding == "utf-8"
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_utf8_bom_is_removed(tmp_path):
    path = write(tmp_path / "bom.txt", "\ufeff" + CHINESE)
    doc = load_file(path)
    assert doc.text == CHINESE
    assert doc.encoding == "utf-8-sig"


def test_gb18030_chinese_decodes_exactly(tmp_path):
    path = write(tmp_path / "gb.txt", CHINESE, encoding="gb18030")
    assert path.read_bytes() != CHINESE.encode("utf-8")
    doc = load_file(path)
    assert doc.text == CHINESE
    assert doc.encoding == "gb18030"


def test_gbk_file_with_character_outside_gb2312_still_loads(tmp_path):
    text = "朱镕基同志关于国务院机构改革的讲话。"  # 镕 exists only in GBK, not GB2312
    doc = load_file(write(tmp_path / "gbk.txt", text, encoding="gbk"))
    assert doc.text == text


def test_other_encodings_are_detected_only_when_unambiguous(tmp_path):
    big5 = "湖南省科學技術協會關於印發規劃的通知，總體要求如下。\n"
    doc = load_file(write(tmp_path / "big5.txt", big5, encoding="big5"))
    assert doc.text == big5
    assert doc.encoding == "big5"


def test_ambiguous_encoding_is_refused_rather_than_garbled(tmp_path):
    # Short Latin-1 text decodes equally well as cp1250 ("trčs") and cp1252 ("très").
    path = write(tmp_path / "latin.txt", "Le café est très bon. Où est la bibliothèque?\n", encoding="latin-1")
    assert reason_for(path) == "cannot decode as UTF-8 or GB18030"
    # KOI8-R Russian would otherwise be "detected" as Shift-JIS half-width katakana.
    path = write(tmp_path / "ru.txt", "Привет, это русский текст о политике и правилах.\n", encoding="koi8-r")
    assert reason_for(path) == "cannot decode as UTF-8 or GB18030"


def test_utf16_with_bom_loads(tmp_path):
    # Windows Notepad's "Unicode" option writes UTF-16 with a byte-order mark.
    doc = load_file(write(tmp_path / "notepad.txt", "\ufeff责任分工\r\nremote work", encoding="utf-16-le"))
    assert doc.text == "责任分工\nremote work"
    assert doc.encoding == "utf-16"


def test_line_endings_are_normalised(tmp_path):
    doc = load_file(write(tmp_path / "crlf.txt", b"one\r\ntwo\rthree\n"))
    assert doc.text == "one\ntwo\nthree\n"


def test_markdown_loads_as_text(tmp_path):
    doc = load_file(write(tmp_path / "notes.md", "# 责任分工\n\n- 市科协牵头\n"))
    assert doc.text == "责任分工\n\n- 市科协牵头\n"   # heading marks dropped, list text kept
    assert doc.encoding == "utf-8"


def test_uppercase_suffix_is_supported(tmp_path):
    assert load_file(write(tmp_path / "UPPER.TXT", "hello")).text == "hello"


def test_empty_and_whitespace_only_files_are_refused(tmp_path):
    assert reason_for(write(tmp_path / "empty.txt", b"")) == "empty file (0 bytes)"
    assert reason_for(write(tmp_path / "blank.md", " \n\t\r\n")) == "empty file (only whitespace)"


def test_binary_files_are_refused(tmp_path):
    png_like = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert reason_for(write(tmp_path / "image.txt", png_like)) == "binary content, not text"
    control_heavy = bytes(range(1, 9)) * 200 + b"some words"
    assert reason_for(write(tmp_path / "controls.txt", control_heavy)) == "binary content, not text"


def test_text_already_containing_replacement_characters_is_refused(tmp_path):
    reason = reason_for(write(tmp_path / "damaged.txt", "责任\ufffd\ufffd分工"))
    assert "replacement characters" in reason


def test_unsupported_suffix_missing_file_and_directory_are_refused(tmp_path):
    assert reason_for(write(tmp_path / "slides.pptx", b"PK\x03\x04")) == "unsupported file type .pptx"
    assert reason_for(tmp_path / "missing.txt") == "file not found"
    assert reason_for(tmp_path) == "not a regular file"


def test_too_large_file_is_refused_without_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # sparse file: cheap to create
        handle.truncate(MAX_FILE_BYTES + 1)
    reason = reason_for(path)
    assert reason.startswith("file too large (")
    assert "> 20 MB" in reason


def test_sha256_changes_when_content_changes(tmp_path):
    path = write(tmp_path / "policy.txt", "version 1")
    first = load_file(path).sha256
    assert load_file(path).sha256 == first  # stable for unchanged content
    write(path, "version 2")
    assert load_file(path).sha256 != first


# ---------------------------------------------------------------- docx


def test_docx_paragraphs_and_table_rows(tmp_path):
    doc = load_file(make_docx(tmp_path / "leave.docx"))
    assert doc.encoding == "docx"
    assert doc.text == (
        "Leave Policy\n\n"
        "Employees receive 25 days of annual leave.\n\n"
        "【表1】Grade：Senior；Days：30\n\n"
        "Unused leave expires in March."
    )


def test_corrupt_docx_is_refused_with_reason(tmp_path):
    good = make_docx(tmp_path / "good.docx").read_bytes()
    truncated = write(tmp_path / "truncated.docx", good[: len(good) // 2])
    assert reason_for(truncated).startswith("corrupt .docx: ")
    not_zip = write(tmp_path / "fake.docx", "this is not a word file")
    assert reason_for(not_zip).startswith("corrupt .docx: ")


# ---------------------------------------------------------------- pdf


def test_pdf_pages_are_extracted(tmp_path):
    path = make_pdf(tmp_path / "handbook.pdf", ["Remote work is allowed two days per week.", "Café policy: free coffee."])
    doc = load_file(path)
    assert doc.encoding == "pdf"
    assert "Remote work is allowed two days per week." in doc.text
    assert "Café policy: free coffee." in doc.text


def test_pdf_with_several_pages_joins_pages_with_blank_line(tmp_path):
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in ("Page one text.", "Page two text."):
        pdf.add_page()
        pdf.cell(text=text)
    pdf.output(str(tmp_path / "two.pdf"))
    assert load_file(tmp_path / "two.pdf").text == "Page one text.\n\nPage two text."


def test_pdf_without_text_layer_or_readable_image_is_refused(tmp_path):
    path = make_pdf(tmp_path / "scan.pdf", [])   # a blank page: no text layer, and OCR reads nothing
    assert reason_for(path) == "PDF has no text layer and OCR found no text in its page images"


def test_password_protected_pdf_is_refused(tmp_path):
    path = make_pdf(tmp_path / "secret.pdf", ["Top secret."], owner_password="owner", user_password="user")
    assert reason_for(path) == "PDF is encrypted (password required)"


def test_pdf_with_only_owner_password_still_loads(tmp_path):
    path = make_pdf(tmp_path / "restricted.pdf", ["Printing is restricted."], owner_password="owner")
    assert "Printing is restricted." in load_file(path).text


def test_corrupt_pdf_is_refused(tmp_path):
    assert reason_for(write(tmp_path / "broken.pdf", b"%PDF-1.4\nnot really a pdf")).startswith("corrupt .pdf")


@pytest.mark.skipif(cjk_font() is None, reason="no CJK font installed (fc-list :lang=zh is empty)")
def test_chinese_pdf_text_is_intact(tmp_path):
    path = make_pdf(tmp_path / "cn.pdf", ["湖南省科学技术协会", "责任分工"], font=cjk_font())
    text = load_file(path).text
    assert "湖南省科学技术协会" in text
    assert "责任分工" in text


# ---------------------------------------------------------------- html

HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Site | Policy</title>
<style>p { color: red; }</style></head>
<body>
<header>Government portal banner</header>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<h1>Remote   Work
Policy</h1>
<p>Staff may work remotely<br>two days per week.</p>
<!-- internal comment -->
<div>责任分工：人事处负责解释。</div>
<table><tr><th>Grade</th><th>Days</th></tr><tr><td>Senior</td><td>2</td></tr></table>
<script>var secret = "tracking code";</script>
<footer>Copyright 2024 Footer Text</footer>
</body></html>
"""


def test_html_visible_text_only_with_paragraphs(tmp_path):
    doc = load_file(write(tmp_path / "policy.html", HTML_PAGE))
    assert doc.encoding == "html:utf-8"
    assert doc.text == (
        "Remote Work Policy\n\n"
        "Staff may work remotely\ntwo days per week.\n\n"
        "责任分工：人事处负责解释。\n\n"
        "【表1】Grade：Senior；Days：2"
    )
    for hidden in ("tracking code", "Footer Text", "banner", "News", "color", "internal comment", "Site | Policy"):
        assert hidden not in doc.text


def test_html_declared_gb2312_charset_is_honoured(tmp_path):
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>' \
           "<body><p>湖南省科学技术协会</p><p>一、总体要求</p></body></html>"
    doc = load_file(write(tmp_path / "old.htm", page, encoding="gb18030"))
    assert doc.text == "湖南省科学技术协会\n\n一、总体要求"
    assert doc.encoding == "html:gb18030"


def test_html_without_declared_charset_is_detected(tmp_path):
    doc = load_file(write(tmp_path / "plain.html", "<p>湖南省科学技术协会关于印发规划的通知</p>", encoding="gb18030"))
    assert doc.text == "湖南省科学技术协会关于印发规划的通知"
    assert doc.encoding == "html:gb18030"


def test_html_with_no_visible_text_is_refused(tmp_path):
    path = write(tmp_path / "scripts.html", "<html><script>alert(1)</script><footer>only footer</footer></html>")
    assert reason_for(path) == "HTML has no visible text"


# ---------------------------------------------------------------- discover / load_paths


def test_discover_walks_directories_sorted_and_skips_noise(tmp_path):
    write(tmp_path / "b.txt", "b")
    write(tmp_path / "a.md", "a")
    write(tmp_path / "sub" / "c.html", "<p>c</p>")
    write(tmp_path / "manifest.toml", "[corpus]")
    write(tmp_path / ".hidden.txt", "hidden")
    write(tmp_path / ".git" / "notes.txt", "git internals")
    write(tmp_path / "drawing.psd", b"8BPS")
    found = discover([tmp_path])
    assert found == [tmp_path / "a.md", tmp_path / "b.txt", tmp_path / "sub" / "c.html"]
    assert discover([tmp_path, tmp_path / "b.txt"]) == found  # no duplicates


def test_discover_keeps_explicit_files_but_not_manifest(tmp_path):
    sheet = write(tmp_path / "budget.xlsx", b"PK")
    manifest = write(tmp_path / "manifest.toml", "[corpus]")
    assert discover([sheet, manifest]) == [sheet]


def test_discover_nonexistent_path_raises(tmp_path):
    with pytest.raises(LoadError, match="does not exist"):
        discover([tmp_path / "missing"])


def test_load_paths_returns_good_documents_and_named_problems(tmp_path):
    write(tmp_path / "good.txt", "Remote work: two days per week.")
    write(tmp_path / "gb.txt", CHINESE, encoding="gb18030")
    make_docx(tmp_path / "leave.docx")
    make_pdf(tmp_path / "handbook.pdf", ["Handbook text."])
    write(tmp_path / "page.html", HTML_PAGE)
    write(tmp_path / "empty.txt", b"")
    write(tmp_path / "binary.txt", b"\x00\x01\x02binary\x00")
    write(tmp_path / "corrupt.docx", b"PK\x03\x04 truncated")
    make_pdf(tmp_path / "scan.pdf", [])
    sheet = write(tmp_path / "extra" / "slides.pptx", b"PK")

    documents, problems = load_paths([tmp_path, sheet])

    assert [d.source for d in documents] == ["gb.txt", "good.txt", "handbook.pdf", "leave.docx", "page.html"]
    reasons = {p.source: p.reason for p in problems}
    assert sorted(reasons) == ["binary.txt", "corrupt.docx", "empty.txt", "scan.pdf", "slides.pptx"]
    assert reasons["binary.txt"] == "binary content, not text"
    assert reasons["slides.pptx"] == "unsupported file type .pptx"
    assert reasons["corrupt.docx"].startswith("corrupt .docx: ")
    assert reasons["empty.txt"] == "empty file (0 bytes)"
    assert reasons["scan.pdf"] == "PDF has no text layer and OCR found no text in its page images"
    assert all(isinstance(p, LoadProblem) for p in problems)


def test_supported_suffixes_are_the_documented_set():
    assert SUPPORTED_SUFFIXES == {".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".xlsx", ".xls", ".ods", ".doc",
                                  ".wps", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}
    assert MAX_FILE_BYTES == 20 * 1024 * 1024


# ---------------------------------------------------------------- real corpus


def test_real_corpus_loads_as_utf8_with_chinese_intact():
    documents, problems = load_paths([CORPUS])
    assert problems == []
    by_source = {d.source: d for d in documents}
    assert len(by_source) == 5
    assert all(d.encoding == "utf-8" for d in documents)
    assert all("\r" not in d.text and "\ufffd" not in d.text for d in documents)
    assert "责任分工" in by_source["003_4b8c682228c4847d.txt"].text
    assert "郴州市人民政府办公室" in by_source["003_4b8c682228c4847d.txt"].text
