"""The 专题简报 (topic briefing) tab: a topic, the documents in scope, a format, a download.

The briefing itself is built by the library (``assistant.briefing.build_briefing``) and
written by ``assistant.surfaces.export`` (``briefing_to_markdown/docx/pptx``). Both are
imported when a briefing is asked for, so this tab works (and says so plainly) in a build
that does not have them yet.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

import gradio as gr

from assistant.surfaces.ui.corpus import CorpusView
from assistant.surfaces.ui.files import export_folder, private_file
from assistant.surfaces.ui.render import safe_markdown
from assistant.surfaces.ui.wording import ERROR_MESSAGE, wording

log = logging.getLogger(__name__)
FORMATS = [("Word (DOCX)", "docx"), ("PowerPoint (PPTX)", "pptx"), ("Markdown", "md")]
TOPIC_EXAMPLES = ["老年人科学素质", "科技特派员", "青少年科学素质"]


def briefing_library():
    """(build_briefing, writers by format), or None when this build has no briefing library."""
    try:
        from assistant.briefing import build_briefing
        from assistant.surfaces.export import briefing_to_docx, briefing_to_markdown, briefing_to_pptx
    except ImportError:
        return None

    def write_markdown(briefing, path):
        path.write_text(briefing_to_markdown(briefing), encoding="utf-8")
        return path

    return build_briefing, {"docx": briefing_to_docx, "pptx": briefing_to_pptx, "md": write_markdown}


def briefing_file_name(topic: str, file_format: str) -> str:
    """A file name from the topic (kept short, no characters a file system trips on)."""
    stem = re.sub(r"[\\/:*?\"<>|\x00-\x1f\s]+", "_", topic).strip("._")[:40] or "briefing"
    return f"专题简报-{stem}-{datetime.now():%Y%m%d-%H%M}.{file_format}"


class BriefingHandlers(CorpusView):
    """The briefing tab's one event (mixed into ``Handlers``)."""

    def make_briefing(self, topic: str, documents: list[str], file_format: str, language: str = "中文"):
        """Outputs: status, download button."""
        topic = (topic or "").strip()
        english = language == "English"
        if not topic:
            return ("Enter a topic first." if english else "请先输入专题。"), gr.update(visible=False)
        library = briefing_library()
        if library is None:
            return (("The topic briefing is not available in this installation." if english
                     else "此版本尚未提供专题简报功能。"), gr.update(visible=False))
        build_briefing, writers = library
        file_format = file_format if file_format in writers else "docx"
        try:
            briefing = build_briefing(self.assistant, topic, list(documents) or None)
            path = export_folder() / briefing_file_name(topic, file_format)
            written = writers[file_format](briefing, path) or path
        except Exception:
            log.exception("building the briefing on %r failed", topic)
            return ERROR_MESSAGE, gr.update(visible=False)
        ready = (f"✔ Briefing on “{safe_markdown(topic)}” is ready." if english
                 else f"✔ 专题简报《{safe_markdown(topic)}》已生成。")
        return ready, gr.update(value=private_file(written), visible=True)


@dataclass
class BriefingParts:
    documents: gr.Dropdown


def briefing_tab(handlers: BriefingHandlers, say, language: gr.Radio) -> BriefingParts:
    zh = "中文"
    say(gr.Markdown(wording("briefing_intro", zh)), "value", "briefing_intro")
    with gr.Row(equal_height=True):
        topic = say(gr.Textbox(label=wording("briefing_topic", zh), placeholder="、".join(TOPIC_EXAMPLES),
                               elem_id="briefing-topic", scale=3), "label", "briefing_topic")
        file_format = say(gr.Radio(FORMATS, value="docx", label=wording("briefing_format", zh),
                                   elem_id="briefing-format", scale=2), "label", "briefing_format")
    documents = say(gr.Dropdown(handlers.document_choices(), multiselect=True, value=[],
                                label=wording("briefing_documents", zh), elem_id="briefing-documents"),
                    "label", "briefing_documents")
    with gr.Row():
        make = say(gr.Button(wording("briefing_make", zh), variant="primary", elem_id="briefing-make"),
                   "value", "briefing_make")
        download = say(gr.DownloadButton(wording("briefing_download", zh), visible=False, elem_id="briefing-download"),
                       "label", "briefing_download")
    status = gr.Markdown(elem_id="briefing-status")
    make.click(handlers.make_briefing, [topic, documents, file_format, language], [status, download])
    topic.submit(handlers.make_briefing, [topic, documents, file_format, language], [status, download])
    return BriefingParts(documents)
