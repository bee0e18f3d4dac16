"""UI rendering and handlers without a browser: escaping, the source panel, errors, sessions."""
from __future__ import annotations

import html
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.surfaces import ui
from assistant.types import Answer, Citation
from assistant.settings import Settings

DOCUMENT = ("一、总体要求\n\n"
            "前一段：<script>alert('x')</script> 见 [官网](http://evil.example)。\n\n"
            "（四）老年人科学素质提升行动。以提升信息素养为重点。\n\n"
            "(责任分工：由市卫生健康委、市民政局牵头，市科协等单位参加)\n\n"
            "后一段：实施银龄科普行动。\n\n"
            "再后一段不显示。")


def cite(number: int, text: str, source: str = "doc.txt") -> Citation:
    start = DOCUMENT.find(text)
    return Citation(number, f"c{number}", source, "郴州市实施方案", "郴政办发〔2022〕1号", "郴州市",
                    "二、提升行动 › （四）老年人科学素质提升行动", text, start, start + len(text))


DUTY = "(责任分工：由市卫生健康委、市民政局牵头，市科协等单位参加)"


def make_answer(question: str = "谁牵头？", notice: str = "") -> Answer:
    return Answer(question=question, text=f"由**市卫生健康委、市民政局**牵头 [1]。\n\n> {DUTY} [1]",
                  citations=[cite(1, DUTY)], retrieved=[], abstained=False, notice=notice)


class FakeIndex:
    documents = {"doc.txt": SimpleNamespace(jurisdiction="郴州市", title="郴州市实施方案")}

    def cleaned_text(self, source: str) -> str:
        return DOCUMENT


class FakeAssistant:
    index = FakeIndex()

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls = []

    def stream(self, question, history, filters):
        self.calls.append((question, history, filters))
        if self.fail:
            raise RuntimeError("Traceback: secret internals")
        yield make_answer(question)


def handlers(fail: bool = False) -> ui.Handlers:
    return ui.Handlers(FakeAssistant(fail), Settings(home=Path("/nonexistent-home")))


def test_safe_markdown_escapes_tags_and_breaks_links():
    text = ui.safe_markdown("<script>alert(1)</script> [点我](http://evil.example) **粗体**")
    assert "<script" not in text and "&lt;script>" in text
    assert "](http" not in text
    assert "**粗体**" in text


def test_citation_markers_become_links_for_this_turn_only_when_cited():
    linked = ui.link_citations("牵头 [1]；另见 [2]。", turn=3, count=1)
    assert "[\\[1\\]](#cite-3-1)" in linked
    assert "另见 [2]" in linked                              # no such citation: left as text


def test_answer_markdown_shows_the_notice():
    markdown = ui.answer_markdown(make_answer(notice="问题过长，只使用了前 1000 个字符。"), 0)
    assert "问题过长，只使用了前 1000 个字符。" in markdown


def test_source_panel_highlights_the_passage_between_its_neighbours_and_escapes_everything():
    panel = ui.source_panel_html(cite(1, DUTY), DOCUMENT, "郴州市")
    assert "郴州市实施方案" in panel and "郴政办发〔2022〕1号" in panel and "郴州市" in panel
    assert "二、提升行动 › （四）老年人科学素质提升行动" in panel
    assert f"<mark>{DUTY}</mark>" in panel
    assert "（四）老年人科学素质提升行动。以提升信息素养为重点。" in panel      # paragraph before
    assert "后一段：实施银龄科普行动。" in panel                                # paragraph after
    assert "再后一段不显示" not in panel and "前一段" not in panel


def test_source_panel_renders_script_and_markdown_link_from_a_document_as_text():
    passage = "前一段：<script>alert('x')</script> 见 [官网](http://evil.example)。"
    panel = ui.source_panel_html(cite(1, passage), DOCUMENT, "郴州市")
    assert "<script>" not in panel
    assert "<mark>前一段：&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; 见 [官网](http://evil.example)。</mark>" in panel
    assert "<a " not in panel


def test_source_panel_falls_back_to_the_text_when_the_span_moved():
    moved = Citation(1, "c", "doc.txt", "t", "", "", "", DUTY, 0, 5)
    assert f"<mark>{html.escape(DUTY)}</mark>" in ui.highlighted_passage(DOCUMENT, moved)
    unknown = Citation(1, "c", "doc.txt", "t", "", "", "", "不在文中的段落", 0, 5)
    assert ui.highlighted_passage(DOCUMENT, unknown) == "<mark>不在文中的段落</mark>"


def test_ask_streams_passes_history_and_filters_and_keeps_state_per_call():
    h = handlers()
    first = list(h.ask("谁牵头？", [], ["doc.txt"], ["郴州市"]))
    chat, answers = first[-1][0], first[-1][1]
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert "(#cite-0-1)" in chat[1]["content"]
    assert len(answers) == 1
    assert h.assistant.calls[0] == ("谁牵头？", [], {"documents": ["doc.txt"], "jurisdictions": ["郴州市"]})

    second = list(h.ask("参加单位呢？", answers, [], []))
    assert h.assistant.calls[1][1] == [{"role": "user", "content": "谁牵头？"},
                                       {"role": "assistant", "content": answers[0].text}]
    assert len(second[-1][1]) == 2 and len(answers) == 1        # the caller's state is not mutated


def test_ask_shows_a_friendly_error_never_a_traceback():
    outputs = list(handlers(fail=True).ask("谁牵头？", [], [], []))
    chat, answers, question_box = outputs[-1][:3]
    assert chat[-1]["content"] == ui.ERROR_MESSAGE
    assert "Traceback" not in str(outputs)
    assert answers == [] and question_box == "谁牵头？"             # kept, so it can be retried


