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

from assistant.document_status import status_label, status_mark
from assistant.english import english_list, english_name
from assistant.files import write_atomically, write_bytes_atomically
from assistant.markup import csv_safe_cell, unescape_markdown
from assistant.types import Answer, Citation

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
# 印发 is the act of issuing a document (the 版记's "…印发" line), not printing it.
DATE_NAMES_EN = {"issued": "dated", "signed": "signed", "printed": "issued"}
COMPARISON_HEADERS = ["指标 / Indicator", "年份 / Year", "单位 / Unit"]
# Values our own metadata extractor writes (ingest/metadata.py), with their English.
STATUS_EN = {"正式印发": "Issued (final)", "征求意见稿": "Draft for comments"}
LEVEL_EN = {"省级": "Provincial", "国家级新区": "State-level new area", "市级": "Municipal", "县级": "County",
            "区级": "District"}
PLAN_END_MARK = ("（规划期末）", " (plan end)")
# "（2021—2025年）" in a title; "十四五" = the 14th five-year plan, 2021–2025 (the Nth ends in 1955 + 5N).
PLAN_YEARS = re.compile(r"(\d{4})\s*[—–-]\s*(\d{4})\s*年")
ANNUAL = re.compile(r"每年|年均|每一年")
FIVE_YEAR_PLAN = re.compile(r"十([一二三四五六七八九])五")


def english_headers(headers: Sequence[str]) -> list[str]:
    """"文件 / Document" → "Document" (bilingual headers keep their English half)."""
    return [header.split(" / ", 1)[-1] for header in headers]


def headers_for(headers: Sequence[str], language: str) -> list[str]:
    return english_headers(headers) if language == "English" else list(headers)


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
    return f"《{citation.title}》{status_mark(citation.status)}{number}{section}：“{' '.join(citation.text.split())}”"


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
    return write_atomically(Path(path), lambda temporary: document.save(str(temporary)))


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
    if text := unescape_markdown(text):   # quotes are escaped Markdown; a DOCX run shows the characters
        paragraph.add_run(text).bold = bold or None


# ------------------------------------------------------------------ 责任分工 table

def responsibility_rows(records: Iterable, document: str = "", agency: str = "",
                        language: str = "中文") -> list[list[str]]:
    """Rows of RECORD_HEADERS; ``document`` is a source file name (or ""), ``agency`` any text.
    With ``language="English"`` titles, places, actions and agencies are given in English."""
    agency = agency.strip()
    rows = []
    for record in records:
        if document and record.source != document:
            continue
        if agency and not any(agency in name for name in (*record.lead_agencies, *record.participating_agencies)):
            continue
        row = [record.title, record.jurisdiction, record.action,
               "、".join(record.lead_agencies), "、".join(record.participating_agencies)]
        if language == "English":
            row = [english_name(record.title), english_name(record.jurisdiction), english_name(record.action),
                   english_list(row[3]), english_list(row[4])]
        rows.append(row)
    return rows


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_safe_cell(cell) for cell in headers])
    writer.writerows([csv_safe_cell(cell) for cell in row] for row in rows)   # no cell becomes a formula
    return buffer.getvalue()


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> Path:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    return write_bytes_atomically(Path(path), csv_text(headers, rows).encode("utf-8-sig"))


# ------------------------------------------------------------------ 目标指标 tables

def target_rows(targets: Iterable[dict], jurisdictions: Sequence[str] = (), language: str = "中文") -> list[list[str]]:
    """Rows of TARGET_HEADERS, optionally only for some jurisdictions, grouped per indicator
    (see ``indicator_groups``) and jurisdiction, then by year. The sentence stays as quoted."""
    targets = [t for t in targets if not jurisdictions or t["jurisdiction"] in jurisdictions]
    groups = indicator_groups(t["indicator"] for t in targets)
    rows = [(groups[t["indicator"]], t["jurisdiction"], target_year(t), t) for t in targets]
    rows.sort(key=lambda row: (row[0], row[1], row[2][0] or "9999"))
    return [[_name(indicator, language), _value(t), t["unit"], _year_label(year, language), _name(place, language),
             t["sentence"]] for indicator, place, year, t in rows]


