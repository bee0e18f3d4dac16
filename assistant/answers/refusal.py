"""Refusals: a place, year or edition no document covers; evidence that does not answer the
question; a topic that is there without what is asked for (a figure, a date, an agency).

Whether the evidence answers is decided by the calibrated model in
``assistant.answerability`` — from meaning and evidence features, not from word lists.
"""
from __future__ import annotations

from dataclasses import replace

from assistant import answerability
from assistant.answers.common import (Citations, Evidence, heading_match, not_stated, place_label, question_terms, says,
                                      with_closest)
from assistant.answers.sentences import chosen_sentences
from assistant.understanding import scope, slot
from assistant.understanding.generate import bare


def refuse_unknown_place(evidence: Evidence):
    """A place no document covers: say which documents exist. A document for a larger area
    that holds the place (the provincial plan for a city) is quoted for what it sets for the
    whole area — never as the place's own figure."""
    plan = evidence.plan
    if not plan.unknown_places:
        return None
    enclosing = scope.enclosing_jurisdictions(plan, evidence.index.documents)
    if plan.jurisdictions and not (enclosing and set(plan.jurisdictions) <= set(enclosing.jurisdictions)):
        return None
    separator = ", " if plan.language == "en" else "、"
    covered = separator.join(place_label(plan, j) for j in sorted({info.jurisdiction for info in evidence.index.documents.values()
                                                                  if info.jurisdiction}))
    place = separator.join(place_label(plan, p) for p in plan.unknown_places)
    text = says(plan, f"所提供的文件中没有关于{place}的文件或规定。现有文件涵盖：{covered}。",
                f"None of the documents covers {place}. They cover: {covered}.")
    inside = [p for p in evidence.passages if enclosing and p.chunk.jurisdiction in enclosing.jurisdictions]
    inside = inside or evidence.wider_passages
    if enclosing and inside:
        wider = separator.join(place_label(plan, j) for j in enclosing.jurisdictions)
        text += says(plan, f"{wider}的文件只对{wider}全域作出规定，以下是其中最接近的段落（适用于{wider}全域，不是{place}的专门规定）。",
                     f" The {wider} document sets targets for the whole of {wider}; the closest passages below apply to "
                     f"{wider} as a whole, not specifically to {place}.")
        return with_closest(replace(evidence, passages=inside), text)
    # Never let another place's passage be read as the wider plan's: plain closest passages.
    return with_closest(evidence, text)


def refuse_other_edition(evidence: Evidence):
    """"2022年的工作要点" when only the 2023 要点 is indexed: another edition, not answered from this one."""
    plan = evidence.plan
    terms = question_terms(evidence)
    found = scope.other_edition(plan, evidence.index.documents, lambda title: heading_match(title, terms))
    if found is None:
        return None
    year, named = found
    titles = "、".join(f"《{info.title}》" for info in named)
    return with_closest(evidence, says(plan, f"所提供的文件中没有{year}年的版本：现有的是{titles}，它不涵盖{year}年。",
                                       f"There is no {year} edition among the documents: they hold {titles}, which does not cover {year}."))


def refuse_missing_slot(evidence: Evidence):
    """The topic is there but not what is asked for: a number for a quantity, a date for a
    date, an agency for a who-question. Say so plainly, with the passage that comes closest."""
    plan = evidence.plan
    if plan.answer_type not in slot.SLOTS or plan.is_comparison:
        return None
    chosen = chosen_sentences(evidence)
    if not chosen or any(slot.fills_slot(plan.answer_type, s.sentence, evidence.index.agency_names) for s in chosen):
        return None
    chunk = chosen[0].passage.chunk
    topic = bare(chunk.section_path[-1]) if len(chunk.section_path) > 1 else chunk.title
    chinese, english = slot.WHAT_IS_MISSING[plan.answer_type]
    citations = Citations()
    quotes = "\n>\n".join(f"> {s.sentence} {citations.cite(s.passage.chunk)}" for s in chosen[:2])
    text = says(plan, f"文件提到了“{topic}”，但没有规定{chinese}。最接近的原文：",
                f"The documents mention “{topic}”, but do not state {english}. The closest passage:")
    return f"{text}\n\n{quotes}", citations, True


def refuse_unsupported(evidence: Evidence):
    """The retrieved passages do not answer the question: say so, with the closest passages."""
    plan = evidence.plan
    if not evidence.passages:
        return with_closest(evidence, not_stated(plan))
    decision = answerability.decide(plan.standalone, question_terms(evidence), evidence.passages,
                                   evidence.unscoped_dense_top, max(evidence.sentence_similarity.values(), default=0.0),
                                   evidence.unscoped_keyword_top)
    # The model was fitted with its own reading of figure and date questions; passing
    # ``answer_type=plan.answer_type`` needs a refit (`python -m assistant.answerability_fit`).
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
