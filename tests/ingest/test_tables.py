"""Tables are data: rows of .docx/.pdf/.html tables become "表头：值" chunks with their caption,
and a table whose columns name lead and partner units yields responsibility records.
Also the running-text phrasings that assign units. All documents are synthetic (示例市, 某某县)."""
from __future__ import annotations

import functools
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from ingest.load import load_file
from ingest.pipeline import parse_document
from ingest.records import parse_agencies

FONTS = [Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
         Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
         Path("/usr/share/fonts/truetype/arphic/uming.ttc")]
TASKS = [
    ("1", "举办示例市科技活动周", "示例市科协", "市教育局、市科技局"),
    ("2", "开展青少年科学调查体验活动", "市教育局", "市科协"),
    ("3", "建设社区科普e站", "市民政局、市科协", "各区县政府"),
]
CAPTION = "示例市科协2030年重点任务分工表"


def make_task_docx(path: Path, headers=("序号", "重点任务", "牵头单位", "配合单位"), rows=TASKS) -> Path:
    document = docx.Document()
    document.add_paragraph("示例市科协2030年科普工作要点")
    document.add_paragraph("一、重点任务")
    document.add_paragraph("全年围绕以下任务开展工作。")
    document.add_paragraph(CAPTION)
    table = document.add_table(rows=1 + len(rows), cols=len(headers))
    for column, header in enumerate(headers):
        table.cell(0, column).text = header
    for r, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            table.cell(r, column).text = value
    document.add_paragraph("二、保障措施")
    document.add_paragraph("各单位要加强协调，确保任务落实。")
    document.save(path)
    return path


def parsed(path: Path):
    return parse_document(load_file(path), None, 400)


def test_docx_table_rows_become_header_value_chunks_in_document_order(tmp_path):
    document = parsed(make_task_docx(tmp_path / "points.docx"))
    rows = [c for c in document.chunks if c.kind == "table_row"]
    assert [c.text for c in rows] == [
        f"【{CAPTION}】序号：1；重点任务：举办示例市科技活动周；牵头单位：示例市科协；配合单位：市教育局、市科技局",
        f"【{CAPTION}】序号：2；重点任务：开展青少年科学调查体验活动；牵头单位：市教育局；配合单位：市科协",
        f"【{CAPTION}】序号：3；重点任务：建设社区科普e站；牵头单位：市民政局、市科协；配合单位：各区县政府",
    ]
    # the rows sit in the section they appear in, between the text before and after the table
    assert all(c.section_path[1] == "一、重点任务" for c in rows)
    texts = [c.text for c in document.chunks]
    assert texts.index(rows[0].text) > next(i for i, t in enumerate(texts) if "全年围绕" in t)
    assert any("二、保障措施" in t for t in texts[texts.index(rows[-1].text) + 1:])


def test_task_table_rows_become_responsibility_records(tmp_path):
    document = parsed(make_task_docx(tmp_path / "points.docx"))
    records = {r.action: r for r in document.records}
    assert set(records) == {"1. 举办示例市科技活动周", "2. 开展青少年科学调查体验活动", "3. 建设社区科普e站"}
    first = records["1. 举办示例市科技活动周"]
    assert first.lead_agencies == ("示例市科协",)
    assert first.participating_agencies == ("市教育局", "市科技局")
    assert records["3. 建设社区科普e站"].lead_agencies == ("市民政局", "市科协")
    # the record cites the row's own chunk
    chunk = next(c for c in document.chunks if c.chunk_id == first.chunk_id)
    assert chunk.kind == "table_row" and "举办示例市科技活动周" in chunk.text


@pytest.mark.parametrize("headers", [
    ("编号", "工作内容", "主办单位", "协办单位"),
    ("序号", "任务事项", "牵头部门", "参与部门"),
    ("序号", "项目名称", "主责单位", "协助单位"),
])
def test_lead_and_partner_columns_are_recognised_by_meaning(tmp_path, headers):
    document = parsed(make_task_docx(tmp_path / "points.docx", headers=headers))
    assert len(document.records) == 3
    assert document.records[1].lead_agencies == ("市教育局",)
    assert document.records[1].participating_agencies == ("市科协",)


def test_a_single_responsible_units_column_makes_the_first_unit_lead(tmp_path):
    rows = [("1", "开展科普讲座", "市卫生健康委、市科协、市妇联")]
    document = parsed(make_task_docx(tmp_path / "p.docx", headers=("序号", "工作任务", "责任单位"), rows=rows))
    (record,) = document.records
    assert record.lead_agencies == ("市卫生健康委",)
    assert record.participating_agencies == ("市科协", "市妇联")