def indicator_groups(indicators: Iterable[str]) -> dict[str, str]:
    """Each indicator label → the label of its group.

    Chinese noun phrases put the head last, so a label that ends with another label is the
    same indicator narrowed by a qualifier: "直管区、托管区公民具备科学素质的比例" and
    "实现了“十三五”规划每万人拥有科普人员" belong to "公民具备科学素质的比例" and
    "每万人拥有科普人员". The shortest such label (at least 4 characters) names the group."""
    labels = sorted(set(indicators), key=len)
    groups = {}
    for label in labels:
        head = next((other for other in labels if len(other) >= 4 and len(other) < len(label) and label.endswith(other)),
                    None)
        groups[label] = groups.get(head, head) if head else label
    return groups


def target_year(target: dict) -> tuple[str, bool]:
    """(year, inferred): the stated year, else the end of the plan period the document's title names."""
    if target.get("year"):
        return str(target["year"]), False
    if ANNUAL.search(target.get("sentence", "")):
        return "", False          # "每年培训5万人次": a yearly figure, not one for the plan's last year
    end = plan_end_year(target.get("title", ""))
    return (end, True) if end else ("", False)


def plan_end_year(title: str) -> str:
    if match := PLAN_YEARS.search(title):
        return match.group(2)
    if match := FIVE_YEAR_PLAN.search(title):
        return str(1955 + 5 * (10 + "一二三四五六七八九".index(match.group(1)) + 1))
    return ""


def _year_label(year: tuple[str, bool], language: str) -> str:
    value, inferred = year
    if not inferred:
        return value
    return value + PLAN_END_MARK[1 if language == "English" else 0]


def _name(chinese: str, language: str) -> str:
    return english_name(chinese) if language == "English" else chinese


def _value(target: dict) -> str:
    comparator = target.get("comparator", "")
    more = "以上" if comparator.endswith("以上") else ""
    return f"{comparator.removesuffix('以上')}{target['value']}{more}".strip()


def target_comparison(targets: Iterable[dict], jurisdictions: Sequence[str],
                      language: str = "中文") -> tuple[list[str], list[list[str]]]:
    """Side by side: one row per (indicator group, year, unit), one column per jurisdiction.

    Indicators stated by more of the chosen jurisdictions come first; a cell holds every
    value that jurisdiction states (joined by "；"). A target without a year counts for the
    end of its document's plan period (marked as such)."""
    places = list(jurisdictions)
    chosen = [t for t in targets if t["jurisdiction"] in places]
    groups = indicator_groups(t["indicator"] for t in chosen)
    cells: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for target in chosen:
        year, inferred = target_year(target)
        key = (groups[target["indicator"]], year, target["unit"])
        values = cells.setdefault(key, {}).setdefault(target["jurisdiction"], [])
        value = _value(target) + (PLAN_END_MARK[1 if language == "English" else 0] if inferred else "")
        if value not in values:
            values.append(value)
    ordered = sorted(cells.items(), key=lambda item: (-len(item[1]), item[0][1] or "9999", item[0][0]))
    headers = [*headers_for(COMPARISON_HEADERS, language), *(_name(place, language) for place in places)]
    rows = [[_name(indicator, language), year, unit, *("；".join(by_place.get(place, [])) for place in places)]
            for (indicator, year, unit), by_place in ordered]
    return headers, rows


# ------------------------------------------------------------------ documents table

def document_rows(documents: dict, chunk_counts: dict[str, int], language: str = "中文") -> list[list[str]]:
    """Rows of DOCUMENT_HEADERS for ``{source: DocumentInfo}``; the 文号 stays as issued."""
    rows = []
    english = language == "English"
    for source, info in documents.items():
        names = DATE_NAMES_EN if english else DATE_NAMES
        dates = "；".join(f"{names.get(kind, kind)} {day}" for kind, day in sorted(info.dates.items()))
        issuers = ", ".join(english_name(i) for i in info.issuers) if english else "、".join(info.issuers)
        rows.append([_name(info.title, language), info.doc_number, issuers, _name(info.jurisdiction, language),
                     LEVEL_EN.get(info.level, info.level) if english else info.level,
                     _status_with_versions(info, documents, english),
                     dates, str(chunk_counts.get(source, 0))])
    return rows


