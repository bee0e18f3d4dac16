"""The CLI's exit codes are one convention for every command (documented in --help), and
``--doc`` accepts what its own error message lists: a file name, a document id or a title (issue 18)."""
from __future__ import annotations

import json

import pytest

from tests.production.support import TINY_QUESTION, run_cli

pytestmark = pytest.mark.slow


def test_help_documents_the_exit_codes(tmp_path):
    result = run_cli(["--help"], tmp_path / "home")
    assert result.returncode == 0
    assert "exit codes:" in result.stdout
    assert "2  usage error" in result.stdout and "1  the command ran but failed" in result.stdout


def test_remove_of_an_unknown_file_is_a_usage_error(tiny_home_copy):
    result = run_cli(["remove", "没有这个文件.txt"], tiny_home_copy)
    assert result.returncode == 2, result.stderr
    assert "没有这个文件.txt" in result.stderr and "甲市科普实施方案.txt" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_doc_is_a_usage_error(tiny_home_copy):
    result = run_cli(["ask", TINY_QUESTION, "--doc", "nosuch"], tiny_home_copy)
    assert result.returncode == 2 and result.stdout == ""


@pytest.mark.parametrize("doc", ["甲市科普实施方案.txt", "甲市科学技术普及工作实施方案", "《甲市科学技术普及工作实施方案》"])
def test_doc_accepts_a_file_name_or_a_title(tiny_home_copy, doc):
    result = run_cli(["ask", TINY_QUESTION, "--json", "--doc", doc], tiny_home_copy)
    assert result.returncode == 0, result.stderr
    sources = {c["source"] for c in json.loads(result.stdout)["citations"]}
    assert sources == {"甲市科普实施方案.txt"}


def test_doc_accepts_the_id_the_error_message_lists(tiny_home_copy):
    listing = run_cli(["ask", TINY_QUESTION, "--doc", "nosuch"], tiny_home_copy).stderr
    line = next(line for line in listing.splitlines() if "乙县科普工作要点.txt" in line)
    doc_id = line.split("(")[1].split(")")[0]
    result = run_cli(["ask", "乙县科普阵地建设由哪个单位牵头？", "--json", "--doc", doc_id], tiny_home_copy)
    assert result.returncode == 0, result.stderr
    assert {c["source"] for c in json.loads(result.stdout)["citations"]} == {"乙县科普工作要点.txt"}
