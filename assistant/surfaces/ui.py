"""Chat UI: a Gradio 6 Blocks app over ``Assistant.stream``, ``assistant.surfaces.export`` and ``assistant.feedback``.

No answering logic lives here. Every session keeps its own conversation in ``gr.State``
(a list of ``Answer``), so two browsers never see each other's questions. Text that comes
from documents or answers is escaped before it is shown: ``<`` never reaches the page as
a tag and Markdown links from documents render as plain text.

``serve()`` builds the index first when there is none; ``build_app()`` returns the Blocks
for tests; ``launch_options()`` holds what Gradio 6 takes at ``launch()`` (theme, css, js).
"""
from __future__ import annotations

import atexit
import hashlib
import html
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import pandas as pd  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from assistant.surfaces import export  # noqa: E402
from assistant.engine import Assistant, get_assistant, reset_assistants  # noqa: E402
from assistant.english import english_name  # noqa: E402
from assistant.types import Answer, Citation  # noqa: E402
from assistant.feedback import feedback_entry, record_feedback  # noqa: E402
from assistant.access import LoginThrottle, check_serving  # noqa: E402
from assistant.index import IndexUnavailable  # noqa: E402
from assistant.llm import CHECKING, language_of  # noqa: E402
from assistant.settings import Settings  # noqa: E402

log = logging.getLogger(__name__)
CORPUS_CHANGE = threading.Lock()   # one upload or removal at a time in this server

ERROR_MESSAGE = "出错了，请重试 / Something went wrong, please try again."
THINKING = "正在检索文件… / Searching the documents…"
ASK_FIRST = "请先提问 / Ask a question first."
FEEDBACK_SAVED = "已记录反馈，谢谢！/ Feedback saved, thank you."
SOURCE_HINT = ('<div class="source-hint">点击答案中的 [n] 或上方的来源，查看原文。<br>'
               'Click a [n] in the answer, or a source above, to see the passage.</div>')
OFFLINE_BADGE = "离线抽取 / Offline extractive"
EXAMPLE_QUESTIONS = [
    "郴州市老年人科学素质提升行动由哪些单位牵头？",
    "Which agencies lead the elderly action in Chenzhou?",
    "湘江新区到2025年公民具备科学素质的比例目标是多少？",
    "中方县的重点工程有哪些？",
    "Compare the 2025 science literacy targets of Chenzhou and Zhongfang",
]
LANGUAGES = ["中文", "English"]
CONTEXT_CHARS = 600            # how much of each neighbouring paragraph the source panel shows
PARAGRAPH_BREAK = "\n\n"

