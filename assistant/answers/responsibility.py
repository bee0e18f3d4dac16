"""Responsibility answers (责任分工): who leads an action, and what an agency leads."""
from __future__ import annotations

import re

from assistant.answers.common import (Citations, Evidence, agency_label, coverage, document_label,
                                      heading_match, place_label, question_terms, says, with_closest)
from assistant.index import PolicyIndex
from assistant.query import QueryPlan
from ingest.chunk import Chunk
from ingest.records import ResponsibilityRecord


def records_in_scope(evidence: Evidence) -> list[ResponsibilityRecord]:
    scope = set(evidence.sources or evidence.index.documents)
    return [r for r in evidence.index.records if r.source in scope]


def record_chunk(evidence: Evidence, record: ResponsibilityRecord) -> Chunk:
    return evidence.index.chunk_by_id[record.chunk_id]


def answer_responsibility(evidence: Evidence):
    plan = evidence.plan
    # "郴州和中方分别由谁牵头" is a comparison of organisations: each place's record answers it.
    if not plan.wants("organisation", at_least=ORGANISATION_SECOND) or (plan.answer_type == "comparison"
                                                                        and len(plan.jurisdictions) < 2):
        return None
    chosen = _records_asked_about(evidence)
    if not chosen:
        return None      # no action or project is named: the general path quotes the text
    citations = Citations()
    wants_participants = bool(re.search(r"参加|参与|配合|participat|take part|involved", plan.standalone, re.I))
    lines = [_describe_record(plan, r, citations.cite(record_chunk(evidence, r)), wants_participants) for r in chosen]
    quotes = [f"> {r.text} {citations.cite(record_chunk(evidence, r))}" for r in chosen]
    return "\n\n".join(lines) + "\n\n" + "\n>\n".join(quotes), citations, False


MIN_RECORD_MATCH = 0.3
ORGANISATION_SECOND = 0.15    # P(organisation) that makes a comparison one of agencies
# A record found by meaning alone (assistant.understanding.topic) must be this close to the
# question and stand this far above the next action's (chosen on evals/dev.jsonl).
MIN_TOPIC_SCORE = 0.90
MIN_TOPIC_MARGIN = 0.03


def _records_asked_about(evidence: Evidence) -> list[ResponsibilityRecord]:
    """The records of the action the question names (its heading's words), else the one it
    describes (closest in meaning); one per jurisdiction."""
    terms = question_terms(evidence)
    scored = [(coverage("".join(r.section_path[1:]), terms), r) for r in records_in_scope(evidence)]
    best = max((score for score, _ in scored), default=0.0)
    if best >= MIN_RECORD_MATCH:
        return _one_per_jurisdiction([r for score, r in scored if score >= best - 1e-9])
    topics = evidence.topics
    if topics and topics[0].score >= MIN_TOPIC_SCORE and topics[0].margin >= MIN_TOPIC_MARGIN:
        action = topics[0].record.action
        return _one_per_jurisdiction([t.record for t in topics if t.record.action == action])
    return []


# Words that name the kind of item, not a particular one ("牵头哪些行动和工程").
CATEGORY_WORDS = frozenset("行动 工程 项目 任务 重点 重点工程 提升行动 提升 措施 工作 科学 素质 科学素质".split())


def _one_per_jurisdiction(records: list[ResponsibilityRecord]) -> list[ResponsibilityRecord]:
    seen, chosen = set(), []
    for record in records:
        if record.source not in seen:
            seen.add(record.source)
            chosen.append(record)
    return chosen


def _describe_record(plan: QueryPlan, record: ResponsibilityRecord, marker: str, wants_participants: bool) -> str:
    leads = "、".join(agency_label(plan, a) for a in record.lead_agencies)
    partners = "、".join(agency_label(plan, a) for a in record.participating_agencies)
    place = place_label(plan, record.jurisdiction)
    action = record.action
    if plan.language == "en":
        text = f"**{place}** — {action}: led by **{leads}** {marker}."
        if partners:
            text += f" Participating: {partners} {marker}."
        return text
    text = f"**{place}**{document_label(record)}{action}：由**{leads}**牵头 {marker}"
    if partners:
        text += f"；{'**' if wants_participants else ''}{partners}{'**' if wants_participants else ''}等单位参加 {marker}"
    return text + "。"


def answer_reverse_responsibility(evidence: Evidence):
    plan = evidence.plan
    if not plan.agencies or plan.answer_type != "organisation":
        return None
    records = records_in_scope(evidence)
    terms = {t: w for t, w in question_terms(evidence).items()
             if t not in CATEGORY_WORDS and not any(t in agency for agency in plan.agencies)}
    # "市科协牵头的青少年行动由谁参加" names an action too: that is a forward question.
    if any(heading_match(r.action, terms) >= 0.5 for r in records):
        return None
    role_wanted = "lead" if re.search(r"牵头|lead", plan.standalone, re.I) and not re.search(
        r"参加|参与|participat|involved", plan.standalone, re.I) else ""
    citations = Citations()
    blocks = []
    for agency in plan.agencies:
        for role in ("lead", "participate"):
            if role_wanted and role != role_wanted:
                continue
            matches = [r for r in records if r.involves(agency) == role]
            if matches:
                blocks.append(_agency_block(evidence, plan, agency, role, matches, citations))
    if not blocks:
        agency = "、".join(plan.agencies)
        return with_closest(evidence, says(plan, f"所提供的文件中，{agency}没有牵头或参加的责任分工。",
                                            f"The documents assign no responsibilities to {agency}."))
    return "\n\n".join(blocks), citations, False


def _agency_block(evidence, plan, agency, role, records, citations) -> str:
    label = agency_label(plan, agency)
    if plan.language == "en":
        head = f"**{label}** {'leads' if role == 'lead' else 'takes part in'} {len(records)} item(s):"
    else:
        head = f"**{label}**{'牵头' if role == 'lead' else '参加'}的工作共 {len(records)} 项："
    lines = []
    for i, record in enumerate(records, start=1):
        partners = [a for a in record.lead_agencies if a != agency]
        together = says(plan, f"（与{'、'.join(partners)}共同牵头）", f" (co-led with {', '.join(partners)})") \
            if role == "lead" and partners else ""
        lines.append(f"{i}. {place_label(plan, record.jurisdiction)} {record.action}{together} "
                     f"{citations.cite(record_chunk(evidence, record))}")
    return head + "\n" + "\n".join(lines)
