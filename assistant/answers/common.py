"""What every answer builder shares: the evidence it works from, citation numbering,
wording in the question's language, and the question's weighted terms and how well a
sentence or heading covers them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant import answerability
from assistant.naming import english_name
from assistant.index import PolicyIndex
from assistant.query import QueryPlan, jurisdiction_aliases
from assistant.retrieve import Passage
from assistant.text import sentences
from assistant.types import Citation
from ingest.chunk import Chunk

QUESTION_WORDS = frozenset(
    "哪些 什么 多少 如何 怎样 怎么 是否 哪个 哪 几 几项 几个 请问 介绍 一下 主要 内容 有关 关于 相关 提出 规定 要求 明确 "
    "文件 方案 规划 实施 实施方案 通知 工作 单位 部门 方面 情况 具体 分别 各自 比较 对比 相比 不同 区别 计划 打算 "
    "文号 发文字号 日期 牵头 负责 参加 参与 哪一 一个 这个 那个 我们 你们 他们 提到 说 讲 列出 列举 包括 呢 吗 到底 应该 需要 可以 能".split())


MIN_COVERAGE = 0.28


MAX_SENTENCES = 3


MIN_STATEMENT_CHARS = 12     # shorter "sentences" are bare headings ("（四）进度安排。")


@dataclass
class Evidence:
    plan: QueryPlan
    passages: list[Passage]
    index: PolicyIndex
    sources: list[str] | None
    # Cosine of the closest passage in the whole corpus, when the search was scoped: a much
    # closer passage elsewhere means the question is about what another document says.
    unscoped_dense_top: float | None = None
    unscoped_keyword_top: float | None = None     # the same for the best BM25 score
    # The sentences closest in meaning to the question (sentence-level dense search in
    # scope): text → cosine. A paraphrase shares no words with its answer, but this.
    sentence_similarity: dict[str, float] = field(default_factory=dict)
    # The responsibility records closest in meaning to the question (assistant.understanding.topic),
    # best first; filled for questions that want an organisation.
    topics: list = field(default_factory=list)
    # For a place no document covers but an indexed one encloses (株洲 in 湖南省): the passages
    # closest to the question inside the enclosing jurisdiction's documents, when the top-k
    # holds none of them.
    wider_passages: list[Passage] = field(default_factory=list)

    def closeness(self, sentence: str) -> float:
        """0 … 1: where the sentence stands between the weakest and the best of the closest sentences."""
        if sentence not in self.sentence_similarity:
            return 0.0
        values = self.sentence_similarity.values()
        low, high = min(values), max(values)
        return (self.sentence_similarity[sentence] - low) / (high - low) if high > low else 1.0


@dataclass
class Citations:
    """Numbers passages in the order the answer first cites them."""
    items: list[Citation] = field(default_factory=list)

    def cite(self, chunk: Chunk) -> str:
        for citation in self.items:
            if citation.chunk_id == chunk.chunk_id:
                return f"[{citation.number}]"
        number = len(self.items) + 1
        self.items.append(Citation.from_chunk(number, chunk))
        return f"[{number}]"


def says(plan: QueryPlan, chinese: str, english: str) -> str:
    return english if plan.language == "en" else chinese


def not_stated(plan: QueryPlan, topic: str = "") -> str:
    return says(plan, f"所提供的文件中没有{topic or '与此问题直接相关'}的规定。",
                f"The documents do not state {topic or 'this'}.")


def place_label(plan: QueryPlan, jurisdiction: str) -> str:
    if plan.language == "en":
        english = english_name(jurisdiction)
        return f"{english} ({jurisdiction})" if english else jurisdiction
    return jurisdiction


def agency_label(plan: QueryPlan, name: str) -> str:
    english = english_name(name) if plan.language == "en" else ""
    return f"{name} ({english})" if english else name


def document_label(chunk_or_info) -> str:
    number = getattr(chunk_or_info, "doc_number", "")
    return f"《{chunk_or_info.title}》" + (f"（{number}）" if number else "")


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
        known.update({token: median for token in drop_parts(unknown)})
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
    wants_number = asks_for_quantity(evidence.plan)
    wants_doc_number = evidence.plan.answer_type == "doc_number"
    unit = answerability.asked_unit(evidence.plan.standalone)
    scored = []
    for passage in passages if passages is not None else evidence.passages:
        for sentence in sentences(passage.chunk.text):
            score = coverage(sentence, terms, passage.chunk.section) + MEANING_WEIGHT * evidence.closeness(sentence)
            if wants_doc_number and DOC_NUMBER_TEXT.search(sentence):
                score += 0.3
            if wants_number and answerability.QUANTITY.search(sentence):
                score += 0.15
                if unit and re.search(rf"\d\s*{re.escape(unit)}", sentence):
                    score += 0.15
            if len(sentence) < MIN_STATEMENT_CHARS:
                score -= 0.2                    # a bare heading ("（四）进度安排。") says nothing
            score -= 0.01 * passage.rank        # ties go to the better-ranked passage
            scored.append(Scored(sentence, passage, score))
    scored.sort(key=lambda s: -s.score)
    return scored


# How much closeness in meaning adds to word coverage when choosing the sentences that answer
# (chosen on evals/dev.jsonl).
MEANING_WEIGHT = 0.4
DOC_NUMBER_TEXT = re.compile(r"[〔\[［]\d{4}[〕\]］]\d+号")


def asks_for_quantity(plan: QueryPlan) -> bool:
    """A figure is asked for (the answer type is a quantity, or a close second: a comparison of figures)."""
    return plan.wants("quantity")


def drop_parts(terms: list[str]) -> list[str]:
    return [t for t in terms if not any(t != other and t in other for other in terms)]


def with_closest(evidence: Evidence, text: str):
    citations = Citations()
    closest = evidence.passages[:2]
    if closest:
        label = says(evidence.plan, "最接近的段落：", "Closest passages:")
        lines = [f"> {p.chunk.text[:160]}{'…' if len(p.chunk.text) > 160 else ''} {citations.cite(p.chunk)}" for p in closest]
        text = f"{text}\n\n{label}\n\n" + "\n>\n".join(lines)
    return text, citations, True
