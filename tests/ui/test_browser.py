"""The chat UI in a real browser: a live ``policy-assistant serve`` driven by Debian chromium.

The server runs in a subprocess over the session's prebuilt index (``indexed_settings``),
on a free port. Screenshots go to test-output/screenshots/; with UPDATE_DOCS_SCREENSHOT=1
the answered-question screenshot is also written to docs/screenshot-answer.png.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.support.live_server import live_server

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
ELDERLY_QUESTION = "郴州市老年人科学素质提升行动由哪些单位牵头？"
ELDERLY_DUTY = "责任分工：由市卫生健康委、市民政局牵头"
ANSWER_TIMEOUT_MS = 90_000

if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def server(indexed_settings, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("ui-server") / "server.log"
    with live_server(Path(indexed_settings.home), log_path) as url:
        yield SimpleServer(url, Path(indexed_settings.home), log_path)


class SimpleServer:
    def __init__(self, url: str, home: Path, log_path: Path) -> None:
        self.url, self.home, self.log_path = url, home, log_path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(server.url)
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def ask(page, question: str, expect: str) -> None:
    page.fill("#question textarea", question)
    page.click("#send")
    wait_for_chat_text(page, expect)


def wait_for_chat_text(page, text: str) -> None:
    page.wait_for_function("text => document.querySelector('#chatbot').innerText.includes(text)", arg=text,
                           timeout=ANSWER_TIMEOUT_MS)


def click_citation(page, number: int) -> str:
    page.locator(f"#chatbot a[href$='-{number}']").last.click()
    page.wait_for_selector("#source-panel mark")
    page.wait_for_function("n => document.querySelector('#source-panel .source-title')?.innerText.startsWith('[' + n + ']')",
                           arg=number)
    return page.inner_text("#source-panel")


# ------------------------------------------------------------------ tests

def test_answer_names_the_lead_agencies_and_citations_open_the_source_panel(page):
    ask(page, ELDERLY_QUESTION, "市民政局")
    chat = page.inner_text("#chatbot")
    assert "市卫生健康委" in chat and "市民政局" in chat
    assert "离线抽取 / Offline extractive" in page.inner_text("body")

    panel = click_citation(page, 1)
    assert "郴州市全民科学素质行动规划纲要实施方案" in panel
    assert "郴政办发〔2022〕1号" in panel and "郴州市" in panel
    assert "老年人科学素质提升行动" in panel

    # Some [n] of this answer cites the 责任分工 passage itself: its panel highlights it.
    numbers = sorted({int(href.rsplit("-", 1)[1]) for href in
                      page.eval_on_selector_all("#chatbot a[href*='#cite-']", "links => links.map(a => a.getAttribute('href'))")})
    highlighted = []
    for number in numbers:
        click_citation(page, number)
        highlighted.append(page.inner_text("#source-panel mark"))
        if ELDERLY_DUTY in highlighted[-1]:
            break
    assert any(ELDERLY_DUTY in mark for mark in highlighted), highlighted
    assert page.locator("#source-panel mark").count() == 1
    path = screenshot(page, "answer-with-source")
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):
        (PROJECT_ROOT / "docs" / "screenshot-answer.png").write_bytes(path.read_bytes())

    page.click("#passages-accordion button, #passages-accordion .label-wrap")
    page.wait_for_selector("#passages .passage")
    assert "fused" in page.inner_text("#passages")


def test_source_radio_opens_a_citation_too(page):
    ask(page, "中方县的重点工程有哪些？", "科技资源科普化工程")
    page.locator("#sources label").first.click()
    page.wait_for_selector("#source-panel mark")
    assert "中方县" in page.inner_text("#source-panel")


def test_export_briefing_downloads_docx_and_markdown_with_the_answer(page, tmp_path):
    import docx

    ask(page, ELDERLY_QUESTION, "市民政局")
    page.click("#export")
    page.wait_for_selector("#download-docx", state="visible")
    with page.expect_download() as docx_download:
        page.click("#download-docx")
    docx_path = tmp_path / docx_download.value.suggested_filename
    docx_download.value.save_as(docx_path)
    with page.expect_download() as markdown_download:
        page.click("#download-markdown")
    markdown_path = tmp_path / markdown_download.value.suggested_filename
    markdown_download.value.save_as(markdown_path)

    document = docx.Document(str(docx_path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert ELDERLY_QUESTION in text
    assert "市卫生健康委、市民政局" in text
    assert "注释 / Notes" in text and "郴政办发〔2022〕1号" in text
    markdown = markdown_path.read_text(encoding="utf-8")
    assert ELDERLY_QUESTION in markdown and "[^1]:" in markdown
    screenshot(page, "export")


def test_thumbs_down_with_comment_is_stored_in_the_home_feedback_file(page, server):
    from assistant.feedback import read_feedback

    comment = f"缺少参加单位 {time.time_ns()}"
    ask(page, ELDERLY_QUESTION, "市民政局")
    page.fill("#feedback-comment textarea", comment)
    page.click("#thumbs-down")
    page.wait_for_function("() => document.querySelector('#feedback-status').innerText.includes('已记录')")
    stored = [e for e in read_feedback(server.home / "feedback.jsonl") if e["comment"] == comment]
    assert len(stored) == 1
    assert stored[0]["rating"] == "down"
    assert stored[0]["question"] == ELDERLY_QUESTION
    assert "市民政局" in stored[0]["answer"] and stored[0]["citations"]
    assert stored[0]["mode"] == "extractive" and stored[0]["time"]
    screenshot(page, "feedback")


def test_english_toggle_switches_the_labels(page):
    assert page.inner_text("#send") == "提问"
    page.get_by_label("English").check()
    page.wait_for_function("() => document.querySelector('#send').innerText.trim() === 'Ask'")
    body = page.inner_text("body")
    for label in ("Export briefing", "Clear conversation", "Filters", "Responsibilities", "Targets",
                  "Example questions"):
        assert label in body, label
    screenshot(page, "english")
    page.get_by_label("中文").check()
    page.wait_for_function("() => document.querySelector('#send').innerText.trim() === '提问'")


def test_two_browser_sessions_never_share_a_conversation(browser, server):
    first = browser.new_context(viewport={"width": 1400, "height": 1000})
    second = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page_a, page_b = first.new_page(), second.new_page()
        for page in (page_a, page_b):
            page.goto(server.url)
            page.wait_for_selector("#question textarea")
        ask(page_a, ELDERLY_QUESTION, "市民政局")
        assert "老年人" not in page_b.inner_text("#chatbot")
        ask(page_b, "中方县的重点工程有哪些？", "科技资源科普化工程")
        assert "中方县的重点工程" not in page_a.inner_text("#chatbot")
        assert ELDERLY_QUESTION not in page_b.inner_text("#chatbot")
        page_b.click("#clear")
        page_b.wait_for_function("() => !document.querySelector('#chatbot').innerText.includes('中方县')")
        assert ELDERLY_QUESTION in page_a.inner_text("#chatbot")
    finally:
        first.close()
        second.close()


def test_html_in_a_question_is_shown_as_text_not_run(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    ask(page, "<img src=x onerror=alert(1)>中方县的重点工程有哪些？", "科技资源科普化工程")
    assert "<img src=x onerror=alert(1)>" in page.inner_text("#chatbot")
    assert page.locator("#chatbot img[src='x']").count() == 0
    assert dialogs == []


def test_responsibility_table_filters_and_downloads_a_csv_with_bom(page, tmp_path):
    page.get_by_role("tab", name="责任分工").click()
    page.wait_for_function("() => document.querySelector('#records-table').innerText.includes('中方县')")
    page.fill("#records-agency textarea, #records-agency input", "市民政局")
    page.wait_for_function("() => document.querySelector('#records-table').innerText.includes('老年人科学素质提升行动')")
    page.wait_for_function("() => !document.querySelector('#records-table').innerText.includes('中方县')")
    with page.expect_download() as download:
        page.click("#records-csv")
    path = tmp_path / "records.csv"
    download.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "市民政局" in text and "老年人科学素质提升行动" in text
    screenshot(page, "responsibilities")


def test_targets_and_documents_tabs(page):
    page.get_by_role("tab", name="目标指标").click()
    page.wait_for_selector("#targets-comparison")
    comparison = page.inner_text("#targets-comparison")
    assert "公民具备科学素质的比例" in comparison and "郴州市" in comparison and "中方县" in comparison
    screenshot(page, "targets")
    page.get_by_role("tab", name="文件").click()
    page.wait_for_function("() => document.querySelector('#documents-table')?.innerText.includes('郴政办发〔2022〕1号')")
    documents = page.inner_text("#documents-table")
    assert "湖南省“十四五”科学技术普及发展规划" in documents and "中方县" in documents
    screenshot(page, "documents")


# ------------------------------------------------------------------ screens officials use: visibility, not presence

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def open_page(browser, server, viewport: dict, phone: bool = False):
    context = browser.new_context(viewport=viewport, accept_downloads=True, locale="zh-CN", is_mobile=phone,
                                  has_touch=phone, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(server.url)
    page.wait_for_selector("#question textarea")
    return context, page


def visible_box(page, locator) -> dict:
    """The element's box; asserts it lies in the viewport and is what the user sees at its centre
    (not hidden under another element, not scrolled away inside a box)."""
    box = locator.bounding_box()
    assert box is not None, "the element is not rendered"
    viewport = page.viewport_size
    assert box["x"] >= -1 and box["x"] + box["width"] <= viewport["width"] + 1, (box, viewport)
    assert box["y"] >= -1 and box["y"] + box["height"] <= viewport["height"] + 1, (box, viewport)
    on_top = locator.evaluate("(el, p) => { const top = document.elementFromPoint(p.x, p.y);"
                              " return !!top && (el === top || el.contains(top) || top.contains(el)); }",
                              {"x": box["x"] + box["width"] / 2, "y": box["y"] + min(box["height"] / 2, 10)})
    assert on_top, f"something covers the element at {box}"
    return box


def shown_part(page, locator) -> float:
    """How many pixels of the element's height are inside the viewport."""
    box = locator.bounding_box()
    assert box is not None
    return max(0.0, min(box["y"] + box["height"], page.viewport_size["height"]) - max(box["y"], 0.0))


