"""The 责任分工 (responsibilities) and 目标指标 (targets) tabs, and the table data every tab shares."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import gradio as gr

from assistant.surfaces import export
from assistant.surfaces.ui.corpus import CorpusView
from assistant.surfaces.ui.files import export_folder, private_file, process_temp_dir
from assistant.surfaces.ui.render import table
from assistant.surfaces.ui.wording import ALL_DOCUMENTS, wording


class TableHandlers(CorpusView):
    """Filters and tables (mixed into ``Handlers``)."""

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
        return (table(target_headers, target_rows),
                gr.update(value=table(headers, rows), column_widths=comparison_widths(len(headers))),
                gr.update(value=str(targets_csv)), gr.update(value=str(comparison_csv)))

    # --- static data
    def relabel_tables(self, language: str, record_document: str, agency: str, places: list[str]):
        """Every table and filter list in the interface language. Outputs: see ``TableParts.relabel_outputs``."""
        records, records_csv = self.filter_records(record_document, agency, language)
        targets, comparison, targets_csv, comparison_csv = self.filter_targets(places, language)
        documents, documents_csv = self.documents_table(language)
        choices = self.document_choices(language)
        return (records, records_csv, targets, comparison, targets_csv, comparison_csv, documents,
                gr.update(value=documents_csv), gr.update(choices=[ALL_DOCUMENTS, *choices]), gr.update(choices=choices))


# Wide tables: fixed column widths wider than a laptop screen scroll sideways inside their box,
# with the first column (the document or indicator: what a row is about) pinned.
RECORD_WIDTHS = ["260px", "130px", "240px", "300px", "420px"]
TARGET_WIDTHS = ["260px", "120px", "90px", "120px", "150px", "480px"]
COMPARISON_KEY_WIDTHS = ["260px", "70px", "80px"]   # indicator, year, unit; then one column per place
COMPARISON_PLACE_WIDTH = "200px"
DOCUMENT_WIDTHS = ["300px", "170px", "240px", "130px", "110px", "130px", "220px", "90px"]


def comparison_widths(columns: int) -> list[str]:
    """Fixed widths for the side-by-side table: without them an English indicator name sets its
    column to the width of the whole sentence (1,214 px), and every figure is off screen."""
    keys = COMPARISON_KEY_WIDTHS[:columns]
    return keys + [COMPARISON_PLACE_WIDTH] * (columns - len(keys))


def wide_table(value, label: str, elem_id: str, widths: list[str] | None = None) -> gr.Dataframe:
    return gr.Dataframe(value, label=label, interactive=False, wrap=True, elem_id=elem_id, column_widths=widths,
                        pinned_columns=1, max_height=520, elem_classes=["wide-table"])


@dataclass
class RecordParts:
    document: gr.Dropdown
    agency: gr.Textbox
    table: gr.Dataframe
    csv: gr.DownloadButton


def records_tab(handlers: TableHandlers, say, language: gr.Radio) -> RecordParts:
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


def targets_tab(handlers: TableHandlers, say, language: gr.Radio) -> TargetParts:
    zh = "中文"
    places = say(gr.Dropdown(handlers.jurisdictions(), value=handlers.jurisdictions(), multiselect=True,
                             label=wording("target_jurisdictions", zh), elem_id="targets-jurisdictions"),
                 "label", "target_jurisdictions")
    initial_targets, initial_comparison, targets_csv, comparison_csv = handlers.filter_targets([])
    comparison = say(wide_table(initial_comparison["value"], wording("comparison_table", zh), "targets-comparison",
                                initial_comparison["column_widths"]),
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
