"""The general case: the best-supported sentences of the top passages, each cited."""
from __future__ import annotations

from assistant.answers.common import (MAX_SENTENCES, MIN_COVERAGE, Citations, Evidence, Scored, best_sentences,
                                      document_label, not_stated, place_label, question_terms, says, with_closest)


def chosen_sentences(evidence: Evidence) -> list[Scored]:
    """The sentences that answer, in document order: the best one always (the refusal checks
    already judged its support), and those close to it."""
    best = best_sentences(evidence, question_terms(evidence))
    if not best:
        return []
    top = best[0].score
    chosen = [best[0]] + [s for s in best[1: MAX_SENTENCES * 3] if s.score >= max(MIN_COVERAGE, 0.6 * top)]
    return _in_document_order(chosen[:MAX_SENTENCES])


def answer_with_sentences(evidence: Evidence):
    plan = evidence.plan
    chosen = chosen_sentences(evidence)
    if not chosen:
        return with_closest(evidence, not_stated(plan))
    citations = Citations()
    # Each document's sentences under its own "according to" line: a figure or agency is
    # never shown under another jurisdiction's name.
    blocks = []
    for source in dict.fromkeys(s.passage.chunk.source for s in chosen):
        group = [s for s in chosen if s.passage.chunk.source == source]
        first = group[0].passage.chunk
        lead = says(plan, f"根据{document_label(first)}（{first.section or first.title}）：",
                    f"According to {place_label(plan, first.jurisdiction)}, {first.title} ({first.section or 'preamble'}):")
        blocks.append(lead + "\n\n" + "\n\n".join(f"> {s.sentence} {citations.cite(s.passage.chunk)}" for s in group))
    return "\n\n".join(blocks), citations, False


def _in_document_order(chosen: list[Scored]) -> list[Scored]:
    return sorted(chosen, key=lambda s: (s.passage.rank, s.passage.chunk.start))
