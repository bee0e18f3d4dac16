"""Exports for trainers: briefings (Markdown, DOCX) and the data tables (rows, CSV).

Pure functions over library objects (``Answer``, ``ResponsibilityRecord``, target rows,
``DocumentInfo``); the UI only calls them, and they work just as well from a script.

Citations in a briefing are renumbered across the whole conversation: each distinct
cited passage gets one note number, however many answers cite it. Markdown uses
footnotes (``[^n]``); DOCX uses superscript markers and a numbered "注释 / Notes" list at
the end (python-docx has no footnote API).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from assistant.answer import Answer, Citation

BRIEFING_TITLE = "政策问答简报 / Policy Q&A Briefing"
NOTES_HEADING = "注释 / Notes"
MARKER = re.compile(r"\[(\d+)\]")

RECORD_HEADERS = ["文件 / Document", "地区 / Jurisdiction", "行动 / Action",
                  "牵头单位 / Lead agencies", "参加单位 / Participating agencies"]
TARGET_HEADERS = ["指标 / Indicator", "数值 / Value", "单位 / Unit", "年份 / Year",
                  "地区 / Jurisdiction", "原文 / Sentence"]
DOCUMENT_HEADERS = ["标题 / Title", "文号 / Doc. no.", "发文单位 / Issuers", "地区 / Jurisdiction",
                    "层级 / Level", "状态 / Status", "日期 / Dates", "段落数 / Chunks"]
DATE_NAMES = {"issued": "发文", "signed": "签署", "printed": "印发"}


# ------------------------------------------------------------------ briefing notes

@dataclass
class BriefingNotes:
    """Numbers distinct cited passages across a whole conversation, in order of first use."""
    citations: list[Citation] = field(default_factory=list)
    _numbers: dict[str, int] = field(default_factory=dict)

    def number_for(self, citation: Citation) -> int:
        key = f"{citation.chunk_id}:{citation.start}:{citation.end}"
        if key not in self._numbers:
            self.citations.append(citation)
            self._numbers[key] = len(self.citations)
        return self._numbers[key]

    def renumber(self, answer: Answer) -> dict[int, int]:
        """The answer's own [n] → the briefing-wide note number."""
        return {c.number: self.number_for(c) for c in answer.citations}


def note_text(citation: Citation) -> str:
    """One note: 《title》（文号）, section path, then the cited passage."""
    number = f"（{citation.doc_number}）" if citation.doc_number else ""
    section = f" › {citation.section}" if citation.section else ""
    return f"《{citation.title}》{number}{section}：“{' '.join(citation.text.split())}”"


def replace_markers(text: str, numbers: dict[int, int], render) -> str:
    """Rewrite each [n] with ``render(note_number)``; unknown numbers stay as written."""
    def swap(match: re.Match[str]) -> str:
        number = numbers.get(int(match.group(1)))
        return render(number) if number else match.group(0)
    return MARKER.sub(swap, text)


def _generated_line(generated_at: datetime | None) -> str:
    moment = (generated_at or datetime.now()).strftime("%Y-%m-%d %H:%M")
    return f"生成时间 / Generated: {moment}"


# ------------------------------------------------------------------ Markdown briefing

def briefing_markdown(answers: Sequence[Answer], title: str = BRIEFING_TITLE,
                      generated_at: datetime | None = None) -> str:
    notes = BriefingNotes()
    lines = [f"# {title}", "", _generated_line(generated_at), ""]
    for number, answer in enumerate(answers, start=1):
        lines += [f"## {number}. {briefing_heading(answer)}", ""]
        lines.append(replace_markers(answer.text, notes.renumber(answer), lambda n: f"[^{n}]"))
        if answer.notice:
            lines += ["", f"_{answer.notice}_"]
        lines.append("")
    if notes.citations:
        lines += [f"## {NOTES_HEADING}", ""]
        lines += [f"[^{n}]: {note_text(c)}" for n, c in enumerate(notes.citations, start=1)]
        lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------ DOCX briefing

def briefing_docx(answers: Sequence[Answer], path: Path, title: str = BRIEFING_TITLE,
                  generated_at: datetime | None = None) -> Path:
    from docx import Document

    notes = BriefingNotes()
    document = Document()
    _use_a4(document)
    _use_chinese_font(document)
    document.add_heading(title, level=0)
    document.add_paragraph(_generated_line(generated_at))
    for number, answer in enumerate(answers, start=1):
        document.add_heading(f"{number}. {briefing_heading(answer)}", level=1)
        _add_markdown(document, answer.text, notes.renumber(answer))
        if answer.notice:
            document.add_paragraph().add_run(answer.notice).italic = True
    if notes.citations:
        document.add_heading(NOTES_HEADING, level=1)
        for n, citation in enumerate(notes.citations, start=1):
            document.add_paragraph(f"[{n}] {note_text(citation)}")
    path = Path(path)
    document.save(str(path))
    return path


def briefing_heading(answer: Answer) -> str:
    """The question that was answered: a follow-up ("那郴州呢？") as its standalone rewrite."""
    return (answer.standalone_question or "").strip() or answer.question


def _use_a4(document) -> None:
    """A4 portrait with 2.5 cm margins (python-docx starts from US Letter)."""
    from docx.shared import Cm, Mm

    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(2.5)


def _use_chinese_font(document, font: str = "宋体") -> None:
    """Name an East Asian font on the base style, so Word does not guess one for the Chinese text."""
    from docx.oxml.ns import qn

    fonts = document.styles["Normal"].element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)


