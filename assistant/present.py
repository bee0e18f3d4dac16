"""Present stage: an ``Answer`` as Markdown with its sources (CLI, exports)."""
from __future__ import annotations

from assistant.types import Answer


def source_line(citation) -> str:
    number = f"（{citation.doc_number}）" if citation.doc_number else ""
    section = f" › {citation.section}" if citation.section else ""
    return f"[{citation.number}] {citation.title}{number}{section} — {citation.source}"


def answer_with_sources(answer: Answer) -> str:
    lines = [answer.text]
    if answer.notice:
        lines.append(f"\n_{answer.notice}_")
    if answer.citations:
        lines.append("\n来源 / Sources:")
        lines += [source_line(c) for c in answer.citations]
    return "\n".join(lines)
