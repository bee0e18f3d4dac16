"""Present stage: an ``Answer`` as Markdown with its sources (CLI, exports), or as plain
text for a terminal (the Markdown rendered by ``rich``: quotes indented, tables drawn,
no ``**`` or ``>`` left over; then the citations listed)."""
from __future__ import annotations

import io

from assistant.document_status import cited_title
from assistant.markup import escape_markdown
from assistant.types import Answer


def source_line(citation, markdown: bool = False) -> str:
    """"[n] title（status）（文号） › section — file"; with ``markdown``, the document's words escaped as text."""
    text = escape_markdown if markdown else str
    number = f"（{text(citation.doc_number)}）" if citation.doc_number else ""
    section = f" › {text(citation.section)}" if citation.section else ""
    scan = "（扫描件 OCR 识别文本 / OCR text）" if getattr(citation, "ocr", False) else ""
    return f"[{citation.number}] {text(cited_title(citation))}{number}{section} — {text(citation.source)}{scan}"


def answer_with_sources(answer: Answer) -> str:
    lines = [answer.text]
    if answer.notice:
        lines.append(f"\n_{answer.notice}_")
    if answer.citations:
        lines.append("\n来源 / Sources:")
        lines += [source_line(c, markdown=True) for c in answer.citations]
    return "\n".join(lines)


def answer_as_plain_text(answer: Answer, width: int | None = None) -> str:
    """The answer as a terminal shows it: Markdown rendered without escape codes, sources listed.
    Lines are wrapped at ``width`` (the terminal's width when printing to one), else left long."""
    import shutil

    from rich.console import Console
    from rich.markdown import Markdown

    if width is None:
        width = shutil.get_terminal_size(fallback=(0, 0)).columns or 160
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False, emoji=False,
                      highlight=False)
    console.print(Markdown(answer.text))
    lines = [line.rstrip() for line in buffer.getvalue().rstrip().splitlines()]
    if answer.notice:
        lines += ["", f"! {answer.notice}"]
    if answer.citations:
        lines += ["", "来源 / Sources:", *(source_line(c) for c in answer.citations)]
    return "\n".join(lines)
