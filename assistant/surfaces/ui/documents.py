"""The 文件 (documents) tab: the indexed documents, the ingest report, upload and removal."""
from __future__ import annotations

import html
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pandas as pd

from assistant.surfaces.ui.corpus import CorpusView
from assistant.surfaces.ui.files import safe_upload_name
from assistant.surfaces.ui.render import safe_markdown, table
from assistant.files import copy_atomically
from assistant.surfaces.ui.upload import (UPLOAD_SUFFIXES, UploadDraft, forget_corrections, plain_report, read_draft,
                                          record_corrections, refusal_advice, status_choices, too_large_advice,
                                          unsupported_advice)
from assistant.surfaces.ui.tables import DOCUMENT_WIDTHS, wide_table
from assistant.surfaces.ui.wording import ERROR_MESSAGE, wording

log = logging.getLogger(__name__)
CORPUS_CHANGE = threading.Lock()   # one upload or removal at a time in this server
STAGED_MAX_AGE_SECONDS = 24 * 3600   # a checked upload nobody confirmed is removed after a day
REPORT_HEADERS = ["文件 / File", "格式 / Format", "字符 / Chars", "章节 / Sections", "段落 / Chunks", "表格 / Tables",
                  "责任分工 / Records", "目标 / Targets", "地区 / Jurisdiction", "已识别 / Found", "缺失 / Missing",
                  "提示 / Warnings"]


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



