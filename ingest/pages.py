"""Page furniture of paginated documents: running headers, footers and page numbers.

A PDF of a 红头文件 prints "— 3 —" under every page and often the masthead ("XX人民政府办公室
文件") or the plan's short title above it. Left in the text they split sentences that run
over a page break and end up inside chunks. A line is furniture when it is a page number
("— 3 —", "- 3 -", "第3页 共10页", "3/10"), or when the same line (digits ignored) opens or
closes at least half of the pages (two at least). The first page keeps its opening lines:
the masthead there is the document's 版头, which metadata reads.
"""
from __future__ import annotations

import re
from collections import Counter

PAGE_NUMBER = re.compile(
    r"^[\s—–\-－―_·•]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*[/／共]\s*\d{1,4}\s*页?)?[\s—–\-－―_·•]*$")
EDGE_LINES = 2    # how many lines at the top and at the bottom of a page can be furniture


def is_page_number(line: str) -> bool:
    return bool(PAGE_NUMBER.match(line.strip())) and bool(re.search(r"[—–\-－―页/／]", line) or
                                                            line.strip().isdigit())


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def strip_running_lines(pages: list[str]) -> list[str]:
    """Each page's text without page numbers and without lines repeated at the page edges."""
    split = [[line for line in page.split("\n")] for page in pages]
    edges = Counter()
    for lines in split:
        filled = [line for line in lines if line.strip()]
        edges.update({_key(line) for line in filled[:EDGE_LINES] + filled[-EDGE_LINES:]})
    texty_pages = sum(1 for lines in split if any(line.strip() for line in lines))
    running = {key for key, count in edges.items() if texty_pages >= 2 and count >= max(2, (texty_pages + 1) // 2)}
    out = []
    for number, lines in enumerate(split):
        filled_positions = [i for i, line in enumerate(lines) if line.strip()]
        edge = set(filled_positions[:EDGE_LINES] + filled_positions[-EDGE_LINES:])
        top = set(filled_positions[:EDGE_LINES])
        kept = []
        for position, line in enumerate(lines):
            if position in edge and is_page_number(line):
                continue
            if position in edge and _key(line) in running and not (number == 0 and position in top):
                continue
            kept.append(line)
        out.append("\n".join(kept))
    return out
