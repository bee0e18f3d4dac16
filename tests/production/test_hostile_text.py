"""Hostile text never becomes markup (issue 20, items 2 and 7).

* An LLM answer is rendered from a safe Markdown subset: no image, no raw HTML, links only to
  documents in the index (checked on the real OpenAI-protocol stub, rendered with markdown-it,
  the CommonMark renderer ``rich`` uses for the CLI).
* Text from a document — quoted in answers, in the CLI Markdown and in briefings — stays text.
* CSV cells that start with = + - @ tab or CR are neutralised (OWASP CSV injection).
"""
from __future__ import annotations

import csv
import io

import docx
import pytest
from markdown_it import MarkdownIt

from assistant.llm import stream_llm_answer
from assistant.markup import csv_safe_cell, escape_markdown, safe_llm_markdown
from assistant.present import answer_with_sources
from assistant.settings import Settings
from assistant.surfaces.export import briefing_docx, briefing_markdown, csv_text
from tests.support.openai_stub import OpenAIStub
from tests.test_llm import PASSAGES, extractive  # noqa: F401 — the fixture is used by name

ATTACKER = "attacker.example"
HOSTILE_REPLY = ("到2025年，全省公民具备科学素质的比例超过15%![图][x]，详见[通知](https://attacker.example/phish)"
                 "<img src=\"https://attacker.example/raw.png\" onerror=\"alert(document.domain)\">[1]。\n\n"
                 "[x]: https://attacker.example/pixel.png\n")


def rendered(markdown: str) -> str:
    # CommonMark with GFM tables; bare URLs, which GFM renderers auto-link, are checked to sit in code spans.
    return MarkdownIt("commonmark").enable("table").render(markdown)


def assert_inert(html: str) -> None:
    """Nothing in the HTML can fetch or link to the attacker: no image, no tag of theirs, no link."""
    assert "<img" not in html and "<script" not in html
    assert f'href="https://{ATTACKER}' not in html and f"src=\"https://{ATTACKER}" not in html


def test_an_llm_answer_keeps_its_text_and_loses_images_html_and_foreign_links(tmp_path, extractive):
    with OpenAIStub(reply=HOSTILE_REPLY) as stub:
        settings = Settings(home=tmp_path, llm_base_url=stub.url, llm_model="stub", llm_timeout_seconds=10)
        results = list(stream_llm_answer(settings, "全省公民科学素质的目标是多少？", PASSAGES, extractive))
    final = results[-1]
    assert final.mode == "llm", final.notice            # the answer itself passed: only the markup went
    assert "全省公民具备科学素质的比例超过15%" in final.text
    for answer in results:                              # the partials shown while streaming too
        assert_inert(rendered(answer.text))
        assert_inert(rendered(answer_with_sources(answer)))


@pytest.mark.parametrize("markup", [
    "![图](https://attacker.example/p.png)", "![图][x]\n\n[x]: https://attacker.example/p.png",
    "<img src=https://attacker.example/p.png>", "<a href='https://attacker.example'>点此</a>",
    "[官网](https://attacker.example/)", "<https://attacker.example/>", "https://attacker.example/x",
    "[1]: https://attacker.example/ 牵头[1]", "<script>fetch('https://attacker.example')</script>",
    "[点此](javascript:alert(1))",
])
def test_safe_subset_drops_every_way_out(markup):
    html = rendered(safe_llm_markdown(f"由县科协牵头[1]。{markup}", {"甲.txt", "doc-1"}))
    assert_inert(html)
    assert "javascript:" not in html.split("<code>")[0] or 'href="javascript' not in html


def test_links_to_indexed_documents_and_the_subset_survive():
    text = "**县科协**牵头[1][2]。\n\n- 详见[甲方案](甲.txt)\n\n> 引文"
    html = rendered(safe_llm_markdown(text, {"甲.txt"}))
    assert "<strong>县科协</strong>" in html and 'href="%E7%94%B2.txt"' in html and "<li>" in html
    assert "[1][2]" in html and "<blockquote>" in html


DOCUMENT_TEXT = "由县科协牵头![图](https://attacker.example/p.png)<img src=x onerror=alert(1)>[点此](https://attacker.example)*重要*"


def test_document_text_in_a_quote_renders_as_exactly_that_text():
    html = rendered(f"> {escape_markdown(DOCUMENT_TEXT)} [1]")
    assert_inert(html)
    assert "<em>" not in html and "<a " not in html
    from html import unescape
    import re
    assert DOCUMENT_TEXT in unescape(re.sub(r"<[^>]+>", "", html))       # every character shown


def hostile_answer(extractive_answer):
    from assistant.markup import escape_quotes
    from dataclasses import replace

    return replace(extractive_answer, text=escape_quotes(f"县科协负责 [1]。\n\n> {DOCUMENT_TEXT} [1]"))


def test_briefing_markdown_and_docx_show_document_text_as_text(tmp_path, extractive):
    answer = hostile_answer(extractive)
    assert_inert(rendered(briefing_markdown([answer])))
    path = briefing_docx([answer], tmp_path / "b.docx")
    shown = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert DOCUMENT_TEXT in shown                     # the characters, without the escaping backslashes


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"https://attacker.example\",\"点击\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\t=1", "\r=1"])
def test_csv_cells_never_start_a_formula(cell):
    text = csv_text(["牵头单位", "任务"], [[cell, "开展活动"]])
    (_, row) = list(csv.reader(io.StringIO(text)))
    assert row[0] == "'" + cell and row[1] == "开展活动"
    assert csv_safe_cell("县科协") == "县科协"


def test_a_bare_url_is_shown_as_code_never_auto_linked():
    safe = safe_llm_markdown("由县科协牵头[1]，见 https://attacker.example/x 与 www.attacker.example。", ())
    assert "`https://attacker.example/x`" in safe and "`www.attacker.example。`" not in safe
    assert "`www.attacker.example" in safe
