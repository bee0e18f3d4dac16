"""No request leaves the page for a URL the LLM wrote (issue 20, item 2), in Debian chromium
against a live `policy-assistant serve` whose LLM is the OpenAI-protocol stub on a socket.

The stub answers with a supported sentence that carries a Markdown image, a reference-style
image, a raw <img>, a link and a bare URL, all to attacker.example. The page is driven like a
user (type, send, wait for the answer); every request the browser makes is recorded, and any to
attacker.example is aborted and counted. The test is written against the running page only
(question box, send button, chat), not the UI's Python."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.live_server import live_server
from tests.support.openai_stub import OpenAIStub

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
QUESTION = "郴州市老年人科学素质提升行动由哪些单位牵头？"
LINK_TEXT = "详见通知"
REPLY = ("老年人科学素质提升行动由市卫生健康委、市民政局牵头![图](https://attacker.example/pixel.png)，"
         f"[{LINK_TEXT}](https://attacker.example/phish)<img src=\"https://attacker.example/raw.png\">"
         "![x][r] https://attacker.example/bare [1][2][3][4][5]。\n\n[r]: https://attacker.example/ref.png\n")

if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium", allow_module_level=True)


def test_no_request_leaves_the_page_for_an_llm_supplied_url(indexed_settings, tmp_path):
    from playwright.sync_api import sync_playwright

    with OpenAIStub(reply=REPLY) as stub, \
            live_server(Path(indexed_settings.home), tmp_path / "server.log", llm_base_url=stub.url,
                        llm_model="stub", llm_timeout_seconds="60") as url, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
        requested, blocked = [], []
        page.on("request", lambda request: requested.append(request.url))
        page.route("**/*attacker.example*/**", lambda route: (blocked.append(route.request.url), route.abort()))
        page.route("https://attacker.example/**", lambda route: (blocked.append(route.request.url), route.abort()))
        page.goto(url)
        page.wait_for_selector("#question textarea")
        page.fill("#question textarea", QUESTION)
        page.click("#send")
        # the LLM's own words (its link text) are shown: the answer was the LLM's, not the fallback
        page.wait_for_function("t => document.querySelector('#chatbot').innerText.includes(t)", arg=LINK_TEXT,
                               timeout=120_000)
        page.wait_for_timeout(1500)     # time for any image in the answer to be fetched
        chat = page.locator("#chatbot")
        images = chat.locator("img").evaluate_all("els => els.map(e => e.src)")
        links = chat.locator("a").evaluate_all("els => els.map(e => e.href)")
        answered = chat.inner_text()
        browser.close()
        assert stub.requests, "the LLM stub was never asked"
    assert "市卫生健康委" in answered
    assert not [u for u in requested if "attacker.example" in u], requested
    assert not blocked
    assert not [src for src in images if "attacker.example" in src]
    assert not [href for href in links if "attacker.example" in href]
