"""Metadata stage: what a citation needs to know about a document.

Ingest extracts what the text itself states (文号, title, dates, status); the corpus
manifest (``corpus/manifest.toml``) overrides field by field; a document without a
manifest entry still ingests with what could be extracted.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\d{1,4}号")
NOTICE_TITLE = re.compile(r"关于印发[《<](?P<title>.+?)[》>]的?通知")
CN_DATE = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?P<printed>印发?)?")
JURISDICTION = re.compile(r"^(?P<place>[\u4e00-\u9fff]{1,8}?(?:新区|省|市|县|区))")
LEVELS = {"省": "省级", "新区": "国家级新区", "市": "市级", "县": "县级", "区": "区级"}
HEAD_LINES = 12  # the 文号, title and signing date sit in the first lines of a notice


@dataclass(frozen=True)
class DocumentInfo:
    source: str                       # file name; what citations and eval evidence use
    doc_id: str
    title: str
    doc_number: str = ""              # 文号; empty when the text has none
    issuers: tuple[str, ...] = ()
    jurisdiction: str = ""
    level: str = ""
    status: str = ""                  # 正式印发 / 征求意见稿
    dates: dict[str, str] = field(default_factory=dict)   # issued / signed / printed, ISO dates
    fields: dict[str, str] = field(default_factory=dict)  # other stated fields (信息时效期, 索引号 …)

    def as_metadata(self) -> dict[str, str]:
        """Flat, string-only fields for the vector store."""
        return {
            "source": self.source, "doc_id": self.doc_id, "title": self.title,
            "doc_number": self.doc_number, "jurisdiction": self.jurisdiction,
        }


def extract_info(source: str, text: str, header_fields: dict[str, str]) -> DocumentInfo:
    paragraphs = text.split("\n\n")
    head = paragraphs[:HEAD_LINES]
    title = _title(head)
    place = JURISDICTION.match(title)
    return DocumentInfo(
        source=source,
        doc_id=Path(source).stem,
        title=title,
        doc_number=header_fields.get("文号") or _doc_number(head),
        jurisdiction=place.group("place") if place else "",
        level=_level(place.group("place")) if place else "",
        status="征求意见稿" if any("征求意见稿" in p for p in head) else "正式印发",
        dates=_dates(paragraphs, header_fields),
        fields={key: value for key, value in header_fields.items() if value},
    )


def _title(head: list[str]) -> str:
    for paragraph in head:
        notice = NOTICE_TITLE.search(paragraph)
        # A long paragraph quoting other notices (根据《…》) is a preamble, not the title line.
        if notice and len(paragraph) <= 100:
            return notice.group("title")
    return head[0] if head else ""


def _doc_number(head: list[str]) -> str:
    # Only a 文号 that opens a line is the document's own; cited ones sit inside （…）.
    for paragraph in head:
        match = DOC_NUMBER.match(paragraph)
        if match:
            return match.group(0)
    return ""


def _level(place: str) -> str:
    for suffix, level in LEVELS.items():
        if place.endswith(suffix):
            return level
    return ""


def _dates(paragraphs: list[str], header_fields: dict[str, str]) -> dict[str, str]:
    dates: dict[str, str] = {}
    if header_fields.get("发文日期"):
        dates["issued"] = header_fields["发文日期"]
    if header_fields.get("签署日期"):
        dates["signed"] = header_fields["签署日期"]
    for paragraph in paragraphs:
        match = CN_DATE.fullmatch(paragraph) or (CN_DATE.search(paragraph) if paragraph.endswith(("印", "印发")) else None)
        if not match:
            continue
        iso = f"{int(match['y']):04d}-{int(match['m']):02d}-{int(match['d']):02d}"
        dates.setdefault("printed" if match["printed"] else "signed", iso)
    return dates


def load_manifest(path: Path) -> dict[str, dict]:
    """Manifest entries keyed by source file name; a missing manifest is empty."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {entry["source"]: entry for entry in data.get("document", [])}


def apply_manifest(info: DocumentInfo, entry: dict | None) -> DocumentInfo:
    if not entry:
        return info
    overrides = {
        "doc_id": entry.get("id"), "title": entry.get("title"), "doc_number": entry.get("doc_number"),
        "jurisdiction": entry.get("jurisdiction"), "level": entry.get("level"), "status": entry.get("status"),
    }
    merged = {key: value for key, value in overrides.items() if value is not None}
    if "issuers" in entry:
        merged["issuers"] = tuple(entry["issuers"])
    if "dates" in entry:
        merged["dates"] = {**info.dates, **{k: str(v) for k, v in entry["dates"].items()}}
    return replace(info, **merged)
