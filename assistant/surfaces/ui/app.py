"""The page: header, language switch and the four tabs, wired to one ``Handlers`` per server."""
from __future__ import annotations

import os
from dataclasses import dataclass

import gradio as gr

from assistant.engine import Assistant, get_assistant
from assistant.settings import Settings
from assistant.surfaces.ui.chat import ChatHandlers, chat_tab, wire_chat
from assistant.surfaces.ui.documents import DocumentHandlers, documents_tab
from assistant.surfaces.ui.render import mode_badge
from assistant.surfaces.ui.tables import TableHandlers, records_tab, targets_tab
from assistant.surfaces.ui.wording import LANGUAGES, wording


@dataclass
class Handlers(ChatHandlers, TableHandlers, DocumentHandlers):
    """Each method is one event; the assistant is shared, the conversation comes from gr.State."""


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
