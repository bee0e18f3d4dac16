"""Briefing and table exports: pure functions, no index or browser needed."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import docx

from assistant.surfaces import export
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


def test_docx_is_a4_and_each_heading_is_the_question_that_was_answered(tmp_path):
    from docx.shared import Mm

    follow_up = Answer(question="那中方县呢？", text="由县卫生健康局、县民政局牵头 [1]。", citations=[citation(1, "duty", DUTY, 500)],
                       retrieved=[], abstained=False, standalone_question="中方县老年人科学素质提升行动由哪些单位牵头？")
    path = export.briefing_docx([elderly_answer(), follow_up], tmp_path / "briefing.docx")
    document = docx.Document(str(path))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "2. 中方县老年人科学素质提升行动由哪些单位牵头？" in headings
    assert not any("那中方县呢" in heading for heading in headings)
    markdown = export.briefing_markdown([follow_up])
    assert "## 1. 中方县老年人科学素质提升行动由哪些单位牵头？" in markdown


def target(place: str, indicator: str, value: str, year: str, title: str, comparator: str = "超过") -> dict:
    return {"indicator": indicator, "comparator": comparator, "value": value, "unit": "%", "year": year,
            "jurisdiction": place, "source": f"{place}.txt", "title": title, "section": "", "chunk_id": place,
            "sentence": f"{place}{indicator}{comparator}{value}%"}


GROUPED_TARGETS = [
    target("湖南省", "公民具备科学素质的比例", "15", "", "湖南省“十四五”科学技术普及发展规划", "达到以上"),
    target("湖南湘江新区", "直管区、托管区公民具备科学素质的比例", "18", "2025", "湖南湘江新区全民科学素质行动规划纲要实施方案"),
    target("郴州市", "公民具备科学素质的比例", "15", "2025", "郴州市全民科学素质行动规划纲要实施方案（2021-2025年）"),
]


def test_one_indicator_is_one_comparison_row_with_its_year():
    headers, rows = export.target_comparison(GROUPED_TARGETS, ["湖南省", "湖南湘江新区", "郴州市"])
    literacy = [row for row in rows if "公民具备科学素质的比例" in row[0]]
    assert len(literacy) == 1, rows                       # the qualified label joins its indicator
    indicator, year, unit, province, new_area, city = literacy[0]
    assert (indicator, year, unit) == ("公民具备科学素质的比例", "2025", "%")
    assert province.startswith("达到15以上") and "规划期末" in province      # the plan period's end, marked
    assert new_area == "超过18" and city == "超过15"


def test_targets_table_rows_are_grouped_by_indicator_then_jurisdiction():
    rows = export.target_rows(GROUPED_TARGETS)
    assert [(row[0], row[4]) for row in rows] == [("公民具备科学素质的比例", "湖南湘江新区"), ("公民具备科学素质的比例", "湖南省"),
                                                  ("公民具备科学素质的比例", "郴州市")]
    assert all(row[3] for row in rows)                    # every row has a year
    english = export.target_rows(GROUPED_TARGETS, language="English")
    assert all("Province" in row[4] or "Chenzhou" in row[4] or "Xiangjiang" in row[4] for row in english)
    assert english[0][5] == GROUPED_TARGETS[1]["sentence"]        # the quoted sentence stays Chinese


def test_english_document_rows_translate_names_but_keep_the_document_number():
    from ingest.metadata import DocumentInfo

    info = DocumentInfo(source="c.txt", doc_id="c", title="郴州市全民科学素质行动规划纲要实施方案（2021-2025年）",
                        doc_number="郴政办发〔2022〕1号", issuers=("郴州市人民政府办公室",), jurisdiction="郴州市",
                        level="市级", status="征求意见稿")
    row = export.document_rows({"c.txt": info}, {"c.txt": 3}, language="English")
    assert "Chenzhou" in row[0][0] and row[0][1] == "郴政办发〔2022〕1号"
    assert row[0][5] == "Draft for comments" and row[0][4] == "Municipal"
    assert not any(ch >= "\u4e00" and ch <= "\u9fff" for cell in (row[0][0], row[0][3], row[0][4]) for ch in cell)
    assert export.headers_for(export.DOCUMENT_HEADERS, "English")[5] == "Status"
