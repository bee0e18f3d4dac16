"""Upload that a clerk can finish: check the file, show what ingest will record (title,
jurisdiction, status) for the clerk to confirm or correct, then index it and report in
plain words, in the interface language.

Corrections reuse the corpus manifest mechanism (``ingest/metadata.py``): the upload folder
holds its own ``manifest.toml``, one ``[[document]]`` per confirmed upload, which every
later ingest of that folder (a re-upload, a rebuild, a repair) reads the way it reads
``corpus/manifest.toml``. No second override path exists.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import tomlkit

from assistant.surfaces.ui.render import safe_markdown
from assistant.surfaces.ui.wording import UPLOAD_SUFFIXES

MANIFEST_NAME = "manifest.toml"
# What a clerk may set a document's status to; the first four are what ingest itself reads from a title.
STATUS_CHOICES = ["正式印发", "征求意见稿", "草案", "试行", "已废止"]
STATUS_ENGLISH = {"正式印发": "in force", "征求意见稿": "draft for comments", "草案": "draft", "试行": "trial",
                  "已废止": "superseded"}


@dataclass(frozen=True)
class UploadDraft:
    """A checked upload waiting for the clerk's confirmation: what ingest read from it."""
    staged: str          # the checked copy, hidden in the upload folder until it is confirmed
    name: str            # the file name it will be indexed under
    title: str
    jurisdiction: str
    status: str


def status_choices(language: str) -> list[tuple[str, str]]:
    if language == "English":
        return [(f"{status} ({STATUS_ENGLISH[status]})", status) for status in STATUS_CHOICES]
    return [(status, status) for status in STATUS_CHOICES]


# ------------------------------------------------------------------ refusals, in the user's language

# The loader's reasons (ingest/load.py) fall into a few kinds, each with one thing to do.
# Matched on the loader's own wording; the reason itself is shown after the advice.
_ADVICE = [
    (re.compile(r"no text layer|OCR (found|read) no|no extractable text|scanned", re.I),
     "这个文件没有文字层，自动文字识别（OCR）也没有读出文字，可能是空白或模糊的扫描件。请重新清晰扫描后上传，"
     "或先用 WPS 或 Acrobat 的“文字识别（OCR）”转成可选中文字的 PDF 或 Word 再上传。",
     "This file has no text layer and automatic text recognition (OCR) read nothing: it may be a blank or blurred "
     "scan. Scan it again more clearly, or Run OCR in WPS or Acrobat (\"Recognize text\") and upload the result."),
    (re.compile(r"OCR engine cannot start|libGL", re.I),
     "扫描件需要文字识别组件，但本机缺少它依赖的系统库。请管理员安装：apt-get install libgl1 libglib2.0-0。",
     "Scans need the text-recognition engine, which is missing a system library here. Ask an administrator to "
     "install it: apt-get install libgl1 libglib2.0-0."),
    (re.compile(r"LibreOffice|antiword|\.(doc|wps)\b", re.I),
     "旧版 Word（.doc/.wps）文件需要 LibreOffice 才能读取。请在 Word/WPS 中另存为 .docx 后上传，或请管理员安装 LibreOffice。",
     "Old Word files (.doc/.wps) need LibreOffice to be read. Save it as .docx in Word/WPS and upload that, or ask "
     "an administrator to install LibreOffice."),
    (re.compile(r"encrypted|password", re.I),
     "这个 PDF 设置了密码。请去掉密码（另存为不加密的 PDF）后再上传。",
     "This PDF is password-protected. Save a copy without the password and upload that."),
    (re.compile(r"too large|too much text|too many pages|unpacks to", re.I),
     "文件太大。请把它拆成几个较小的文件分别上传。",
     "The file is too large. Split it into smaller files and upload them one by one."),
    (re.compile(r"corrupt|cannot parse", re.I),
     "文件已损坏，或扩展名与内容不符。请在 Word/WPS 中重新打开并另存后再上传。",
     "The file is damaged, or its extension does not match its content. Open it in Word/WPS, save it again, "
     "and upload the new copy."),
    (re.compile(r"empty|no text|no visible text|only whitespace", re.I),
     "文件里没有文字内容。请确认选择了正确的文件。",
     "The file contains no text. Check that you chose the right file."),
    (re.compile(r"decode|replacement characters|binary content|byte-order", re.I),
     "无法识别文件的文字编码。请在记事本或 WPS 中另存为 UTF-8 文本或 Word 文件后再上传。",
     "The text encoding could not be read. Save it as UTF-8 text or as a Word file and upload that."),
]


def unsupported_advice(name: str, language: str) -> str:
    suffix = Path(name).suffix.lower() or ("（无扩展名）" if language != "English" else "(no extension)")
    accepted = " ".join(UPLOAD_SUFFIXES)
    if language == "English":
        return (f"⚠ {safe_markdown(name)}: {suffix} files cannot be indexed. Save it as Word (.docx), PDF or text "
                f"(.txt) and upload that. Accepted: {accepted}")
    return (f"⚠ {safe_markdown(name)}：不支持 {suffix} 文件。请另存为 Word（.docx）、PDF 或文本（.txt）后再上传。"
            f"可上传：{accepted}")


