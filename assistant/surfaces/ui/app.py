"""The page: header, language switch and the four tabs, wired to one ``Handlers`` per server."""
from __future__ import annotations

import os
from dataclasses import dataclass

import gradio as gr

from assistant.engine import Assistant, get_assistant
from assistant.settings import Settings
from assistant.surfaces.ui.briefing import BriefingHandlers, briefing_tab
from assistant.surfaces.ui.chat import ChatHandlers, chat_tab, wire_chat
from assistant.surfaces.ui.documents import DocumentHandlers, documents_tab
from assistant.surfaces.ui.render import mode_badge
from assistant.surfaces.ui.tables import TableHandlers, records_tab, targets_tab
from assistant.surfaces.ui.wording import ALL_DOCUMENTS, LANGUAGES, wording


CORPUS_CHECK_SECONDS = 5   # how often an open page asks whether another session or the CLI changed the corpus


@dataclass
class Handlers(ChatHandlers, TableHandlers, DocumentHandlers, BriefingHandlers):
    """Each method is one event; the assistant is shared, the conversation comes from gr.State."""

    def follow_corpus(self, seen: dict | None, language: str, chat_documents: list[str], chat_places: list[str],
                      record_document: str, agency: str, places: list[str], briefing_documents: list[str]):
        """Every list, filter and table of this page, from the live generation — on page load, and
        whenever another session or the CLI has published a new one (nothing is sent otherwise).
        Outputs: see ``CorpusOutputs``."""
        self.assistant.refresh()
        generation = self.index.generation
        if seen and seen.get("generation") == generation:
            return [gr.skip()] * CORPUS_OUTPUTS
        language = language or "中文"
        jurisdictions = self.jurisdictions()
        choices = self.document_choices(language)
        sources = {source for _, source in choices}
        # Places this page had not seen yet are shown; places the user had left out stay out.
        known = set(seen["jurisdictions"]) if seen else set()
        shown = [p for p in (places or []) if p in jurisdictions] + [p for p in jurisdictions if p not in known]
        records, records_csv = self.filter_records(record_document if record_document in sources else "", agency,
                                                   language)
        targets, comparison, targets_csv, comparison_csv = self.filter_targets(shown, language)
        documents, documents_csv = self.documents_table(language)
        return [{"generation": generation, "jurisdictions": jurisdictions},
                gr.update(choices=choices, value=[d for d in chat_documents or [] if d in sources]),
                gr.update(choices=jurisdictions, value=[p for p in chat_places or [] if p in jurisdictions]),
                gr.update(choices=[ALL_DOCUMENTS, *choices],
                          value=record_document if record_document in sources else ""),
                records, records_csv,
                gr.update(choices=jurisdictions, value=list(dict.fromkeys(shown))),
                targets, comparison, targets_csv, comparison_csv,
                documents, gr.update(value=documents_csv), self.report_table(),
                gr.update(choices=choices, value=None),
                gr.update(choices=choices, value=[d for d in briefing_documents or [] if d in sources])]


CORPUS_OUTPUTS = 16


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
                documents = documents_tab(handlers, say, language)
            with say(gr.Tab(wording("tab_briefing", "中文"), id="briefing"), "label", "tab_briefing"):
                briefing = briefing_tab(handlers, say, language)

        wire_chat(handlers, answers, badge, chat, language)
        translatable = list(dict.fromkeys(component for component, _, _ in translated))
        language.change(lambda choice: translation_updates(translatable, translated, choice),
                        language, translatable, queue=False).then(
            handlers.relabel_tables, [language, records.document, records.agency, targets.places],
            [records.table, records.csv, targets.table, targets.comparison, targets.csv, targets.comparison_csv,
             documents.table, documents.csv, records.document, chat.documents]).then(
            handlers.relabel_sources, [answers, language], chat.sources).then(
            handlers.relabel_document_lists, language, [documents.delete_choice, briefing.documents])

        # Every page follows the corpus: on load (the lists built above may be older than the page)
        # and after any upload, removal or CLI ingest, by this session or another.
        seen = gr.State(None)
        follow = dict(fn=handlers.follow_corpus,
                      inputs=[seen, language, chat.documents, chat.jurisdictions, records.document, records.agency,
                              targets.places, briefing.documents],
                      outputs=[seen, chat.documents, chat.jurisdictions, records.document, records.table, records.csv,
                               targets.places, targets.table, targets.comparison, targets.csv, targets.comparison_csv,
                               documents.table, documents.csv, documents.report, documents.delete_choice,
                               briefing.documents],
                      show_progress="hidden", api_visibility="private")
        app.load(**follow)
        gr.Timer(CORPUS_CHECK_SECONDS).tick(**follow)
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
