"""Dev items are labelled from their fields, and training questions come from the corpus."""
from __future__ import annotations

from assistant.evaluate import QAItem
from assistant.understanding.answer_type import LABELS
from assistant.understanding.generate import generate_questions
from assistant.understanding.labels import dev_answer_type
from assistant.understanding.slot import fills_slot


def item(kind, facts):
    return QAItem(id="x", question="（问题的字不参与）", type=kind, key_facts=facts)


def test_dev_labels_come_from_the_item_not_the_question():
    agencies, issuers = {"市科协", "市教育局"}, {"湖南省科学技术厅"}
    assert dev_answer_type(item("lead_agency", ["市科协"]), agencies, issuers) == "organisation"
    assert dev_answer_type(item("fact", ["湘科发〔2022〕132号"]), agencies, issuers) == "doc_number"
    assert dev_answer_type(item("fact", ["湖南省科学技术厅"]), agencies, issuers) == "doc_number"
    assert dev_answer_type(item("fact", ["2022年8月30日"]), agencies, issuers) == "date"
    assert dev_answer_type(item("paraphrase", ["300个"]), agencies, issuers) == "quantity"
    assert dev_answer_type(item("paraphrase", ["新区管委会"]), agencies, issuers) == "organisation"
    assert dev_answer_type(item("paraphrase", ["时间银行"]), agencies, issuers) == "description"
    assert dev_answer_type(item("unanswerable", []), agencies, issuers) is None


def test_generated_questions_cover_every_label_in_both_languages(policy_assistant):
    generated = generate_questions(policy_assistant.index)
    assert {g.label for g in generated} == set(LABELS)
    actions = {r.action for r in policy_assistant.index.records}
    organisation = [g.question for g in generated if g.label == "organisation"]
    assert any(a.lstrip("（）一二三四五六七八九十") in q for q in organisation for a in actions)
    assert any(q.isascii() for q in organisation) and any(not q.isascii() for q in organisation)


def test_slots():
    assert fills_slot("quantity", "到2025年，建成省级科普基地300个。")
    assert not fills_slot("quantity", "广泛开展老年人健康科普活动。")
    assert fills_slot("date", "自公布之日起施行。")
    assert not fills_slot("date", "组织开展科普讲座。")
    assert fills_slot("organisation", "由市科协牵头。", ["市科协"])
    assert not fills_slot("organisation", "普及智能技术应用知识。", [])
    assert fills_slot("description", "任何句子")
