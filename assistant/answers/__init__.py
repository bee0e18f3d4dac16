"""The offline, deterministic answerer: it only quotes and arranges the documents.

One builder per kind of question — responsibility records (forward and reverse),
document facts (文号, dates), section listings, comparisons, and the general case of
best-supported sentences — each returning Markdown with [n] markers. Before the general
case, the answerability model decides whether the evidence answers at all: a wrong
agency or number is worse than "the documents do not say".
"""
from __future__ import annotations

from assistant.answers.common import Evidence
from assistant.answers.comparison import answer_comparison
from assistant.answers.document_facts import answer_document_fact
from assistant.answers.finish import mark_status, with_status, without_empty_markup
from assistant.answers.listing import answer_section_list
from assistant.answers.refusal import refuse_missing_slot, refuse_other_edition, refuse_unknown_place, refuse_unsupported
from assistant.answers.responsibility import answer_responsibility, answer_reverse_responsibility
from assistant.answers.sentences import answer_with_sentences
from assistant.types import Answer

BUILDERS = (refuse_unknown_place, refuse_other_edition, answer_reverse_responsibility, answer_responsibility,
            answer_document_fact, answer_section_list, answer_comparison, refuse_unsupported, refuse_missing_slot,
            answer_with_sentences)


def compose_extractive(evidence: Evidence, slot_refusals: bool = True) -> Answer:
    """``slot_refusals``: refuse a topic found without the asked figure, date or agency
    (``refuse_missing_slot``); ``Settings.slot_refusals`` switches it."""
    plan = evidence.plan
    for builder in BUILDERS:
        if builder is refuse_missing_slot and not slot_refusals:
            continue
        result = builder(evidence)
        if result is not None:
            text, citations, abstained = result
            cited = with_status(citations.items, evidence.index.documents)
            text = without_empty_markup(mark_status(text, cited, plan.language == "en"))
            return Answer(question=plan.question, text=text, citations=cited, retrieved=evidence.passages,
                          abstained=abstained, standalone_question=plan.standalone,
                          answer_type=plan.answer_type)
    raise AssertionError("answer_with_sentences always answers")


__all__ = ["Evidence", "compose_extractive"]
