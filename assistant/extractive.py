"""The offline, deterministic answerer: it only quotes and arranges the documents.

One builder per kind of question — responsibility records (forward and reverse),
document facts (文号, dates), section listings, comparisons, and the general case of
best-supported sentences — each returning Markdown with [n] markers. Before any of
them, the refusal checks decide whether the documents support an answer at all: a
wrong agency or number is worse than "the documents do not say".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer import Answer, Citation
from assistant.glossary import gloss
from assistant.index import PolicyIndex
from assistant.query import QueryPlan, jurisdiction_aliases
from assistant.retrieve import Passage
from assistant.text import sentences
from ingest.chunk import Chunk
from ingest.records import ResponsibilityRecord

QUESTION_WORDS = frozenset(
    "哪些 什么 多少 如何 怎样 怎么 是否 哪个 哪 几 几项 几个 请问 介绍 一下 主要 内容 有关 关于 相关 提出 规定 要求 明确 "
    "文件 方案 规划 实施 实施方案 通知 工作 单位 部门 方面 情况 具体 分别 各自 比较 对比 相比 不同 区别 计划 打算 "
    "文号 发文字号 日期 牵头 负责 参加 参与 哪一 一个 这个 那个 我们 你们 他们 提到 说 讲 列出 列举 包括 呢 吗 到底 应该 需要 可以 能".split())
# Verbs and measure words that every plan uses: their absence from one document proves nothing.
GENERIC_WORDS = frozenset(
    "达到 超过 提高 提升 加强 开展 实施 建设 推进 完善 推动 支持 建立 健全 促进 加大 组织 培养 培育 培训 发展 落实 "
    "每年 年度 全年 以上 不少 不低于 比例 数量 面积 人数 个数 万人 人次 平方米".split())
MIN_COVERAGE = 0.28
MAX_SENTENCES = 3
MIN_STATEMENT_CHARS = 12     # shorter "sentences" are bare headings ("（四）进度安排。")
NUMBER = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|万|亿|人|个|名|家|所|站|项|次|平方米|公里)?")


@dataclass
class Evidence:
    plan: QueryPlan
    passages: list[Passage]
    index: PolicyIndex
    sources: list[str] | None


@dataclass
class Citations:
    """Numbers passages in the order the answer first cites them."""
    items: list[Citation] = field(default_factory=list)

    def cite(self, chunk: Chunk) -> str:
        for citation in self.items:
            if citation.chunk_id == chunk.chunk_id:
                return f"[{citation.number}]"
        number = len(self.items) + 1
        self.items.append(Citation(number, chunk.chunk_id, chunk.source, chunk.title, chunk.doc_number,
                                   chunk.jurisdiction, chunk.section, chunk.text, chunk.start, chunk.end))
        return f"[{number}]"


def compose_extractive(evidence: Evidence) -> Answer:
    plan = evidence.plan
    for builder in (refuse_unknown_place, answer_reverse_responsibility, answer_responsibility, answer_document_fact,
                    answer_section_list, answer_comparison, refuse_unsupported, answer_with_sentences):
        result = builder(evidence)
        if result is not None:
            text, citations, abstained = result
            return Answer(question=plan.question, text=text, citations=citations.items, retrieved=evidence.passages,
                          abstained=abstained, standalone_question=plan.standalone)
    raise AssertionError("answer_with_sentences always answers")


# ------------------------------------------------------------------ wording

def says(plan: QueryPlan, chinese: str, english: str) -> str:
    return english if plan.language == "en" else chinese


def not_stated(plan: QueryPlan, topic: str = "") -> str:
    return says(plan, f"所提供的文件中没有{topic or '与此问题直接相关'}的规定。",
                f"The documents do not state {topic or 'this'}.")


def place_label(plan: QueryPlan, jurisdiction: str) -> str:
    if plan.language == "en":
        english = gloss(jurisdiction)
        return f"{english} ({jurisdiction})" if english else jurisdiction
    return jurisdiction


def agency_label(plan: QueryPlan, name: str) -> str:
    english = gloss(name) if plan.language == "en" else ""
    return f"{name} ({english})" if english else name


def document_label(chunk_or_info) -> str:
    number = getattr(chunk_or_info, "doc_number", "")
    return f"《{chunk_or_info.title}》" + (f"（{number}）" if number else "")


# ------------------------------------------------------------------ question terms and support

def question_terms(evidence: Evidence, include_expansions: bool = True) -> dict[str, float]:
    """Content words of the question weighted by rarity (idf).

    A Chinese word the corpus never uses still counts, at a median weight: a question
    about a 主席 or a 预算总额 is not supported by a passage that only shares "科协".
    """
    plan, index = evidence.plan, evidence.index
    text = plan.search_text if include_expansions else plan.standalone
    place_forms = set(jurisdiction_aliases(index.documents))
    known, unknown = {}, []
    for token in index.segmenter.tokens(text):
        if token in QUESTION_WORDS or len(token) < 2 and not token.isdigit():
            continue
        if any(token in form for form in place_forms):    # "郴州市" and its search-mode piece "州市"
            continue
        weight = index.idf(token)
        if weight > 0:
            known[token] = weight
        elif re.fullmatch(r"[\u4e00-\u9fff]{2,}", token):
            unknown.append(token)
    if known and unknown:
        median = sorted(known.values())[len(known) // 2]
        known.update({token: median for token in _drop_parts(unknown)})
    return known


def coverage(sentence: str, terms: dict[str, float], context: str = "") -> float:
    """Weighted share of the question's terms in ``sentence``; a term found only in the
    sentence's ``context`` (its section headings) counts half."""
    total = sum(terms.values())
    if not total:
        return 0.0
    found = sum(w if t in sentence else 0.5 * w if t in context else 0.0 for t, w in terms.items())
    return found / total


