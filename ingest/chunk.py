"""Chunk stage: one chunk per numbered item, split at sentence ends when long.

The displayed text is the passage exactly as it stands in the cleaned document (its
span is recorded); the indexed text adds the title and heading path, so a question
about "郴州 老年人 牵头" finds a 责任分工 line that names neither.
"""
from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass

from ingest.metadata import DocumentInfo
from ingest.structure import Paragraph, Section

CHUNKER_VERSION = "numbered-sections-v6-hard-bound"
SENTENCE = re.compile(r"[^。；！？]*[。；！？]+[”’」）)]*|[^。；！？]+$")
PATH_SEPARATOR = " › "
# Where an over-long span is cut when it must be: after a comma, enumeration mark, colon or space.
SOFT_BREAK = frozenset("，,、：:；; \t\u3000）)")


def hard_max_chars(max_chars: int) -> int:
    """No chunk is ever longer than this, whatever the input: a sentence may run a quarter past
    ``max_chars`` before it is cut (the bundled corpus's longest chunk, 448 characters at 400, is
    never cut). Every token of the embedding model's tokenizer covers at least one character, so
    this also bounds a chunk's tokens (measured: 500 CJK characters without spaces are 505 tokens
    with the passage prefix, within multilingual-e5's 512)."""
    return max_chars + max_chars // 4


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    source: str
    doc_id: str
    title: str
    doc_number: str
    jurisdiction: str
    section_path: tuple[str, ...]     # starts with the document title
    ordinal: int                      # position of the chunk in its document
    text: str                         # the passage as displayed and cited
    start: int                        # span in the cleaned document
    end: int
    kind: str                         # "text", "responsibility" or "table_row"
    content_hash: str
    ocr: bool = False                 # the passage was read from a page image by OCR (may hold misread characters)

    @property
    def section(self) -> str:
        """Heading path below the title, e.g. "二、提升行动 › （四）老年人科学素质提升行动"."""
        return PATH_SEPARATOR.join(self.section_path[1:])

    @property
    def index_text(self) -> str:
        """What is embedded and keyword-indexed: title and heading path, then the passage."""
        return f"{PATH_SEPARATOR.join(self.section_path)}\n{self.text}"

    def metadata(self) -> dict[str, str | int]:
        return {
            "source": self.source, "doc_id": self.doc_id, "title": self.title,
            "doc_number": self.doc_number, "jurisdiction": self.jurisdiction,
            "section_path": PATH_SEPARATOR.join(self.section_path), "ordinal": self.ordinal,
            "start": self.start, "end": self.end, "kind": self.kind, "content_hash": self.content_hash,
            "ocr": self.ocr,
        }


def chunk_document(info: DocumentInfo, text: str, root: Section, max_chars: int = 400) -> list[Chunk]:
    spans: list[tuple[Section, int, int, str]] = []
    _collect_spans(root, max_chars, spans, pending_heading=[])
    bounded = _bounded(spans, text, hard_max_chars(max_chars))
    return [_make_chunk(info, section, text, start, end, kind, ordinal)
            for ordinal, (section, start, end, kind) in enumerate(bounded)]


def _bounded(spans: list, text: str, limit: int) -> list:
    """Every span cut into pieces of at most ``limit`` characters: a text without punctuation or
    line breaks, one giant table cell or a CJK run without spaces would otherwise be one chunk of
    any size. Cut at the last soft break in the second half of the window, else exactly at the
    limit; each character is looked at a bounded number of times, so the time stays linear."""
    out = []
    for section, start, end, kind in spans:
        while end - start > limit:
            cut = _soft_break(text, start + limit // 2, start + limit) or start + limit
            out.append((section, start, cut, kind))
            start = cut
        out.append((section, start, end, kind))
    return out


def _soft_break(text: str, low: int, high: int) -> int | None:
    for position in range(high, low, -1):
        if text[position - 1] in SOFT_BREAK:
            return position
    return None


def _collect_spans(section: Section, max_chars: int, out: list, pending_heading: list[int]) -> None:
    """Emit (section, start, end, kind) spans in document order.

    A heading alone on its line ("三、重点工程") is not a passage by itself; it is carried
    into the next passage, so the displayed text shows it and quotes of it can be cited.
    """
    if section.heading_line is not None and not pending_heading:
        pending_heading.append(section.heading_line.start)
    run: list[Paragraph] = []

    def emit(start: int, end: int, kind: str) -> None:
        if pending_heading:
            start = pending_heading.pop()
        out.append((section, start, end, kind))

    def flush() -> None:
        for start, end in _split_at_sentences(run, max_chars):
            emit(start, end, "text")
        run.clear()

    for block in section.blocks:
        if isinstance(block, Section):
            flush()
            _collect_spans(block, max_chars, out, pending_heading)
        elif block.is_table_row:
            # A row is cited alone; a pending heading stays in its section path, not its text.
            flush()
            pending_heading.clear()
            out.append((section, block.start, block.end, "table_row"))
        elif block.is_responsibility:
            flush()
            emit(block.start, block.end, "responsibility")
        else:
            run.append(block)
    flush()


def _split_at_sentences(paragraphs: list[Paragraph], max_chars: int) -> list[tuple[int, int]]:
    """Pack whole sentences into spans of at most ``max_chars`` (a longer sentence stays whole here;
    ``_bounded`` cuts it only past the hard bound).

    A short first sentence of a paragraph is usually a run-in heading ("坚持需求导向。"):
    it never ends a span, it opens the next one together with the text it introduces.
    """
    spans: list[tuple[int, int]] = []
    start = end = None
    lead_start = None        # start of a short run-in heading that was the last sentence added
    paragraph_ends = [p.end for p in paragraphs]     # ascending: paragraphs are in document order
    for paragraph in paragraphs:
        for position, match in enumerate(m for m in SENTENCE.finditer(paragraph.text) if m.group(0).strip()):
            s_start, s_end = paragraph.start + match.start(), paragraph.start + match.end()
            if start is not None and s_end - start > max_chars:
                if lead_start is not None and lead_start > start:
                    spans.append((start, _end_before(paragraph_ends, lead_start)))
                    start = lead_start
                else:
                    spans.append((start, end))
                    start = None
            if start is None:
                start = s_start
            end = s_end
            lead_start = s_start if position == 0 and s_end - s_start <= RUN_IN_HEADING_CHARS else None
    if start is not None:
        spans.append((start, end))
    return spans


RUN_IN_HEADING_CHARS = 16


def _end_before(paragraph_ends: list[int], position: int) -> int:
    """End of the last paragraph that finishes before ``position`` (a binary search: chunking stays linear)."""
    return paragraph_ends[bisect.bisect_right(paragraph_ends, position) - 1]


def _make_chunk(info: DocumentInfo, section: Section, text: str, start: int, end: int, kind: str, ordinal: int) -> Chunk:
    passage = text[start:end]
    content_hash = hashlib.sha256(passage.encode("utf-8")).hexdigest()[:16]
    identity = f"{info.source}\x1f{ordinal}\x1f{'/'.join(section.path)}\x1f{content_hash}"
    return Chunk(
        chunk_id=hashlib.sha256(identity.encode("utf-8")).hexdigest()[:24],
        source=info.source, doc_id=info.doc_id, title=info.title, doc_number=info.doc_number,
        jurisdiction=info.jurisdiction, section_path=section.path, ordinal=ordinal,
        text=passage, start=start, end=end, kind=kind, content_hash=content_hash,
    )