class DocumentHandlers(CorpusView):
    """Upload (check → confirm → index), removal and the ingest report (mixed into ``Handlers``)."""

    def report_table(self) -> pd.DataFrame:
        from ingest.report import read_reports

        reports = read_reports(self.index.path)
        return table(REPORT_HEADERS, report_rows([reports.get(source) for source in self.index.documents],
                                                 list(self.index.documents)))

    # --- step 1: check the file and show what ingest reads from it
    def upload_document(self, path: str | None, language: str = "中文"):
        """Outputs: status, draft (state), confirm box (visibility), title, jurisdiction, status, upload box (cleared)."""
        keep = (gr.update(),) * 6
        if not path:
            return (gr.update(), *keep)
        try:
            draft_or_refusal = self._check_upload(Path(path), language)
        except Exception:
            log.exception("checking the upload %s failed", path)
            draft_or_refusal = ERROR_MESSAGE
        if isinstance(draft_or_refusal, str):
            return draft_or_refusal, None, gr.update(visible=False), gr.update(), gr.update(), gr.update(), None
        draft = draft_or_refusal
        ask = (f"**{safe_markdown(draft.name)}** is readable. Check the title, jurisdiction and status, then index it."
               if language == "English" else
               f"**{safe_markdown(draft.name)}** 可以读取。请确认或修改标题、地区和状态，然后点击“导入”。")
        return (ask, draft, gr.update(visible=True), draft.title, draft.jurisdiction,
                gr.update(choices=_with_value(status_choices(language), draft.status), value=draft.status or None),
                None)

    def _check_upload(self, upload: Path, language: str) -> UploadDraft | str:
        from ingest.load import LoadError

        name = safe_upload_name(upload.name)
        if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
            return unsupported_advice(name, language)
        size = upload.stat().st_size
        if size > self.settings.upload_max_mb * 1024 * 1024:
            return too_large_advice(name, size / 1048576, self.settings.upload_max_mb, language)
        folder = self.settings.uploads_dir
        folder.mkdir(parents=True, exist_ok=True)
        _remove_forgotten_staged(folder)
        # Hidden while it waits for confirmation (ingest's folder walks skip hidden files), with its
        # own suffix so the loader checks it as that type.
        staged = folder / f".staged-{os.getpid()}-{threading.get_ident()}-{time.time_ns()}{Path(name).suffix}"
        try:
            copy_atomically(upload, staged)      # a full disk leaves no partial copy behind
            return read_draft(staged, name, self.settings.chunk_max_chars)
        except LoadError as problem:   # a damaged, mislabelled, scanned or empty file: what to do about it
            staged.unlink(missing_ok=True)
            return refusal_advice(name, str(problem), language)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise

    # --- step 2: index it with the clerk's corrections
    def confirm_upload(self, draft: UploadDraft | None, title: str, jurisdiction: str, status: str | None,
                       language: str = "中文", progress=gr.Progress(track_tqdm=True)):
        """Outputs: status, draft (cleared), confirm box (hidden), documents table, report table, removal choices."""
        if draft is None:
            return (gr.update(), None, gr.update(visible=False), gr.update(), gr.update(), gr.update())
        try:
            message = self.index_upload(draft, title, jurisdiction, status or "", language, progress)
        except Exception:
            log.exception("ingesting the upload %s failed", draft.name)
            message = ERROR_MESSAGE
        return (message, None, gr.update(visible=False), self.documents_table(language)[0], self.report_table(),
                gr.update(choices=self.document_choices(language), value=None))

    def cancel_upload(self, draft: UploadDraft | None, language: str = "中文"):
        """Outputs: status, draft (cleared), confirm box (hidden)."""
        if draft is not None:
            Path(draft.staged).unlink(missing_ok=True)
        return ("Upload cancelled." if language == "English" else "已取消上传。"), None, gr.update(visible=False)

    def index_upload(self, draft: UploadDraft, title: str, jurisdiction: str, status: str, language: str = "中文",
                     progress=None) -> str:
        """Record the corrections in the upload folder's manifest, index the file, switch to the new generation."""
        from ingest.pipeline import IngestError, ingest

        if progress is not None:
            progress(0.05, desc="正在导入… / Indexing…")
        with CORPUS_CHANGE:
            staged = Path(draft.staged)
            if not staged.exists():
                return ERROR_MESSAGE
            folder = self.settings.uploads_dir
            record_corrections(folder, draft.name, title, jurisdiction, status)
            target = folder / draft.name
            os.replace(staged, target)
            try:
                summary = ingest(self.settings, [target], progress=_stage_progress(progress),
                                 embeddings=self.assistant.embeddings)
            except IngestError as problem:
                return f"⚠ {html.escape(draft.name)}: {html.escape(str(problem))}"
            self._switch_to_live_index()
        if summary.problems:
            return "  \n".join(refusal_advice(p.source, p.reason, language) for p in summary.problems)
        report = next((r for r in summary.reports if r.source == draft.name), None)
        if report is None:
            return ERROR_MESSAGE
        return plain_report(report, language)

    def ingest_upload(self, path: str, language: str = "中文", **corrections: str) -> str:
        """Check and index one file in one call (the CLI-like path tests and scripts use)."""
        draft = self._check_upload(Path(path), language)
        if isinstance(draft, str):
            return draft
        return self.index_upload(draft, corrections.get("title", draft.title),
                                 corrections.get("jurisdiction", draft.jurisdiction),
                                 corrections.get("status", draft.status), language)

    # --- removal
    def delete_document(self, source: str | None, language: str = "中文"):
        """Outputs: status, documents table, report table, removal choices."""
        from ingest.pipeline import IngestError, remove_documents

        if not source:
            return gr.update(), gr.update(), gr.update(), gr.update()
        try:
            with CORPUS_CHANGE:
                self._switch_to_live_index()   # another session or the CLI may have changed the corpus
                remove_documents(self.settings, [source], embeddings=self.assistant.embeddings)
                self._switch_to_live_index()
            (self.settings.uploads_dir / source).unlink(missing_ok=True)   # an upload is not re-added later
            forget_corrections(self.settings.uploads_dir, source)
            status = (f"✔ Removed {html.escape(source)}" if language == "English"
                      else f"✔ 已删除 {html.escape(source)}")
        except IngestError as problem:
            status = f"⚠ {html.escape(str(problem))}"
        except Exception:
            log.exception("removing %s failed", source)
            status = ERROR_MESSAGE
        return (status, self.documents_table(language)[0], self.report_table(),
                gr.update(choices=self.document_choices(language), value=None))

    def _switch_to_live_index(self) -> None:
        """Every session answers from the newly published generation from the next question on."""
        self.assistant.refresh()


