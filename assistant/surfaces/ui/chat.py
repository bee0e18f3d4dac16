"""The chat tab: question box, answer stream, sources, feedback and the chat export."""
from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime

import gradio as gr

from assistant.feedback import feedback_entry, record_feedback
from assistant.llm import language_of
from assistant.surfaces import export
from assistant.surfaces.ui.corpus import CorpusView
from assistant.surfaces.ui.files import export_folder, private_file
from assistant.surfaces.ui.render import (answer_markdown, chat_messages, citation_choices, conversation_history,
                                          mode_badge, parse_citation_key, passages_html, safe_markdown,
                                          source_panel_html)
from assistant.surfaces.ui.wording import (ASK_FIRST, ERROR_MESSAGE, EXAMPLE_QUESTIONS, FEEDBACK_SAVED,
                                           SOURCE_HINT, STOPPED, THINKING, wording)
from assistant.types import Answer

log = logging.getLogger(__name__)


class ChatHandlers(CorpusView):
    """The chat's events (mixed into ``Handlers``, which holds ``assistant`` and ``settings``)."""

    # --- chat
    def ask(self, question: str, answers: list[Answer], documents: list[str], jurisdictions: list[str]):
        """Stream one answer. Outputs: chatbot, answers, question box, sources, source panel, passages, badge,
        stop button, the question being answered (state, for the stop button).

        The question box is emptied once, when the question is taken; after that it is left alone,
        so a question typed while this one is answered stays there (and waits its turn)."""
        answers = list(answers or [])
        question = (question or "").strip()
        keep = gr.update()
        if not question:
            yield chat_messages(answers), answers, keep, keep, keep, keep, keep, gr.update(visible=False), ""
            return
        pending = chat_messages(answers) + [{"role": "user", "content": safe_markdown(question)}]
        yield (pending + [{"role": "assistant", "content": THINKING}], answers, "", keep, keep, keep, keep,
               gr.update(visible=True), question)
        filters = {"documents": documents or [], "jurisdictions": jurisdictions or []}
        final = None
        try:
            for final in self.assistant.stream(question, conversation_history(answers), filters):
                yield (pending + [{"role": "assistant", "content": answer_markdown(final, len(answers))}],
                       answers, keep, keep, keep, keep, keep, keep, keep)
            if final is None:
                raise RuntimeError("the assistant returned no answer")
        except Exception:
            log.exception("answering %r failed", question)
            yield (pending + [{"role": "assistant", "content": ERROR_MESSAGE}], answers, question,
                   keep, keep, keep, keep, gr.update(visible=False), "")
            return
        answers.append(final)
        yield (chat_messages(answers), answers, keep, gr.update(choices=citation_choices(answers), value=None),
               SOURCE_HINT, passages_html(final), mode_badge(final.mode, self.settings), gr.update(visible=False), "")

    @staticmethod
    def stop(answers: list[Answer], asking: str):
        """The user stopped the pending answer. Outputs: chatbot, stop button, the question being answered."""
        messages = chat_messages(answers or [])
        if asking:
            messages += [{"role": "user", "content": safe_markdown(asking)}, {"role": "assistant", "content": STOPPED}]
        return messages, gr.update(visible=False), ""

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
        # The request key (with a click's nonce) makes each request a new panel, so the page script
        # reopens and scrolls it even when the same [n] is clicked again.
        return source_panel_html(citation, document_text, jurisdiction, language).replace(
            'id="source-panel-content"', f'id="source-panel-content" data-request="{html.escape(key)}"', 1)

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


@dataclass
class ChatParts:
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    stop: gr.Button
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


def chat_tab(handlers: ChatHandlers, answers: gr.State, say) -> ChatParts:
    """The chat on the left (the question box right under it, on the first screen), sources on the right."""
    zh = "中文"
    with gr.Row():
        with gr.Column(scale=3, min_width=320):
            # No floating label (it sat over the first line of text: the tab already says 对话), and no
            # autoscroll to the bottom: the page script scrolls each new question to the top instead,
            # so a long answer is read from its first line.
            chatbot = say(gr.Chatbot(label=wording("chatbot", zh), show_label=False, autoscroll=False,
                                     height="calc(100vh - 330px)", elem_id="chatbot",
                                     latex_delimiters=[], feedback_options=None, buttons=["copy"]),
                          "label", "chatbot")
            with gr.Row(equal_height=True):
                question = gr.Textbox(label=wording("question", zh), placeholder=wording("question_placeholder", zh),
                                      scale=5, lines=1, max_lines=4, elem_id="question", show_label=False)
                say(question, "label", "question")
                say(question, "placeholder", "question_placeholder")
                send = say(gr.Button(wording("send", zh), variant="primary", scale=1, min_width=80, elem_id="send"),
                           "value", "send")
                stop = say(gr.Button(wording("stop", zh), variant="stop", scale=1, min_width=70, elem_id="stop",
                                     visible=False), "value", "stop")
            gr.HTML("", elem_id="queue-note")   # the page script says here that a question waits its turn
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
    return ChatParts(chatbot, question, send, stop, clear, examples, documents, jurisdictions, sources, citation_request,
                     source_panel, passages, thumbs_up, thumbs_down, comment, feedback_status, export_button,
                     download_markdown, download_docx, export_status)


def wire_chat(handlers: ChatHandlers, answers: gr.State, badge: gr.HTML, chat: ChatParts, language: gr.Radio) -> None:
    ask_inputs = [chat.question, answers, chat.documents, chat.jurisdictions]
    asking = gr.State("")   # the question being answered, for the stop button
    ask_outputs = [chat.chatbot, answers, chat.question, chat.sources, chat.source_panel, chat.passages, badge,
                   chat.stop, asking]
    # Then the interface follows the language of the question just answered.
    follow = dict(fn=handlers.follow_question_language, inputs=[answers, language], outputs=language,
                  queue=False, api_visibility="private")
    relabel = dict(fn=handlers.relabel_sources, inputs=[answers, language], outputs=chat.sources, queue=False,
                   api_visibility="private")
    # One event for the button and Enter. A question sent while one is answered is held by the page
    # script (style.py) and sent when the pending answer ends or is stopped; it is never dropped.
    asked = gr.on([chat.send.click, chat.question.submit], handlers.ask, ask_inputs, ask_outputs)
    asked.then(**follow).then(**relabel)
    pending = [asked]
    for button in chat.examples:
        example = button.click(handlers.ask, [button, answers, chat.documents, chat.jurisdictions], ask_outputs)
        example.then(**follow).then(**relabel)
        pending.append(example)
    chat.stop.click(handlers.stop, [answers, asking], [chat.chatbot, chat.stop, asking], cancels=pending,
                    queue=False)

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
