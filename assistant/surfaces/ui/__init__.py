"""Chat UI: a Gradio 6 Blocks app over ``Assistant.stream``, ``assistant.surfaces.export`` and ``assistant.feedback``.

No answering logic lives here. Every session keeps its own conversation in ``gr.State``
(a list of ``Answer``), so two browsers never see each other's questions.

One module per part of the page:
- ``wording``   — every label in Chinese and English, and the short messages;
- ``render``    — pure rendering of answers, citations and the source panel (escaped);
- ``files``     — private temporary folders, exports and upload names;
- ``chat``      — the chat tab and its events;
- ``tables``    — the responsibilities and targets tabs;
- ``documents`` — the documents tab: list, ingest report, upload, removal;
- ``app``       — ``build_app()``: the page and ``Handlers`` (the events of every tab);
- ``serve``     — ``serve()`` and ``launch_options()`` (theme, css, js).
- ``style``     — theme, CSS and the page script.
"""
from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from assistant.surfaces.ui.app import Handlers, answer_concurrency, build_app, translation_updates  # noqa: E402
from assistant.surfaces.ui.documents import CORPUS_CHANGE, REPORT_HEADERS, UPLOAD_SUFFIXES, report_rows  # noqa: E402
from assistant.surfaces.ui.files import export_folder, private_file, process_temp_dir, safe_upload_name  # noqa: E402
from assistant.surfaces.ui.render import (answer_markdown, chat_messages, citation_choices, display_name,  # noqa: E402
                                          highlighted_passage, link_citations, mode_badge, passages_html,
                                          safe_markdown, source_panel_html)
from assistant.surfaces.ui.serve import assistant_with_index, check_prompts_when_llm, launch_options, serve  # noqa: E402
from assistant.surfaces.ui.style import CITATION_LINK_JS, CSS, theme  # noqa: E402
from assistant.surfaces.ui.wording import (ASK_FIRST, ERROR_MESSAGE, FEEDBACK_SAVED, SOURCE_HINT, STOPPED, TEXT,  # noqa: E402
                                           wording)

__all__ = ["ASK_FIRST", "CITATION_LINK_JS", "CORPUS_CHANGE", "CSS", "ERROR_MESSAGE", "FEEDBACK_SAVED", "Handlers",
           "REPORT_HEADERS", "SOURCE_HINT", "STOPPED", "TEXT", "UPLOAD_SUFFIXES", "answer_concurrency", "answer_markdown",
           "assistant_with_index", "build_app", "chat_messages", "check_prompts_when_llm", "citation_choices",
           "display_name", "export_folder", "highlighted_passage", "link_citations", "launch_options", "mode_badge",
           "passages_html", "private_file", "process_temp_dir", "report_rows", "safe_markdown", "safe_upload_name",
           "serve", "source_panel_html", "theme", "translation_updates", "wording"]
