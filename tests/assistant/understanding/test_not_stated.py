"""Saying plainly what the documents do not state: a place, an edition or a slot they do not
cover is a refusal that names what exists, with the closest passage."""
from __future__ import annotations


def test_a_city_no_document_covers_is_refused_and_the_province_is_quoted_for_the_whole_province(policy_assistant):
    answer = policy_assistant.answer("湖南省株洲市到2025年要建多少个省级科普基地？")
    assert answer.abstained
    assert "株洲" in answer.text and "郴州市" in answer.text                # what exists is named
    assert "全域" in answer.text and "不是株洲市的专门规定" in answer.text
    assert answer.citations and all(c.jurisdiction == "湖南省" for c in answer.citations)


def test_a_refusal_never_passes_another_citys_passage_off_as_the_provinces(policy_assistant):
    """The top passages of this question are two other cities' elderly actions; what is quoted
    as "the provincial plan, for the whole province" must come from the provincial plan."""
    answer = policy_assistant.answer("株洲市老年人科学素质提升行动由哪些单位牵头？")
    assert answer.abstained and "株洲" in answer.text
    if "全域" in answer.text:
        assert answer.citations and all(c.jurisdiction == "湖南省" for c in answer.citations), answer.text


def test_another_years_edition_is_not_answered_from_this_years(policy_assistant):
    answer = policy_assistant.answer("省科协2022年科普工作要点要求举办第几届青少年机器人竞赛？")
    assert answer.abstained
    assert "没有2022年的版本" in answer.text and "2023" in answer.text


def test_english_scope_refusal_is_english(policy_assistant):
    answer = policy_assistant.answer("How many science bases will Zhuzhou build by 2025?")
    assert answer.abstained and "None of the documents covers" in answer.text


def test_a_colloquial_who_question_is_answered_from_the_record(policy_assistant):
    answer = policy_assistant.answer("郴州帮老人学会用智能手机这事，是哪几个部门在管？")
    assert answer.answer_type == "organisation" and not answer.abstained
    assert "市卫生健康委" in answer.text and "牵头" in answer.text
    assert any("责任分工" in c.text for c in answer.citations)
