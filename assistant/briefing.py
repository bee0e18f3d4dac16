"""Topic briefing: what every document in scope says on one topic, for a trainer.

``build_briefing(assistant, "老年人科学素质")`` gathers, for each jurisdiction and document:
the lead and participating agencies (from the responsibility records), the numeric targets
(from the extracted targets), the key measures quoted, and the document's status — every
fact carrying a ``Citation`` exactly as chat answers do (title, 文号, section path, passage).

The topic is matched by meaning, not by shared words: it is embedded once with the bundled
model and compared with the vectors the index already holds — every chunk of a document
(Chroma) and its single sentences (the sentence collection). Chinese plans put the topic in
a heading ("（四）老年人科学素质提升行动") or in one sentence inside another action
("深入推行科技特派员制度…" under the farmers' action); the closest chunks say which section
the topic lives in, and the records and targets of that section are the ones reported.

A document addresses the topic when its closest sentence is close and stands out above the
rest of the document (``topic_lead``); the others are listed as not covering it ("the
documents do not say" is an answer too). Renderers (Markdown, DOCX, PPTX) live in
``assistant.surfaces.export``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from assistant.document_names import resolve_documents
from assistant.document_status import status_label
from assistant.index import PolicyIndex
from assistant.text import sentences
from assistant.types import Citation
from ingest.chunk import Chunk
from ingest.records import ResponsibilityRecord

# Whether a document treats the topic: how far its closest sentence stands out above the
# document's ordinary sentences (ranks 11–30). A plan that has 科技特派员 has one sentence far
# closer than the rest; one that only has 科技志愿者 has a flat run of near-misses. A lead, not
# an absolute cosine: an English topic ("science literacy of older people") scores every
# sentence ≈0.07 lower but leads by as much. Read off multilingual-e5-small (4-bit) on the 14
# bundled + fixture documents for "老年人科学素质", "科技特派员", "青少年" and the English
# elderly topic (docs/decisions.md): documents treating the topic lead by 0.031–0.076, those that
# do not by 0.017–0.029, except 湖南省科协要点 on 科技特派员 (0.032, kept).
TOPIC_LEAD_FLOOR = 0.03
BACKGROUND_RANKS = slice(10, 30)
# Within a document, relative to its closest sentence: the sentences that place the topic (their
# sections' records are reported), the sentences quoted as measures, and the target sentences.
FOCUS_MARGIN = 0.012
MEASURE_MARGIN = 0.02
TARGET_MARGIN = 0.025
SENTENCES_PER_DOCUMENT = 60
MAX_MEASURES = 3
MAX_TARGETS = 6
MIN_MEASURE_CHARS = 12          # shorter "sentences" are bare headings ("2.加强老年健康科普。")
LEVEL_ORDER = {"省级": 0, "国家级新区": 1, "市级": 2, "区级": 3, "县级": 3}


class UnknownDocument(ValueError):
    """A ``docs`` entry names no indexed document; the message lists the documents."""


@dataclass(frozen=True)
class AgencyDuty:
    """Who leads and who takes part in one action or task that treats the topic."""
    action: str
    lead: tuple[str, ...]
    participating: tuple[str, ...]
    citation: Citation


@dataclass(frozen=True)
class TopicTarget:
    indicator: str
    value: str                  # the figure as the plan states it, unit included: "超过15%", "100名以上"
    number: float               # the bare figure, for the chart
    unit: str
    year: str                   # "" when the sentence gives none
    citation: Citation


@dataclass(frozen=True)
class QuotedMeasure:
    text: str                   # one sentence, verbatim
    citation: Citation


@dataclass(frozen=True)
class DocumentBriefing:
    source: str
    title: str
    doc_number: str
    jurisdiction: str
    level: str
    status: str                 # the metadata's value: 正式印发 / 征求意见稿 / superseded / …
    closeness: float            # cosine of the document's closest sentence to the topic
    duties: list[AgencyDuty] = field(default_factory=list)
    targets: list[TopicTarget] = field(default_factory=list)
    measures: list[QuotedMeasure] = field(default_factory=list)

    @property
    def status_text(self) -> str:
        """"正式" / "征求意见稿" / "已被替代" …, or "未注明" when the document does not say."""
        return status_label(self.status) or "未注明"


@dataclass(frozen=True)
class Briefing:
    topic: str
    documents: list[DocumentBriefing]           # the documents that treat the topic, province first
    not_covered: list[tuple[str, str]]          # (title, jurisdiction) of documents in scope that do not
    generated_at: datetime

    def by_jurisdiction(self) -> dict[str, list[DocumentBriefing]]:
        """Jurisdiction → its documents, in briefing order ("未注明地区" when a document names none)."""
        grouped: dict[str, list[DocumentBriefing]] = {}
        for document in self.documents:
            grouped.setdefault(document.jurisdiction or "未注明地区", []).append(document)
        return grouped

    def citations(self) -> list[Citation]:
        """Every cited passage once, numbered in reading order (``Citation.number`` is that number)."""
        seen: dict[int, Citation] = {}
        for document in self.documents:
            for item in (*document.duties, *document.targets, *document.measures):
                seen.setdefault(item.citation.number, item.citation)
        return [seen[n] for n in sorted(seen)]

    def comparable_targets(self) -> tuple[str, list[tuple[str, TopicTarget]]]:
        """(unit, [(jurisdiction, target)]): the figures the chart compares — the unit most of the
        briefing's targets share, at most one figure per jurisdiction and indicator."""
        units: dict[str, int] = {}
        for document in self.documents:
            for target in document.targets:
                units[target.unit] = units.get(target.unit, 0) + 1
        if not units:
            return "", []
        unit = max(units, key=lambda u: (units[u], u == "%"))
        rows, seen = [], set()
        for document in self.documents:
            for target in document.targets:
                key = (document.jurisdiction, target.indicator)
                if target.unit == unit and key not in seen:
                    seen.add(key)
                    rows.append((document.jurisdiction or document.title, target))
        return unit, rows


