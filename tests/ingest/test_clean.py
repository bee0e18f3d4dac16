"""Clean stage on the real seeds: exporter and web-page damage is repaired or removed,
and nothing of the body is lost."""
from __future__ import annotations

import re

import pytest

from ingest.clean import HEADER_FIELD, clean_text

SEEDS = ("000", "001", "002", "003", "004")
FULL_WIDTH_PUNCTUATION = "（）、，。《》“”：；"
WHITESPACE = re.compile(r"\s+")
BOOKMARK = "[bookmark: _GoBack]"

# What a government portal prints around a document: never body text.
CHROME = re.compile(
    r"^(文档附件[：:]|扫一扫在手机打开当前页|打印|分享[：:]?|相关文章|(» )?\[.*\]\(#?\)|\d{4}-\d{2}-\d{2}|"
    r"主办单位[：:].*|承办单位[：:].*|联系电话[：:].*|.*(备案|公网安备).*号|网站标识码[：:].*)$"
)


def squash(text: str) -> str:
    return WHITESPACE.sub("", text)


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


# ---------------------------------------------------------------- repairs


def test_sentence_split_by_a_blank_line_is_rejoined_in_001(cleaned_seeds):
    text = cleaned_seeds["001"].text
    assert "以提高全民科学素质服务高质量发展为目标" in text
    assert "以提高全民科学素\n" not in text


def test_word_split_by_a_blank_line_is_rejoined_in_003(cleaned_seeds):
    text = cleaned_seeds["003"].text
    assert "走进学校开展访谈讲座" in text
    assert "等走\n" not in text


def test_agency_name_broken_across_lines_is_rejoined_in_003(cleaned_seeds):
    # raw lines 117/119: "…市生态环境" / "局、市文旅广体局…"
    responsibility = [p for p in paragraphs(cleaned_seeds["003"].text) if p.startswith("(责任分工：由市委组织部、市人社局牵头")]
    assert len(responsibility) == 1
    assert "市生态环境局、市文旅广体局" in responsibility[0]
    assert responsibility[0].endswith("等单位参加)")


def test_spaced_out_title_collapses_in_001(cleaned_seeds):
    text = cleaned_seeds["001"].text
    assert "湖南湘江新区全民科学素质行动规划纲要实施方案" in paragraphs(text)
    assert "实 施" not in text


def test_spaces_inside_book_title_marks_and_around_numbers_are_removed_in_002(cleaned_seeds):
    text = cleaned_seeds["002"].text
    assert "《湖南省科协2023年科普工作要点》" in text
    assert "湖南省科协2023年科普工作要点" in paragraphs(text)
    assert "第44届湖南省青少年科技创新大赛" in text


def test_editor_bookmark_is_gone_from_004(raw_seeds, cleaned_seeds):
    assert BOOKMARK in raw_seeds["004"].text   # the fixture really has it
    text = cleaned_seeds["004"].text
    assert "bookmark" not in text and "_GoBack" not in text
    assert any(p.startswith("根据《国务院关于印发全民科学素质行动规划纲要") for p in paragraphs(text))


# ---------------------------------------------------------------- header fields and footer of the web page


def test_header_fields_of_003_become_metadata(cleaned_seeds):
    fields = cleaned_seeds["003"].header_fields
    assert fields["文号"] == "郴政办发〔2022〕1号"
    assert fields["发文日期"] == "2022-01-28"
    assert fields["签署日期"] == "2022-01-28"
    assert fields["登记日期"] == "2022-01-29"
    assert fields["信息时效期"] == "2027-01-28"
    assert fields["索引号"] == "763261399/2022-3414145"
    assert fields["统一登记号"] == "CZCR-2022-01004"
    assert fields["公开责任部门"] == "郴州市政府办公室"
    assert fields["所属机构"] == ""          # stated but empty on the page


def test_header_field_lines_of_003_stay_in_the_text_so_they_can_be_cited(cleaned_seeds):
    # Decision (docs/decisions.md): portal fields become metadata AND stay citable text.
    text = cleaned_seeds["003"].text
    assert "信息时效期：2027-01-28" in text
    assert text.index("索引号：") < text.index("各县市区人民政府")     # a front-matter block, before the body


def test_seeds_without_a_portal_header_have_no_header_fields(cleaned_seeds):
    for prefix in ("000", "001", "002", "004"):
        assert cleaned_seeds[prefix].header_fields == {}, prefix


@pytest.mark.parametrize("chrome", [
    "扫一扫在手机打开当前页", "打印", "分享", "相关文章", "主办单位", "承办单位", "联系电话", "备案",
    "网站标识码", "公网安备", "文档附件", "图文解读", "音频解读", "0735-2368507", "2022-01-30", "](#)",
])
def test_footer_of_003_is_removed(cleaned_seeds, chrome):
    assert chrome not in cleaned_seeds["003"].text


def test_003_body_still_ends_with_its_last_sentence(cleaned_seeds):
    assert cleaned_seeds["003"].text.endswith("对“十四五”期间落实本方案及推进全民科学素质工作进行总结和评估。")