def _status_with_versions(info, documents: dict, english: bool) -> str:
    """The status, and the version chain when one document replaced another:
    "已被替代 → 《新方案》" on the old one, "正式印发（取代《旧方案》）" on the new one."""
    def title_of(source: str) -> str:
        other = documents.get(source)
        return f"《{_name(other.title, 'English' if english else '中文') if other else source}》"

    if english:
        status = STATUS_EN.get(info.status) or status_label(info.status, english=True)
    else:      # as the document states it ("正式印发"); ingest's own "superseded" in Chinese
        status = status_label(info.status) if info.status == "superseded" else info.status
    if getattr(info, "superseded_by", ""):
        status += f" → {title_of(info.superseded_by)}"
    replaced = getattr(info, "supersedes", None) or []
    if replaced:
        names = ", ".join(title_of(source) for source in replaced)
        status += f" (replaces {names})" if english else f"（取代{names}）"
    return status


# ------------------------------------------------------------------ topic briefing (assistant.briefing)
# One briefing, three renderings with the same content and the same note numbers: Markdown,
# DOCX on A4 (with the chart) and PPTX (a slide per jurisdiction, then the chart and the sources).

TOPIC_TITLE = "专题简报：{topic}"
NO_DUTIES = "文件未就此专题列出牵头或参加单位。"
NOT_COVERED_HEADING = "未涉及该专题的文件"
SLIDE_QUOTE_CHARS = 70
SLIDE_TARGETS = 4
SLIDE_MEASURES = 2
NOTES_PER_SLIDE = 10


def briefing_note(citation: Citation) -> str:
    """One source note: 《title》（status）（文号） › section：“passage”."""
    return note_text(citation)


def _duty_line(duty) -> str:
    partners = f"；参加：{'、'.join(duty.participating)}" if duty.participating else ""
    return f"{duty.action}：牵头 **{'、'.join(duty.lead)}**{partners} [{duty.citation.number}]"


def _target_cells(target) -> list[str]:
    return [target.indicator, target.value, target.year or "—", f"[{target.citation.number}]"]


def _document_heading(document) -> str:
    number = f"（{document.doc_number}）" if document.doc_number else ""
    return f"《{document.title}》{number}"


def briefing_to_markdown(briefing) -> str:
    lines = [f"# {TOPIC_TITLE.format(topic=briefing.topic)}", "", _generated_line(briefing.generated_at), "",
             f"涉及该专题的文件 {len(briefing.documents)} 份；未涉及 {len(briefing.not_covered)} 份。", ""]
    for place, documents in briefing.by_jurisdiction().items():
        lines += [f"## {place}", ""]
        for document in documents:
            lines += [f"### {_document_heading(document)}", "", f"状态：**{document.status_text}**", ""]
            lines += ["**牵头与参加单位**", ""]
            lines += [f"- {_duty_line(duty)}" for duty in document.duties] or [f"- {NO_DUTIES}"]
            lines.append("")
            if document.targets:
                lines += ["**目标指标**", "", "| 指标 | 目标值 | 年份 | 出处 |", "|---|---|---|---|"]
                lines += ["| " + " | ".join(_target_cells(t)) + " |" for t in document.targets]
                lines.append("")
            if document.measures:
                lines += ["**主要措施（原文）**", ""]
                for measure in document.measures:
                    lines += [f"> “{measure.text}” [{measure.citation.number}]", ">"]
                lines[-1] = ""
    unit, rows = briefing.comparable_targets()
    if rows:
        lines += [f"## 可比指标（单位：{unit}）", "", "| 地区 | 指标 | 目标值 | 年份 | 出处 |", "|---|---|---|---|---|"]
        lines += [f"| {place} | {t.indicator} | {t.value} | {t.year or '—'} | [{t.citation.number}] |"
                  for place, t in rows]
        lines.append("")
    if briefing.not_covered:
        lines += [f"## {NOT_COVERED_HEADING}", ""]
        lines += [f"- 《{title}》{f'（{place}）' if place else ''}" for title, place in briefing.not_covered]
        lines.append("")
    lines += [f"## {NOTES_HEADING}", ""]
    lines += [f"[{c.number}] {briefing_note(c)}" for c in briefing.citations()]
    lines.append("")
    return "\n".join(lines)


