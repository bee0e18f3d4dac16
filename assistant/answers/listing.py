"""Listings ("哪些重点工程", "几项原则"): a section's own numbered children, counted."""
from __future__ import annotations

import re

from assistant.answers.common import (Citations, Evidence, coverage, document_label, heading_match, place_label,
                                      question_terms, says)
from assistant.index import PolicyIndex
from ingest.chunk import Chunk


LIST_TOPICS = re.compile(r"行动|工程|任务|措施|重点|保障|人群|群体|原则|目标|部分|方面|actions?|projects?|tasks?|measures?|groups?|principles?", re.I)


MAX_SECTION_QUOTE = 700


def answer_section_list(evidence: Evidence):
    """"哪些重点工程 / 几项原则": the children of the section the question names, counted."""
    plan = evidence.plan
    if plan.answer_type != "list" or plan.is_comparison:
        return None
    terms = question_terms(evidence)
    candidates = []
    for source in evidence.sources or list(dict.fromkeys(p.chunk.source for p in evidence.passages[:2])):
        for path, children in section_children(evidence.index, source).items():
            own = heading_match(path[-1], terms)
            candidates.append((own, coverage("".join(path), terms), source, path, children))
    if not candidates:
        return None
    own, whole, source, path, children = max(candidates, key=lambda c: (c[0], c[1]))
    if own < 0.4 or not LIST_TOPICS.search(plan.standalone) and own < 0.6:
        return None
    info = evidence.index.documents[source]
    place = place_label(plan, info.jurisdiction)
    citations = Citations()
    if len(children) < 2:
        return _quote_section(evidence, source, path, place, citations)
    # Bullets, not numbers: the headings carry the document's own numbering (（一）, 1.).
    items = [f"- {heading} {citations.cite(chunk)}" for heading, chunk in children]
    head = says(plan, f"**{place}**{document_label(info)}“{path[-1]}”下共 **{len(children)}** 项：",
                f"**{place}** — under “{path[-1]}” there are **{len(children)}** items:")
    return head + "\n" + "\n".join(items), citations, False


def _quote_section(evidence: Evidence, source: str, path: tuple[str, ...], place: str, citations: Citations):
    """A section without numbered children (e.g. principles written as one paragraph): quote it."""
    chunks = [c for c in evidence.index.chunks_by_source.get(source, []) if c.section_path[:len(path)] == path]
    if not chunks:
        return None
    quoted, used = [], 0
    for chunk in chunks:
        if used >= MAX_SECTION_QUOTE:
            break
        quoted.append(f"> {chunk.text} {citations.cite(chunk)}")
        used += len(chunk.text)
    head = says(evidence.plan, f"**{place}**{document_label(chunks[0])}“{path[-1]}”原文：",
                f"**{place}** — “{path[-1]}” reads:")
    return head + "\n\n" + "\n>\n".join(quoted), citations, False


def section_children(index: PolicyIndex, source: str) -> dict[tuple[str, ...], list[tuple[str, Chunk]]]:
    """Heading path → its child headings in order, each with the first chunk of that child."""
    children: dict[tuple[str, ...], list[tuple[str, Chunk]]] = {}
    for chunk in index.chunks_by_source.get(source, []):
        for depth in range(1, len(chunk.section_path)):
            parent, heading = chunk.section_path[:depth], chunk.section_path[depth]
            siblings = children.setdefault(parent, [])
            if heading not in (h for h, _ in siblings):
                siblings.append((heading, chunk))
    return children