def test_removed_lines_of_003_are_only_page_chrome(cleaned_seeds):
    removed = cleaned_seeds["003"].removed_lines
    assert removed, "the footer must be reported for auditing"
    assert [line for line in removed if not CHROME.match(line)] == []
    for expected in ("扫一扫在手机打开当前页", "打印", "分享：", "相关文章", "主办单位：郴州市人民政府办公室",
                     "联系电话：0735-2368507", "备案/许可证编号：湘ICP备13003667号"):
        assert expected in removed


@pytest.mark.parametrize("prefix", ["001", "002", "004"])
def test_nothing_is_removed_from_clean_word_exports(cleaned_seeds, prefix):
    assert cleaned_seeds[prefix].removed_lines == ()


def test_only_a_stray_punctuation_line_is_removed_from_000(cleaned_seeds):
    assert all(re.fullmatch(r"[、，。；：,.;:·•\-—_]+", line) for line in cleaned_seeds["000"].removed_lines)


# ---------------------------------------------------------------- nothing of the body is lost


def body_sentences(raw: str, header_and_removed: set[str]) -> list[str]:
    sentences = []
    for line in raw.replace(BOOKMARK, "").split("\n"):
        line = line.strip()
        if not line or HEADER_FIELD.match(line) or squash(line) in header_and_removed:
            continue
        sentences.extend(squash(s) for s in re.split(r"[。！？；]", line) if squash(s))
    return sentences


@pytest.mark.parametrize("prefix", SEEDS)
def test_every_body_sentence_survives_cleaning(raw_seeds, cleaned_seeds, prefix):
    result = cleaned_seeds[prefix]
    dropped = {squash(line) for line in result.removed_lines}
    cleaned = squash(result.text)
    sentences = body_sentences(raw_seeds[prefix].text, dropped)
    assert len(sentences) > 20
    lost = [sentence for sentence in sentences if sentence not in cleaned]
    assert lost == []


@pytest.mark.parametrize("prefix", SEEDS)
def test_full_width_punctuation_is_kept_exactly(raw_seeds, cleaned_seeds, prefix):
    raw = raw_seeds[prefix].text
    result = cleaned_seeds[prefix]
    kept = set(paragraphs(result.text))
    dropped = "".join(result.removed_lines) + "".join(
        line.strip() for line in raw.split("\n") if HEADER_FIELD.match(line.strip()) and line.strip() not in kept)
    for mark in FULL_WIDTH_PUNCTUATION:
        assert result.text.count(mark) == raw.count(mark) - dropped.count(mark), mark


def test_full_width_punctuation_is_not_converted_to_half_width(cleaned_seeds):
    text = cleaned_seeds["003"].text
    assert "（2021-2025年）" in text
    assert "《湖南省家庭教育促进条例》" in text
    assert "“国培计划”“省培计划”" in text
    assert "（责任分工：由市教育局、团市委、市科协牵头，" in text
    # and the half-width brackets the source used are left as they are
    assert "(四) 老年人科学素质提升行动。" in text


# ---------------------------------------------------------------- shape of the output


@pytest.mark.parametrize("prefix", SEEDS)
def test_cleaned_text_is_trimmed_paragraphs_separated_by_one_blank_line(cleaned_seeds, prefix):
    text = cleaned_seeds[prefix].text
    assert "\n\n\n" not in text
    for paragraph in paragraphs(text):
        assert paragraph and paragraph == paragraph.strip()
        assert "\n" not in paragraph


@pytest.mark.parametrize("prefix", SEEDS)
def test_cleaning_is_idempotent(cleaned_seeds, prefix):
    again = clean_text(cleaned_seeds[prefix].text)
    assert again.text == cleaned_seeds[prefix].text
    assert again.removed_lines == ()


def test_headings_titles_and_dates_are_not_glued_to_the_next_line():
    raw = "郴州市人民政府办公室\n\n2022年1月28日\n\n郴州市实施方案\n\n一、工作目标\n\n到2025年，比例超过15%。"
    assert paragraphs(clean_text(raw).text) == [
        "郴州市人民政府办公室", "2022年1月28日", "郴州市实施方案", "一、工作目标", "到2025年，比例超过15%。"]


def test_numbered_item_wrapped_before_its_first_full_stop_is_rejoined():
    # 004's 四、（一）1. as a Word export wraps it (the way 001 and 003 are wrapped).
    raw = ("（一）组织保障\n\n"
           "1.建立完善本方案实施协调机制，将公民科学素质发展目标纳入我县国民经济和社会发展规划并列入对\n\n"
           "相关单位考核内容，加强实施的督促检查。各部门将有关任务纳入相关规划、计划和考核内容。\n\n"
           "2.保障经费投入。各有关部门统筹考虑和落实科普经费。")
    assert paragraphs(clean_text(raw).text) == [
        "（一）组织保障",
        "1.建立完善本方案实施协调机制，将公民科学素质发展目标纳入我县国民经济和社会发展规划并列入对"
        "相关单位考核内容，加强实施的督促检查。各部门将有关任务纳入相关规划、计划和考核内容。",
        "2.保障经费投入。各有关部门统筹考虑和落实科普经费。",
    ]