def heading_match(heading: str, terms: dict[str, float]) -> float:
    """How well a heading matches the question: recall of the question's terms and
    precision of the heading (so "（二）原则" beats "一、指导思想、原则和目标")."""
    bare = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]?", "", heading)
    if not bare:
        return 0.0
    covered = [False] * len(bare)
    for term in terms:
        start = bare.find(term)
        while start >= 0:
            covered[start:start + len(term)] = [True] * len(term)
            start = bare.find(term, start + 1)
    return 0.5 * coverage(bare, terms) + 0.5 * sum(covered) / len(bare)


@dataclass(frozen=True)
class Scored:
    sentence: str
    passage: Passage
    score: float


def best_sentences(evidence: Evidence, terms: dict[str, float], passages: list[Passage] | None = None) -> list[Scored]:
    wants_number = asks_for_quantity(evidence.plan) or "figure" in evidence.plan.intents
    wants_doc_number = "doc_number" in evidence.plan.intents
    unit = asked_unit(evidence.plan.standalone)
    scored = []
    for passage in passages if passages is not None else evidence.passages:
        for sentence in sentences(passage.chunk.text):
            score = coverage(sentence, terms, passage.chunk.section)
            if wants_doc_number and DOC_NUMBER_TEXT.search(sentence):
                score += 0.3
            if wants_number and QUANTITY.search(sentence):
                score += 0.15
                if unit and re.search(rf"\d\s*{re.escape(unit)}", sentence):
                    score += 0.15
            if len(sentence) < MIN_STATEMENT_CHARS:
                score -= 0.2                    # a bare heading ("（四）进度安排。") says nothing
            score -= 0.01 * passage.rank        # ties go to the better-ranked passage
            scored.append(Scored(sentence, passage, score))
    scored.sort(key=lambda s: -s.score)
    return scored


QUANTITY = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|万|亿|千|百|人|个|名|家|所|站|项|次|元|平方米|公里|天|小时|场|支|座|处|期|户|倍|册|部|件|种|门|篇|年)")
DOC_NUMBER_TEXT = re.compile(r"[〔\[［]\d{4}[〕\]］]\d+号")
YEAR = re.compile(r"(20\d{2})\s*年")
DATE_EXPRESSION = re.compile(r"\d{4}\s*年|\d{1,2}\s*月|\d{4}-\d{2}-\d{2}|年底|年内|年前|季度|之日起|起施行|起实施|起执行")
ASKS_QUANTITY = re.compile(r"多少|(?<!哪)几[天人名个家项万元次所站场年]|比例|比重|百分之|how many|how much|what percentage|what proportion|what share", re.I)
ASKS_AGENCY = re.compile(r"牵头|单位|部门|机构|agenc|department|\blead", re.I)
ASKS_LIST = re.compile(r"几[项条点方面部分类]|哪几|分别是|都是哪|有哪些", re.I)


def asks_for_quantity(plan: QueryPlan) -> bool:
    """A figure is asked for (not "哪几个单位", not "几项工程，分别是什么")."""
    text = plan.question if plan.language == "en" else plan.standalone
    return bool(ASKS_QUANTITY.search(text)) and not ASKS_AGENCY.search(text) and not (
        ASKS_LIST.search(text) and not re.search(r"多少|比例|how much", text))


UNIT_GROUPS = ({"个", "家", "所", "座", "处", "站", "项", "支", "场"}, {"人", "名", "人次", "万人次", "万人"},
               {"元", "万元", "亿元"}, {"平方米"}, {"公里"}, {"天"}, {"次"}, {"年"})


def _states_quantity(sentence: str, unit: str) -> bool:
    """The sentence gives a number, in a unit compatible with the one asked for (if any)."""
    if not unit:
        return bool(QUANTITY.search(sentence))
    units = next((group for group in UNIT_GROUPS if unit in group), {unit})
    return any(re.search(rf"\d\s*[万亿千百]?\s*{re.escape(u)}", sentence) for u in units)