def test_a_table_without_unit_columns_gives_rows_but_no_records(tmp_path):
    rows = [("公民具备科学素质的比例", "12%", "15%")]
    document = parsed(make_task_docx(tmp_path / "t.docx", headers=("指标", "2025年", "2030年"), rows=rows))
    assert document.records == []
    assert [c.text for c in document.chunks if c.kind == "table_row"] == [
        f"【{CAPTION}】指标：公民具备科学素质的比例；2025年：12%；2030年：15%"]


def test_a_table_without_a_header_row_is_kept_as_values(tmp_path):
    rows = [("2030年", "12.5%"), ("2035年", "18%")]
    path = make_task_docx(tmp_path / "n.docx", headers=("2025年", "10%"), rows=rows)
    raw = load_file(path)
    (table,) = raw.tables
    assert table.headers == ()
    assert f"【{CAPTION}】2025年；10%" in raw.text.split("\n\n")


HTML = """<html><head><meta charset="utf-8"></head><body>
<h1>某某县2030年科普工作要点</h1>
<p>一、重点任务</p>
<table><caption>某某县重点任务清单</caption>
<tr><th>序号</th><th>任务</th><th>牵头单位</th><th>配合单位</th></tr>
<tr><td>1</td><td>举办农民科技培训</td><td>县农业农村局</td><td>县科协、县妇联</td></tr>
</table>
<p>二、保障措施</p><p>加强经费保障。</p>
</body></html>"""


def test_html_table_with_caption(tmp_path):
    path = tmp_path / "points.html"
    path.write_text(HTML, encoding="utf-8")
    document = parsed(path)
    (row,) = [c for c in document.chunks if c.kind == "table_row"]
    assert row.text == "【某某县重点任务清单】序号：1；任务：举办农民科技培训；牵头单位：县农业农村局；配合单位：县科协、县妇联"
    (record,) = document.records
    assert (record.action, record.lead_agencies, record.participating_agencies) == (
        "1. 举办农民科技培训", ("县农业农村局",), ("县科协", "县妇联"))


def installed_cjk_fonts() -> list[Path]:
    """Every CJK font this machine has: the usual Debian paths, then whatever fontconfig lists."""
    import shutil
    import subprocess

    found = [f for f in FONTS if f.exists()]
    if shutil.which("fc-list"):
        listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=30).stdout
        found += sorted(Path(line.split(":")[0].strip()) for line in listed.splitlines() if line.strip())
    return list(dict.fromkeys(f for f in found if f.suffix.lower() in (".ttf", ".otf", ".ttc")))


@functools.cache
def cjk_font() -> Path:
    """The first installed CJK font with which fpdf2 writes this test's PDF with extractable text.

    Which fonts a machine has must not decide the test: with some fonts (Noto CJK .ttc, for one)
    fpdf2 writes the task table without a usable text layer, so each candidate writes the very
    document the test reads, and the first that reads back is used (issue 18)."""
    import tempfile

    import pdfplumber

    with tempfile.TemporaryDirectory() as folder:
        for font in installed_cjk_fonts():
            probe = Path(folder) / "probe.pdf"
            try:
                _write_task_pdf(probe, font)
                # The text layer itself, not what the loader makes of the page: without one the
                # loader now reads the page by OCR, which sees no table.
                with pdfplumber.open(probe) as pdf:
                    if TASKS[0][1] in "".join(page.extract_text() or "" for page in pdf.pages):
                        return font
            except Exception:   # noqa: BLE001 — a font fpdf2 cannot use is simply not a candidate
                continue
    pytest.skip("no installed CJK font that fpdf2 embeds with extractable text")


def make_task_pdf(path: Path) -> Path:
    return _write_task_pdf(path, cjk_font())