def briefing_to_docx(briefing, path: Path) -> Path:
    """The briefing on A4: per jurisdiction and document the status, agencies, a targets table and
    the quoted measures; then the chart of comparable figures and the numbered sources."""
    import tempfile

    from docx import Document
    from docx.shared import Cm

    from assistant.surfaces.chart import comparable_chart

    document = Document()
    _use_a4(document)
    _use_chinese_font(document)
    document.add_heading(TOPIC_TITLE.format(topic=briefing.topic), level=0)
    document.add_paragraph(_generated_line(briefing.generated_at))
    document.add_paragraph(f"涉及该专题的文件 {len(briefing.documents)} 份；未涉及 {len(briefing.not_covered)} 份。")
    no_numbers: dict[int, int] = {}
    for place, documents in briefing.by_jurisdiction().items():
        document.add_heading(place, level=1)
        for item in documents:
            document.add_heading(_document_heading(item), level=2)
            _add_inline(document.add_paragraph(), f"状态：**{item.status_text}**", no_numbers)
            _add_inline(document.add_paragraph(), "**牵头与参加单位**", no_numbers)
            for duty in item.duties or [None]:
                paragraph = document.add_paragraph(style="List Bullet")
                _add_inline(paragraph, _duty_line(duty) if duty else NO_DUTIES, _identity(briefing))
            if item.targets:
                _add_inline(document.add_paragraph(), "**目标指标**", no_numbers)
                _add_table(document, ["| 指标 | 目标值 | 年份 | 出处 |"] +
                           ["| " + " | ".join(_target_cells(t)) + " |" for t in item.targets], _identity(briefing))
            if item.measures:
                _add_inline(document.add_paragraph(), "**主要措施（原文）**", no_numbers)
                for measure in item.measures:
                    _add_inline(document.add_paragraph(style="Quote"), f"“{measure.text}” [{measure.citation.number}]",
                                _identity(briefing))
    with tempfile.TemporaryDirectory() as folder:
        chart = comparable_chart(briefing, Path(folder) / "chart.png", width_inches=8.0, height_inches=4.0)
        if chart:
            unit, _ = briefing.comparable_targets()
            document.add_heading(f"可比指标（单位：{unit}）", level=1)
            document.add_picture(str(chart), width=Cm(16))
    if briefing.not_covered:
        document.add_heading(NOT_COVERED_HEADING, level=1)
        for title, place in briefing.not_covered:
            document.add_paragraph(f"《{title}》{f'（{place}）' if place else ''}", style="List Bullet")
    document.add_heading(NOTES_HEADING, level=1)
    for citation in briefing.citations():
        document.add_paragraph(f"[{citation.number}] {briefing_note(citation)}")
    path = Path(path)
    document.save(str(path))
    return path


def _identity(briefing) -> dict[int, int]:
    """Note markers keep their briefing-wide numbers (they are already numbered)."""
    return {c.number: c.number for c in briefing.citations()}


