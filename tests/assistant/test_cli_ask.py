"""`policy-assistant ask` in a terminal: plain text by default, Markdown on request, unknown documents refused."""
from __future__ import annotations

import os
import subprocess
import sys

QUESTION = "郴州市老年人科学素质提升行动由哪些单位牵头？"


def ask(indexed_settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "POLICY_ASSISTANT_HOME": str(indexed_settings.home), "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "assistant.surfaces.cli", "ask", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_ask_prints_plain_text_with_the_sources_listed(indexed_settings):
    result = ask(indexed_settings, QUESTION)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "市卫生健康委" in out and "市民政局" in out
    assert "**" not in out and "\n> " not in out and not out.startswith(">")      # no Markdown syntax left
    assert "\x1b[" not in out                                                        # no terminal escape codes
    sources = out.split("来源 / Sources:")[1]
    assert "[1] 郴州市全民科学素质行动规划纲要实施方案" in sources and "郴政办发〔2022〕1号" in sources


def test_ask_markdown_keeps_the_markdown(indexed_settings):
    result = ask(indexed_settings, "--markdown", QUESTION)
    assert result.returncode == 0, result.stderr
    assert "**" in result.stdout or "\n> " in result.stdout


def test_unknown_doc_is_an_error_listing_the_documents(indexed_settings):
    result = ask(indexed_settings, "--doc", "nosuch.txt", QUESTION)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "nosuch.txt" in result.stderr and "Traceback" not in result.stderr
    assert "郴州市全民科学素质行动规划纲要实施方案" in result.stderr and "中方县" in result.stderr
