"""Stored names are derived, never the user's bytes; feedback is bounded and encodable; one bad
file never stops the others (issue 20, item 8). Before: a 249-byte file name failed the whole
ingest with "File name too long"; a GBK-bytes name ended it with a traceback; a 30 MB comment was
stored; a lone surrogate in a comment raised UnicodeEncodeError."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.feedback import MAX_COMMENT_CHARS, feedback_entry, read_feedback, record_feedback
from assistant.index import open_index
from assistant.settings import Settings
from assistant.types import Answer
from ingest.pipeline import ingest
from tests.production.support import run_cli

PLAN = "{place}科普工作方案\n\n一、重点任务\n\n1.开展{place}科普活动，每年不少于{n}场。\n"
LONG_NAME = "湖南省某某市某某县" * 9 + "案.txt"          # 82 Chinese characters + .txt = 250 bytes
GBK_NAME = "郴州科普工作要点.txt".encode("gbk")


def test_long_and_non_utf8_names_are_indexed_under_safe_names_beside_the_good_files(tmp_path, embeddings):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    assert len(LONG_NAME.encode("utf-8")) >= 249
    (corpus / LONG_NAME).write_text(PLAN.format(place="长名县", n=11), encoding="utf-8")
    with open(os.path.join(os.fsencode(corpus), GBK_NAME), "w", encoding="utf-8") as handle:
        handle.write(PLAN.format(place="编码县", n=12))
    (corpus / "好文件.txt").write_text(PLAN.format(place="好县", n=13), encoding="utf-8")
    settings = Settings(home=tmp_path / "home")
    summary = ingest(settings, [corpus], progress=False, embeddings=embeddings)
    report = summary.describe()
    sources = set(open_index(settings, embedding_model=settings.embedding_model).documents)
    assert "好文件.txt" in sources and "郴州科普工作要点.txt" in sources and len(sources) == 3
    long_stored = next(s for s in sources if s.startswith("湖南省某某市"))
    assert len(long_stored.encode("utf-8")) <= 180 and long_stored.endswith(".txt")
    assert "indexed as 郴州科普工作要点.txt" in report and "GBK" in report
    assert f"indexed as {long_stored}" in report and "250 bytes" in report
    for path in settings.home.rglob("*"):          # every stored name is valid UTF-8 and fits
        path.name.encode("utf-8")
        assert len(path.name.encode("utf-8")) <= 255


def test_the_cli_names_the_renamed_file_without_a_traceback(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with open(os.path.join(os.fsencode(corpus), b"\xff\xfe" + GBK_NAME), "w", encoding="utf-8") as handle:
        handle.write(PLAN.format(place="乱码县", n=14))
    (corpus / "好文件.txt").write_text(PLAN.format(place="好县", n=13), encoding="utf-8")
    result = run_cli(["ingest", str(corpus)], tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "indexed as" in result.stdout


def an_answer() -> Answer:
    return Answer(question="谁牵头？", text="由县科协牵头 [1]", citations=[], retrieved=[], abstained=False)


def test_feedback_comments_are_bounded_and_cleaned(tmp_path):
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, feedback_entry(an_answer(), "down", "太长" * 15_000_000))     # 30 M characters
    record_feedback(path, feedback_entry(an_answer(), "down", "坏字符\ud800在此\x00\x1b[2J"))
    first, second = read_feedback(path)
    assert len(first["comment"]) == MAX_COMMENT_CHARS
    assert second["comment"] == "坏字符?在此[2J"
    assert path.stat().st_size < 50_000
    json.loads(path.read_text(encoding="utf-8").splitlines()[1])