def latest_answer(page):
    return page.locator("#chatbot .message.bot").last


def scroll_table_right(page, table: str) -> None:
    page.eval_on_selector(f"{table} .virtual-table-viewport", "el => { el.scrollLeft = el.scrollWidth; }")
    page.wait_for_timeout(300)


def header_cell(page, table: str, text: str):
    return page.locator(f"{table} th", has_text=text).first


def test_laptop_first_screen_holds_the_question_box_and_the_latest_answer(browser, server):
    context, page = open_page(browser, server, LAPTOP)
    try:
        visible_box(page, page.locator("#question textarea"))
        visible_box(page, page.locator("#send"))
        ask(page, ELDERLY_QUESTION, "市民政局")
        visible_box(page, page.locator("#question textarea"))
        answer = latest_answer(page)
        assert "市民政局" in answer.inner_text()
        assert shown_part(page, answer) >= min(answer.bounding_box()["height"], 200)
        assert page.evaluate("() => window.scrollY") == 0          # nothing needed scrolling
        screenshot(page, "laptop-answer")
    finally:
        context.close()


def test_laptop_citation_brings_the_highlighted_passage_into_view(browser, server):
    context, page = open_page(browser, server, LAPTOP)
    try:
        ask(page, ELDERLY_QUESTION, "市民政局")
        numbers = sorted({int(href.rsplit("-", 1)[1]) for href in page.eval_on_selector_all(
            "#chatbot a[href*='#cite-']", "links => links.map(a => a.getAttribute('href'))")})
        assert numbers
        for number in numbers:
            click_citation(page, number)
            page.wait_for_timeout(300)          # the reveal runs on the next animation frame
            mark = page.locator("#source-panel mark")
            box = visible_box(page, mark)
            scroller = page.locator("#source-panel .source-text").bounding_box()
            # Inside the passage box's visible area, not below its scroll edge.
            assert scroller["y"] - 1 <= box["y"] < scroller["y"] + scroller["height"], (box, scroller)
        visible_box(page, page.locator("#question textarea"))
        screenshot(page, "laptop-citation")
    finally:
        context.close()


