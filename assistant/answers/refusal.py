"""Refusals: a place no document covers, or evidence that does not answer the question.

Whether the evidence answers is decided by the calibrated model in
``assistant.answerability`` — from meaning and evidence features, not from word lists.
"""
from __future__ import annotations

from assistant import answerability
from assistant.answers.common import Evidence, not_stated, question_terms, says, with_closest


def refuse_unknown_place(evidence: Evidence):
    plan = evidence.plan
    if not plan.unknown_places or plan.jurisdictions:
        return None
    covered = "、".join(sorted({info.jurisdiction for info in evidence.index.documents.values() if info.jurisdiction}))
    place = "、".join(plan.unknown_places)
    text = says(plan, f"所提供的文件中没有关于{place}的规定。现有文件涵盖：{covered}。",
                f"The documents do not cover {place}. They cover: {covered}.")
    return with_closest(evidence, text)


def refuse_unsupported(evidence: Evidence):
    """The retrieved passages do not answer the question: say so, with the closest passages."""
    plan = evidence.plan
    if not evidence.passages:
        return with_closest(evidence, not_stated(plan))
    decision = answerability.decide(plan.standalone, question_terms(evidence), evidence.passages,
                                   evidence.unscoped_dense_top, max(evidence.sentence_similarity.values(), default=0.0),
                                   evidence.unscoped_keyword_top)
    if decision.answerable:
        return None
    aspect = decision.features.failed_aspect()
    years = "、".join(sorted(set(answerability.YEAR.findall(plan.standalone))))
    text = {
        "year_missing": says(plan, f"所提供的文件没有给出{years}年的这一数据。", f"The documents do not give this for {years}."),
        "quantity_missing": says(plan, "所提供的文件没有给出这一具体数字。", "The documents do not state this figure."),
        "date_missing": says(plan, "所提供的文件没有写明这一时间。", "The documents do not state this date."),
    }.get(aspect) or not_stated(plan)
    return with_closest(evidence, text)
