"""Document facts — 文号, issuing bodies, dates, status, web-page fields — from metadata."""
from __future__ import annotations

import re

from assistant.answers.common import Citations, Evidence, heading_match, question_terms, says
from assistant.index import PolicyIndex
from assistant.query import QueryPlan
from ingest.chunk import Chunk


DATE_QUESTION = re.compile(r"印发|发布|签署|发文|成文|出台|落款|issued|signed|published|released|dated", re.I)


DATE_KINDS = {"signed": r"落款|签署|成文|signed", "printed": r"印发日期|哪天印发|印发的|印制|printed",
              "issued": r"发文日期|发布|发文|issued|published|released"}


def answer_document_fact(evidence: Evidence):
    """文号, issuing bodies, dates and web-page fields: answered from the document's metadata."""
    plan = evidence.plan
    fields = _asked_fields(evidence)
    if not fields or plan.unknown_places or _names_another_document(evidence):
        return None
    infos = _best_matching_documents(evidence, [evidence.index.documents[s] for s in
                                                evidence.sources or evidence.index.documents], strict=not evidence.sources)
    if not infos:
        return None
    citations = Citations()
    lines = [_document_fact_line(evidence, info, field, citations) for info in infos for field in fields]
    return "\n\n".join(line for line in lines if line), citations, not citations.items


def _asked_fields(evidence: Evidence) -> list[str]:
    plan = evidence.plan
    fields = [key for info in evidence.index.documents.values() for key in info.fields
              if key in plan.standalone and key not in ("文号", "发文日期", "签署日期")]
    if plan.answer_type == "doc_number":
        # The document's identity — 文号, issuing bodies and, when it says, its status — answers
        # "文号是什么", "谁印发的" and "是不是正式文件" alike.
        fields += ["doc_number", "issuers", "status"]
    if plan.wants("date") and DATE_QUESTION.search(plan.standalone):
        fields.append("dates")
    return list(dict.fromkeys(fields))


def _names_another_document(evidence: Evidence) -> bool:
    """"中方县方案依据的怀化市方案文号" asks about a cited document, not the one in scope."""
    named = re.findall(r"[《<]([^》>]+)[》>]", evidence.plan.standalone)
    titles = [evidence.index.documents[s].title for s in evidence.sources or []]
    return bool(re.search(r"依据|根据|引用|参照|cited|based on", evidence.plan.standalone)) or any(
        not any(name in title or title in name for title in titles) for name in named)


def _document_fact_line(evidence: Evidence, info, field: str, citations: Citations) -> str:
    plan = evidence.plan
    if field == "status" and not info.status:
        return ""          # shown with the 文号 only when the document says what it is
    value, needle = _field_value(plan, info, field)
    label = {"issuers": ("印发单位", "issuing bodies"), "doc_number": ("文号", "document number"),
             "dates": ("日期", "date"), "status": ("状态", "status")}.get(field, (field, field))
    if not value:
        draft = info.status == "征求意见稿"
        return says(plan, f"《{info.title}》的文本中没有写明{label[0]}" + ("（该文件为征求意见稿）" if draft else "") + "。",
                    f"{info.title} does not state its {label[1]}" + (" (it is a draft for comments)" if draft else "") + ".")
    chunk = _chunk_containing(evidence.index, info.source, needle)
    marker = citations.cite(chunk) if chunk else ""
    return says(plan, f"《{info.title}》的{label[0]}：**{value}** {marker}", f"The {label[1]} of {info.title}: **{value}** {marker}")


def _field_value(plan: QueryPlan, info, field: str) -> tuple[str, str]:
    """The value to state and the text to find the citing passage by."""
    if field == "issuers":
        return "、".join(info.issuers), (info.issuers[0] if info.issuers else "")
    if field == "doc_number":
        return info.doc_number, info.doc_number
    if field == "status":
        english = {"征求意见稿": "draft for comments (征求意见稿)", "正式印发": "officially issued (正式印发)"}
        if info.status == "superseded" and info.superseded_by:   # ingest/versions.py: repealed or finalised
            return (f"superseded by {info.superseded_by}" if plan.language == "en"
                    else f"已被取代（见 {info.superseded_by}）"), info.stated_status
        return (english.get(info.status, info.status) if plan.language == "en" else info.status), info.status
    if field == "dates":
        wanted = [kind for kind, pattern in DATE_KINDS.items() if re.search(pattern, plan.standalone, re.I)]
        dates = {k: v for k, v in info.dates.items() if not wanted or k in wanted} or info.dates
        shown = [f"{_date_label(plan, k)} {chinese_date(v)}" for k, v in dates.items()]
        return "；".join(shown), chinese_date(next(iter(dates.values()))) if dates else ""
    return info.fields.get(field, ""), f"{field}：{info.fields.get(field, '')}"


def chinese_date(iso: str) -> str:
    """2022-08-30 → 2022年8月30日, the way the documents write dates."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
    return f"{match[1]}年{int(match[2])}月{int(match[3])}日" if match else iso


def _chunk_containing(index: PolicyIndex, source: str, needle: str) -> Chunk | None:
    chunks = index.chunks_by_source.get(source, [])
    return next((c for c in chunks if needle and needle in c.text), chunks[0] if chunks else None)


def _date_label(plan: QueryPlan, key: str) -> str:
    chinese = {"issued": "发文日期", "signed": "成文（落款）日期", "printed": "印发日期"}
    english = {"issued": "date", "signed": "signing date", "printed": "issue date"}   # 印发 = issued, not printed
    return english.get(key, key) if plan.language == "en" else chinese.get(key, key)


def _best_matching_documents(evidence: Evidence, infos: list, strict: bool = False) -> list:
    """Keep the documents whose titles the question's words point to. ``strict``: with no
    jurisdiction named, a document must be recognisable by its title at all."""
    if len(infos) <= 1 and not strict:
        return infos
    terms = question_terms(evidence)
    scores = [(heading_match(info.title, terms), info) for info in infos]
    best = max(score for score, _ in scores)
    if strict and best < 0.3:
        return []
    return [info for score, info in scores if score >= best] if best > 0 else infos
