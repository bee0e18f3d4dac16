"""Reading answers in a real browser, at a laptop's 1366×768 and a phone's 390×844 (issue 18 §3):
the cited passage is in view for every source, the phone's source sheet reopens every time,
a new answer is read from its first line with no label over it, a pending answer can be
stopped, and a question typed meanwhile waits instead of vanishing."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.live_server import live_server
from tests.ui.test_browser import (CHROMIUM, ELDERLY_QUESTION, LAPTOP, PHONE, ask, browser, latest_answer,  # noqa: F401
                                   open_page, screenshot, server, visible_box)

pytestmark = pytest.mark.slow

if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium", allow_module_level=True)

SIZES = [pytest.param(LAPTOP, False, id="laptop-1366x768"), pytest.param(PHONE, True, id="phone-390x844")]
MANY_SOURCES_QUESTION = "中方县的重点工程有哪些？"


def citation_numbers(page) -> list[int]:
    return sorted({int(href.rsplit("-", 1)[1]) for href in page.eval_on_selector_all(
        "#chatbot a[href*='#cite-']", "links => links.map(a => a.getAttribute('href'))")})


def open_citation(page, number: int, phone: bool) -> None:
    link = page.locator(f"#chatbot a[href$='-{number}']").last
    link.scroll_into_view_if_needed()
    link.tap() if phone else link.click()
    page.wait_for_function("n => document.querySelector('#source-panel .source-title')?.innerText.startsWith('[' + n + ']')",
                           arg=number)
    page.wait_for_timeout(400)          # the reveal runs on the next animation frame


def assert_passage_readable(page) -> None:
    """At least the first lines of the highlight are on screen and inside the passage box."""
    mark = page.locator("#source-panel mark")
    visible_box(page, page.locator("#source-panel .source-title"))
    box = mark.bounding_box()
    text_box = page.locator("#source-panel .source-text").bounding_box()
    top = max(box["y"], text_box["y"], 0)
    bottom = min(box["y"] + box["height"], text_box["y"] + text_box["height"], page.viewport_size["height"])
    assert bottom - top >= min(box["height"], 60), (box, text_box, page.viewport_size)


@pytest.mark.parametrize("viewport,phone", SIZES)
def test_every_cited_passage_is_in_view_and_the_phone_sheet_reopens_every_time(browser, server, viewport, phone):
    context, page = open_page(browser, server, viewport, phone=phone)
    try:
        ask(page, MANY_SOURCES_QUESTION, "科技资源科普化工程")
        numbers = citation_numbers(page)
        assert len(numbers) >= 3, f"the answer needs three or more sources for this test: {numbers}"
        for number in [*numbers, numbers[0], numbers[0]]:     # the same [n] twice after closing, too
            open_citation(page, number, phone)
            assert_passage_readable(page)
            if phone:
                page.locator("#source-panel .source-close").tap()
                page.wait_for_function(
                    "() => document.querySelector('#source-panel').getBoundingClientRect().height === 0")
        if not phone:
            visible_box(page, page.locator("#question textarea"))
        screenshot(page, f"reading-sources-{viewport['width']}")
    finally:
        context.close()


@pytest.mark.parametrize("viewport,phone", SIZES)
def test_a_new_answer_is_read_from_its_first_line_and_no_label_covers_it(browser, server, viewport, phone):
    context, page = open_page(browser, server, viewport, phone=phone)
    try:
        ask(page, MANY_SOURCES_QUESTION, "科技资源科普化工程")
        ask(page, ELDERLY_QUESTION, "市民政局")
        page.wait_for_timeout(400)
        question = page.locator("#chatbot .message.user").last
        answer = latest_answer(page)
        chat = page.locator("#chatbot").bounding_box()
        first_line = answer.bounding_box()
        assert ELDERLY_QUESTION in question.inner_text()
        # The new question and the first line of its answer are inside the chat's visible area and on screen.
        assert chat["y"] - 1 <= question.bounding_box()["y"] and first_line["y"] + 24 <= chat["y"] + chat["height"]
        assert 0 <= first_line["y"] and first_line["y"] + 24 <= page.viewport_size["height"]
        # No label sits over any message.
        overlaps = page.evaluate("""() => {
            const labels = [...document.querySelectorAll('#chatbot label, #chatbot [data-testid="block-label"]')]
                .filter(el => el.offsetParent && el.innerText.trim());
            const messages = [...document.querySelectorAll('#chatbot .message')].map(m => m.getBoundingClientRect());
            return labels.filter(l => { const a = l.getBoundingClientRect();
                return messages.some(b => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom); })
              .map(l => l.innerText); }""")
        assert overlaps == []
        screenshot(page, f"reading-new-answer-{viewport['width']}")
    finally:
        context.close()


@pytest.fixture(scope="module")
def slow_llm_server(indexed_settings, tmp_path_factory):
    """A live server whose LLM (a real OpenAI-protocol stub on a socket) takes long to answer."""
    from tests.support.openai_stub import OpenAIStub

    log_path = tmp_path_factory.mktemp("slow-llm") / "server.log"
    with OpenAIStub(reply="郴州市老年人科学素质提升行动由市卫生健康委、市民政局牵头[1]。", delay=25) as stub, \
            live_server(Path(indexed_settings.home), log_path, llm_base_url=stub.url, llm_model="slow-stub",
                        llm_timeout_seconds="120") as url:
        yield type("Server", (), {"url": url})()


@pytest.mark.parametrize("viewport,phone", SIZES)
def test_a_pending_answer_can_be_stopped_and_a_question_typed_meanwhile_waits(browser, slow_llm_server, viewport,
                                                                              phone):
    from playwright.sync_api import expect

    context, page = open_page(browser, slow_llm_server, viewport, phone=phone)
    try:
        page.fill("#question textarea", ELDERLY_QUESTION)
        page.click("#send")
        stop = page.locator("#stop")
        expect(stop).to_be_visible(timeout=60_000)
        visible_box(page, stop)
        follow_up = "参加单位有哪些？"
        page.fill("#question textarea", follow_up)
        page.press("#question textarea", "Enter")
        note = page.locator("#queue-note")
        expect(note).to_contain_text("已排队")
        visible_box(page, note)
        assert page.input_value("#question textarea") == follow_up          # not erased
        screenshot(page, f"reading-queued-{viewport['width']}")

        stop.click()
        expect(page.locator("#chatbot")).to_contain_text("已停止", timeout=30_000)
        # The waiting question is asked next: it appears in the chat, and the box is free again.
        # (after a stop the server may still be finishing the cancelled answer: the question waits for it)
        expect(page.locator("#chatbot .message.user").last).to_contain_text(follow_up, timeout=180_000)
        expect(page.locator("#question textarea")).to_have_value("", timeout=30_000)
        expect(stop).to_be_visible(timeout=30_000)
        stop.click()
        expect(stop).to_be_hidden(timeout=30_000)
    finally:
        context.close()


def test_english_targets_tab_fits_a_laptop_screen(browser, server):
    """The side-by-side targets table in English: the indicator (key) column keeps a fixed width
    and wraps, so the figures of the jurisdictions are on screen at 1366 px (it was 1,214 px)."""
    context, page = open_page(browser, server, LAPTOP)
    try:
        page.get_by_label("English").check()
        page.wait_for_function("() => document.querySelector('#send').innerText.trim() === 'Ask'")
        page.get_by_role("tab", name="Targets").click()
        page.wait_for_function("() => document.querySelector('#targets-comparison')?.innerText.includes('Chenzhou')")
        page.wait_for_timeout(500)
        key = page.locator("#targets-comparison th").first
        assert key.bounding_box()["width"] <= 320, key.bounding_box()
        place = page.locator("#targets-comparison th", has_text="Chenzhou").first
        visible_box(page, place)
        first_row = page.locator("#targets-comparison .virtual-row").first
        cells = first_row.locator(".body-cell")
        assert cells.count() >= 4
        visible_box(page, cells.nth(3))                    # a jurisdiction's figure, without scrolling
        screenshot(page, "english-targets-1366")
    finally:
        context.close()
