"""Pure rendering: answers, citations and the source panel as escaped Markdown/HTML.

Text that comes from documents or answers is escaped before it is shown: ``<`` never
reaches the page as a tag and Markdown links from documents render as plain text."""
from __future__ import annotations

import html
import re

import pandas as pd

from assistant.document_status import in_force, status_label, status_mark
from assistant.english import english_name
from assistant.llm import CHECKING
from assistant.settings import Settings
from assistant.types import Answer, Citation
from assistant.surfaces.ui.wording import CHECKING_BADGE, OFFLINE_BADGE, wording

CONTEXT_CHARS = 600            # how much of each neighbouring paragraph the source panel shows
PARAGRAPH_BREAK = "\n\n"


def safe_markdown(text: str) -> str:
    """Markdown that cannot open an HTML tag or a link: ``<`` is escaped, ``](`` is broken."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("](", "]\\(")


def link_citations(markdown: str, turn: int, count: int) -> str:
    """Each [n] (1 ≤ n ≤ count) becomes a link that opens citation n of this turn."""
    def link(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return f"[\\[{number}\\]](#cite-{turn}-{number})" if 1 <= number <= count else match.group(0)
    return re.sub(r"\[(\d+)\](?!\\?\()", link, markdown)


def answer_markdown(answer: Answer, turn: int) -> str:
    text = link_citations(safe_markdown(answer.text), turn, len(answer.citations))
    if CHECKING in answer.notice:
        # LLM text still being checked: shown as such, never as the answer.
        return f'<span class="checking-note">⏳ {CHECKING_BADGE}</span>\n\n{text}'
    if answer.notice:
        text += f"\n\n_⚠ {safe_markdown(answer.notice)}_"
    return text


def chat_messages(answers: list[Answer]) -> list[dict]:
    messages = []
    for turn, answer in enumerate(answers):
        messages.append({"role": "user", "content": safe_markdown(answer.question)})
        messages.append({"role": "assistant", "content": answer_markdown(answer, turn)})
    return messages


def conversation_history(answers: list[Answer]) -> list[dict]:
    """The plain [{role, content}] history that ``Assistant.stream`` takes for follow-ups."""
    history = []
    for answer in answers:
        history += [{"role": "user", "content": answer.question}, {"role": "assistant", "content": answer.text}]
    return history


def mode_badge(mode: str, settings: Settings) -> str:
    if mode == "llm":
        return f'<span class="mode-badge llm" id="mode-badge">LLM: {html.escape(settings.llm_model)}</span>'
    return f'<span class="mode-badge" id="mode-badge">{OFFLINE_BADGE}</span>'


def citation_choices(answers: list[Answer], language: str = "中文") -> list[tuple[str, str]]:
    """Radio choices for the latest answer's citations: ("[1] 文件 › 章节", "turn-1")."""
    if not answers:
        return []
    turn = len(answers) - 1
    return [(f"[{c.number}] {display_name(c.title, language)}{status_mark(c.status, language == 'English')} › {c.section or '—'}",
             f"{turn}-{c.number}")
            for c in answers[-1].citations]


def display_name(chinese: str, language: str) -> str:
    """A document or place name as the interface language wants it (the Chinese stays beside the English)."""
    if language != "English" or not chinese:
        return chinese
    english = english_name(chinese)
    return f"{english} ({chinese})" if english and english != chinese else chinese


def locate_passage(text: str, citation: Citation) -> tuple[int, int] | None:
    if text[citation.start:citation.end] == citation.text:
        return citation.start, citation.end
    found = text.find(citation.text)
    return (found, found + len(citation.text)) if found >= 0 else None


def neighbouring_paragraphs(text: str, start: int, end: int) -> tuple[str, str]:
    """The paragraph before the passage (and its own lead-in), and its tail plus the paragraph after."""
    own_start = text.rfind(PARAGRAPH_BREAK, 0, start)
    previous_break = text.rfind(PARAGRAPH_BREAK, 0, max(own_start, 0)) if own_start > 0 else -1
    before = text[previous_break + len(PARAGRAPH_BREAK) if previous_break >= 0 else 0:start]
    own_end = text.find(PARAGRAPH_BREAK, end)
    if own_end < 0:
        return before, text[end:]
    next_break = text.find(PARAGRAPH_BREAK, own_end + len(PARAGRAPH_BREAK))
    return before, text[end:next_break if next_break >= 0 else len(text)]


def clip(text: str, keep_end: bool) -> str:
    if len(text) <= CONTEXT_CHARS:
        return text
    return "…" + text[-CONTEXT_CHARS:] if keep_end else text[:CONTEXT_CHARS] + "…"


def highlighted_passage(document_text: str, citation: Citation) -> str:
    span = locate_passage(document_text, citation)
    if span is None:
        return f"<mark>{html.escape(citation.text)}</mark>"
    before, after = neighbouring_paragraphs(document_text, *span)
    passage = document_text[span[0]:span[1]]
    return (html.escape(clip(before, keep_end=True)) + f"<mark>{html.escape(passage)}</mark>"
            + html.escape(clip(after, keep_end=False)))


def source_panel_html(citation: Citation, document_text: str, jurisdiction: str, language: str = "中文") -> str:
    fields = [("文号 / Doc. no.", citation.doc_number or "—"),
              ("地区 / Jurisdiction", display_name(jurisdiction, language) or "—"),
              ("章节 / Section", citation.section or "—"), ("文件 / File", citation.source)]
    if not in_force(citation.status):
        fields.insert(0, ("状态 / Status", status_label(citation.status, language == "English")))
    if citation.ocr:      # read from a scan: the reader should know a character may be misread
        fields.append(("来源方式 / Read from", "扫描件（OCR 文字识别）" if language != "English" else "a scan (OCR)"))
    if language == "English":
        fields = [(name.split(" / ", 1)[1], value) for name, value in fields]
    rows = "".join(f"<dt>{html.escape(name)}</dt><dd>{html.escape(value)}</dd>" for name, value in fields)
    return (f'<div class="source-panel" id="source-panel-content">'
            f'<button class="source-close" type="button">✕ {html.escape(wording("close_source", language))}</button>'
            f'<div class="source-title">[{citation.number}] '
            f'{html.escape(display_name(citation.title, language) + status_mark(citation.status, language == "English"))}</div>'
            f"<dl>{rows}</dl>"
            f'<div class="source-text">{highlighted_passage(document_text, citation)}</div></div>')


def passages_html(answer: Answer | None) -> str:
    if answer is None or not answer.retrieved:
        return ""
    items = []
    for passage in answer.retrieved:
        chunk = passage.chunk
        items.append(
            f'<div class="passage"><div><b>#{passage.rank}</b> {html.escape(chunk.title)} › '
            f'{html.escape(chunk.section)}</div><div class="scores">{html.escape(passage.describe_scores())}</div>'
            f'<div class="passage-text">{html.escape(chunk.text)}</div></div>')
    return "".join(items)


def parse_citation_key(key: str) -> tuple[int, int] | None:
    """"turn-n" or "turn-n:nonce" (from a clicked link) → (turn, n)."""
    match = re.fullmatch(r"(\d+)-(\d+)(?::.*)?", (key or "").strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def table(headers: list[str], rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=headers)