def test_laptop_wide_tables_scroll_sideways_and_keep_the_key_column(browser, server):
    context, page = open_page(browser, server, LAPTOP)
    try:
        page.get_by_role("tab", name="责任分工").click()
        page.wait_for_function("() => document.querySelector('#records-table').innerText.includes('中方县')")
        scroll_table_right(page, "#records-table")
        visible_box(page, header_cell(page, "#records-table", "参加单位"))
        visible_box(page, header_cell(page, "#records-table", "文件 / Document"))       # pinned
        first_cell = page.locator("#records-table .virtual-row .body-cell").first
        visible_box(page, first_cell)
        assert "实施方案" in first_cell.inner_text() or "规划" in first_cell.inner_text()
        screenshot(page, "laptop-records-scrolled")

        page.get_by_role("tab", name="文件").click()
        page.wait_for_function("() => document.querySelector('#documents-table')?.innerText.includes('征求意见稿')")
        scroll_table_right(page, "#documents-table")
        visible_box(page, header_cell(page, "#documents-table", "状态 / Status"))
        visible_box(page, page.locator("#documents-table .body-cell", has_text="征求意见稿").first)
        visible_box(page, header_cell(page, "#documents-table", "标题 / Title"))
        screenshot(page, "laptop-documents-scrolled")
    finally:
        context.close()


