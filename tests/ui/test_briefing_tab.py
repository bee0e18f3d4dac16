"""The topic-briefing tab's event, without a browser: it says plainly when the briefing
library is absent, and writes the chosen format through the export writers when present."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.settings import Settings
from assistant.surfaces.ui import Handlers
from assistant.surfaces.ui import briefing as briefing_tab
from assistant.surfaces.ui.briefing import briefing_file_name


def handlers() -> Handlers:
    return Handlers(SimpleNamespace(index=None), Settings(home=Path("/nonexistent-home")))


def test_a_topic_is_needed():
    status, download = handlers().make_briefing("  ", [], "docx")
    assert status == "请先输入专题。" and download["visible"] is False


def test_without_the_briefing_library_the_tab_says_so(monkeypatch):
    monkeypatch.setattr(briefing_tab, "briefing_library", lambda: None)
    status, download = handlers().make_briefing("老年人科学素质", [], "docx", "English")
    assert "not available" in status and download["visible"] is False


@pytest.mark.parametrize("file_format", ["docx", "pptx", "md"])
def test_the_chosen_format_is_written_and_offered_for_download(monkeypatch, file_format):
    calls = []

    def build(assistant, topic, docs):
        calls.append((topic, docs))
        return SimpleNamespace(topic=topic)

    def writer(briefing, path):
        path.write_text(f"{file_format}:{briefing.topic}", encoding="utf-8")
        return path

    monkeypatch.setattr(briefing_tab, "briefing_library", lambda: (build, {"docx": writer, "pptx": writer, "md": writer}))
    status, download = handlers().make_briefing("老年人科学素质", ["a.txt"], file_format)
    assert status.startswith("✔ 专题简报《老年人科学素质》已生成")
    path = Path(download["value"])
    assert path.suffix == f".{file_format}" and path.read_text(encoding="utf-8") == f"{file_format}:老年人科学素质"
    assert calls == [("老年人科学素质", ["a.txt"])]


def test_the_real_library_when_present_is_found_by_the_contract():
    library = briefing_tab.briefing_library()
    if library is None:
        pytest.skip("assistant.briefing / export.briefing_to_* are not in this build yet (written in parallel)")
    build, writers = library
    assert callable(build) and set(writers) == {"docx", "pptx", "md"}


def test_file_names_come_from_the_topic_without_unsafe_characters():
    name = briefing_file_name("老年人/科学 素质", "pptx")
    assert name.startswith("专题简报-老年人_科学_素质-") and name.endswith(".pptx")
