"""Every session's lists follow the live generation (issue 20 item 9): a page loaded before a
CLI ingest, or before another session's upload, lists and can delete the new document."""
from __future__ import annotations

import gradio as gr
import pytest

from assistant.engine import Assistant
from assistant.settings import Settings
from assistant.surfaces.ui import Handlers
from assistant.surfaces.ui.app import CORPUS_OUTPUTS
from ingest.pipeline import ingest
from tests.ingest.test_corpus_changes import PLAN_A, write_task_docx


@pytest.fixture()
def settings(tmp_path, embeddings):
    settings = Settings(home=tmp_path / "home", corpus_dir=tmp_path / "corpus")
    settings.corpus_dir.mkdir()
    (settings.corpus_dir / "a.txt").write_text(PLAN_A, encoding="utf-8")
    ingest(settings, progress=False, embeddings=embeddings)
    return settings


def follow(handlers, seen, places=()):
    return handlers.follow_corpus(seen, "中文", [], [], "", "", list(places), [])


def sources(update) -> set[str]:
    return {value for _, value in update["choices"]}


def test_a_page_follows_a_cli_ingest_and_can_delete_what_it_added(settings, embeddings, tmp_path):
    handlers = Handlers(Assistant(settings, embeddings=embeddings), settings)
    first = follow(handlers, None)                                # page load
    assert len(first) == CORPUS_OUTPUTS
    seen = first[0]
    assert sources(first[14]) == {"a.txt"}                      # the delete list
    assert all(update is gr.skip() or update == gr.skip() for update in follow(handlers, seen)[1:])   # nothing changed

    # The CLI (another process, its own embeddings) adds a document with a new jurisdiction.
    upload = write_task_docx(tmp_path / "tasks.docx")
    ingest(settings, [upload], progress=False)
    changed = follow(handlers, seen, places=seen["jurisdictions"])
    assert changed[0]["generation"] != seen["generation"]
    for position in (1, 3, 14, 15):                               # chat filter, records filter, delete list, briefing
        assert "tasks.docx" in sources(changed[position]), position
    assert "示例区科协2030年工作要点" in changed[11].to_string()           # the documents table

    status, *_ = handlers.delete_document("tasks.docx")
    assert status.startswith("✔")
    assert "tasks.docx" not in handlers.assistant.index.documents
