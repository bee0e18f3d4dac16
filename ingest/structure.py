"""Structure stage: cleaned text → a section tree that follows the document's numbering.

Chinese policy documents number their parts 一、 / （一） / 1. / （1）; a document may
skip a level (the 2023 work plan goes 一、 → 1.), so a numbering style's depth is the
order in which it first appears, not a fixed table. Every section knows its heading
path from the document title down, which chunking prefixes to the text it indexes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.clean import UNIT_LINE
from ingest.tables import TABLE_ROW
from ingest.variants import simplified_view

MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chinese", re.compile(r"^[一二三四五六七八九十]+、")),
    ("paren_chinese", re.compile(r"^[（(][一二三四五六七八九十]+[）)]")),
    ("arabic", re.compile(r"^\d{1,2}[.．](?!\d)\s*")),
    ("paren_arabic", re.compile(r"^[（(]\d{1,2}[）)]")),
)
ITEM_KINDS = ("arabic", "paren_arabic")   # the leaf items of an action or task
RESPONSIBILITY = re.compile(r"^[（(]?责任分工[：:]")   # with or without the brackets
# A paragraph that is nothing but an assignment closes its action like a 责任分工 line:
# "A、B负责，C、D配合。"
DUTY_PARAGRAPH = re.compile(r"^[^。；：:]{2,120}?(?:牵头|负责)(?:[，,][^。；：:]{2,120}?(?:配合|参与|参加|协办|协助))?。?$")
MAX_HEADING_CHARS = 40


@dataclass(frozen=True)
class Paragraph:
    text: str
    start: int          # character span in the cleaned document
    end: int

    @property
    def is_responsibility(self) -> bool:
        opening = simplified_view(self.text[:10])   # 責任單位 reads as 责任单位
        return bool(RESPONSIBILITY.match(opening) or UNIT_LINE.match(opening)) or self.closes_action

    @property
    def closes_action(self) -> bool:
        """A 责任分工 paragraph closes its action; a unit line belongs to the item above it."""
        return bool(RESPONSIBILITY.match(simplified_view(self.text[:10])) or (
            len(self.text) <= 200 and DUTY_PARAGRAPH.match(simplified_view(self.text.strip()))))

    @property
    def is_table_row(self) -> bool:
        return bool(TABLE_ROW.match(self.text))


@dataclass
class Section:
    heading: str                    # "（四）老年人科学素质提升行动"; the title for the root
    kind: str                       # "root" or one of MARKERS' names
    path: tuple[str, ...]           # headings from the document title down to this one
    blocks: list[Paragraph | Section] = field(default_factory=list)   # in document order
    heading_line: Paragraph | None = None   # a heading that stands alone on its line ("三、重点工程")

    @property
    def children(self) -> list[Section]:
        return [block for block in self.blocks if isinstance(block, Section)]

    def walk(self):
        """This section and every section below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def paragraphs_of(text: str) -> list[Paragraph]:
    paragraphs, offset = [], 0
    for chunk in text.split("\n\n"):
        if chunk.strip():
            paragraphs.append(Paragraph(chunk, offset, offset + len(chunk)))
        offset += len(chunk) + 2
    return paragraphs


def parse_sections(text: str, title: str) -> Section:
    root = Section(heading=title, kind="root", path=(title,))
    stack = [root]
    for paragraph in paragraphs_of(text):
        kind, marker = _marker(paragraph.text)
        if paragraph.is_table_row:
            stack[-1].blocks.append(paragraph)
        elif paragraph.is_responsibility:
            if paragraph.closes_action:
                _close_items(stack)
            stack[-1].blocks.append(paragraph)
        elif _is_document_line(paragraph.text):
            root.blocks.append(paragraph)
        elif kind:
            _pop_to_parent_of(stack, kind)
            heading, has_body = _heading(paragraph.text, marker)
            section = Section(heading=heading, kind=kind, path=stack[-1].path + (heading,))
            if has_body:
                section.blocks.append(paragraph)
            else:
                section.heading_line = paragraph
            stack[-1].blocks.append(section)
            stack.append(section)
        else:
            stack[-1].blocks.append(paragraph)
    return root


def _marker(text: str) -> tuple[str, str]:
    for kind, pattern in MARKERS:
        match = pattern.match(text)
        if match:
            return kind, match.group(0).strip()
    return "", ""


def _is_document_line(text: str) -> bool:
    """Issuer, date and print lines belong to the document, not to its last item."""
    return len(text) < 40 and not _marker(text)[0] and not re.search(r"[，。；、]", text)


def _pop_to_parent_of(stack: list[Section], kind: str) -> None:
    """A numbering style already open on the stack starts a sibling; a new one nests."""
    open_kinds = [section.kind for section in stack]
    if kind in open_kinds:
        del stack[open_kinds.index(kind):]


def _close_items(stack: list[Section]) -> None:
    """A 责任分工 paragraph closes the action or project, not its last numbered item."""
    while len(stack) > 2 and stack[-1].kind in ITEM_KINDS:
        stack.pop()


def _heading(text: str, marker: str) -> tuple[str, bool]:
    """The heading of a numbered paragraph, and whether the paragraph has body text."""
    rest = text[text.index(marker) + len(marker):].lstrip()
    first = re.split(r"[。：:]", rest, maxsplit=1)[0]
    has_body = len(first) < len(rest.rstrip("。：: "))
    if len(first) > MAX_HEADING_CHARS:
        first = first[:MAX_HEADING_CHARS] + "…"
    return _full_width(marker) + first, has_body


def _full_width(marker: str) -> str:
    """Show (四) and （四） alike in heading paths; the passage keeps its own form."""
    return marker.replace("(", "（").replace(")", "）").replace("．", ".")