def _with_value(choices: list[tuple[str, str]], value: str) -> list[tuple[str, str]]:
    """The status choices plus a status ingest read that is not among them (kept, not lost)."""
    return choices if not value or any(v == value for _, v in choices) else [*choices, (value, value)]


def _stage_progress(progress):
    """Ingest's stages (reading, OCR, chunking, embedding with texts/s, publishing) on Gradio's bar."""
    if progress is None:
        return False
    return lambda step: progress((step.done, step.total), desc=step.describe())


def _remove_forgotten_staged(folder: Path) -> None:
    cutoff = time.time() - STAGED_MAX_AGE_SECONDS
    for staged in folder.glob(".staged-*"):
        try:
            if staged.stat().st_mtime < cutoff:
                staged.unlink()
        except OSError:
            pass


@dataclass
class DocumentParts:
    table: gr.Dataframe
    csv: gr.DownloadButton
    report: gr.Dataframe
    delete_choice: gr.Dropdown
    status: gr.Markdown


def documents_tab(handlers: DocumentHandlers, say, language: gr.Radio) -> DocumentParts:
    """The 文件 tab, top to bottom: what just happened (the upload report in plain words), upload
    and removal, the fields a clerk confirms before indexing, the documents, the detailed report."""
    zh = "中文"
    status = gr.Markdown(elem_id="upload-status")
    draft = gr.State(None)
    with gr.Row(equal_height=True):
        # No file_types: the browser's own refusal is an English-only toast; the server refuses
        # an unsupported file with advice in the interface language instead.
        upload = say(gr.File(label=wording("upload", zh), type="filepath", file_count="single",
                             elem_id="upload-document", scale=3, height=120), "label", "upload")
        with gr.Column(scale=2):
            delete_choice = say(gr.Dropdown(handlers.document_choices(), value=None, label=wording("delete_choice", zh),
                                            elem_id="delete-document"), "label", "delete_choice")
            delete = say(gr.Button(wording("delete", zh), variant="stop", size="sm", elem_id="delete-button"),
                         "value", "delete")
    with gr.Group(visible=False, elem_id="upload-fields") as confirm_box:
        with gr.Row(equal_height=True):
            title = say(gr.Textbox(label=wording("upload_title", zh), elem_id="upload-title", scale=3),
                        "label", "upload_title")
            jurisdiction = say(gr.Textbox(label=wording("upload_jurisdiction", zh), elem_id="upload-jurisdiction",
                                          scale=2), "label", "upload_jurisdiction")
            doc_status = say(gr.Dropdown(status_choices(zh), value=None, allow_custom_value=True,
                                         label=wording("upload_status", zh), elem_id="upload-doc-status", scale=2),
                             "label", "upload_status")
        with gr.Row():
            confirm = say(gr.Button(wording("upload_confirm", zh), variant="primary", size="sm",
                                    elem_id="upload-confirm-button"), "value", "upload_confirm")
            cancel = say(gr.Button(wording("upload_cancel", zh), size="sm", elem_id="upload-cancel"),
                         "value", "upload_cancel")
    initial, csv_path = handlers.documents_table()
    documents = say(wide_table(initial, wording("documents_table", zh), "documents-table", DOCUMENT_WIDTHS),
                    "label", "documents_table")
    download = say(gr.DownloadButton(wording("download_csv", zh), value=csv_path, size="sm", elem_id="documents-csv"),
                   "label", "download_csv")
    with say(gr.Accordion(wording("report_table", zh), open=False, elem_id="ingest-report-accordion"),
             "label", "report_table"):
        report = gr.Dataframe(handlers.report_table(), show_label=False, interactive=False, wrap=True,
                              elem_id="ingest-report")
    upload.upload(handlers.upload_document, [upload, language],
                  [status, draft, confirm_box, title, jurisdiction, doc_status, upload])
    confirm.click(handlers.confirm_upload, [draft, title, jurisdiction, doc_status, language],
                  [status, draft, confirm_box, documents, report, delete_choice])
    cancel.click(handlers.cancel_upload, [draft, language], [status, draft, confirm_box])
    delete.click(handlers.delete_document, [delete_choice, language], [status, documents, report, delete_choice])
    return DocumentParts(documents, download, report, delete_choice, status)
