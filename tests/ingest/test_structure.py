"""Structure stage: the section tree follows each document's own numbering."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from ingest.structure import Paragraph, Section, paragraphs_of, parse_sections

CHINESE_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
TITLE_003 = "郴州市全民科学素质行动规划纲要实施方案（2021-2025年）"

# Counts computed once by running the parser, then checked against the documents' numbering
# (see test_siblings_are_numbered_consecutively, which would fail on a missed or misplaced heading).
EXPECTED_COUNTS = {
    "000": {"chinese": 4, "paren_chinese": 15, "arabic": 24},
    "001": {"chinese": 4, "paren_chinese": 18, "arabic": 42},
    "002": {"chinese": 3, "arabic": 12},
    "003": {"chinese": 4, "paren_chinese": 13, "arabic": 41},
    "004": {"chinese": 4, "paren_chinese": 15, "arabic": 42},
}


def tree(parsed) -> Section:
    return parse_sections(parsed.text, parsed.info.title)


def number(heading: str) -> int:
    digits = re.match(r"^[（(]?(\d+)", heading)
    if digits:
        return int(digits.group(1))
    numeral = re.match(r"^[（(]?([一二三四五六七八九十]+)", heading).group(1)
    if len(numeral) == 1:
        return CHINESE_NUMERALS[numeral]
    tens, _, ones = numeral.partition("十")
    return (CHINESE_NUMERALS[tens] if tens else 1) * 10 + (CHINESE_NUMERALS[ones] if ones else 0)


def child(section: Section, prefix: str) -> Section:
    (found,) = [c for c in section.children if c.heading.startswith(prefix)]
    return found


def all_paragraphs(section: Section) -> list[Paragraph]:
    found = [section.heading_line] if section.heading_line else []
    for block in section.blocks:
        found.extend(all_paragraphs(block) if isinstance(block, Section) else [block])
    return found


# ---------------------------------------------------------------- the real seeds


@pytest.mark.parametrize("prefix", sorted(EXPECTED_COUNTS))
def test_section_counts(parsed_seeds, prefix):
    counts = Counter(section.kind for section in tree(parsed_seeds[prefix]).walk() if section.kind != "root")
    assert dict(counts) == EXPECTED_COUNTS[prefix]


@pytest.mark.parametrize("prefix", sorted(EXPECTED_COUNTS))
def test_siblings_are_numbered_consecutively(parsed_seeds, prefix):
    """Under every parent, 一、二、三… / （一）（二）… / 1. 2. … run without gaps or repeats.

    002 numbers its items 1.–12. straight through the 一、二、三 parts, so its items continue across parents.
    """
    root = tree(parsed_seeds[prefix])
    continuing = prefix == "002"
    last_item = 0
    for section in root.walk():
        kinds = {c.kind for c in section.children}
        assert len(kinds) <= 1, (section.heading, kinds)   # one numbering style per level
        numbers = [number(c.heading) for c in section.children]
        if continuing and kinds == {"arabic"}:
            assert numbers == list(range(last_item + 1, last_item + 1 + len(numbers))), section.heading
            last_item = numbers[-1]
        else:
            assert numbers == list(range(1, len(numbers) + 1)), (section.heading, numbers)


@pytest.mark.parametrize("prefix", sorted(EXPECTED_COUNTS))
def test_every_paragraph_lands_in_the_tree_once_in_document_order(parsed_seeds, prefix):
    parsed = parsed_seeds[prefix]
    root = tree(parsed)
    placed = sorted(all_paragraphs(root), key=lambda p: p.start)
    assert placed == paragraphs_of(parsed.text)


@pytest.mark.parametrize("prefix", sorted(EXPECTED_COUNTS))
def test_paths_start_with_the_title_and_extend_the_parent(parsed_seeds, prefix):
    root = tree(parsed_seeds[prefix])
    assert root.path == (parsed_seeds[prefix].info.title,)
    for section in root.walk():
        for sub in section.children:
            assert sub.path == section.path + (sub.heading,)


def test_003_top_level_and_actions(parsed_seeds):
    root = tree(parsed_seeds["003"])
    assert [s.heading for s in root.children] == ["一、工作目标", "二、提升行动", "三、重点工程", "四、组织实施"]
    actions = child(root, "二、")
    assert [s.heading for s in actions.children] == [
        "（一）青少年科学素质提升行动", "（二）农民科学素质提升行动", "（三）产业工人科学素质提升行动",
        "（四）老年人科学素质提升行动", "（五）领导干部和公务员科学素质提升行动",
    ]
    assert [len(s.children) for s in actions.children] == [7, 4, 4, 3, 4]
    assert [len(s.children) for s in child(root, "三、").children] == [3, 3, 3, 4]
    assert [len(s.children) for s in child(root, "四、").children] == [2, 2, 2, 0]


def test_003_half_width_parenthesis_is_a_sibling_of_full_width(parsed_seeds):
    """003 writes "(四) 老年人…" with half-width brackets after "（三）"; both are （一）-level."""
    assert "\n\n(四) 老年人科学素质提升行动。" in parsed_seeds["003"].text
    actions = child(tree(parsed_seeds["003"]), "二、")
    third, fourth = actions.children[2], actions.children[3]
    assert third.kind == fourth.kind == "paren_chinese"
    assert fourth.heading == "（四）老年人科学素质提升行动"   # shown full-width in heading paths
    assert fourth.path == (TITLE_003, "二、提升行动", "（四）老年人科学素质提升行动")


def test_003_smart_elderly_item_heading_path(parsed_seeds):
    chunks = [c for c in parsed_seeds["003"].chunks if "实施智慧助老行动" in c.text]
    assert len(chunks) == 1
    assert chunks[0].section_path == (
        TITLE_003, "二、提升行动", "（四）老年人科学素质提升行动", "1.实施智慧助老行动")


def test_002_items_nest_directly_under_the_chinese_parts(parsed_seeds):
    root = tree(parsed_seeds["002"])
    parts = root.children
    assert [p.kind for p in parts] == ["chinese"] * 3
    assert [[number(item.heading) for item in part.children] for part in parts] == [
        [1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11, 12]]
    for part in parts:
        assert all(item.kind == "arabic" and not item.children for item in part.children)
    item = parts[2].children[-1]
    assert item.path == ("湖南省科协2023年科普工作要点", "三、加大科普设施建设，提升基层科普服务水平",
                         "12.加强基层调研、典型示范和宣传")


def test_responsibility_paragraph_belongs_to_the_action_not_its_last_item(parsed_seeds):
    elderly = child(child(tree(parsed_seeds["003"]), "二、"), "（四）")
    responsibility = [b for b in elderly.blocks if isinstance(b, Paragraph) and b.is_responsibility]
    assert len(responsibility) == 1
    assert responsibility[0].text.startswith("(责任分工：由市卫生健康委、市民政局牵头")
    for item in elderly.children:
        assert not any(isinstance(b, Paragraph) and b.is_responsibility for b in item.blocks)


def test_issuer_and_date_lines_belong_to_the_document_not_the_last_item(parsed_seeds):
    root = tree(parsed_seeds["002"])
    root_lines = [b.text for b in root.blocks if isinstance(b, Paragraph)]
    assert root_lines[-2:] == ["湖南省科协办公室", "2023年3月10日印发"]
    last_item = root.children[-1].children[-1]
    assert all("印发" not in b.text for b in last_item.blocks if isinstance(b, Paragraph))


# ---------------------------------------------------------------- small synthetic texts


SYNTHETIC = "\n\n".join([
    "某县科普工作方案",
    "一、主要任务",
    "（一）青少年科普",
    "1.开展科学教育。内容甲。",
    "（1）科技节活动。内容乙。",
    "（2）科学营活动。内容丙。",
    "2.加强师资建设。内容丁。",
    "（二）老年人科普",
    "1.实施智慧助老。内容戊。",
    "二、保障措施",
    "加强组织领导。",
])


def test_paren_arabic_items_nest_under_arabic_items():
    root = parse_sections(SYNTHETIC, "某县科普工作方案")
    first = child(child(root, "一、"), "（一）")
    assert [s.heading for s in first.children] == ["1.开展科学教育", "2.加强师资建设"]
    assert [s.heading for s in first.children[0].children] == ["（1）科技节活动", "（2）科学营活动"]
    assert first.children[0].children[1].path == (
        "某县科普工作方案", "一、主要任务", "（一）青少年科普", "1.开展科学教育", "（2）科学营活动")
    assert first.children[1].children == []
    # a new （一）-level heading closes both open item levels
    assert [s.heading for s in child(child(root, "一、"), "（二）").children] == ["1.实施智慧助老"]
    # and a new 一、-level heading closes everything below
    closing = child(root, "二、")
    assert closing.children == [] and [b.text for b in closing.blocks] == ["加强组织领导。"]


def test_heading_alone_on_its_line_versus_heading_with_body():
    root = parse_sections(SYNTHETIC, "某县科普工作方案")
    part = child(root, "一、")
    assert part.heading_line is not None and part.heading_line.text == "一、主要任务"
    item = child(child(part, "（一）"), "1.")
    assert item.heading_line is None
    assert [b.text for b in item.blocks if isinstance(b, Paragraph)] == ["1.开展科学教育。内容甲。"]


def test_decimal_numbers_and_years_are_not_headings():
    text = "某方案\n\n一、目标\n\n2025年，比例达到15%。\n\n1.22万人参加培训。\n\n10.5%的公众认为科普重要。"
    root = parse_sections(text, "某方案")
    goal = child(root, "一、")
    assert goal.children == []
    assert len(goal.blocks) == 3


def test_long_heading_is_shortened_in_the_path():
    text = "某方案\n\n1." + "很长的条目标题" * 10 + "。正文。"
    (item,) = parse_sections(text, "某方案").children
    assert item.heading.endswith("…") and len(item.heading) <= len("1.") + 41
