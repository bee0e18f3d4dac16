"""Phrasings of other documents than the five: a 责任分工 line without brackets, a paragraph
that is only an assignment, a title wrapped inside its 《》 (PDF), a new area the gazetteer
does not list. Synthetic text with fictitious names only."""
from __future__ import annotations

from ingest.clean import clean_text
from ingest.metadata import document_jurisdiction
from ingest.records import parse_agencies
from ingest.structure import Paragraph


def test_a_responsibility_line_without_brackets_closes_its_action_and_names_partners():
    line = "责任分工：由县科协、县教育局牵头，县财政局、团县委等单位参加。"
    paragraph = Paragraph(line, 0, len(line))
    assert paragraph.is_responsibility and paragraph.closes_action
    assert parse_agencies(line) == (("县科协", "县教育局"), ("县财政局", "团县委"))


def test_a_paragraph_that_is_only_an_assignment_closes_its_action():
    for line, expected in (("市教育局、市科协负责，团市委、市科技局配合。", (("市教育局", "市科协"), ("团市委", "市科技局"))),
                           ("市農業農村局負責，市科技局配合。", (("市農業農村局",), ("市科技局",)))):
        paragraph = Paragraph(line, 0, len(line))
        assert paragraph.closes_action, line
        assert parse_agencies(line) == expected
    prose = "县科协负责组织实施，每年开展活动不少于10次。"
    assert not Paragraph(prose, 0, len(prose)).closes_action


def test_a_title_wrapped_inside_its_book_title_marks_is_rejoined():
    raw = "某某厅关于印发《某某科普能力提升三年行动方案（2023—202\n5年）》的通知\n各有关单位：\n"
    assert "某某厅关于印发《某某科普能力提升三年行动方案（2023—2025年）》的通知" in clean_text(raw).text


def test_a_new_area_named_without_its_province_is_still_the_jurisdiction():
    assert document_jurisdiction("示例新区科普工作方案", ("示例新区管理委员会办公室",), "", "") == "示例新区"