def _add_markdown(document, text: str, numbers: dict[int, int]) -> None:
    """A small Markdown subset: paragraphs, > quotes, numbered/bulleted lists, tables, **bold**."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if line.startswith("|"):
            table_lines = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                table_lines.append(lines[i].strip())
                i += 1
            _add_table(document, table_lines, numbers)
            continue
        _add_line(document, line, numbers)
        i += 1


def _add_line(document, line: str, numbers: dict[int, int]) -> None:
    if not line.strip() or line.strip() == ">":
        return
    if line.startswith(">"):
        paragraph = document.add_paragraph(style="Quote")
        _add_inline(paragraph, line.lstrip("> ").strip(), numbers)
    elif re.match(r"^\s*\d+[.)]\s", line):
        paragraph = document.add_paragraph(style="List Number")
        _add_inline(paragraph, re.sub(r"^\s*\d+[.)]\s+", "", line), numbers)
    elif re.match(r"^\s*[-*+]\s", line):
        paragraph = document.add_paragraph(style="List Bullet")
        _add_inline(paragraph, re.sub(r"^\s*[-*+]\s+", "", line), numbers)
    elif heading := re.match(r"^(#{1,6})\s+(.*)$", line):
        document.add_heading(heading.group(2), level=min(len(heading.group(1)) + 1, 9))
    else:
        _add_inline(document.add_paragraph(), line, numbers)


def _add_table(document, table_lines: list[str], numbers: dict[int, int]) -> None:
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table_lines
            if not re.fullmatch(r"\|?[\s:|-]+\|?", line)]
    if not rows:
        return
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, cell_text in enumerate(row):
            paragraph = table.cell(r, c).paragraphs[0]
            _add_inline(paragraph, cell_text, numbers, bold=(r == 0))


def _add_inline(paragraph, text: str, numbers: dict[int, int], bold: bool = False) -> None:
    """Runs for **bold** spans and superscript note markers."""
    for index, part in enumerate(re.split(r"\*\*", text)):
        is_bold = bold or index % 2 == 1
        position = 0
        for match in MARKER.finditer(part):
            _add_run(paragraph, part[position:match.start()], is_bold)
            number = numbers.get(int(match.group(1)))
            marker = paragraph.add_run(f"[{number}]" if number else match.group(0))
            marker.font.superscript = True
            position = match.end()
        _add_run(paragraph, part[position:], is_bold)


def _add_run(paragraph, text: str, bold: bool) -> None:
    if text:
        paragraph.add_run(text).bold = bold or None


# ------------------------------------------------------------------ 责任分工 table

def responsibility_rows(records: Iterable, document: str = "", agency: str = "") -> list[list[str]]:
    """Rows of RECORD_HEADERS; ``document`` is a source file name (or ""), ``agency`` any text."""
    agency = agency.strip()
    rows = []
    for record in records:
        if document and record.source != document:
            continue
        if agency and not any(agency in name for name in (*record.lead_agencies, *record.participating_agencies)):
            continue
        rows.append([record.title, record.jurisdiction, record.action,
                     "、".join(record.lead_agencies), "、".join(record.participating_agencies)])
    return rows


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> Path:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    path = Path(path)
    path.write_text(csv_text(headers, rows), encoding="utf-8-sig", newline="")
    return path


# ------------------------------------------------------------------ 目标指标 tables

def target_rows(targets: Iterable[dict], jurisdictions: Sequence[str] = ()) -> list[list[str]]:
    """Rows of TARGET_HEADERS, optionally only for some jurisdictions."""
    return [[t["indicator"], _value(t), t["unit"], t["year"], t["jurisdiction"], t["sentence"]]
            for t in targets if not jurisdictions or t["jurisdiction"] in jurisdictions]


def _value(target: dict) -> str:
    comparator = target.get("comparator", "")
    more = "以上" if comparator.endswith("以上") else ""
    return f"{comparator.removesuffix('以上')}{target['value']}{more}".strip()


def target_comparison(targets: Iterable[dict], jurisdictions: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """Side by side: one row per (indicator, year, unit), one column per jurisdiction.

    Indicators stated by more of the chosen jurisdictions come first; a cell holds every
    value that jurisdiction states (joined by "；").
    """
    places = list(jurisdictions)
    cells: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for target in targets:
        if target["jurisdiction"] not in places:
            continue
        key = (target["indicator"], target["year"], target["unit"])
        values = cells.setdefault(key, {}).setdefault(target["jurisdiction"], [])
        if _value(target) not in values:
            values.append(_value(target))
    ordered = sorted(cells.items(), key=lambda item: (-len(item[1]), item[0][1] or "9999", item[0][0]))
    headers = ["指标 / Indicator", "年份 / Year", "单位 / Unit", *places]
    rows = [[indicator, year, unit, *("；".join(by_place.get(place, [])) for place in places)]
            for (indicator, year, unit), by_place in ordered]
    return headers, rows


# ------------------------------------------------------------------ documents table

def document_rows(documents: dict, chunk_counts: dict[str, int]) -> list[list[str]]:
    """Rows of DOCUMENT_HEADERS for ``{source: DocumentInfo}``."""
    rows = []
    for source, info in documents.items():
        dates = "；".join(f"{DATE_NAMES.get(kind, kind)} {day}" for kind, day in sorted(info.dates.items()))
        rows.append([info.title, info.doc_number, "、".join(info.issuers), info.jurisdiction, info.level,
                     info.status, dates, str(chunk_counts.get(source, 0))])
    return rows