# ---------------------------------------------------------------------------------------------

def build_briefing(assistant, topic: str, docs: list[str] | None = None,
                   generated_at: datetime | None = None) -> Briefing:
    """The briefing on ``topic`` over ``docs`` (source file names, ids or titles; all when None)."""
    topic = " ".join((topic or "").split())
    if not topic:
        raise ValueError("请给出简报的专题 / A briefing needs a topic.")
    index: PolicyIndex = assistant.index
    sources = documents_in_scope(index, docs)
    vector = assistant.retriever.query_vector(topic)
    numbers = _CitationNumbers()
    closest = {source: index.sentence_matches(vector, SENTENCES_PER_DOCUMENT, [source]) for source in sources}
    treated, not_covered = [], []
    for source in sources:
        info = index.documents[source]
        matches = closest[source]
        if not matches or topic_lead([m.cosine for m in matches]) < TOPIC_LEAD_FLOOR:
            not_covered.append((info.title, info.jurisdiction))
            continue
        treated.append((source, matches))
    treated.sort(key=lambda item: (LEVEL_ORDER.get(index.documents[item[0]].level, 9),
                                   index.documents[item[0]].jurisdiction, index.documents[item[0]].title))
    documents = [_document_briefing(index, vector, source, matches, numbers) for source, matches in treated]
    return Briefing(topic=topic, documents=documents, not_covered=not_covered,
                    generated_at=generated_at or datetime.now())


def topic_lead(cosines: list[float]) -> float:
    """How far the closest sentence stands above the document's ordinary sentences."""
    background = cosines[BACKGROUND_RANKS] or cosines[1:] or cosines
    return cosines[0] - sum(background) / len(background)


def documents_in_scope(index: PolicyIndex, docs: list[str] | None) -> list[str]:
    """Source names for ``docs`` given as file names, ids or titles (with or without 《》)."""
    if not docs:
        return list(index.documents)
    chosen, unknown = resolve_documents(docs, index.documents)
    if unknown:
        listing = "\n".join(f"  {source}  《{info.title}》" for source, info in index.documents.items())
        raise UnknownDocument(f"没有这份文件 / No such document: {', '.join(unknown)}\n"
                              f"已索引的文件 / Indexed documents:\n{listing}")
    return chosen


