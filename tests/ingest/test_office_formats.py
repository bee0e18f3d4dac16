"""The files an office actually keeps: workbooks with merged cells, scans, old Word files,
auto-numbered .docx, a 通知 carrying its plan as 附件 with running headers, plans that
repeal older ones — and a folder of files nothing can read, each named in the report.

Every document here is made in the test (openpyxl, python-docx with numbering XML, Pillow,
fpdf2); none is a real plan. OCR reads two small rendered pages only.
"""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from docx.oxml import parse_xml

from ingest.clean import clean_text
from ingest.load import LoadError, discover_with_problems, load_file, load_paths
from ingest.metadata import extract_info
from ingest.pipeline import parse_document
from ingest.readers import legacy_word
from ingest.readers.docx_numbering import chinese_number, format_number
from ingest.structure import parse_sections
from ingest.versions import SUPERSEDED, link_versions

FONTS = [Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
         Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
         Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")]


def cjk_font() -> Path:
    font = next((f for f in FONTS if f.exists()), None)
    if font is None:
        pytest.skip("no CJK font (Debian: apt-get install fonts-noto-cjk, as .ci/run does)")
    return font


def parsed(path: Path):
    return parse_document(load_file(path), None, 400)


# ---------------------------------------------------------------- spreadsheets


def make_task_workbook(path: Path) -> Path:
    """A 任务分解表: a merged title row, a two-row header (责任单位 over 牵头 | 配合), a 牵头
    cell merged down over two tasks, and a second sheet of county targets."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "任务分解"
    sheet.append(["乙县全民科学素质行动重点任务分解表"])
    sheet.merge_cells("A1:D1")
    sheet.append(["序号", "重点任务", "责任单位", None])
    sheet.append([None, None, "牵头单位", "配合单位"])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    sheet.merge_cells("C2:D2")
    sheet.append([1, "开展青少年科技创新大赛", "县教育局", "县科协"])
    sheet.append([2, "建设乡村学校少年宫科普角", None, "县财政局"])
    sheet.merge_cells("C4:C5")
    sheet.append([3, "举办老年人智能技术培训", "县卫生健康局", "县民政局、县科协"])
    sheet.append(["各项任务于2025年底前完成"])
    sheet.merge_cells("A7:D7")                              # a note merged across the whole row
    targets = workbook.create_sheet("各乡镇目标")
    targets.append(["乡镇", "2025年公民具备科学素质比例"])
    targets.append(["丙镇", "12%"])
    targets.append(["丁乡", "10.5%"])
    workbook.save(path)
    return path


def test_workbook_sheets_become_table_rows_with_merged_cells_filled(tmp_path):
    document = parsed(make_task_workbook(tmp_path / "任务分解表.xlsx"))
    rows = [c.text for c in document.chunks if c.kind == "table_row"]
    assert "【乙县全民科学素质行动重点任务分解表】序号：2；重点任务：建设乡村学校少年宫科普角；" \
           "责任单位·牵头单位：县教育局；责任单位·配合单位：县财政局" in rows
    # the second sheet is indexed too, captioned by its sheet name
    assert "【各乡镇目标】乡镇：丙镇；2025年公民具备科学素质比例：12%" in rows
    (note,) = [row for row in rows if "2025年底前完成" in row]
    assert note.count("2025年底前完成") == 1                 # said once, not under every header
    leads = {r.action: (r.lead_agencies, r.participating_agencies) for r in document.records}
    assert leads["2. 建设乡村学校少年宫科普角"] == (("县教育局",), ("县财政局",))
    assert leads["3. 举办老年人智能技术培训"] == (("县卫生健康局",), ("县民政局", "县科协"))
    assert document.info.title == "乙县全民科学素质行动重点任务分解表"
    assert document.report.tables == 2 and document.report.format == "xlsx"


def test_ods_spreadsheet_is_read_with_its_spanned_cells(tmp_path):
    """An .ods written by hand (zip + content.xml): calamine reads it like a workbook."""
    content = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 office:version="1.2"><office:body><office:spreadsheet><table:table table:name="工作表1">
<table:table-row><table:table-cell office:value-type="string"><text:p>任务</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>牵头单位</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>科普讲座进社区</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>戊市科协</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""
    manifest = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"""
    path = tmp_path / "任务.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", re.sub(r">\s+<", "><", content))   # as LibreOffice writes it: no whitespace
    document = parsed(path)
    assert [r.lead_agencies for r in document.records] == [("戊市科协",)]