def test_phone_question_box_on_first_screen_and_source_opens_where_the_user_is(browser, server):
    context, page = open_page(browser, server, PHONE, phone=True)
    try:
        visible_box(page, page.locator("#question textarea"))
        ask(page, ELDERLY_QUESTION, "市民政局")
        visible_box(page, page.locator("#question textarea"))
        assert shown_part(page, latest_answer(page)) >= 200
        scroll_before = page.evaluate("() => window.scrollY")
        page.locator("#chatbot a[href$='-1']").last.tap()
        page.wait_for_selector("#source-panel mark")
        page.wait_for_timeout(300)
        visible_box(page, page.locator("#source-panel mark"))
        visible_box(page, page.locator("#source-panel .source-title"))
        assert page.evaluate("() => window.scrollY") == scroll_before       # opened here, not 2,000 px down
        screenshot(page, "phone-source")
        page.locator("#source-panel .source-close").tap()
        page.wait_for_function("() => document.querySelector('#source-panel').getBoundingClientRect().height === 0")
        visible_box(page, page.locator("#question textarea"))
    finally:
        context.close()


def test_phone_records_table_scrolls_to_the_agencies(browser, server):
    context, page = open_page(browser, server, PHONE, phone=True)
    try:
        page.get_by_role("tab", name="责任分工").click()
        page.wait_for_function("() => document.querySelector('#records-table').innerText.includes('中方县')")
        page.locator("#records-table").scroll_into_view_if_needed()
        lead = header_cell(page, "#records-table", "牵头单位")
        lead.evaluate("el => el.scrollIntoView({inline: 'end', block: 'nearest'})")
        page.wait_for_timeout(300)
        visible_box(page, lead)
        row = page.locator("#records-table .virtual-row").first
        assert "、" in row.inner_text()                       # the agencies, not only the document column
        screenshot(page, "phone-records")
        # On a phone the whole row scrolls (a pinned 260-px column would leave no room): back to the start.
        scroll_table_left = "el => { el.scrollLeft = 0; }"
        page.eval_on_selector("#records-table .virtual-table-viewport", scroll_table_left)
        page.wait_for_timeout(300)
        visible_box(page, header_cell(page, "#records-table", "文件 / Document"))
    finally:
        context.close()