def refusal_advice(name: str, reason: str, language: str) -> str:
    """One line saying what to do about a file the loader refused, and (smaller) why."""
    if re.search(r"unsupported file type", reason, re.I):
        return unsupported_advice(name, language)
    english = language == "English"
    for pattern, chinese_advice, english_advice in _ADVICE:
        if pattern.search(reason):
            advice = english_advice if english else chinese_advice
            break
    else:
        advice = "This file could not be read." if english else "无法读取这个文件。"
    detail = "details" if english else "原因"
    separator = ": " if english else "："
    return f"⚠ {safe_markdown(name)}{separator}{advice}  \n<small>{detail}: {safe_markdown(reason)}</small>"


def too_large_advice(name: str, size_mb: float, limit_mb: int, language: str) -> str:
    if language == "English":
        return f"⚠ {safe_markdown(name)}: the file is {size_mb:.1f} MB, over the {limit_mb} MB limit. Split it and upload the parts."
    return f"⚠ {safe_markdown(name)}：文件 {size_mb:.1f} MB，超过 {limit_mb} MB 的上限。请拆分后分别上传。"


# ------------------------------------------------------------------ the report, in plain words

def plain_report(report, language: str) -> str:
    """What ingest made of one document, as a clerk would say it (Markdown, escaped)."""
    title = safe_markdown(report.title or report.source)
    status = report.found.get("状态", "")
    missing = [name for name in report.missing if name != "状态"]
    if language == "English":
        lines = [f"✔ **{title}** is indexed — you can ask about it now.",
                 f"It has {report.sections} numbered sections in {report.chunks} searchable passages"
                 + (f" and {report.tables} tables" if report.tables else "") + "; "
                 f"{report.records} responsibility assignments and {report.targets} numeric targets were recognised.",
                 f"Jurisdiction: **{safe_markdown(report.jurisdiction) or 'not recognised — set it above and upload again'}**"
                 f"; status: **{safe_markdown(status) or 'not stated'}**."]
        if missing:
            lines.append("Not found in the text: " + ", ".join(_english_field(name) for name in missing) + ".")
    else:
        lines = [f"✔ 已收录《{title}》，现在就可以提问。",
                 f"共 {report.sections} 个章节、{report.chunks} 个可检索段落"
                 + (f"、{report.tables} 个表格" if report.tables else "")
                 + f"；识别出 {report.records} 条责任分工、{report.targets} 个目标指标。",
                 f"地区：**{safe_markdown(report.jurisdiction) or '未识别（可在上方填写后重新上传）'}**；"
                 f"状态：**{safe_markdown(status) or '文中未注明'}**。"]
        if missing:
            lines.append("文中未找到：" + "、".join(missing) + "。")
    return "  \n".join(lines)


_FIELD_ENGLISH = {"标题": "title", "文号": "document number (文号)", "发文单位": "issuing agency", "日期": "date",
                  "状态": "status", "地区": "jurisdiction"}


def _english_field(name: str) -> str:
    return _FIELD_ENGLISH.get(name, name)


# ------------------------------------------------------------------ the clerk's corrections

def read_draft(staged: Path, name: str, max_chars: int) -> UploadDraft:
    """What ingest will record for this file, read the way ingest reads it (raises LoadError)."""
    from ingest.clean import clean_text
    from ingest.load import load_file
    from ingest.metadata import extract_info

    raw = load_file(staged)
    cleaned = clean_text(raw.text)
    info = extract_info(name, cleaned.text, cleaned.header_fields)
    return UploadDraft(str(staged), name, info.title, info.jurisdiction, info.status)


def record_corrections(folder: Path, name: str, title: str, jurisdiction: str, status: str) -> None:
    """Write (or replace) this file's ``[[document]]`` entry in the upload folder's manifest.

    An empty field is left out, so ingest keeps what it reads from the text. The manifest is
    replaced atomically: a crash leaves the old one or the new one, never half of it."""
    path = folder / MANIFEST_NAME
    manifest = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    entries = manifest.get("document")
    if entries is None:
        entries = tomlkit.aot()
        manifest["document"] = entries
    kept = [entry for entry in entries if entry.get("source") != name]
    fields = {"title": title.strip(), "jurisdiction": jurisdiction.strip(), "status": status.strip()}
    entry = tomlkit.table()
    entry["source"] = name
    for key, value in fields.items():
        if value:
            entry[key] = value
    rebuilt = tomlkit.aot()
    for old in [*kept, entry]:
        rebuilt.append(old)
    manifest["document"] = rebuilt
    _write_manifest(folder, manifest)


def forget_corrections(folder: Path, name: str) -> None:
    """Drop a removed upload's manifest entry (a later upload of the same name starts fresh)."""
    path = folder / MANIFEST_NAME
    if not path.exists():
        return
    manifest = tomlkit.parse(path.read_text(encoding="utf-8"))
    entries = manifest.get("document") or []
    if not any(entry.get("source") == name for entry in entries):
        return
    rebuilt = tomlkit.aot()
    for entry in entries:
        if entry.get("source") != name:
            rebuilt.append(entry)
    manifest["document"] = rebuilt
    _write_manifest(folder, manifest)


def _write_manifest(folder: Path, manifest) -> None:
    """Replace the manifest atomically: a crash leaves the old one or the new one, never half."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".manifest-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(tomlkit.dumps(manifest))
        os.replace(temporary, folder / MANIFEST_NAME)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
