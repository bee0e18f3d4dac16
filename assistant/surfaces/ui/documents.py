"""The 文件 (documents) tab: the indexed documents, the ingest report, upload and removal."""
from __future__ import annotations

import html
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pandas as pd

from assistant.surfaces.ui.corpus import CorpusView
from assistant.surfaces.ui.files import safe_upload_name
from assistant.surfaces.ui.render import safe_markdown, table
from assistant.surfaces.ui.tables import DOCUMENT_WIDTHS, wide_table
from assistant.surfaces.ui.wording import ERROR_MESSAGE, wording

log = logging.getLogger(__name__)
CORPUS_CHANGE = threading.Lock()   # one upload or removal at a time in this server
UPLOAD_SUFFIXES = (".docx", ".pdf", ".txt", ".md", ".html", ".htm")
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
    """Upload, removal and the ingest report (mixed into ``Handlers``)."""

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


@dataclass
class DocumentParts:
    table: gr.Dataframe
    csv: gr.DownloadButton


def documents_tab(handlers: DocumentHandlers, say) -> DocumentParts:
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