def asked_unit(question: str) -> str:
    match = re.search(r"(?:多少|几)(平方米|万人次|人次|万元|亿元|公里|[天人名个家项元次所站场条年])", question)
    return match.group(1) if match else ""


# ------------------------------------------------------------------ refusals

def refuse_unknown_place(evidence: Evidence):
    plan = evidence.plan
    if not plan.unknown_places or plan.jurisdictions:
        return None
    covered = "、".join(sorted({info.jurisdiction for info in evidence.index.documents.values() if info.jurisdiction}))
    place = "、".join(plan.unknown_places)
    text = says(plan, f"所提供的文件中没有关于{place}的规定。现有文件涵盖：{covered}。",
                f"The documents do not cover {place}. They cover: {covered}.")
    return _with_closest(evidence, text)


def refuse_unsupported(evidence: Evidence):
    """No passage in scope holds enough of the question: say so rather than guess."""
    plan = evidence.plan
    missing = terms_missing_in_scope(evidence)
    if missing:
        scope = "、".join(plan.jurisdictions) or says(plan, "所选文件", "the selected documents")
        topic = "、".join(f"“{t}”" for t in missing)
        text = says(plan, f"所提供的文件中，{scope}的文件没有提到{topic}。",
                    f"The documents for {scope} do not mention {topic}.")
        return _with_closest(evidence, text)
    if "person" in plan.intents:
        return _with_closest(evidence, says(plan, "所提供的文件只写明负责单位，没有写明任何人员姓名。",
                                            "The documents name agencies, not people; no person's name is stated."))
    terms = question_terms(evidence)
    best = best_sentences(evidence, terms)
    if not evidence.passages or not terms or not best or best[0].score + 0.01 * best[0].passage.rank < MIN_COVERAGE:
        return _with_closest(evidence, not_stated(plan))
    supporting = [s.sentence for s in best[:MAX_SENTENCES] if s.score >= MIN_COVERAGE]
    if asks_for_quantity(plan) and not any(_states_quantity(s, asked_unit(plan.standalone)) for s in supporting):
        return _with_closest(evidence, says(plan, "所提供的文件没有给出这一具体数字。", "The documents do not state this figure."))
    asked_years = set(YEAR.findall(plan.standalone))
    if asked_years and asks_for_quantity(plan):
        contexts = [s.sentence + s.passage.chunk.section + s.passage.chunk.title for s in best[:MAX_SENTENCES]]
        if not any(year in context for year in asked_years for context in contexts):
            return _with_closest(evidence, says(plan, f"所提供的文件没有给出{'、'.join(sorted(asked_years))}年的这一数据。",
                                                f"The documents do not give this figure for {', '.join(sorted(asked_years))}."))
    if "date" in plan.intents and not any(DATE_EXPRESSION.search(s) for s in supporting):
        return _with_closest(evidence, says(plan, "所提供的文件没有写明这一时间。", "The documents do not state this date."))
    return None


def terms_missing_in_scope(evidence: Evidence) -> list[str]:
    """Question words found elsewhere in the corpus but never in the documents asked about."""
    if not evidence.sources or evidence.plan.language == "en":
        return []
    index, scope = evidence.index, set(evidence.sources)
    nouns = index.segmenter.content_words(evidence.plan.standalone)
    missing = []
    for term in question_terms(evidence, include_expansions=False):
        if term not in nouns or any(ch.isdigit() for ch in term) or term in GENERIC_WORDS:
            continue
        positions = index.chunks_with_token(term)
        if len(positions) and not any(index.chunks[i].source in scope for i in positions):
            missing.append(term)
    return _drop_parts(missing)


def _drop_parts(terms: list[str]) -> list[str]:
    return [t for t in terms if not any(t != other and t in other for other in terms)]


def _with_closest(evidence: Evidence, text: str):
    citations = Citations()
    closest = evidence.passages[:2]
    if closest:
        label = says(evidence.plan, "最接近的段落：", "Closest passages:")
        lines = [f"> {p.chunk.text[:160]}{'…' if len(p.chunk.text) > 160 else ''} {citations.cite(p.chunk)}" for p in closest]
        text = f"{text}\n\n{label}\n\n" + "\n>\n".join(lines)
    return text, citations, True


# ------------------------------------------------------------------ responsibility (责任分工)

def records_in_scope(evidence: Evidence) -> list[ResponsibilityRecord]:
    scope = set(evidence.sources or evidence.index.documents)
    return [r for r in evidence.index.records if r.source in scope]


def record_chunk(evidence: Evidence, record: ResponsibilityRecord) -> Chunk:
    return evidence.index.chunk_by_id[record.chunk_id]


