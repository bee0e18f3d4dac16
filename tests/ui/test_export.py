"""Briefing and table exports: pure functions, no index or browser needed."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import docx

from assistant import export
from assistant.types import Answer, Citation
from ingest.records import ResponsibilityRecord

TITLE = "郴州市全民科学素质行动规划纲要实施方案（2021-2025年）"
DUTY = "(责任分工：由市卫生健康委、市民政局牵头，市委组织部、市委宣传部等单位参加)"
HEADING = "(四) 老年人科学素质提升行动。以提升信息素养和健康素养为重点。"


def citation(number: int, chunk_id: str, text: str, start: int = 0) -> Citation:
    return Citation(number, chunk_id, "003_chenzhou.txt", TITLE, "郴政办发〔2022〕1号", "郴州市",
                    "二、提升行动 › （四）老年人科学素质提升行动", text, start, start + len(text))


def elderly_answer() -> Answer:
    return Answer(
        question="郴州市老年人科学素质提升行动由哪些单位牵头？",
        text=f"**郴州市**（四）老年人科学素质提升行动 [1]：由**市卫生健康委、市民政局**牵头 [2]。\n\n> {DUTY} [2]",
        citations=[citation(1, "heading", HEADING, 100), citation(2, "duty", DUTY, 500)],
        retrieved=[], abstained=False)


def follow_up_answer() -> Answer:
    # Cites the same 责任分工 passage as the first answer, under its own number [1].
    return Answer(question="参加单位有哪些？", text="市委组织部、市委宣传部等单位参加 [1]。",
                  citations=[citation(1, "duty", DUTY, 500)], retrieved=[], abstained=False,
                  notice="问题过长，只使用了前 1000 个字符。")


def test_markdown_briefing_has_questions_answers_and_numbered_notes():
    text = export.briefing_markdown([elderly_answer(), follow_up_answer()], generated_at=datetime(2025, 3, 1, 9, 30))

    assert text.startswith("# 政策问答简报")
    assert "2025-03-01 09:30" in text
    assert "## 1. 郴州市老年人科学素质提升行动由哪些单位牵头？" in text
    assert "由**市卫生健康委、市民政局**牵头 [^2]" in text
    # The follow-up's [1] is the same passage as the first answer's [2]: one shared note.
    assert "市委宣传部等单位参加 [^2]。" in text
    assert "_问题过长，只使用了前 1000 个字符。_" in text
    notes = text.split("## 注释 / Notes", 1)[1]
    assert f"[^1]: 《{TITLE}》（郴政办发〔2022〕1号） › 二、提升行动 › （四）老年人科学素质提升行动：“{HEADING}”" in notes
    assert f"[^2]: 《{TITLE}》" in notes and DUTY in notes
    assert "[^3]" not in text


def test_docx_briefing_opens_and_holds_answer_superscript_markers_and_notes(tmp_path):
    path = export.briefing_docx([elderly_answer(), follow_up_answer()], tmp_path / "briefing.docx")

    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    body = "\n".join(paragraphs)
    assert "1. 郴州市老年人科学素质提升行动由哪些单位牵头？" in paragraphs
    assert "由市卫生健康委、市民政局牵头 [2]" in body
    assert "注释 / Notes" in paragraphs
    notes = paragraphs[paragraphs.index("注释 / Notes") + 1:]
    assert notes[0].startswith(f"[1] 《{TITLE}》（郴政办发〔2022〕1号） › 二、提升行动") and HEADING in notes[0]
    assert notes[1].startswith("[2] ") and DUTY in notes[1]
    assert len(notes) == 2
    markers = [run for p in document.paragraphs for run in p.runs if run.text in ("[1]", "[2]")]
    assert markers and all(run.font.superscript for run in markers)
    bold = [run.text for p in document.paragraphs for run in p.runs if run.bold]
    assert "市卫生健康委、市民政局" in bold
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert any(DUTY in q for q in quotes)


def test_docx_briefing_renders_a_comparison_table(tmp_path):
    answer = Answer(question="Compare", text="| 地区 | 目标 |\n|---|---|\n| 郴州市 | 超过15% [1] |",
                    citations=[citation(1, "t", "公民具备科学素质的比例超过15%")], retrieved=[], abstained=False)
    document = docx.Document(str(export.briefing_docx([answer], tmp_path / "t.docx")))
    assert [[cell.text for cell in row.cells] for row in document.tables[0].rows] == [
        ["地区", "目标"], ["郴州市", "超过15% [1]"]]


def records() -> list[ResponsibilityRecord]:
    def record(action: str, lead: tuple, part: tuple, source: str = "003_chenzhou.txt") -> ResponsibilityRecord:
        return ResponsibilityRecord(source=source, doc_id="d", title=TITLE if source.startswith("003") else "中方县方案",
                                    jurisdiction="郴州市" if source.startswith("003") else "中方县",
                                    section_path=(TITLE, "二、提升行动", action), action=action, lead_agencies=lead,
                                    participating_agencies=part, chunk_id=action, text=DUTY)
    return [record("（四）老年人科学素质提升行动", ("市卫生健康委", "市民政局"), ("市委组织部", "市科协")),
            record("（一）青少年科学素质提升行动", ("市教育局",), ("市民政局",)),
            record("（一）青少年科学素质提升行动", ("县教育局",), ("县科协",), source="004_zhongfang.txt")]


def test_responsibility_rows_filter_by_document_and_agency_text():
    everything = export.responsibility_rows(records())
    assert len(everything) == 3
    assert everything[0] == [TITLE, "郴州市", "（四）老年人科学素质提升行动", "市卫生健康委、市民政局", "市委组织部、市科协"]
    assert len(export.responsibility_rows(records(), document="004_zhongfang.txt")) == 1
    assert [r[2] for r in export.responsibility_rows(records(), agency="民政")] == [
        "（四）老年人科学素质提升行动", "（一）青少年科学素质提升行动"]
    assert export.responsibility_rows(records(), document="004_zhongfang.txt", agency="民政") == []


def test_csv_has_a_byte_order_mark_and_chinese_text(tmp_path):
    path = export.write_csv(tmp_path / "records.csv", export.RECORD_HEADERS, export.responsibility_rows(records()))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                     # Excel detects UTF-8 by the BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == export.RECORD_HEADERS
    assert rows[1][3] == "市卫生健康委、市民政局"
    assert len(rows) == 4


TARGETS = [
    {"indicator": "公民具备科学素质的比例", "comparator": "超过", "value": "15", "unit": "%", "year": "2025",
     "jurisdiction": "郴州市", "sentence": "到2025年，全市公民具备科学素质的比例超过15%。"},
    {"indicator": "公民具备科学素质的比例", "comparator": "超过", "value": "15", "unit": "%", "year": "2025",
     "jurisdiction": "中方县", "sentence": "到2025年，全县公民具备科学素质的比例超过15%。"},
    {"indicator": "每万人拥有科普展厅面积", "comparator": "达到", "value": "160", "unit": "平方米", "year": "",
     "jurisdiction": "湖南省", "sentence": "每万人拥有科普展厅面积达到160平方米。"},
]


def test_target_rows_and_side_by_side_comparison():
    assert export.target_rows(TARGETS, ["郴州市"]) == [
        ["公民具备科学素质的比例", "超过15", "%", "2025", "郴州市", "到2025年，全市公民具备科学素质的比例超过15%。"]]
    assert len(export.target_rows(TARGETS)) == 3

    headers, rows = export.target_comparison(TARGETS, ["郴州市", "中方县", "湖南省"])
    assert headers == ["指标 / Indicator", "年份 / Year", "单位 / Unit", "郴州市", "中方县", "湖南省"]
    assert rows[0] == ["公民具备科学素质的比例", "2025", "%", "超过15", "超过15", ""]   # shared indicator first
    assert rows[1] == ["每万人拥有科普展厅面积", "", "平方米", "", "", "达到160"]


def test_document_rows_list_metadata_and_chunk_counts():
    from ingest.metadata import DocumentInfo

    info = DocumentInfo(source="003_chenzhou.txt", doc_id="chenzhou", title=TITLE, doc_number="郴政办发〔2022〕1号",
                        issuers=("郴州市人民政府办公室",), jurisdiction="郴州市", level="市级", status="正式印发",
                        dates={"signed": "2022-01-05"})
    assert export.document_rows({"003_chenzhou.txt": info}, {"003_chenzhou.txt": 62}) == [
        [TITLE, "郴政办发〔2022〕1号", "郴州市人民政府办公室", "郴州市", "市级", "正式印发", "签署 2022-01-05", "62"]]
