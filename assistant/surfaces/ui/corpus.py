"""What every tab reads from the index: the documents, their titles and places, their table.

``CorpusView`` is the base of each tab's events, so a tab's layout can be typed by its own
events class. It reads ``assistant.index`` at each call: after an upload, a removal or a CLI
ingest the assistant has switched to the newly published generation, and every list built
from here follows it.
"""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from assistant.engine import Assistant
from assistant.settings import Settings
from assistant.surfaces import export
from assistant.surfaces.ui.files import export_folder
from assistant.surfaces.ui.render import display_name, table


@dataclass
class CorpusView:
    assistant: Assistant
    settings: Settings

    @property
    def index(self):
        return self.assistant.index

    def jurisdictions(self) -> list[str]:
        return sorted({info.jurisdiction for info in self.index.documents.values() if info.jurisdiction})

    def document_choices(self, language: str = "中文") -> list[tuple[str, str]]:
        return [(display_name(info.title, language), source) for source, info in self.index.documents.items()]

    def documents_table(self, language: str = "中文") -> tuple[pd.DataFrame, str]:
        """The 文件 tab's table and its CSV."""
        counts = {source: entry.get("chunks", 0) for source, entry in self.index.manifest.documents.items()}
        headers = export.headers_for(export.DOCUMENT_HEADERS, language)
        rows = export.document_rows(self.index.documents, counts, language)
        path = export.write_csv(export_folder() / "documents.csv", headers, rows)
        return table(headers, rows), str(path)

    def relabel_document_lists(self, language: str):
        """The delete list and the briefing scope in the interface language. Outputs: those two."""
        choices = self.document_choices(language)
        return gr.update(choices=choices), gr.update(choices=choices)