def test_english_question_turns_tables_tabs_and_names_english(browser, server):
    context, page = open_page(browser, server, LAPTOP)
    try:
        ask(page, "Which agencies lead the elderly action in Chenzhou?", "[1]")
        page.wait_for_function("() => document.querySelector('#send').innerText.trim() === 'Ask'")
        for tab in ("Responsibilities", "Targets", "Documents"):
            # The labels switch right after the answer; a busy machine may take a moment.
            page.get_by_role("tab", name=tab).wait_for(state="visible", timeout=60_000)
        page.get_by_role("tab", name="Documents").click()
        page.wait_for_function("() => document.querySelector('#documents-table').innerText.includes('Draft for comments')")
        documents = page.inner_text("#documents-table")
        assert "Status" in documents and "状态" not in documents
        assert "Chenzhou" in documents and "Zhongfang" in documents
        assert "郴政办发〔2022〕1号" in documents                      # a 文号 stays as issued
        page.get_by_role("tab", name="Responsibilities").click()
        page.wait_for_function("() => document.querySelector('#records-table').innerText.includes('Lead agencies')")
        assert "牵头单位" not in page.inner_text("#records-table thead")
        screenshot(page, "english-tables")
    finally:
        context.close()


def test_second_rating_replaces_the_first(page, server):
    from assistant.feedback import read_feedback

    comment = f"改主意了 {time.time_ns()}"
    ask(page, ELDERLY_QUESTION, "市民政局")
    page.click("#thumbs-up")
    page.wait_for_function("() => document.querySelector('#feedback-status').innerText.includes('已记录')")
    page.fill("#feedback-comment textarea", comment)
    page.click("#thumbs-down")
    page.wait_for_function("() => document.querySelector('#feedback-comment textarea').value === ''")
    stored = [e for e in read_feedback(server.home / "feedback.jsonl") if e["comment"] == comment]
    assert len(stored) == 1 and stored[0]["rating"] == "down"
    same_answer = [e for e in read_feedback(server.home / "feedback.jsonl") if e["answer_id"] == stored[0]["answer_id"]]
    assert len(same_answer) == 1


def test_targets_and_documents_tabs_download_csv(page, tmp_path):
    page.get_by_role("tab", name="目标指标").click()
    page.wait_for_selector("#targets-csv")
    with page.expect_download() as download:
        page.click("#targets-csv")
    targets = tmp_path / "targets.csv"
    download.value.save_as(targets)
    text = targets.read_bytes().decode("utf-8-sig")
    assert "公民具备科学素质的比例" in text and "郴州市" in text
    page.get_by_role("tab", name="文件").click()
    with page.expect_download() as download:
        page.click("#documents-csv")
    documents = tmp_path / "documents.csv"
    download.value.save_as(documents)
    assert "征求意见稿" in documents.read_bytes().decode("utf-8-sig")


INVENTED = "市公安局"


def test_an_llm_answer_that_invents_an_agency_is_never_shown(browser, indexed_settings, tmp_path):
    """A real OpenAI-protocol stub on a socket streams "由市教育局、市公安局牵头[1]": the page never
    shows that text — not even while streaming — and shows the offline answer with the reason."""
    from tests.support.openai_stub import OpenAIStub

    reply = f"郴州市老年人科学素质提升行动由市教育局、{INVENTED}牵头[1]。"
    with OpenAIStub(reply=reply, chunk_chars=2) as stub, \
            live_server(Path(indexed_settings.home), tmp_path / "server.log", llm_base_url=stub.url,
                        llm_model="stub-model") as url:
        context = browser.new_context(viewport=LAPTOP)
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(url)
            page.wait_for_selector("#question textarea")
            # Record every text the chat ever shows, from before the question is sent.
            page.evaluate("""() => { window.shownTexts = [];
                const chat = document.querySelector('#chatbot');
                new MutationObserver(() => window.shownTexts.push(chat.innerText))
                    .observe(chat, {childList: true, subtree: true, characterData: true}); }""")
            ask(page, ELDERLY_QUESTION, "LLM 回答未通过引用核查")
            assert INVENTED in "".join(stub.streamed)                    # the stub did send it
            shown = page.evaluate("() => window.shownTexts")
            assert shown and not any(f"{INVENTED}牵头" in text for text in shown)     # the sentence, never
            before_reason = [text for text in shown if "未通过引用核查" not in text]
            assert before_reason and not any(INVENTED in text for text in before_reason)
            chat = page.inner_text("#chatbot")
            assert "市卫生健康委" in chat and "市民政局" in chat              # the offline answer
            assert INVENTED in chat.split("LLM 回答未通过引用核查")[1]        # …named only in the reason
            screenshot(page, "llm-rejected")
        finally:
            context.close()