def answer_responsibility(evidence: Evidence):
    plan = evidence.plan
    if "responsibility" not in plan.intents or asks_for_quantity(plan):
        return None
    terms = question_terms(evidence)
    scored = [(coverage("".join(r.section_path[1:]), terms), r) for r in records_in_scope(evidence)]
    best = max((score for score, _ in scored), default=0.0)
    if best < MIN_RECORD_MATCH:
        return None      # no action or project is named: the general path quotes the text
    chosen = _one_per_jurisdiction([r for score, r in scored if score >= best - 1e-9])
    citations = Citations()
    wants_participants = bool(re.search(r"参加|参与|配合|participat|take part|involved", plan.standalone, re.I))
    lines = [_describe_record(plan, r, citations.cite(record_chunk(evidence, r)), wants_participants) for r in chosen]
    quotes = [f"> {r.text} {citations.cite(record_chunk(evidence, r))}" for r in chosen]
    # The action's own passage (its heading and aims) comes after the 责任分工 line it is judged by.
    actions = [(r, first_chunk_of(evidence.index, r.source, r.section_path)) for r in chosen]
    context = [says(plan, f"{r.action}的工作内容见 {citations.cite(chunk)}。", f"What {r.action} covers: {citations.cite(chunk)}.")
               for r, chunk in actions if chunk]
    return "\n\n".join(lines) + "\n\n" + "\n>\n".join(quotes) + ("\n\n" + " ".join(context) if context else ""), \
        citations, False


MIN_RECORD_MATCH = 0.3
# Words that name the kind of item, not a particular one ("牵头哪些行动和工程").
CATEGORY_WORDS = frozenset("行动 工程 项目 任务 重点 重点工程 提升行动 提升 措施 工作 科学 素质 科学素质".split())


def first_chunk_of(index: PolicyIndex, source: str, path: tuple[str, ...]) -> Chunk | None:
    """The passage that opens a section (its heading and introduction)."""
    return next((c for c in index.chunks_by_source.get(source, []) if c.section_path[:len(path)] == path
                 and c.kind == "text"), None)


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
    if not plan.agencies or "responsibility" not in plan.intents:
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
        return _with_closest(evidence, says(plan, f"所提供的文件中，{agency}没有牵头或参加的责任分工。",
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


# ------------------------------------------------------------------ document facts (文号, dates)

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
    return "\n\n".join(lines), citations, not citations.items


def _asked_fields(evidence: Evidence) -> list[str]:
    plan = evidence.plan
    fields = [key for info in evidence.index.documents.values() for key in info.fields
              if key in plan.standalone and key not in ("文号", "发文日期", "签署日期")]
    if "issuer" in plan.intents:
        fields.append("issuers")
    if "doc_number" in plan.intents:
        fields.append("doc_number")
    if "status" in plan.intents:
        fields.append("status")
    if "date" in plan.intents and DATE_QUESTION.search(plan.standalone):
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
    return key if plan.language == "en" else chinese.get(key, key)


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


# ------------------------------------------------------------------ listings ("哪些行动", "几项工程")

LIST_TOPICS = re.compile(r"行动|工程|任务|措施|重点|保障|人群|群体|原则|目标|部分|方面|actions?|projects?|tasks?|measures?|groups?|principles?", re.I)
MAX_SECTION_QUOTE = 700


def answer_section_list(evidence: Evidence):
    """"哪些重点工程 / 几项原则": the children of the section the question names, counted."""
    plan = evidence.plan
    if "list" not in plan.intents or plan.is_comparison:
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


# ------------------------------------------------------------------ comparisons across jurisdictions

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
        if "figure" in plan.intents:
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


# ------------------------------------------------------------------ the general case

def answer_with_sentences(evidence: Evidence):
    plan = evidence.plan
    terms = question_terms(evidence)
    best = best_sentences(evidence, terms)
    top = best[0].score if best else 0
    if not best:
        return _with_closest(evidence, not_stated(plan))
    # The best sentence always answers (the refusal checks already judged its support).
    chosen = [best[0]] + [s for s in best[1: MAX_SENTENCES * 3] if s.score >= max(MIN_COVERAGE, 0.6 * top)]
    chosen = _in_document_order(chosen[:MAX_SENTENCES])
    citations = Citations()
    parts = [f"{s.sentence} {citations.cite(s.passage.chunk)}" for s in chosen]
    first = chosen[0].passage.chunk
    lead = says(plan, f"根据{document_label(first)}（{first.section or first.title}）：",
                f"According to {place_label(plan, first.jurisdiction)}, {first.title} ({first.section or 'preamble'}):")
    return lead + "\n\n" + "\n\n".join(f"> {p}" for p in parts), citations, False


def _in_document_order(chosen: list[Scored]) -> list[Scored]:
    return sorted(chosen, key=lambda s: (s.passage.rank, s.passage.chunk.start))