def briefing_to_pptx(briefing, path: Path) -> Path:
    """A 16:9 deck: a title slide, one slide per jurisdiction (status, agencies, targets and
    measures of each document, each marked [n]), the chart, and the numbered sources."""
    import tempfile

    from pptx import Presentation
    from pptx.util import Inches, Pt

    from assistant.surfaces.chart import comparable_chart

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    title_slide = deck.slides.add_slide(deck.slide_layouts[0])
    title_slide.shapes.title.text = TOPIC_TITLE.format(topic=briefing.topic)
    title_slide.placeholders[1].text = (f"{len(briefing.by_jurisdiction())} 个地区 · {len(briefing.documents)} 份文件\n"
                                        f"{_generated_line(briefing.generated_at)}")
    for place, documents in briefing.by_jurisdiction().items():
        slide = deck.slides.add_slide(deck.slide_layouts[5])     # title only
        slide.shapes.title.text = f"{place}：{briefing.topic}"
        _fit_title(slide, Pt(30))
        frame = slide.shapes.add_textbox(Inches(0.5), Inches(1.35), Inches(12.3), Inches(5.9)).text_frame
        frame.word_wrap = True
        lines = _jurisdiction_lines(documents)
        heading, body = _slide_sizes(len(lines))
        for number, (text, level) in enumerate(lines):
            _slide_line(frame, text, heading if level == 0 else body, level=level, bold=level == 0, first=number == 0)
    with tempfile.TemporaryDirectory() as folder:
        chart = comparable_chart(briefing, Path(folder) / "chart.png", width_inches=11.5, height_inches=5.2)
        if chart:
            slide = deck.slides.add_slide(deck.slide_layouts[5])
            unit, _ = briefing.comparable_targets()
            slide.shapes.title.text = f"可比指标（单位：{unit}）"
            _fit_title(slide, Pt(30))
            picture = slide.shapes.add_picture(str(chart), Inches(0.6), Inches(1.3), height=Inches(5.9))
            if picture.width > Inches(12.1):
                ratio = Inches(12.1) / picture.width
                picture.width, picture.height = Inches(12.1), int(picture.height * ratio)
    citations = briefing.citations()
    for start in range(0, len(citations), NOTES_PER_SLIDE):
        slide = deck.slides.add_slide(deck.slide_layouts[5])
        slide.shapes.title.text = NOTES_HEADING
        _fit_title(slide, Pt(26))
        frame = slide.shapes.add_textbox(Inches(0.5), Inches(1.2), Inches(12.3), Inches(6.0)).text_frame
        frame.word_wrap = True
        for offset, citation in enumerate(citations[start:start + NOTES_PER_SLIDE]):
            _slide_line(frame, f"[{citation.number}] {_shorten(briefing_note(citation), 150)}", Pt(10), first=offset == 0)
    path = Path(path)
    deck.save(str(path))
    return path


def _jurisdiction_lines(documents) -> list[tuple[str, int]]:
    """(text, level) lines of one jurisdiction's slide: each document, then its facts."""
    lines: list[tuple[str, int]] = []
    for item in documents:
        lines.append((f"{_document_heading(item)} · {item.status_text}", 0))
        for duty in item.duties[:2] or [None]:
            if duty is None:
                lines.append((NO_DUTIES, 1))
                continue
            partners = f"；参加：{_shorten('、'.join(duty.participating), 40)}" if duty.participating else ""
            lines.append((f"牵头：{'、'.join(duty.lead)}{partners} [{duty.citation.number}]", 1))
        for target in item.targets[:SLIDE_TARGETS]:
            year = f"（{target.year}年）" if target.year else ""
            lines.append((f"目标：{target.indicator} {target.value}{year} [{target.citation.number}]", 1))
        for measure in item.measures[:SLIDE_MEASURES]:
            lines.append((f"“{_shorten(measure.text, SLIDE_QUOTE_CHARS)}” [{measure.citation.number}]", 1))
    return lines


def _slide_sizes(line_count: int):
    """(document line, fact line) font sizes: as large as the slide's lines allow."""
    from pptx.util import Pt

    if line_count <= 7:
        return Pt(22), Pt(18)
    if line_count <= 11:
        return Pt(18), Pt(15)
    return Pt(15), Pt(12)


def _fit_title(slide, size) -> None:
    from pptx.util import Inches

    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.9)
    for paragraph in shape.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = size
            run.font.bold = True


def _slide_line(frame, text: str, size, level: int = 0, bold: bool = False, first: bool = False) -> None:
    paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
    paragraph.level = level
    run = paragraph.add_run()
    run.text = ("• " if level else "") + text
    run.font.size = size
    run.font.bold = bold


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