# Interface wording: key -> (Chinese, English).
TEXT = {
    "title": ("## 湖南科普政策问答助手", "## Hunan Science-Popularization Policy Assistant"),
    "subtitle": ("回答均引自政策文件原文，点击 [n] 查看出处。",
                 "Answers quote the policy documents; click a [n] to see where."),
    "tab_chat": ("对话", "Chat"),
    "tab_records": ("责任分工", "Responsibilities"),
    "tab_targets": ("目标指标", "Targets"),
    "tab_documents": ("文件", "Documents"),
    "chatbot": ("对话", "Conversation"),
    "question": ("问题", "Question"),
    "question_placeholder": ("例如：郴州市老年人科学素质提升行动由哪些单位牵头？",
                             "e.g. Which agencies lead the elderly action in Chenzhou?"),
    "send": ("提问", "Ask"),
    "clear": ("清空对话", "Clear conversation"),
    "examples": ("**示例问题**", "**Example questions**"),
    "filter_documents": ("按文件筛选", "Filter by document"),
    "filter_jurisdictions": ("按地区筛选", "Filter by jurisdiction"),
    "sources": ("来源", "Sources"),
    "passages": ("检索到的段落及得分", "Retrieved passages and scores"),
    "feedback_title": ("**这个回答有帮助吗？**", "**Was this answer helpful?**"),
    "feedback_comment": ("意见（可选）", "Comment (optional)"),
    "thumbs_up": ("✔ 有帮助", "✔ Helpful"),
    "thumbs_down": ("✘ 没帮助", "✘ Not helpful"),
    "export": ("导出简报", "Export briefing"),
    "download_markdown": ("下载 Markdown", "Download Markdown"),
    "download_docx": ("下载 Word (DOCX)", "Download Word (DOCX)"),
    "record_document": ("文件", "Document"),
    "record_agency": ("单位名称包含", "Agency name contains"),
    "records_table": ("责任分工", "Responsibilities"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "target_jurisdictions": ("地区", "Jurisdictions"),
    "targets_table": ("目标指标", "Numeric targets"),
    "comparison_table": ("按地区对比", "Side by side by jurisdiction"),
    "documents_table": ("已收录文件", "Indexed documents"),
    "report_table": ("导入报告", "Ingest report"),
    "upload": ("上传文件（.docx .pdf .txt .md .html）", "Upload a document (.docx .pdf .txt .md .html)"),
    "delete_choice": ("删除文件", "Remove a document"),
    "delete": ("从索引中删除", "Remove from the index"),
    "filters": ("筛选", "Filters"),
    "close_source": ("关闭", "Close"),
}
UPLOAD_SUFFIXES = (".docx", ".pdf", ".txt", ".md", ".html", ".htm")
REPORT_HEADERS = ["文件 / File", "格式 / Format", "字符 / Chars", "章节 / Sections", "段落 / Chunks", "表格 / Tables",
                  "责任分工 / Records", "目标 / Targets", "地区 / Jurisdiction", "已识别 / Found", "缺失 / Missing",
                  "提示 / Warnings"]
CHECKING_BADGE = "核对中 / Checking"
ALL_DOCUMENTS = ("全部 / All", "")

CITATION_LINK_JS = """
() => {
  // A [n] link in an answer asks the server to show that citation in the source panel.
  document.addEventListener('click', (event) => {
    const close = event.target.closest && event.target.closest('.source-close');
    if (close) {
      document.querySelector('#source-panel')?.classList.add('source-closed');
      return;
    }
    const link = event.target.closest && event.target.closest('a[href*="#cite-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const key = link.getAttribute('href').split('#cite-')[1];
    const box = document.querySelector('#citation-request textarea, #citation-request input');
    if (!box) return;
    box.value = key + ':' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }, true);
  // When a passage is shown: open the panel (a phone shows it as a sheet over the chat),
  // scroll the passage box so the highlight sits near its top, and scroll the page only when
  // the highlight is still off screen (a narrow window where the panel sits below the chat).
  const reveal = () => {
    const panel = document.querySelector('#source-panel');
    const mark = panel && panel.querySelector('.source-text mark');
    if (!mark) return;
    panel.classList.remove('source-closed');
    const box = mark.closest('.source-text');
    box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 4;
    const markRect = mark.getBoundingClientRect();
    if (markRect.top < 0 || markRect.top + 24 > window.innerHeight) {
      mark.scrollIntoView({block: 'center'});
    }
  };
  let shown = null;
  new MutationObserver(() => {
    const content = document.querySelector('#source-panel .source-panel');
    if (content && content !== shown) {
      shown = content;
      requestAnimationFrame(reveal);
    }
  }).observe(document.body, {childList: true, subtree: true});
}
"""

CSS = """
.mode-badge { display:inline-block; padding:2px 10px; border-radius:999px; font-size:0.85em;
  background:#e0ecff; color:#1e3a8a; border:1px solid #93b4f5; }
.mode-badge.llm { background:#e7f7ec; color:#14532d; border-color:#86d19c; }
.source-panel .source-title { font-weight:600; font-size:1.05em; margin-bottom:6px; }
.source-panel dl { display:grid; grid-template-columns:max-content 1fr; gap:2px 10px; margin:0 0 8px 0; font-size:0.9em; }
.source-panel dt { color:#6b7280; }
.source-panel dd { margin:0; }
.source-text { white-space:pre-wrap; line-height:1.75; max-height:420px; overflow-y:auto;
  border-left:3px solid #cbd5e1; padding:6px 10px; background:#f8fafc; }
.source-text mark { background:#fde68a; padding:1px 0; }
.source-hint { color:#6b7280; font-size:0.9em; }
.passage { border-bottom:1px solid #e5e7eb; padding:6px 0; font-size:0.9em; }
.passage .scores { color:#6b7280; font-size:0.85em; }
.passage-text { white-space:pre-wrap; }
.source-close { display:none; }
.checking-note { color:#92400e; }
/* One screen at 1366x768: a compact header, and a chat that leaves room for the question box. */
#app-header { gap:8px; }
#app-header .prose h2 { margin:0; font-size:1.3em; }
#app-header .prose p { margin:0; }
#chatbot { height:calc(100vh - 330px) !important; min-height:220px; }
#source-panel .source-text { max-height:calc(100vh - 400px); min-height:120px; }
/* Wide tables scroll sideways inside their box; the first (key) column stays pinned. */
.wide-table .virtual-table-viewport { overflow-x:auto; }
.wide-table th:first-child, .wide-table td:first-child, .wide-table .virtual-row > .body-cell:first-child {
  position:sticky !important; left:0; z-index:3;
  background:var(--background-fill-primary, #fff); box-shadow:2px 0 0 var(--border-color-primary, #e5e7eb); }
/* Phones: the source opens as a sheet over the chat, where the user is. */
@media (max-width: 768px) {
  #app-header .subtitle { display:none; }
  #chatbot { height:calc(100vh - 390px) !important; min-height:200px; }
  #source-panel:has(.source-panel) { position:fixed; left:0; right:0; bottom:0; z-index:1000; max-height:65vh;
    overflow-y:auto; background:var(--background-fill-primary, #fff); border-top:2px solid #93b4f5;
    box-shadow:0 -6px 24px rgba(0,0,0,0.25); padding:8px 12px 12px 12px; }
  #source-panel.source-closed { display:none !important; }
  #source-panel .source-close { display:block; float:right; font-size:1.1em; padding:2px 12px; border-radius:6px;
    border:1px solid #cbd5e1; background:#f8fafc; }
  #source-panel .source-text { max-height:40vh; }
  /* A pinned 260-px key column would leave a phone no room: the whole row scrolls sideways instead. */
  .wide-table th:first-child, .wide-table td:first-child, .wide-table .virtual-row > .body-cell:first-child {
    position:static !important; box-shadow:none; }
}
"""


def theme() -> gr.themes.Base:
    # Local fonts only: the server may have no internet, and CJK needs a CJK font.
    return gr.themes.Soft(primary_hue="blue",
                          font=["Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei",
                                "system-ui", "sans-serif"],
                          font_mono=["Noto Sans Mono CJK SC", "DejaVu Sans Mono", "monospace"])


def wording(key: str, language: str) -> str:
    chinese, english = TEXT[key]
    return english if language == "English" else chinese


# ------------------------------------------------------------------ rendering (pure)

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
    return [(f"[{c.number}] {display_name(c.title, language)} › {c.section or '—'}", f"{turn}-{c.number}")
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
    if language == "English":
        fields = [(name.split(" / ", 1)[1], value) for name, value in fields]
    rows = "".join(f"<dt>{html.escape(name)}</dt><dd>{html.escape(value)}</dd>" for name, value in fields)
    return (f'<div class="source-panel" id="source-panel-content">'
            f'<button class="source-close" type="button">✕ {html.escape(wording("close_source", language))}</button>'
            f'<div class="source-title">[{citation.number}] {html.escape(display_name(citation.title, language))}</div>'
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


def report_rows(reports: list, sources: list[str]) -> list[list[str]]:
    """Rows of REPORT_HEADERS, one per indexed document (``None`` where no report was kept)."""
    rows = []
    for source, report in zip(sources, reports):
        if report is None:
            rows.append([source] + ["—"] * (len(REPORT_HEADERS) - 1))
            continue
        rows.append([source, report.format, str(report.characters), str(report.sections), str(report.chunks),
                     f"{report.tables}（{report.table_rows} 行）" if report.tables else "0", str(report.records),
                     str(report.targets), report.jurisdiction or "—",
                     "；".join(f"{name}：{value}" for name, value in report.found.items()) or "—",
                     "、".join(report.missing) or "—", "；".join(report.warnings) or "—"])
    return rows


def safe_upload_name(name: str) -> str:
    """The file name alone (no folders), without characters a file system or a citation trips on."""
    stem = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", Path(name).name).strip(" .") or "upload"
    return stem[-120:]


EXPORT_MAX_AGE_SECONDS = 3600   # an export not downloaded within the hour is removed


def process_temp_dir() -> Path:
    """This process's private temporary folder (700), removed when the process exits.

    Exports, CSV downloads and (when ``serve`` runs) Gradio's own file cache live here,
    so nothing a user exported stays world-readable in /tmp or outlives the server."""
    global _process_temp
    with _temp_lock:
        if _process_temp is None or not _process_temp.exists():
            _process_temp = Path(tempfile.mkdtemp(prefix="policy-assistant-"))
            atexit.register(shutil.rmtree, _process_temp, True)
        return _process_temp


_process_temp: Path | None = None
_temp_lock = threading.Lock()


def export_folder() -> Path:
    """A fresh, unguessable folder (700) per export, under ``process_temp_dir``; exports older than
    an hour (long since downloaded) are removed as new ones are made."""
    root = process_temp_dir() / "exports"
    root.mkdir(mode=0o700, exist_ok=True)
    cutoff = time.time() - EXPORT_MAX_AGE_SECONDS
    for old in root.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    return Path(tempfile.mkdtemp(dir=root))


def private_file(path: Path) -> str:
    """Make an exported file readable by its owner only; returns it as the str Gradio takes."""
    os.chmod(path, 0o600)
    return str(path)


# ------------------------------------------------------------------ event handlers

@dataclass
class Handlers:
    """Each method is one event; the assistant is shared, the conversation comes from gr.State."""
    assistant: Assistant
    settings: Settings

    @property
    def index(self):
        return self.assistant.index

    # --- chat
    def ask(self, question: str, answers: list[Answer], documents: list[str], jurisdictions: list[str]):
        """Stream one answer. Outputs: chatbot, answers, question box, sources, source panel, passages, badge."""
        answers = list(answers or [])
        question = (question or "").strip()
        if not question:
            yield chat_messages(answers), answers, "", gr.update(), gr.update(), gr.update(), gr.update()
            return
        pending = chat_messages(answers) + [{"role": "user", "content": safe_markdown(question)}]
        yield (pending + [{"role": "assistant", "content": THINKING}], answers, "", gr.update(), gr.update(),
               gr.update(), gr.update())
        filters = {"documents": documents or [], "jurisdictions": jurisdictions or []}
        final = None
        try:
            for final in self.assistant.stream(question, conversation_history(answers), filters):
                yield (pending + [{"role": "assistant", "content": answer_markdown(final, len(answers))}],
                       answers, "", gr.update(), gr.update(), gr.update(), gr.update())
            if final is None:
                raise RuntimeError("the assistant returned no answer")
        except Exception:
            log.exception("answering %r failed", question)
            yield (pending + [{"role": "assistant", "content": ERROR_MESSAGE}], answers, question,
                   gr.update(), gr.update(), gr.update(), gr.update())
            return
        answers.append(final)
        yield (chat_messages(answers), answers, "", gr.update(choices=citation_choices(answers), value=None),
               SOURCE_HINT, passages_html(final), mode_badge(final.mode, self.settings))

    def show_citation(self, key: str, answers: list[Answer], language: str = "中文") -> str:
        try:
            return self._citation_html(key, answers or [], language)
        except Exception:
            log.exception("showing citation %r failed", key)
            return f'<div class="source-hint">{ERROR_MESSAGE}</div>'

    def _citation_html(self, key: str, answers: list[Answer], language: str) -> str:
        parsed = parse_citation_key(key)
        if parsed is None or parsed[0] >= len(answers):
            return SOURCE_HINT
        turn, number = parsed
        citations = answers[turn].citations
        if not 1 <= number <= len(citations):
            return SOURCE_HINT
        citation = citations[number - 1]
        index = self.index
        info = index.documents.get(citation.source)
        jurisdiction = info.jurisdiction if info else citation.jurisdiction
        try:
            document_text = self.index.cleaned_text(citation.source)
        except OSError:   # the index was updated since this answer and no longer holds the document
            document_text = citation.text
        return source_panel_html(citation, document_text, jurisdiction, language)

    @staticmethod
    def follow_question_language(answers: list[Answer], language: str):
        """The interface follows the language of the latest question (an English question, English labels)."""
        question = answers[-1].question.strip() if answers else ""
        if not question:
            return gr.update()
        wanted = "English" if language_of(question) == "en" else "中文"
        return gr.update() if wanted == language else wanted

    @staticmethod
    def relabel_sources(answers: list[Answer], language: str):
        return gr.update(choices=citation_choices(answers or [], language), value=None)

    @staticmethod
    def clear():
        """Outputs: chatbot, answers, sources, source panel, passages, feedback status, downloads."""
        hidden = gr.update(value=None, visible=False)
        return [], [], gr.update(choices=[], value=None), SOURCE_HINT, "", "", hidden, hidden

    # --- trainers
    def export_briefing(self, answers: list[Answer]):
        """Outputs: Markdown download, DOCX download, status."""
        if not answers:
            return gr.update(visible=False), gr.update(visible=False), ASK_FIRST
        try:
            folder = export_folder()
            stamp = datetime.now().strftime("%Y%m%d-%H%M")
            markdown_path = folder / f"briefing-{stamp}.md"
            markdown_path.write_text(export.briefing_markdown(answers), encoding="utf-8")
            docx_path = export.briefing_docx(answers, folder / f"briefing-{stamp}.docx")
        except Exception:
            log.exception("exporting the briefing failed")
            return gr.update(visible=False), gr.update(visible=False), ERROR_MESSAGE
        return (gr.update(value=private_file(markdown_path), visible=True),
                gr.update(value=private_file(docx_path), visible=True), "简报已生成 / Briefing ready.")

    def give_feedback(self, rating: str, comment: str, answers: list[Answer]):
        """Outputs: status, comment box."""
        if not answers:
            return ASK_FIRST, comment
        try:
            record_feedback(self.settings.feedback_path, feedback_entry(answers[-1], rating, comment))
        except Exception:
            log.exception("saving feedback failed")
            return ERROR_MESSAGE, comment
        return FEEDBACK_SAVED, ""

    def filter_records(self, document: str, agency: str, language: str = "中文"):
        """Outputs: table, CSV download."""
        rows = export.responsibility_rows(self.index.records, document or "", agency or "", language)
        headers = export.headers_for(export.RECORD_HEADERS, language)
        # One file per distinct table (named by its content), not a new folder per filter change.
        digest = hashlib.sha256(export.csv_text(headers, rows).encode("utf-8")).hexdigest()[:16]
        folder = process_temp_dir() / "csv" / digest
        path = folder / "responsibilities.csv"
        if not path.exists():
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            export.write_csv(path, headers, rows)
        return table(headers, rows), gr.update(value=private_file(path))

    def filter_targets(self, jurisdictions: list[str], language: str = "中文"):
        """Outputs: targets table, comparison table, targets CSV, comparison CSV."""
        places = jurisdictions or self.jurisdictions()
        headers, rows = export.target_comparison(self.index.targets, places, language)
        target_headers = export.headers_for(export.TARGET_HEADERS, language)
        target_rows = export.target_rows(self.index.targets, places, language)
        folder = export_folder()
        targets_csv = export.write_csv(folder / "targets.csv", target_headers, target_rows)
        comparison_csv = export.write_csv(folder / "targets-by-jurisdiction.csv", headers, rows)
        return (table(target_headers, target_rows), table(headers, rows), gr.update(value=str(targets_csv)),
                gr.update(value=str(comparison_csv)))

    # --- static data
    def jurisdictions(self) -> list[str]:
        return sorted({info.jurisdiction for info in self.index.documents.values() if info.jurisdiction})

    def document_choices(self, language: str = "中文") -> list[tuple[str, str]]:
        return [(display_name(info.title, language), source) for source, info in self.index.documents.items()]

    def documents_table(self, language: str = "中文") -> tuple[pd.DataFrame, str]:
        """The 文件 tab's table and its CSV (kept in one method, so the tab can grow: uploads, reports)."""
        counts = {source: entry.get("chunks", 0) for source, entry in self.index.manifest.documents.items()}
        headers = export.headers_for(export.DOCUMENT_HEADERS, language)
        rows = export.document_rows(self.index.documents, counts, language)
        path = export.write_csv(export_folder() / "documents.csv", headers, rows)
        return table(headers, rows), str(path)

    def relabel_tables(self, language: str, record_document: str, agency: str, places: list[str]):
        """Every table and filter list in the interface language. Outputs: see ``TableParts.relabel_outputs``."""
        records, records_csv = self.filter_records(record_document, agency, language)
        targets, comparison, targets_csv, comparison_csv = self.filter_targets(places, language)
        documents, documents_csv = self.documents_table(language)
        choices = self.document_choices(language)
        return (records, records_csv, targets, comparison, targets_csv, comparison_csv, documents,
                gr.update(value=documents_csv), gr.update(choices=[ALL_DOCUMENTS, *choices]), gr.update(choices=choices))

    # --- documents tab: ingest report, upload, removal
    def report_table(self) -> pd.DataFrame:
        from ingest.report import read_reports

        reports = read_reports(self.index.path)
        return table(REPORT_HEADERS, report_rows([reports.get(source) for source in self.index.documents],
                                                 list(self.index.documents)))

    def upload_document(self, path: str | None):
        """Check, store and ingest one uploaded file, then answer from the new generation at once.
        Outputs: status, documents table, report table, removal choices, the upload box (cleared)."""
        if not path:
            return gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
        try:
            status = self._ingest_upload(Path(path))
        except Exception:
            log.exception("ingesting the upload %s failed", path)
            status = ERROR_MESSAGE
        return (status, self.documents_table()[0], self.report_table(),
                gr.update(choices=self.document_choices(), value=None), None)

    def _ingest_upload(self, upload: Path) -> str:
        from ingest.load import LoadError, load_file
        from ingest.pipeline import IngestError, ingest

        name = safe_upload_name(upload.name)
        if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
            return f"⚠ {html.escape(name)}: 只接受 / only {' '.join(UPLOAD_SUFFIXES)}"
        size = upload.stat().st_size
        if size > self.settings.upload_max_mb * 1024 * 1024:
            return f"⚠ {html.escape(name)}: 文件过大 / too large ({size / 1048576:.1f} MB > {self.settings.upload_max_mb} MB)"
        with CORPUS_CHANGE:
            target = self.settings.uploads_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            # Hidden while it is checked, with its own suffix so the loader checks it as that type.
            staged = target.with_name(f".staged-{os.getpid()}-{threading.get_ident()}{target.suffix}")
            shutil.copyfile(upload, staged)
            try:
                load_file(staged)   # refuses a damaged, mislabelled or empty file with one reason
            except LoadError as problem:
                staged.unlink(missing_ok=True)
                return f"⚠ {html.escape(name)}: {html.escape(str(problem))}"
            os.replace(staged, target)
            try:
                summary = ingest(self.settings, [target], progress=False, embeddings=self.assistant.embeddings)
            except IngestError as problem:
                return f"⚠ {html.escape(name)}: {html.escape(str(problem))}"
            self._switch_to_live_index()
        if summary.problems:
            return "⚠ " + "；".join(html.escape(f"{p.source}: {p.reason}") for p in summary.problems)
        report = next((r for r in summary.reports if r.source == name), None)
        lines = [safe_markdown(line.strip()) for line in report.describe().splitlines()] if report else []
        return "✔ 已导入，可直接提问 / Indexed — ask about it now.\n\n" + "  \n".join(lines)

    def delete_document(self, source: str | None):
        """Outputs: status, documents table, report table, removal choices."""
        from ingest.pipeline import IngestError, remove_documents

        if not source:
            return gr.update(), gr.update(), gr.update(), gr.update()
        try:
            with CORPUS_CHANGE:
                remove_documents(self.settings, [source], embeddings=self.assistant.embeddings)
                self._switch_to_live_index()
            (self.settings.uploads_dir / source).unlink(missing_ok=True)   # an upload is not re-added later
            status = f"✔ 已删除 / Removed {html.escape(source)}"
        except IngestError as problem:
            status = f"⚠ {html.escape(str(problem))}"
        except Exception:
            log.exception("removing %s failed", source)
            status = ERROR_MESSAGE
        return (status, self.documents_table()[0], self.report_table(),
                gr.update(choices=self.document_choices(), value=None))

    def _switch_to_live_index(self) -> None:
        """Every session answers from the newly published generation from the next question on."""
        self.assistant.refresh()


# ------------------------------------------------------------------ layout

def build_app(settings: Settings, assistant: Assistant | None = None) -> gr.Blocks:
    handlers = Handlers(assistant or get_assistant(settings), settings)
    translated: list[tuple[gr.components.Component | gr.Tab, str, str]] = []   # (component, property, key)

    def say(component, prop: str, key: str):
        translated.append((component, prop, key))
        return component

    with gr.Blocks(title="湖南科普政策问答 / Policy Assistant") as app:
        answers = gr.State([])
        with gr.Row(equal_height=True, elem_id="app-header"):
            with gr.Column(scale=5, min_width=240):
                say(gr.Markdown(wording("title", "中文")), "value", "title")
                say(gr.Markdown(wording("subtitle", "中文"), elem_classes=["subtitle"]), "value", "subtitle")
            with gr.Column(scale=2, min_width=220):
                badge = gr.HTML(mode_badge("llm" if settings.llm_enabled else "extractive", settings))
                language = gr.Radio(LANGUAGES, value="中文", label="界面语言 / Language", elem_id="language",
                                    container=False)

        with gr.Tabs():
            with say(gr.Tab(wording("tab_chat", "中文"), id="chat"), "label", "tab_chat"):
                chat = chat_tab(handlers, answers, say)
            with say(gr.Tab(wording("tab_records", "中文"), id="records"), "label", "tab_records"):
                records = records_tab(handlers, say, language)
            with say(gr.Tab(wording("tab_targets", "中文"), id="targets"), "label", "tab_targets"):
                targets = targets_tab(handlers, say, language)
            with say(gr.Tab(wording("tab_documents", "中文"), id="documents"), "label", "tab_documents"):
                documents = documents_tab(handlers, say)

        wire_chat(handlers, answers, badge, chat, language)
        translatable = list(dict.fromkeys(component for component, _, _ in translated))
        language.change(lambda choice: translation_updates(translatable, translated, choice),
                        language, translatable, queue=False).then(
            handlers.relabel_tables, [language, records.document, records.agency, targets.places],
            [records.table, records.csv, targets.table, targets.comparison, targets.csv, targets.comparison_csv,
             documents.table, documents.csv, records.document, chat.documents]).then(
            handlers.relabel_sources, [answers, language], chat.sources)
    app.queue(default_concurrency_limit=answer_concurrency(settings))
    return app


def answer_concurrency(settings: Settings) -> int:
    """How many questions the server answers at once. Answering waits on I/O (Chroma, an LLM
    endpoint) as well as on the CPU, so a few more than the cores keeps them busy without
    queuing sixteen users behind one slow answer."""
    return settings.answer_concurrency or (os.cpu_count() or 1) + 2


def translation_updates(components: list, translated: list[tuple], language: str) -> list[dict]:
    """One update per component, holding every property whose wording changes with the language."""
    properties: dict[int, dict] = {id(component): {} for component in components}
    for component, prop, key in translated:
        properties[id(component)][prop] = wording(key, language)
    return [gr.update(**properties[id(component)]) for component in components]


@dataclass
class ChatParts:
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    clear: gr.Button
    examples: list[gr.Button]
    documents: gr.Dropdown
    jurisdictions: gr.Dropdown
    sources: gr.Radio
    citation_request: gr.Textbox
    source_panel: gr.HTML
    passages: gr.HTML
    thumbs_up: gr.Button
    thumbs_down: gr.Button
    comment: gr.Textbox
    feedback_status: gr.Markdown
    export: gr.Button
    download_markdown: gr.DownloadButton
    download_docx: gr.DownloadButton
    export_status: gr.Markdown


def chat_tab(handlers: Handlers, answers: gr.State, say) -> ChatParts:
    """The chat on the left (the question box right under it, on the first screen), sources on the right."""
    zh = "中文"
    with gr.Row():
        with gr.Column(scale=3, min_width=320):
            chatbot = say(gr.Chatbot(label=wording("chatbot", zh), height="calc(100vh - 330px)", elem_id="chatbot",
                                     latex_delimiters=[], feedback_options=None, buttons=["copy"]),
                          "label", "chatbot")
            with gr.Row(equal_height=True):
                question = gr.Textbox(label=wording("question", zh), placeholder=wording("question_placeholder", zh),
                                      scale=5, lines=1, max_lines=4, elem_id="question", show_label=False)
                say(question, "label", "question")
                say(question, "placeholder", "question_placeholder")
                send = say(gr.Button(wording("send", zh), variant="primary", scale=1, min_width=80, elem_id="send"),
                           "value", "send")
            say(gr.Markdown(wording("examples", zh)), "value", "examples")
            with gr.Row():
                examples = [gr.Button(q, size="sm", elem_classes=["example"]) for q in EXAMPLE_QUESTIONS]
            with gr.Row(equal_height=True):
                clear = say(gr.Button(wording("clear", zh), size="sm", elem_id="clear"), "value", "clear")
                export_button = say(gr.Button(wording("export", zh), size="sm", elem_id="export"), "value", "export")
                download_markdown = say(gr.DownloadButton(wording("download_markdown", zh), visible=False, size="sm",
                                                          elem_id="download-markdown"), "label", "download_markdown")
                download_docx = say(gr.DownloadButton(wording("download_docx", zh), visible=False, size="sm",
                                                      elem_id="download-docx"), "label", "download_docx")
            export_status = gr.Markdown(elem_id="export-status")
            with gr.Group():
                say(gr.Markdown(wording("feedback_title", zh)), "value", "feedback_title")
                with gr.Row(equal_height=True):
                    comment = say(gr.Textbox(label=wording("feedback_comment", zh), scale=4, elem_id="feedback-comment"),
                                  "label", "feedback_comment")
                    thumbs_up = say(gr.Button(wording("thumbs_up", zh), scale=1, elem_id="thumbs-up"), "value", "thumbs_up")
                    thumbs_down = say(gr.Button(wording("thumbs_down", zh), scale=1, elem_id="thumbs-down"),
                                      "value", "thumbs_down")
            feedback_status = gr.Markdown(elem_id="feedback-status")
        with gr.Column(scale=2, min_width=300):
            sources = say(gr.Radio([], label=wording("sources", zh), elem_id="sources"), "label", "sources")
            citation_request = gr.Textbox(visible="hidden", elem_id="citation-request")
            source_panel = gr.HTML(SOURCE_HINT, elem_id="source-panel")
            with say(gr.Accordion(wording("filters", zh), open=False, elem_id="filters-accordion"), "label", "filters"):
                documents = say(gr.Dropdown(handlers.document_choices(), multiselect=True,
                                            label=wording("filter_documents", zh), elem_id="filter-documents"),
                                "label", "filter_documents")
                jurisdictions = say(gr.Dropdown(handlers.jurisdictions(), multiselect=True,
                                                label=wording("filter_jurisdictions", zh),
                                                elem_id="filter-jurisdictions"),
                                    "label", "filter_jurisdictions")
            with say(gr.Accordion(wording("passages", zh), open=False, elem_id="passages-accordion"), "label", "passages"):
                passages = gr.HTML(elem_id="passages")
    return ChatParts(chatbot, question, send, clear, examples, documents, jurisdictions, sources, citation_request,
                     source_panel, passages, thumbs_up, thumbs_down, comment, feedback_status, export_button,
                     download_markdown, download_docx, export_status)


def wire_chat(handlers: Handlers, answers: gr.State, badge: gr.HTML, chat: ChatParts, language: gr.Radio) -> None:
    ask_inputs = [chat.question, answers, chat.documents, chat.jurisdictions]
    ask_outputs = [chat.chatbot, answers, chat.question, chat.sources, chat.source_panel, chat.passages, badge]
    # Then the interface follows the language of the question just answered.
    follow = dict(fn=handlers.follow_question_language, inputs=[answers, language], outputs=language,
                  queue=False, api_visibility="private")
    relabel = dict(fn=handlers.relabel_sources, inputs=[answers, language], outputs=chat.sources, queue=False,
                   api_visibility="private")
    chat.send.click(handlers.ask, ask_inputs, ask_outputs).then(**follow).then(**relabel)
    chat.question.submit(handlers.ask, ask_inputs, ask_outputs).then(**follow).then(**relabel)
    for button, text in zip(chat.examples, EXAMPLE_QUESTIONS):
        button.click(lambda text=text: text, None, chat.question, queue=False).then(
            handlers.ask, ask_inputs, ask_outputs).then(**follow).then(**relabel)

    chat.sources.select(handlers.show_citation, [chat.sources, answers, language], chat.source_panel)
    chat.citation_request.change(handlers.show_citation, [chat.citation_request, answers, language], chat.source_panel)
    clear_outputs = [chat.chatbot, answers, chat.sources, chat.source_panel, chat.passages, chat.feedback_status,
                     chat.download_markdown, chat.download_docx]
    chat.clear.click(handlers.clear, None, clear_outputs)
    chat.chatbot.clear(handlers.clear, None, clear_outputs)   # the chatbot's own trash icon

    chat.export.click(handlers.export_briefing, answers, [chat.download_markdown, chat.download_docx, chat.export_status])
    chat.thumbs_up.click(lambda comment, state: handlers.give_feedback("up", comment, state),
                         [chat.comment, answers], [chat.feedback_status, chat.comment])
    chat.thumbs_down.click(lambda comment, state: handlers.give_feedback("down", comment, state),
                           [chat.comment, answers], [chat.feedback_status, chat.comment])


# Wide tables: fixed column widths wider than a laptop screen scroll sideways inside their box,
# with the first column (the document or indicator: what a row is about) pinned.
RECORD_WIDTHS = ["260px", "130px", "240px", "300px", "420px"]
TARGET_WIDTHS = ["260px", "120px", "90px", "120px", "150px", "480px"]
DOCUMENT_WIDTHS = ["300px", "170px", "240px", "130px", "110px", "130px", "220px", "90px"]


def wide_table(value, label: str, elem_id: str, widths: list[str] | None = None) -> gr.Dataframe:
    return gr.Dataframe(value, label=label, interactive=False, wrap=True, elem_id=elem_id, column_widths=widths,
                        pinned_columns=1, max_height=520, elem_classes=["wide-table"])


@dataclass
class RecordParts:
    document: gr.Dropdown
    agency: gr.Textbox
    table: gr.Dataframe
    csv: gr.DownloadButton


def records_tab(handlers: Handlers, say, language: gr.Radio) -> RecordParts:
    zh = "中文"
    with gr.Row():
        document = say(gr.Dropdown([ALL_DOCUMENTS, *handlers.document_choices()], value="",
                                   label=wording("record_document", zh), elem_id="records-document"),
                       "label", "record_document")
        agency = say(gr.Textbox(label=wording("record_agency", zh), elem_id="records-agency"), "label", "record_agency")
    initial_table, initial_csv = handlers.filter_records("", "")
    records = say(wide_table(initial_table, wording("records_table", zh), "records-table", RECORD_WIDTHS),
                  "label", "records_table")
    download = say(gr.DownloadButton(wording("download_csv", zh), value=initial_csv["value"], size="sm",
                                     elem_id="records-csv"), "label", "download_csv")
    for trigger in (document.change, agency.change):
        trigger(handlers.filter_records, [document, agency, language], [records, download])
    return RecordParts(document, agency, records, download)


@dataclass
class TargetParts:
    places: gr.Dropdown
    table: gr.Dataframe
    comparison: gr.Dataframe
    csv: gr.DownloadButton
    comparison_csv: gr.DownloadButton


def targets_tab(handlers: Handlers, say, language: gr.Radio) -> TargetParts:
    zh = "中文"
    places = say(gr.Dropdown(handlers.jurisdictions(), value=handlers.jurisdictions(), multiselect=True,
                             label=wording("target_jurisdictions", zh), elem_id="targets-jurisdictions"),
                 "label", "target_jurisdictions")
    initial_targets, initial_comparison, targets_csv, comparison_csv = handlers.filter_targets([])
    comparison = say(wide_table(initial_comparison, wording("comparison_table", zh), "targets-comparison"),
                     "label", "comparison_table")
    comparison_download = say(gr.DownloadButton(wording("download_csv", zh), value=comparison_csv["value"], size="sm",
                                                elem_id="targets-comparison-csv"), "label", "download_csv")
    targets = say(wide_table(initial_targets, wording("targets_table", zh), "targets-table", TARGET_WIDTHS),
                  "label", "targets_table")
    targets_download = say(gr.DownloadButton(wording("download_csv", zh), value=targets_csv["value"], size="sm",
                                             elem_id="targets-csv"), "label", "download_csv")
    places.change(handlers.filter_targets, [places, language],
                  [targets, comparison, targets_download, comparison_download])
    return TargetParts(places, targets, comparison, targets_download, comparison_download)


@dataclass
class DocumentParts:
    table: gr.Dataframe
    csv: gr.DownloadButton


def documents_tab(handlers: Handlers, say) -> DocumentParts:
    """The 文件 tab: the indexed documents (with 状态 / status) and their CSV; upload a document
    and see its ingest report, or remove one."""
    zh = "中文"
    initial, csv_path = handlers.documents_table()
    documents = say(wide_table(initial, wording("documents_table", zh), "documents-table", DOCUMENT_WIDTHS),
                    "label", "documents_table")
    download = say(gr.DownloadButton(wording("download_csv", zh), value=csv_path, size="sm", elem_id="documents-csv"),
                   "label", "download_csv")
    with gr.Row(equal_height=True):
        upload = say(gr.File(label=wording("upload", zh), file_types=list(UPLOAD_SUFFIXES), type="filepath",
                             file_count="single", elem_id="upload-document", scale=3), "label", "upload")
        with gr.Column(scale=2):
            delete_choice = say(gr.Dropdown(handlers.document_choices(), value=None, label=wording("delete_choice", zh),
                                            elem_id="delete-document"), "label", "delete_choice")
            delete = say(gr.Button(wording("delete", zh), variant="stop", size="sm", elem_id="delete-button"),
                         "value", "delete")
    status = gr.Markdown(elem_id="upload-status")
    report = say(gr.Dataframe(handlers.report_table(), label=wording("report_table", zh), interactive=False, wrap=True,
                              elem_id="ingest-report"), "label", "report_table")
    upload.upload(handlers.upload_document, upload, [status, documents, report, delete_choice, upload])
    delete.click(handlers.delete_document, delete_choice, [status, documents, report, delete_choice])
    return DocumentParts(documents, download)


# ------------------------------------------------------------------ serving

def launch_options(settings: Settings, host: str | None = None, port: int | None = None) -> dict:
    """Keyword arguments for ``Blocks.launch`` (Gradio 6 takes theme/css/js here, not in Blocks)."""
    options = dict(server_name=host or settings.server_host, server_port=port or settings.server_port,
                   share=False, show_error=False, theme=theme(), css=CSS, js=CITATION_LINK_JS,
                   footer_links=["settings"])
    if settings.auth_username and settings.auth_password:
        options["auth"] = (settings.auth_username, settings.auth_password.get_secret_value())
        options["app_kwargs"] = {"middleware": [Middleware(LoginThrottle, max_failures=settings.login_max_failures,
                                                           lockout_seconds=settings.login_lockout_seconds)]}
    return options


def check_prompts_when_llm(settings: Settings) -> None:
    """Fail at start-up, not on the first question, when an LLM prompt file is broken."""
    if not settings.llm_enabled:
        return
    try:
        from assistant.prompts import check_prompts
    except ImportError:
        log.info("assistant.prompts.check_prompts is not available; skipping the prompt check")
        return
    try:
        check_prompts()
    except Exception as error:
        raise SystemExit(f"error: the LLM prompts are not usable:\n{error}") from error


def assistant_with_index(settings: Settings) -> Assistant:
    """The shared assistant; on first run (or an unusable index) ingest the configured corpus first."""
    try:
        return get_assistant(settings)
    except IndexUnavailable as problem:
        print(f"{problem}\nBuilding the index from {settings.corpus_dir} first…", flush=True)
    from ingest.pipeline import IngestError, ingest

    try:
        summary = ingest(settings, progress=True, on_wait=lambda message: print(message, flush=True))
    except IngestError as error:   # e.g. a read-only data folder: one line, no traceback
        raise SystemExit(f"error: {error}") from None
    print(summary.describe(), flush=True)
    reset_assistants()
    return get_assistant(settings)


def serve(settings: Settings, host: str | None = None, port: int | None = None, insecure: bool = False) -> None:
    """Start the server (blocks). Raises ``ServeRefused`` for an unsafe configuration."""
    check_serving(settings, host or settings.server_host, insecure)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Files Gradio hands out (exports, CSVs) are cached in this process's private folder, removed at exit;
    # SIGTERM exits through Python so that the clean-up runs.
    os.environ.setdefault("GRADIO_TEMP_DIR", str(process_temp_dir() / "gradio"))
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    check_prompts_when_llm(settings)
    app = build_app(settings, assistant_with_index(settings))
    options = launch_options(settings, host, port)
    print(f"Serving on http://{options['server_name']}:{options['server_port']}", flush=True)
    app.launch(**options)