def test_show_citation_by_radio_value_or_clicked_link():
    h = handlers()
    answers = [make_answer()]
    assert "<mark>" in h.show_citation("0-1", answers)
    assert "<mark>" in h.show_citation("0-1:1712345678", answers)
    assert h.show_citation("0-9", answers) == ui.SOURCE_HINT
    assert h.show_citation("5-1", answers) == ui.SOURCE_HINT
    assert h.show_citation("garbage", answers) == ui.SOURCE_HINT


def test_feedback_needs_an_answer_and_is_written(tmp_path):
    h = ui.Handlers(FakeAssistant(), Settings(home=tmp_path))
    assert h.give_feedback("down", "x", []) == (ui.ASK_FIRST, "x")
    status, comment = h.give_feedback("down", "漏了", [make_answer()])
    assert status == ui.FEEDBACK_SAVED and comment == ""
    assert '"comment": "漏了"' in (tmp_path / "feedback.jsonl").read_text(encoding="utf-8")


def test_translation_updates_switch_every_label():
    chinese, english = ui.TEXT["send"]
    assert ui.wording("send", "English") == english and ui.wording("send", "中文") == chinese
    box = object()
    updates = ui.translation_updates([box], [(box, "label", "question"), (box, "placeholder", "question_placeholder")],
                                     "English")
    assert updates[0]["label"] == "Question" and updates[0]["placeholder"].startswith("e.g.")


def test_launch_options_never_share_and_use_settings(monkeypatch):
    from pydantic import SecretStr

    settings = Settings(home=Path("/tmp/x"), server_port=7999, auth_username="trainer",
                        auth_password=SecretStr("pw"))
    options = ui.launch_options(settings)
    assert options["share"] is False
    assert (options["server_name"], options["server_port"]) == ("127.0.0.1", 7999)
    assert options["auth"] == ("trainer", "pw")
    assert ui.launch_options(settings, host="0.0.0.0", port=8001)["server_port"] == 8001
    assert "auth" not in ui.launch_options(Settings(home=Path("/tmp/x")))


@pytest.mark.parametrize("mode,expected", [("extractive", "离线抽取 / Offline extractive"), ("llm", "LLM: qwen-test")])
def test_mode_badge(mode, expected):
    assert expected in ui.mode_badge(mode, Settings(home=Path("/tmp/x"), llm_model="qwen-test"))


def test_prompts_are_checked_at_start_only_when_an_llm_is_configured(monkeypatch):
    import assistant.prompts as prompts

    checked = []
    monkeypatch.setattr(prompts, "check_prompts", lambda *args: checked.append(True))
    ui.check_prompts_when_llm(Settings(home=Path("/tmp/x")))
    assert checked == []
    ui.check_prompts_when_llm(Settings(home=Path("/tmp/x"), llm_base_url="http://localhost:1/v1", llm_model="m"))
    assert checked == [True]

    def broken(*args):
        raise prompts.PromptError("prompts/answer.zh.txt: missing placeholder {question}")
    monkeypatch.setattr(prompts, "check_prompts", broken)
    with pytest.raises(SystemExit, match="missing placeholder"):
        ui.check_prompts_when_llm(Settings(home=Path("/tmp/x"), llm_base_url="http://localhost:1/v1", llm_model="m"))


def test_llm_text_still_being_checked_is_marked_as_such():
    from assistant.llm import CHECKING

    partial = ui.answer_markdown(make_answer(notice=CHECKING), 0)
    assert partial.startswith('<span class="checking-note">⏳ 核对中 / Checking</span>')
    assert "核对中" not in ui.answer_markdown(make_answer(), 0)


def test_english_source_panel_and_choices_name_the_document_in_english():
    panel = ui.source_panel_html(cite(1, DUTY), DOCUMENT, "郴州市", "English")
    assert "Chenzhou" in panel and "Jurisdiction" in panel and "地区 /" not in panel
    assert "<mark>" + DUTY in panel.replace("&#x27;", "'")          # the quoted passage stays Chinese
    choices = ui.citation_choices([make_answer()], "English")
    assert choices[0][1] == "0-1" and "郴州市实施方案" in choices[0][0]


def test_source_panel_has_a_close_button_for_the_phone_sheet():
    assert 'class="source-close"' in ui.source_panel_html(cite(1, DUTY), DOCUMENT, "郴州市")


def test_the_question_box_is_emptied_once_so_a_question_typed_meanwhile_is_kept():
    outputs = list(handlers().ask("谁牵头？", [], [], []))
    assert outputs[0][2] == ""                                     # taken from the box when asked
    assert all(isinstance(step[2], dict) and "value" not in step[2] for step in outputs[1:])   # then left alone
    assert outputs[0][7]["visible"] is True and outputs[-1][7]["visible"] is False   # the stop button
    assert outputs[0][8] == "谁牵头？" and outputs[-1][8] == ""


def test_stopping_keeps_the_conversation_and_marks_the_question_stopped():
    chat, stop, asking = ui.Handlers.stop([make_answer("第一问")], "第二问")
    assert [m["content"] for m in chat][-2:] == ["第二问", ui.STOPPED]
    assert chat[0]["content"] == "第一问" and stop["visible"] is False and asking == ""


def test_each_citation_request_is_a_new_panel_so_the_sheet_reopens():
    h = handlers()
    first, second = h.show_citation("0-1:1", [make_answer()]), h.show_citation("0-1:2", [make_answer()])
    assert first != second and 'data-request="0-1:2"' in second


def test_the_delete_list_and_briefing_scope_follow_the_interface_language():
    delete, scope = handlers().relabel_document_lists("English")
    assert delete["choices"] == scope["choices"] and [value for _, value in delete["choices"]] == ["doc.txt"]