# ---------------------------------------------------------------- Word numbering and merged cells

NUMBERING = """<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:abstractNum w:abstractNumId="7">
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
 <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
 <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>
<w:num w:numId="3"><w:abstractNumId w:val="7"/></w:num>
<w:num w:numId="4"><w:abstractNumId w:val="7"/>
 <w:lvlOverride w:ilvl="2"><w:startOverride w:val="1"/></w:lvlOverride></w:num>
</w:numbering>"""


def numbered(document, text: str, num_id: int, level: int):
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(parse_xml(
        '<w:numPr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f'<w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return paragraph


def make_numbered_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("己县科普工作要点")
    numbered(document, "总体要求", 3, 0)
    document.add_paragraph("坚持需求导向。")
    numbered(document, "重点任务", 3, 0)
    for action in ("青少年科学素质提升行动", "农民科学素质提升行动", "产业工人科学素质提升行动",
                   "老年人科学素质提升行动"):
        numbered(document, action + "。开展科普活动。", 3, 1)
        numbered(document, "组织专题讲座。", 3, 2)
    numbered(document, "实施智慧助老行动。", 4, 2)     # a list of its own, restarted at 1 by its override
    table = document.add_table(rows=4, cols=3)
    for row, values in enumerate([("任务", "牵头单位", "配合单位"), ("建设科普长廊", "县科协", "县住建局"),
                                  ("培训科普志愿者", "", "县民政局"), ("开展科普大集", "县农业农村局", "县商务局")]):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    table.cell(1, 1).merge(table.cell(2, 1))                # 县科协 merged down over two rows (w:vMerge)
    document.part.numbering_part._element = parse_xml(NUMBERING)
    document.save(path)
    return path


def test_word_automatic_numbering_is_rendered_and_gives_the_structure(tmp_path):
    document = parsed(make_numbered_docx(tmp_path / "要点.docx"))
    text = document.text
    assert "一、总体要求" in text and "二、重点任务" in text
    assert "（四）老年人科学素质提升行动。" in text
    assert "4.组织专题讲座" not in text   # level 3 restarts under each （n）
    assert text.count("1.组织专题讲座。") == 4
    assert "1.实施智慧助老行动。" in text   # startOverride restarts the second list
    paths = {chunk.section for chunk in document.chunks}
    assert "二、重点任务 › （四）老年人科学素质提升行动" in paths
    assert not any("no numbered sections" in w for w in document.report.warnings)


def test_vertically_merged_lead_cell_names_the_lead_of_every_row(tmp_path):
    document = parsed(make_numbered_docx(tmp_path / "要点.docx"))
    leads = {r.action: r.lead_agencies for r in document.records}
    assert leads["培训科普志愿者"] == ("县科协",)
    assert leads["开展科普大集"] == ("县农业农村局",)


@pytest.mark.parametrize("number, fmt, shown", [
    (4, "chineseCounting", "四"), (11, "chineseCounting", "十一"), (20, "chineseCounting", "二十"),
    (23, "chineseCountingThousand", "二十三"), (3, "ideographTraditional", "丙"), (4, "lowerRoman", "iv"),
    (2, "decimalEnclosedCircle", "②"), (28, "upperLetter", "BB"), (7, "decimal", "7")])
def test_number_formats(number, fmt, shown):
    assert format_number(number, fmt) == shown


def test_chinese_counting_beyond_ninety_nine():
    assert [chinese_number(n) for n in (99, 100, 105, 110, 121)] == ["九十九", "一百", "一百零五", "一百一十", "一百二十一"]


# ---------------------------------------------------------------- scans (OCR)


def render_page(lines: list[str]):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(cjk_font()), 34)
    image = Image.new("L", (1000, 80 + 60 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((60, 40 + 60 * row), line, fill=0, font=font)
    return image


@pytest.fixture(scope="module")
def scanned_pdf(tmp_path_factory) -> Path:
    """Two image-only pages (no text layer), as a scanner writes them."""
    path = tmp_path_factory.mktemp("scan") / "扫描件.pdf"
    first = render_page(["庚县人民政府办公室文件", "庚政办发〔2024〕9号"])
    second = render_page(["到2025年全县科普场馆达到5个。"])
    first.save(path, save_all=True, append_images=[second], resolution=200)
    return path


def test_scanned_pdf_is_read_by_ocr_in_page_order_with_its_doc_number(scanned_pdf):
    raw = load_file(scanned_pdf)
    assert raw.encoding == "pdf+ocr" and raw.ocr_pages == 2
    text = "".join(raw.text.split())
    assert "庚政办发〔2024〕9号" in text               # 〔〕 kept
    assert text.index("庚政办发") < text.index("科普场馆")    # page order kept
    document = parse_document(raw, None, 400)
    assert document.chunks and all(chunk.ocr for chunk in document.chunks)
    assert document.chunks[0].metadata()["ocr"] is True
    assert document.info.doc_number == "庚政办发〔2024〕9号"


def test_citation_of_ocr_text_says_so(scanned_pdf):
    from assistant.present import source_line
    from assistant.retrieve import Passage
    from assistant.types import Citation

    chunk = parse_document(load_file(scanned_pdf), None, 400).chunks[0]
    citation = Citation.from_passage(1, Passage(chunk=chunk, score=1.0, rank=1))
    assert citation.ocr and "OCR" in source_line(citation)
    from assistant.answers.common import Citations   # the extractive answers number citations here

    citations = Citations()
    citations.cite(chunk)
    assert "扫描件 OCR 识别文本" in source_line(citations.items[0])


def test_image_file_is_read_by_ocr(tmp_path):
    path = tmp_path / "通知.png"
    render_page(["关于开展科普日活动的通知"]).save(path)
    raw = load_file(path)
    assert "科普日活动" in raw.text and raw.ocr_text == raw.text


def test_ascii_punctuation_from_ocr_becomes_full_width_next_to_chinese():
    from ingest.readers.ocr import full_width_punctuation

    assert full_width_punctuation('开展"科普进社区"活动,由县科协牵头(县教育局配合);到2025年,比例达到13%') == \
        "开展“科普进社区”活动，由县科协牵头（县教育局配合）；到2025年，比例达到13%"
    assert full_width_punctuation("Version 1.2, (draft)") == "Version 1.2, (draft)"


def test_doc_number_brackets_misread_by_ocr_are_restored():
    from ingest.readers.ocr import fix_doc_numbers

    assert fix_doc_numbers("湘政办发[2022]7号 和 郴政发（2021）12号") == "湘政办发〔2022〕7号 和 郴政发〔2021〕12号"


# ---------------------------------------------------------------- old Word files


def test_doc_without_a_converter_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(legacy_word.shutil, "which", lambda name: None)
    path = tmp_path / "旧方案.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(LoadError) as error:
        load_file(path)
    assert "apt-get install libreoffice-writer" in str(error.value)


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_doc_is_converted_by_libreoffice_keeping_its_numbering(tmp_path):
    docx_path = make_numbered_docx(tmp_path / "要点.docx")
    out = tmp_path / "out"
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    import subprocess
    subprocess.run([binary, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(out), str(docx_path)], check=True, capture_output=True,
                   timeout=180)
    document = parsed(out / "要点.doc")
    assert document.report.encoding == "doc:soffice"
    assert "（四）老年人科学素质提升行动" in document.text
    assert "二、重点任务 › （四）老年人科学素质提升行动" in {chunk.section for chunk in document.chunks}


# ---------------------------------------------------------------- a notice carrying its plan


def make_notice_pdf(path: Path) -> Path:
    """A 通知 whose plan is its 附件: the notice title and the plan title each wrap over two
    lines, every page has a running header and a "— n —" footer, and a sentence runs over a page break."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("cjk", fname=str(cjk_font()), collection_font_number=0)
    pdf.set_auto_page_break(False)
    pages = [
        ["辛县人民政府办公室文件", "辛政办发〔2024〕3号", "辛县人民政府办公室关于印发", "《辛县全民科学素质行动实施方案》的通知",
         "各乡镇人民政府，县直各单位：", "现将《辛县全民科学素质行动实施方案》印发给你们，请认真贯彻执行。",
         "辛县人民政府办公室", "2024年3月1日"],
        ["附件", "辛县全民科学素质行动", "实施方案", "一、总体目标",
         "到2025年，全县公民具备科学素质的比例达到13%，科普工作体系更加完善，各乡镇建成科普"],
        ["活动站并常态化开展科普活动。", "二、重点任务", "（一）青少年科学素质提升行动。开展科技节活动。",
         "原《辛县全民科学素质行动计划纲要实施方案》同时废止。"],
    ]
    for number, lines in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("cjk", size=10)
        if number > 1:   # the running header; page 1 has the masthead in its text
            pdf.set_xy(10, 8)
            pdf.cell(text="辛县人民政府办公室文件")
        pdf.set_font("cjk", size=13)
        pdf.set_xy(10, 25)
        for line in lines:
            pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT", h=9)
        pdf.set_xy(95, 280)
        pdf.cell(text=f"— {number} —")
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def notice(tmp_path_factory):
    path = make_notice_pdf(tmp_path_factory.mktemp("notice") / "通知.pdf")
    raw = load_file(path)
    if raw.ocr_pages:
        pytest.skip("this font gives fpdf2 PDFs without a text layer")
    return parse_document(raw, None, 400)


def test_notice_with_attached_plan_is_one_document_titled_by_the_plan(notice):
    info = notice.info
    assert info.title == "辛县全民科学素质行动实施方案"
    assert info.doc_number == "辛政办发〔2024〕3号"
    assert info.issuers == ("辛县人民政府办公室",)
    assert info.dates["signed"] == "2024-03-01"
    assert "辛县全民科学素质行动实施方案" in notice.text.split("\n\n")   # the wrapped plan title is one line
    sections = {chunk.section for chunk in notice.chunks if chunk.section}
    assert "二、重点任务 › （一）青少年科学素质提升行动" in sections
    assert all(chunk.section_path[0] == info.title for chunk in notice.chunks)


def test_running_headers_and_page_numbers_are_removed_and_sentences_joined(notice):
    assert "— 2 —" not in notice.text and "— 1 —" not in notice.text
    assert notice.text.count("辛县人民政府办公室文件") == 1             # the 版头 of page 1 stays
    assert "各乡镇建成科普活动站并常态化开展科普活动。" in notice.text     # across the page break
    assert any("各乡镇建成科普活动站" in chunk.text for chunk in notice.chunks)


# ---------------------------------------------------------------- versions


def info_of(source: str, text: str):
    cleaned = clean_text(text)
    return extract_info(source, cleaned.text, cleaned.header_fields), cleaned.text


OLD_PLAN = "辛县全民科学素质行动计划纲要实施方案\n\n一、目标\n\n到2020年，比例达到8%。"
DRAFT = "辛县科普基地管理办法（征求意见稿）\n\n一、总则\n\n科普基地每年开放不少于100天。"
FINAL = "辛县科普基地管理办法\n\n辛政发〔2024〕5号\n\n一、总则\n\n科普基地每年开放不少于120天。"


def test_a_plan_that_repeals_another_marks_it_superseded_and_a_final_version_replaces_its_draft(notice):
    documents = [info_of("old.txt", OLD_PLAN), (notice.info, notice.text),
                 info_of("draft.txt", DRAFT), info_of("final.txt", FINAL)]
    old, new, draft, final = link_versions(documents)
    assert old.status == SUPERSEDED and old.superseded_by == new.source
    assert new.supersedes == ("old.txt",) and new.status == "正式印发"
    assert old.version_chain == new.version_chain == ("old.txt", new.source)
    assert draft.status == SUPERSEDED and draft.superseded_by == "final.txt" and draft.stated_status == "征求意见稿"
    # without the newer document the older one is current again
    (alone,) = link_versions([(old, OLD_PLAN)])
    assert alone.status == "" and alone.superseded_by == "" and alone.version_chain == ()


# ---------------------------------------------------------------- nothing silent


UNSUPPORTED = {"演示.pptx": b"PK\x03\x04", "图纸.dwg": b"AC1032", "录音.mp3": b"ID3", "压缩包.zip": b"PK\x05\x06",
               "数据库.mdb": b"\x00\x01", "网页.mht": b"MIME", "无扩展名": b"data", "视频.mp4": b"\x00\x00\x00\x18"}


def test_every_file_of_a_folder_is_named_when_it_cannot_be_read(tmp_path):
    for name, data in UNSUPPORTED.items():
        (tmp_path / "子目录" / name if name.startswith("录") else tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / "子目录" / name if name.startswith("录") else tmp_path / name).write_bytes(data)
    (tmp_path / "空白.txt").write_bytes(b"")
    (tmp_path / "加密.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)   # OLE: what Excel writes when encrypted
    (tmp_path / "方案.txt").write_text("壬县科普方案\n\n一、目标\n\n开展活动。", encoding="utf-8")
    documents, problems = load_paths([tmp_path])
    reasons = {problem.source: problem.reason for problem in problems}
    assert [d.source for d in documents] == ["方案.txt"]
    assert set(reasons) == {*UNSUPPORTED, "空白.txt", "加密.xlsx"}
    assert reasons["演示.pptx"] == "unsupported file type .pptx"
    assert reasons["无扩展名"] == "unsupported file type (no extension)"
    assert reasons["空白.txt"] == "empty file (0 bytes)"
    assert reasons["加密.xlsx"].startswith("xlsx workbook is encrypted (password required)")
    files, _ = discover_with_problems([tmp_path])
    assert len(files) + len(UNSUPPORTED) == sum(1 for p in tmp_path.rglob("*") if p.is_file())


def test_ingest_report_lists_added_and_skipped_files(tmp_path, embeddings):
    from assistant.settings import Settings
    from ingest.pipeline import ingest

    folder = tmp_path / "docs"
    folder.mkdir()
    make_task_workbook(folder / "任务分解表.xlsx")
    for name, data in UNSUPPORTED.items():
        (folder / name).write_bytes(data)
    summary = ingest(Settings(home=tmp_path / "home"), [folder], progress=False, embeddings=embeddings)
    shown = summary.describe()
    assert "added 任务分解表.xlsx [xlsx]" in shown
    for name in UNSUPPORTED:
        assert f"{name}: skipped — unsupported file type" in shown


def test_page_furniture_is_recognised_page_by_page():
    from ingest.pages import strip_running_lines

    pages = ["甲市人民政府办公室文件\n甲政办发〔2024〕1号\n正文第一页，未完的句子\n— 1 —",
             "甲市人民政府办公室文件\n接着上一页。\n第2页 共3页",
             "甲市人民政府办公室文件\n最后一页。\n- 3 -"]
    assert strip_running_lines(pages) == ["甲市人民政府办公室文件\n甲政办发〔2024〕1号\n正文第一页，未完的句子",
                                          "接着上一页。", "最后一页。"]
    # a single page keeps everything but its page number
    assert strip_running_lines(["标题\n正文。\n— 1 —"]) == ["标题\n正文。"]


def test_page_number_lines_left_in_exported_text_are_dropped_in_cleaning():
    cleaned = clean_text("一、目标\n\n到2025年，全市建成科普\n— 2 —\n基地10个。").text
    assert cleaned == "一、目标\n\n到2025年，全市建成科普基地10个。"
