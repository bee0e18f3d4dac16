"""Numeric targets: "到2025年，我市公民具备科学素质的比例超过15%" → a row of data.

Extracted at ingest so that target and comparison questions can be answered from a
table of (indicator, value, unit, year, jurisdiction) with the passage that states it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import sentences
from ingest.chunk import Chunk
from ingest.metadata import DocumentInfo
from ingest.tables import TableData

VALUE = re.compile(
    r"(?P<comparator>超过|达到|不低于|不少于|力争|突破|提高到|提升到|增加到|建设|培育|培训|选派|建成|开展)?"
    r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>%|万人次|人次|万人|名|人|个|家|所|场|次|站|万公里|平方米|项|支|座|处|期|户)"
    r"(?P<more>以上)?"
)
YEAR = re.compile(r"(?:到|至|在)?(?P<year>20\d{2})年")
CLAUSE = re.compile(r"[^，。；：]+")
LEADING_NOISE = re.compile(r"^(到|至)?20\d{2}年(底|前)?|^(我市|全市|全县|全省|新区|我县|我省|力争|每年|年均)")


@dataclass(frozen=True)
class Target:
    indicator: str           # what is measured, e.g. "公民具备科学素质的比例"
    comparator: str          # 超过 / 达到 / 不低于 …
    value: str               # as written, e.g. "15"
    unit: str                # "%", "人", "万人次" …
    year: str                # the year the sentence sets it for, "" when none
    jurisdiction: str
    source: str
    title: str
    section: str
    chunk_id: str
    sentence: str            # the sentence that states the target (cited)


INDICATOR_HEADER = re.compile(r"指标|名称|项目|内容|类别|事项")
HEADER_UNIT = re.compile(r"[（(](?P<unit>%|万人次|人次|万人|个|家|所|场|次|人|项)[）)]")
NUMBER = re.compile(r"^(?P<comparator>≥|>=|不低于|超过|达到)?\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>%|万人次|人次|万人|名|人|个|家|所|场|次|项|万)?(?P<more>以上)?$")


def extract_targets(info: DocumentInfo, chunks: list[Chunk], tables: tuple[TableData, ...] = ()) -> list[Target]:
    """Targets stated in sentences, and in indicator tables (one per numeric cell)."""
    targets = _table_targets(info, chunks, tables)
    for chunk in chunks:
        if chunk.kind == "table_row":
            continue   # read from the table's structure above, not from its rendering
        for sentence in sentences(chunk.text):
            targets.extend(_targets_in_sentence(info, chunk, sentence))
    return targets


def _targets_in_sentence(info: DocumentInfo, chunk: Chunk, sentence: str) -> list[Target]:
    year_match = YEAR.search(sentence)
    year = year_match.group("year") if year_match else ""
    found = []
    for clause in CLAUSE.findall(sentence):
        previous_end = 0
        for match in VALUE.finditer(clause):
            if _is_a_date_or_code(clause, match):
                continue
            # A list such as "专职人员1.22万人、兼职人员6.16万人" names one indicator per value.
            indicator = _indicator(clause[previous_end:match.start()], clause[match.end():], match["comparator"] or "")
            previous_end = match.end()
            if not indicator:
                continue
            found.append(Target(
                indicator=indicator, comparator=(match["comparator"] or "") + ("以上" if match["more"] else ""),
                value=match["value"], unit=match["unit"], year=year, jurisdiction=info.jurisdiction,
                source=info.source, title=info.title, section=chunk.section, chunk_id=chunk.chunk_id, sentence=sentence,
            ))
    return found


def _table_targets(info: DocumentInfo, chunks: list[Chunk], tables: tuple[TableData, ...]) -> list[Target]:
    """"指标 | 2025年 | 2030年" tables: each numeric cell is a target for its row's indicator,
    the year and unit coming from the column header (or the indicator's "（个）") when the cell
    does not state them; a bare number with no unit anywhere is not taken as a target."""
    by_text = {chunk.text: chunk for chunk in chunks if chunk.kind == "table_row"}
    found = []
    for table in tables:
        if not table.headers:
            continue
        named = [i for i, header in enumerate(table.headers) if INDICATOR_HEADER.search(header)]
        for row, text in zip(table.rows, table.row_texts()):
            chunk = by_text.get(text)
            if chunk is None:
                continue
            indicator_column = named[0] if named else next(
                (i for i, cell in enumerate(row) if cell and not NUMBER.match(cell) and not cell.isdigit()), None)
            if indicator_column is None or indicator_column >= len(row):
                continue
            for column, (header, cell) in enumerate(zip(table.headers, row)):
                match = NUMBER.match(cell)
                header_unit = HEADER_UNIT.search(header) or HEADER_UNIT.search(row[indicator_column])
                unit = (match["unit"] if match else "") or (header_unit["unit"] if header_unit else "")
                if column == indicator_column or not match or not unit:
                    continue
                year = YEAR.search(header) or YEAR.search(cell)
                found.append(Target(
                    indicator=row[indicator_column][-30:],
                    comparator=(match["comparator"] or "") + ("以上" if match["more"] else ""),
                    value=match["value"], unit=unit, year=year.group("year") if year else "",
                    jurisdiction=info.jurisdiction, source=info.source, title=info.title, section=chunk.section,
                    chunk_id=chunk.chunk_id, sentence=chunk.text))
    return found


def _is_a_date_or_code(clause: str, match: re.Match[str]) -> bool:
    after = clause[match.end("value"):match.end("value") + 1]
    return after in ("年", "月", "日", "号", "〕") or len(match["value"]) == 4 and match["unit"] in ("个", "名")


def _indicator(before: str, after: str, verb: str) -> str:
    text = before.strip(" 、（(")
    for _ in range(3):
        text = LEADING_NOISE.sub("", text).strip()
    text = re.sub(r"(超过|达到|不低于|不少于|力争|突破|提高到|提升到|增加到|比例为|为|达)$", "", text)
    # "建设30个各级劳模和工匠人才创新工作室": the counted thing follows the number.
    counted = re.match(r"[\u4e00-\u9fff“”（）]+", after.removeprefix("以上"))
    if verb in ("建设", "培育", "培训", "选派", "建成", "开展") or (counted and len(text) < 4):
        text = f"{text}{verb}{counted.group(0) if counted else ''}"
    return text[-30:]