class _CitationNumbers:
    """One number per cited passage across the whole briefing, in reading order."""

    def __init__(self) -> None:
        self.numbers: dict[tuple[str, int, int], int] = {}

    def cite(self, chunk: Chunk, status: str, text: str | None = None) -> Citation:
        quoted = text or chunk.text
        offset = max(chunk.text.find(quoted), 0) if text else 0
        start, end = chunk.start + offset, chunk.start + offset + len(quoted)
        number = self.numbers.setdefault((chunk.chunk_id, start, end), len(self.numbers) + 1)
        return replace(Citation.from_chunk(number, chunk), text=quoted, start=start, end=end, status=status)


def _document_briefing(index: PolicyIndex, vector: list[float], source: str, matches, numbers: _CitationNumbers
                       ) -> DocumentBriefing:
    info = index.documents[source]
    best = matches[0].cosine
    best_chunk = index.dense_search(vector, 1, [source])
    focus = list(dict.fromkeys([*(m.chunk_id for m in matches if m.cosine >= best - FOCUS_MARGIN),
                                *(chunk_id for chunk_id, _ in best_chunk)]))
    focus_chunks = [index.chunk_by_id[i] for i in focus if i in index.chunk_by_id]
    # A heading that names the topic ("（四）老年人科学素质提升行动") settles where it lives:
    # its section, not a sentence elsewhere that happens to come close.
    heading = _heading_path(matches[0].text, index.chunk_by_id.get(matches[0].chunk_id))
    if heading:
        focus_chunks = [c for c in focus_chunks if _within(c.section_path, {heading})] or \
            [index.chunk_by_id[matches[0].chunk_id]]
    duties = [AgencyDuty(r.action, r.lead_agencies, r.participating_agencies,
                         numbers.cite(index.chunk_by_id[r.chunk_id], info.status))
              for r in _records_for(index, source, focus_chunks)]
    # Headings ("（四）老年人科学素质提升行动") match a topic best and say least: measures and
    # targets are the statements of the sections the topic lives in, judged against the closest
    # of them ("老年人科学素质" must not quote every sentence about 科学素质).
    focus_paths = {heading} if heading else {c.section_path for c in focus_chunks if len(c.section_path) > 2}
    statements = [m for m in matches if _is_statement(index, m)]
    in_focus = [m for m in statements if _within(index.chunk_by_id[m.chunk_id].section_path, focus_paths)]
    statements = in_focus or statements
    floor = statements[0].cosine if statements else best
    measures = _measures(index, [m for m in statements if m.cosine >= floor - MEASURE_MARGIN], info.status, numbers)
    kept = {m.text.strip(): m.cosine for m in reversed(statements)}
    targets = _targets(index, source, kept, floor - TARGET_MARGIN, info.status, numbers)
    return DocumentBriefing(source=source, title=info.title, doc_number=info.doc_number,
                            jurisdiction=info.jurisdiction, level=info.level, status=info.status,
                            closeness=best, duties=duties, targets=targets, measures=measures)


def _records_for(index: PolicyIndex, source: str, focus_chunks: list[Chunk]) -> list[ResponsibilityRecord]:
    """The records of the actions the focus chunks sit in (the record's action contains the
    chunk, or lies in the chunk's section, or the record's own line is one of them), closest first."""
    records = [r for r in index.records if r.source == source]
    chosen: list[ResponsibilityRecord] = []
    for chunk in focus_chunks:
        for record in records:
            own_line = record.chunk_id == chunk.chunk_id
            # the chunk sits in the record's action, or (a heading-level chunk) the record in its section
            within = len(record.section_path) > 1 and chunk.section_path[:len(record.section_path)] == record.section_path
            holds = len(chunk.section_path) > 2 and record.section_path[:len(chunk.section_path)] == chunk.section_path
            if (own_line or within or holds) and record not in chosen:
                chosen.append(record)
    return chosen


