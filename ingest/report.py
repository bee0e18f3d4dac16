"""Ingest report: what ingest made of each document, and what it could not find.

One ``DocumentReport`` per document — format, size, sections, chunks, tables, records,
targets, jurisdiction, the metadata found and missing, and warnings a person should act on
("no 文号 found", "table without a header row", "encoding guessed as GBK"). The CLI prints
it (``describe``), the generation keeps it as ``report.json``, the UI's documents tab
shows ``report_rows``.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.chunk import Chunk
from ingest.load import RawDocument
from ingest.metadata import FIELD_NAMES, DocumentInfo, missing_fields
from ingest.records import ResponsibilityRecord
from ingest.structure import Section
from ingest.tables import column_roles

REPORT_FILE = "report.json"
MISSING_WARNINGS = {
    "title": "no title found", "doc_number": "no 文号 found", "issuers": "no issuer (发文单位) found",
    "dates": "no date found", "status": "no status (征求意见稿/草案/试行/正式印发) found",
    "jurisdiction": "no jurisdiction found",
}
# Encodings a reader reports when it had to infer the character set rather than read it.
GUESSED_ENCODINGS = {"gb18030": "GBK (GB18030)"}
DATE_KINDS = {"issued": "发文", "signed": "签署", "printed": "印发"}
# How a plan assigns units to items (not "省科协牵头推动…" in prose, which assigns nothing).
ASSIGNING_WORDS = re.compile(r"(牵头|责任|配合|主责)(单位|部门)[：:]|[（(][^（）()]{0,40}牵头[^（）()]{0,60}[）)]")


@dataclass
class DocumentReport:
    source: str
    title: str
    format: str                       # docx, pdf, html, txt, md
    encoding: str
    characters: int
    sections: int
    chunks: int
    tables: int
    table_rows: int
    records: int
    targets: int
    jurisdiction: str
    found: dict[str, str] = field(default_factory=dict)      # FIELD_NAMES label -> value as shown
    missing: list[str] = field(default_factory=list)         # FIELD_NAMES labels
    warnings: list[str] = field(default_factory=list)
    change: str = ""                  # added / replaced / unchanged / kept (this run)
    ocr_pages: int = 0                # pages or images read by OCR (scans)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> DocumentReport:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})

    def describe(self) -> str:
        """A compact block: one header line, one line of counts, found metadata, warnings."""
        lines = [f"{self.change or '·'} {self.source} [{self.format}] {self.title or '(no title)'}",
                 f"    {self.characters:,} chars · {self.sections} sections · {self.chunks} chunks · "
                 f"{self.tables} tables ({self.table_rows} rows) · {self.records} records · {self.targets} targets · "
                 f"jurisdiction: {self.jurisdiction or '—'}"]
        if self.found:
            lines.append("    found: " + "; ".join(f"{name} {value}" for name, value in self.found.items()))
        if self.warnings:
            lines.append("    warnings: " + "; ".join(self.warnings))
        return "\n".join(lines)


def build_report(raw: RawDocument, info: DocumentInfo, text: str, root: Section, chunks: list[Chunk],
                 records: list[ResponsibilityRecord], targets: int) -> DocumentReport:
    missing = missing_fields(info)
    table_rows = sum(len(table.rows) for table in raw.tables)
    return DocumentReport(
        source=info.source, title=info.title, format=raw.path.suffix.lower().lstrip(".") or "?",
        encoding=raw.encoding, characters=len(text), sections=sum(1 for _ in root.walk()) - 1, chunks=len(chunks),
        tables=len(raw.tables), table_rows=table_rows, records=len(records), targets=targets,
        jurisdiction=info.jurisdiction, found=_found(info), missing=[FIELD_NAMES[name] for name in missing],
        warnings=_warnings(raw, text, root, records, missing), ocr_pages=raw.ocr_pages,
    )


def _found(info: DocumentInfo) -> dict[str, str]:
    values = {
        "title": info.title, "doc_number": info.doc_number, "issuers": "、".join(info.issuers),
        "dates": "，".join(f"{DATE_KINDS.get(kind, kind)} {day}" for kind, day in sorted(info.dates.items())),
        "status": info.status,
        "jurisdiction": info.jurisdiction,
    }
    return {FIELD_NAMES[name]: value for name, value in values.items() if value and name != "title"}


def _warnings(raw: RawDocument, text: str, root: Section, records: list[ResponsibilityRecord],
              missing: list[str]) -> list[str]:
    warnings = [MISSING_WARNINGS[name] for name in missing]
    if raw.ocr_pages:
        warnings.append(f"{raw.ocr_pages} page(s) read by OCR from images: check figures and names against the scan")
    if raw.encoding in GUESSED_ENCODINGS:
        warnings.append(f"encoding guessed as {GUESSED_ENCODINGS[raw.encoding]}")
    elif raw.path.suffix.lower() in (".txt", ".md") and raw.encoding not in ("utf-8", "utf-8-sig", "utf-16", "utf-32"):
        warnings.append(f"encoding guessed as {raw.encoding}")
    for table in raw.tables:
        if not table.headers:
            warnings.append(f"table 「{table.caption}」 without a header row (rows indexed as plain values)")
        elif (roles := column_roles(table.headers)).lead and not roles.duty:
            leadless = sum(1 for row in table.rows if not any(row[i].strip() for i in roles.lead if i < len(row)))
            if leadless:
                warnings.append(f"table 「{table.caption}」: {leadless} rows name no lead unit")
    if not root.children and raw.path.suffix.lower() not in (".xlsx", ".xls", ".ods"):   # a workbook is rows, not sections
        warnings.append("no numbered sections (一、/（一）/1.) found; chunks follow paragraphs")
    if not records and ASSIGNING_WORDS.search(text):
        warnings.append("the text assigns units (牵头/责任单位) but no responsibility record was parsed")
    return warnings


def read_reports(generation_dir: Path) -> dict[str, DocumentReport]:
    """The reports a generation holds, by source; empty for a generation built before reports existed."""
    path = generation_dir / REPORT_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {entry["source"]: DocumentReport.from_json(entry) for entry in data.get("documents", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
