"""Comparisons across jurisdictions: one row per jurisdiction named, each cell cited."""
from __future__ import annotations

from assistant.answers.common import (MIN_COVERAGE, MIN_STATEMENT_CHARS, Citations, Evidence, Scored, asks_for_quantity,
                                      best_sentences, place_label, question_terms, says)
from assistant.index import PolicyIndex
from assistant.retrieve import Passage


def answer_comparison(evidence: Evidence):
    """One row per jurisdiction, each cell cited; figures come with their extracted value and year."""
    plan = evidence.plan
    if len(plan.jurisdictions) < 2:
        return None
    terms = question_terms(evidence)
    citations = Citations()
    rows = []
    for place in plan.jurisdictions:
        passages = [p for p in evidence.passages if p.chunk.jurisdiction == place]
        if asks_for_quantity(plan):
            passages += _target_passages(evidence, place, passages)
        best = [s for s in best_sentences(evidence, terms, passages) if len(s.sentence) >= MIN_STATEMENT_CHARS]
        if best and best[0].score + 0.01 * best[0].passage.rank >= MIN_COVERAGE:
            top = best[0]
            target = _target_of(evidence.index, top) if asks_for_quantity(plan) else None
            figure = f"{target['comparator']}{target['value']}{target['unit']}" + (f"（{target['year']}年）" if target and target["year"] else "") \
                if target else ""
            rows.append((place, figure, f"{top.sentence} {citations.cite(top.passage.chunk)}"))
        else:
            rows.append((place, "", says(plan, "未提及", "not stated")))
    with_figures = any(figure for _, figure, _ in rows)
    header = says(plan, "| 地区 | 数值 | 文件内容 |" if with_figures else "| 地区 | 文件内容 |",
                  "| Jurisdiction | Figure | What the document says |" if with_figures else "| Jurisdiction | What the document says |")
    lines = [header, "|---|---|---|" if with_figures else "|---|---|"]
    for place, figure, cell in rows:
        cells = [place_label(plan, place), *([figure or "—"] if with_figures else []), cell.replace("|", "｜")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines), citations, not citations.items


def _target_passages(evidence: Evidence, place: str, have: list[Passage]) -> list[Passage]:
    """Passages stating a numeric target of ``place`` that search did not bring (ranked last)."""
    seen = {p.chunk.chunk_id for p in have}
    extra = []
    for target in evidence.index.targets:
        if target["jurisdiction"] == place and target["chunk_id"] not in seen:
            seen.add(target["chunk_id"])
            extra.append(Passage(chunk=evidence.index.chunk_by_id[target["chunk_id"]], score=0.0, rank=len(have) + 1))
    return extra


def _target_of(index: PolicyIndex, scored: Scored) -> dict | None:
    """The numeric target extracted at ingest from this very sentence, if any."""
    for target in index.targets:
        if target["chunk_id"] == scored.passage.chunk.chunk_id and target["sentence"] in scored.sentence + "。；":
            return target
    return None