def _heading_path(sentence: str, chunk: Chunk | None) -> tuple[str, ...] | None:
    """The section path down to the heading ``sentence`` is (below the title's first level), or None."""
    if chunk is None:
        return None
    bare = _bare(sentence).rstrip("。.；; ")
    for depth, heading in enumerate(chunk.section_path):
        if depth >= 2 and _bare(heading).rstrip("。.；; ") == bare:
            return chunk.section_path[:depth + 1]
    return None


def _within(path: tuple[str, ...], sections: set[tuple[str, ...]]) -> bool:
    return not sections or any(path[:len(section)] == section for section in sections)


def _is_statement(index: PolicyIndex, match) -> bool:
    """A whole statement: not a heading ("2.加强老年健康科普。"), not a responsibility line
    (reported as agencies), not a fragment."""
    chunk = index.chunk_by_id.get(match.chunk_id)
    text = match.text.strip()
    return chunk is not None and chunk.kind != "responsibility" and not _is_heading(text, chunk) \
        and len(_bare(text)) >= MIN_MEASURE_CHARS


def _measures(index: PolicyIndex, statements, status: str, numbers: _CitationNumbers) -> list[QuotedMeasure]:
    """The statements closest to the topic, each once, quoted verbatim."""
    measures: list[QuotedMeasure] = []
    for match in statements:
        text = match.text.strip()
        if any(text == m.text for m in measures):
            continue
        chunk = index.chunk_by_id[match.chunk_id]
        measures.append(QuotedMeasure(text, numbers.cite(chunk, status, _as_in_chunk(chunk, text))))
        if len(measures) == MAX_MEASURES:
            break
    return measures


def _targets(index: PolicyIndex, source: str, closeness: dict[str, float], floor: float, status: str,
             numbers: _CitationNumbers) -> list[TopicTarget]:
    """Targets whose own sentence is close to the topic, closest first."""
    rows = [(closeness.get(t["sentence"].strip(), 0.0), k, t) for k, t in enumerate(index.targets)
            if t["source"] == source]
    rows = sorted((row for row in rows if row[0] >= floor), key=lambda row: (-row[0], row[1]))
    found: list[TopicTarget] = []
    for _, _, target in rows[:MAX_TARGETS]:
        chunk = index.chunk_by_id[target["chunk_id"]]
        found.append(TopicTarget(indicator=target["indicator"], value=_stated_value(target), number=float(target["value"]),
                                 unit=target["unit"], year=str(target.get("year") or ""),
                                 citation=numbers.cite(chunk, status, _as_in_chunk(chunk, target["sentence"]))))
    return found


# Comparators that qualify a figure; the extractor also keeps verbs (选派, 培训…) that do not.
QUALIFIERS = ("超过", "达到", "不低于", "不少于", "力争", "突破", "提高到", "提升到", "增加到", "≥", ">=")


def _stated_value(target: dict) -> str:
    """"不少于400名", "100名以上", "超过15%": the figure with its qualifier and unit."""
    comparator = target.get("comparator", "")
    more = "以上" if comparator.endswith("以上") else ""
    qualifier = comparator.removesuffix("以上")
    qualifier = qualifier if qualifier in QUALIFIERS else ""
    return f"{qualifier}{target['value']}{target['unit']}{more}"


def _is_heading(sentence: str, chunk: Chunk) -> bool:
    """A sentence that is only one of the chunk's headings ("（四）老年人科学素质提升行动。")."""
    bare = _bare(sentence).rstrip("。.；; ")
    return any(_bare(heading).rstrip("。.；; ") == bare for heading in chunk.section_path) or \
        bool(re.match(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]", sentence)) and len(sentence) <= 30


def _bare(text: str) -> str:
    """A sentence without its numbering ("2.", "（三）")."""
    return re.sub(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]\s*", "", text)


def _as_in_chunk(chunk: Chunk, text: str) -> str | None:
    """The sentence as the chunk writes it (the whole chunk when it is not found verbatim)."""
    if text in chunk.text:
        return text
    return next((s for s in sentences(chunk.text) if s.strip() == text.strip()), None)
