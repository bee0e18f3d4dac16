"""Upload a document in a real browser and ask about it in the same session.

A live ``policy-assistant serve`` over a copy of the session's corpus index (so the other
browser tests keep their corpus), driven by Debian chromium. The uploaded .docx is
synthetic (示例区) and carries a task table with 牵头单位 / 配合单位 columns.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.live_server import live_server
from tests.ui.test_browser import BROWSER_ARGS, CHROMIUM, ask, screenshot

pytestmark = pytest.mark.slow

if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium", allow_module_level=True)

TASK_QUESTION = "举办示例区科学嘉年华由哪个单位牵头？"


def write_upload(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("示例区科协2030年科普工作要点")
    document.add_paragraph("一、重点任务")
    document.add_paragraph("重点任务分工表")
    rows = [("序号", "重点任务", "牵头单位", "配合单位"),
            ("1", "举办示例区科学嘉年华", "示例区科协", "区教育局、区文旅局"),
            ("2", "建设示例区社区科普站", "区民政局", "各街道办事处")]
    table = document.add_table(rows=len(rows), cols=4)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.save(path)
    return path


@pytest.fixture(scope="module")
def upload_server(indexed_settings, tmp_path_factory):
    home = tmp_path_factory.mktemp("upload-home")
    shutil.copytree(indexed_settings.index_dir, home / "index")
    log_path = home / "server.log"
    with live_server(home, log_path) as url:
        yield url, home


@pytest.fixture()
def page(upload_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(upload_server[0])
        page.wait_for_selector("#question textarea")
        yield page
        browser.close()


def test_uploaded_docx_is_reported_and_answered_in_the_same_session(page, upload_server, tmp_path):
    from playwright.sync_api import expect

    path = write_upload(tmp_path / "示例区任务.docx")
    page.get_by_role("tab", name="文件").click()
    page.set_input_files("#upload-document input[type=file]", str(path))
    status = page.locator("#upload-status")
    expect(status).to_contain_text("已导入", timeout=180_000)
    expect(status).to_contain_text("2 records")
    expect(status).to_be_in_viewport()
    report = page.locator("#ingest-report")
    expect(report).to_contain_text("示例区任务.docx")
    expect(page.locator("#documents-table")).to_contain_text("示例区科协2030年科普工作要点")
    assert (upload_server[1] / "uploads" / "示例区任务.docx").exists()
    screenshot(page, "upload-report")

    page.get_by_role("tab", name="对话").click()
    ask(page, TASK_QUESTION, "示例区科协")
    chat = page.locator("#chatbot")
    expect(chat).to_contain_text("示例区科协")
    # the answer cites the uploaded table row: its source opens on the document's title and the row
    page.locator("#chatbot a[href*='#cite-']").last.scroll_into_view_if_needed()
    for link in page.locator("#chatbot a[href*='#cite-']").all():
        link.click()
        page.wait_for_selector("#source-panel mark")
        if "示例区科协2030年科普工作要点" in page.inner_text("#source-panel"):
            break
    panel = page.locator("#source-panel")
    expect(panel).to_contain_text("示例区科协2030年科普工作要点")
    expect(panel.locator("mark")).to_contain_text("牵头单位：示例区科协")
    expect(panel.locator("mark")).to_be_in_viewport()
    screenshot(page, "upload-answer")
