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
from tests.ui.test_upload import scanned_pdf
from tests.ui.test_browser import BROWSER_ARGS, CHROMIUM, LAPTOP, PHONE, ask, open_page, screenshot, visible_box

pytestmark = pytest.mark.slow

if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium", allow_module_level=True)

TASK_QUESTION = "举办示例区科学嘉年华由哪个单位牵头？"
CLI_TITLE = "示例县2030年科普进社区工作方案"


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


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(upload_server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(upload_server[0])
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def test_uploaded_docx_is_reported_and_answered_in_the_same_session(page, upload_server, tmp_path):
    from playwright.sync_api import expect

    path = write_upload(tmp_path / "示例区任务.docx")
    page.get_by_role("tab", name="文件").click()
    page.set_input_files("#upload-document input[type=file]", str(path))
    status = page.locator("#upload-status")
    # Nothing is indexed before the clerk confirms: the fields hold what ingest read, and can be corrected.
    expect(page.locator("#upload-fields").first).to_be_visible(timeout=180_000)
    expect(page.locator("#upload-title textarea, #upload-title input")).to_have_value("示例区科协2030年科普工作要点")
    page.fill("#upload-jurisdiction textarea, #upload-jurisdiction input", "石梁县")
    page.click("#upload-confirm-button")
    expect(status).to_contain_text("已收录《示例区科协2030年科普工作要点》", timeout=180_000)
    expect(status).to_contain_text("2 条责任分工")
    expect(status).to_contain_text("地区：石梁县")
    assert "chars" not in status.inner_text() and "warnings" not in status.inner_text()
    visible_box(page, status)
    page.locator("#ingest-report-accordion").get_by_text("导入报告").click()   # the details, folded
    report = page.locator("#ingest-report")
    expect(report).to_contain_text("示例区任务.docx")
    expect(page.locator("#documents-table")).to_contain_text("示例区科协2030年科普工作要点")
    expect(page.locator("#documents-table")).to_contain_text("石梁县")
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


@pytest.mark.parametrize("language,spreadsheet,scan", [("中文", "请另存为 Word（.docx）", "扫描件"),
                                                       ("English", "Save it as Word (.docx)", "Run OCR")])
def test_an_unsupported_file_and_an_unreadable_scan_are_told_what_to_do_in_the_users_language(page, tmp_path, language, spreadsheet,
                                                                             scan):
    from playwright.sync_api import expect

    if language == "English":
        page.get_by_label("English").check()
        page.wait_for_function("() => document.querySelector('#send').innerText.trim() === 'Ask'")
    page.get_by_role("tab", name="Documents" if language == "English" else "文件").click()
    sheet = tmp_path / "汇报.pptx"
    sheet.write_bytes(b"PK\x03\x04 a slide deck, not a policy document")
    page.set_input_files("#upload-document input[type=file]", str(sheet))
    status = page.locator("#upload-status")
    expect(status).to_contain_text(spreadsheet, timeout=120_000)
    visible_box(page, status)
    page.set_input_files("#upload-document input[type=file]", str(scanned_pdf(tmp_path / "扫描.pdf")))
    expect(status).to_contain_text(scan, timeout=120_000)
    expect(page.locator("#upload-fields").first).to_be_hidden()
    screenshot(page, f"upload-refused-{language}")


def test_a_second_session_lists_and_deletes_what_the_cli_added(upload_server, tmp_path, browser):
    """Issue 20 item 9: a page opened before a CLI ingest lists the new document in every list
    and can delete it, without a reload."""
    import os
    import subprocess
    import sys

    from playwright.sync_api import expect

    url, home = upload_server
    context, page = open_page(browser, type("S", (), {"url": url})(), LAPTOP)
    try:
        path = tmp_path / "命令行添加.txt"
        path.write_text(f"{CLI_TITLE}\n\n一、重点任务\n\n1.开展示例县科普进社区活动。（示例县科协牵头，示例县民政局配合）\n",
                        encoding="utf-8")
        env = {**os.environ, "POLICY_ASSISTANT_HOME": str(home)}
        done = subprocess.run([str(Path(sys.executable).with_name("policy-assistant")), "ingest", str(path)],
                              env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        page.get_by_role("tab", name="文件").click()
        expect(page.locator("#documents-table")).to_contain_text(CLI_TITLE, timeout=60_000)
        page.locator("#delete-document input").click()
        page.get_by_role("option", name=CLI_TITLE).first.click()
        page.click("#delete-button")
        expect(page.locator("#upload-status")).to_contain_text("已删除", timeout=120_000)
        from assistant.index import open_index
        from assistant.settings import Settings
        assert "命令行添加.txt" not in open_index(Settings(home=home)).documents
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [LAPTOP], ids=["laptop"])
def test_topic_briefing_downloads_a_valid_file(upload_server, browser, tmp_path, viewport):
    """On a topic with comparable figures (the citizens' science-literacy targets) the DOCX opens
    and carries the chart. (On a phone the fifth tab sits in Gradio's tab overflow menu.)"""
    from assistant.surfaces.ui.briefing import briefing_library

    if briefing_library() is None:
        pytest.skip("the briefing library (assistant.briefing.build_briefing, export.briefing_to_*) is not in "
                    "this build yet; the tab says so instead")
    import zipfile

    from playwright.sync_api import expect

    context, page = open_page(browser, type("S", (), {"url": upload_server[0]})(), viewport,
                              phone=viewport is PHONE)
    try:
        page.get_by_role("tab", name="专题简报").click()
        page.fill("#briefing-topic textarea, #briefing-topic input", "公民具备科学素质的比例")
        page.click("#briefing-make")
        download_button = page.locator("#briefing-download")
        expect(download_button).to_be_visible(timeout=300_000)
        visible_box(page, download_button)
        with page.expect_download() as download:
            download_button.click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        assert path.suffix == ".docx" and zipfile.is_zipfile(path)
        import docx

        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        assert "科学素质" in text
        assert any(name.startswith("word/media/") for name in zipfile.ZipFile(path).namelist()), "the chart"
        screenshot(page, f"briefing-{viewport['width']}")
    finally:
        context.close()