def _write_task_pdf(path: Path, font: Path) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("cjk", fname=str(font))
    pdf.set_font("cjk", size=11)
    pdf.cell(text="示例市2030年科普工作要点", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="一、重点任务", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="重点任务分工", new_x="LMARGIN", new_y="NEXT")
    from fpdf.fonts import FontFace

    with pdf.table(col_widths=(15, 70, 45, 50), headings_style=FontFace(emphasis=None)) as table:
        for values in [("序号", "重点任务", "牵头单位", "配合单位"), *TASKS]:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.cell(text="二、保障措施", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="加强组织领导。", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def test_pdf_table_rows_and_text_outside_the_table(tmp_path):
    document = parsed(make_task_pdf(tmp_path / "points.pdf"))
    rows = [c.text for c in document.chunks if c.kind == "table_row"]
    assert rows[0] == "【重点任务分工】序号：1；重点任务：举办示例市科技活动周；牵头单位：示例市科协；配合单位：市教育局、市科技局"
    assert len(rows) == 3
    assert "加强组织领导。" in document.text and "示例市2030年科普工作要点" in document.text
    # the table's cells are not also left behind as flat text
    assert document.text.count("开展青少年科学调查体验活动") == 1
    assert {r.action: r.lead_agencies for r in document.records}["2. 开展青少年科学调查体验活动"] == ("市教育局",)


# ---------------------------------------------------------------- running-text phrasings


@pytest.mark.parametrize("line, lead, partners", [
    ("（责任分工：由示例市科协、市教育局牵头，市财政局等单位参加）", ("示例市科协", "市教育局"), ("市财政局",)),
    ("牵头单位：县科协；配合单位：县教育局、县文旅局", ("县科协",), ("县教育局", "县文旅局")),
    ("（牵头单位：县科协，县科技局；参与单位：县妇联）", ("县科协", "县科技局"), ("县妇联",)),
    ("责任单位：县卫生健康局、县科协、县老龄办", ("县卫生健康局",), ("县科协", "县老龄办")),
    ("（县科协牵头，县教育局、县团委配合）", ("县科协",), ("县教育局", "县团委")),
    ("（县农业农村局负责）", ("县农业农村局",), ()),
    ("（由县科协牵头负责，各乡镇人民政府按职责配合）", ("县科协",), ("各乡镇人民政府",)),
])
def test_responsibility_phrasings(line, lead, partners):
    assert parse_agencies(line) == (lead, partners)


SYNTHETIC_PLAN = """某某县科普工作实施方案

一、重点任务

（一）青少年科学素质提升行动

1.开展科技馆进校园活动。每年组织巡展不少于10场。（县教育局牵头，县科协、县团委配合）

2.实施科普研学计划。组织中小学生参加研学活动。

责任单位：县文旅局、县教育局

（二）农民科学素质提升行动

1.开展农民技能培训。培训人数达到2000人次，由县农业农村局负责。

2.建设乡村科普示范点。各乡镇要结合实际推进工作。

二、保障措施

各单位负责抓好落实，县财政局负责经费保障工作。
"""


def test_records_from_running_text_are_tied_to_their_item(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(SYNTHETIC_PLAN, encoding="utf-8")
    records = {r.action: r for r in parsed(path).records}
    assert records["1.开展科技馆进校园活动"].lead_agencies == ("县教育局",)
    assert records["1.开展科技馆进校园活动"].participating_agencies == ("县科协", "县团委")
    assert records["2.实施科普研学计划"].lead_agencies == ("县文旅局",)
    assert records["2.实施科普研学计划"].participating_agencies == ("县教育局",)
    assert records["1.开展农民技能培训"].lead_agencies == ("县农业农村局",)
    # prose that merely says someone is responsible inside a sentence assigns no item
    assert set(records) == {"1.开展科技馆进校园活动", "2.实施科普研学计划", "1.开展农民技能培训"}


TRADITIONAL_PLAN = """示例縣科學技術協會關於印發《示例縣科普工作要點》的通知

示縣科協發〔2030〕5號

示例縣科普工作要點

一、重點任務

1.開展科普宣傳週活動。（縣科協牽頭，縣教育局、縣文化館配合）

牽頭單位：縣衛生健康局；配合單位：縣科協

示例縣科學技術協會

2030年3月1日
"""


def test_traditional_characters_are_matched_but_kept_as_written(tmp_path):
    from ingest.metadata import missing_fields

    path = tmp_path / "trad.txt"
    path.write_text(TRADITIONAL_PLAN, encoding="utf-8")
    document = parsed(path)
    info = document.info
    assert info.title == "示例縣科普工作要點"
    assert info.doc_number == "示縣科協發〔2030〕5號"
    assert info.issuers == ("示例縣科學技術協會",)
    assert info.status == "正式印发"   # a status is a label, not a quotation
    # a place the gazetteer lacks is named by its own issuer, as written (issue 18)
    assert (info.jurisdiction, missing_fields(info)) == ("示例縣", [])
    leads = [(r.lead_agencies, r.participating_agencies) for r in document.records]
    assert leads == [(("縣科協",), ("縣教育局", "縣文化館")), (("縣衛生健康局",), ("縣科協",))]


def test_traditional_table_headers_name_lead_and_partner_columns(tmp_path):
    rows = [("1", "舉辦科技活動週", "縣科協", "縣教育局")]
    document = parsed(make_task_docx(tmp_path / "t.docx", headers=("序號", "重點任務", "牽頭單位", "協辦單位"), rows=rows))
    (record,) = document.records
    assert (record.lead_agencies, record.participating_agencies) == (("縣科協",), ("縣教育局",))


MARKDOWN_PLAN = """# 示例市2030年科普工作要点

## 一、重点任务

1. 开展**科技活动周**。全市组织活动不少于30场。

**重点任务分工**

| 序号 | 重点任务 | 牵头单位 | 配合单位 |
| --- | :--- | --- | --- |
| 1 | 举办科普讲解大赛 | 市科协 | 市文旅局 |
| 2 | 建设科普示范社区 | 市民政局 | 市科协、各区政府 |

## 二、保障措施

加强经费保障。
"""


def test_markdown_headings_lose_their_marks_and_pipe_tables_are_tables(tmp_path):
    path = tmp_path / "points.md"
    path.write_text(MARKDOWN_PLAN, encoding="utf-8")
    document = parsed(path)
    assert document.info.title == "示例市2030年科普工作要点"
    assert "#" not in document.text and "**" not in document.text
    assert "1. 开展科技活动周。全市组织活动不少于30场。" in document.text   # the numbering stays
    rows = [c.text for c in document.chunks if c.kind == "table_row"]
    assert rows == ["【重点任务分工】序号：1；重点任务：举办科普讲解大赛；牵头单位：市科协；配合单位：市文旅局",
                    "【重点任务分工】序号：2；重点任务：建设科普示范社区；牵头单位：市民政局；配合单位：市科协、各区政府"]
    assert {r.action: r.lead_agencies for r in document.records} == {
        "1. 举办科普讲解大赛": ("市科协",), "2. 建设科普示范社区": ("市民政局",)}
    assert [c.section_path[1] for c in document.chunks if c.kind == "table_row"] == ["一、重点任务"] * 2


def test_indicator_tables_give_targets_per_year_column(tmp_path):
    rows = [("公民具备科学素质的比例", "12%", "15%"), ("科普场馆数量（个）", "8", "10")]
    document = parsed(make_task_docx(tmp_path / "t.docx", headers=("指标", "2025年", "2030年"), rows=rows))
    targets = {(t["indicator"], t["year"]): (t["value"], t["unit"]) for t in document.targets}
    assert targets[("公民具备科学素质的比例", "2025")] == ("12", "%")
    assert targets[("公民具备科学素质的比例", "2030")] == ("15", "%")
    assert targets[("科普场馆数量（个）", "2030")] == ("10", "个")   # the unit stated by the indicator


def test_a_table_row_is_one_sentence_for_the_answerer():
    from assistant.text import sentences

    row = "【示例表】指标：公民具备科学素质的比例；2025年：12%；2030年：15%"
    assert sentences(f"前文一句。\n{row}") == ["前文一句。", row]


def test_layout_tables_are_text_and_portal_field_tables_become_fields(tmp_path):
    page = """<html><head><meta charset="utf-8"></head><body>
<table><tr><td>索引号：</td><td>000-2030-01</td><td>文号：</td><td>示科协发〔2030〕9号</td></tr>
<tr><td>发布机构：</td><td>示例市科学技术协会</td><td>发文日期：</td><td>2030-03-01</td></tr></table>
<table><tr><td>示例市科普工作要点</td></tr></table>
<p>一、重点任务</p><p>1.开展科普活动。</p></body></html>"""
    path = tmp_path / "portal.html"
    path.write_text(page, encoding="utf-8")
    raw = load_file(path)
    assert raw.tables == ()
    document = parsed(path)
    assert document.info.doc_number == "示科协发〔2030〕9号"
    assert document.info.dates.get("issued") == "2030-03-01"
    assert document.info.issuers == ("示例市科学技术协会",)
    assert document.info.title == "示例市科普工作要点"
    assert not [c for c in document.chunks if c.kind == "table_row"]


def test_report_warns_when_an_assignment_is_written_in_a_way_no_rule_reads(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text("示例县科普工作要点\n\n一、任务\n\n1.开展科普活动。（由县里视情况牵头组织实施）\n", encoding="utf-8")
    report = parsed(path).report
    assert report.records == 0
    assert "the text assigns units (牵头/责任单位) but no responsibility record was parsed" in report.warnings
    prose = tmp_path / "prose.txt"
    prose.write_text("示例县科普工作要点\n\n一、任务\n\n1.县科协牵头推动科普工作。\n", encoding="utf-8")
    assert not any("no responsibility record" in w for w in parsed(prose).report.warnings)
