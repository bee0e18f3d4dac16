"""Input limits that bound cost: linear-time chunking, small configurable limits, and every
skipped file reported — also when nothing is left to index."""
from __future__ import annotations

import os
import time

import pytest

from assistant.settings import Settings
from ingest.chunk import chunk_document
from ingest.clean import clean_text
from ingest.load import LoadLimits, load_paths
from ingest.metadata import extract_info
from ingest.pipeline import IngestError, ingest
from ingest.structure import parse_sections
from tests.production.support import run_cli

# A short run-in heading then a sentence: the shape that made span-splitting quadratic.
PARAGRAPH = "坚持需求导向。开展科普活动，提升公民科学素质水平，推动高质量发展。\n\n"


def _chunking_seconds(paragraphs: int) -> float:
    cleaned = clean_text("某市科普工作方案\n\n一、总体要求\n\n" + PARAGRAPH * paragraphs)
    info = extract_info("big.txt", cleaned.text, cleaned.header_fields)
    root = parse_sections(cleaned.text, info.title)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        chunks = chunk_document(info, cleaned.text, root, 400)
        best = min(best, time.perf_counter() - started)
    assert len(chunks) > paragraphs // 20
    return best


def test_chunking_time_grows_linearly():
    """4x the paragraphs must cost about 4x the time, not 16x (quadratic was 12-16x here)."""
    small, large = _chunking_seconds(2_500), _chunking_seconds(10_000)
    assert large / max(small, 1e-4) < 9, (small, large)


def test_limits_come_from_the_settings(tmp_path, embeddings):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "长文件.txt").write_text("甲市科普工作方案\n\n" + "加强科普基础设施建设。\n" * 200, encoding="utf-8")
    settings = Settings(home=tmp_path / "home", max_chars_per_file=1000)
    with pytest.raises(IngestError) as raised:
        ingest(settings, [folder], progress=False, embeddings=embeddings)
    assert [p.source for p in raised.value.problems] == ["长文件.txt"]
    assert "too much text" in raised.value.problems[0].reason and "max_chars_per_file" in raised.value.problems[0].reason


def test_small_zip_limit(tmp_path):
    import docx

    path = tmp_path / "方案.docx"
    document = docx.Document()
    document.add_paragraph("甲市科普工作方案。" * 2000)
    document.save(path)
    documents, problems = load_paths([path], LoadLimits(max_unpacked_bytes=10_000))
    assert not documents and problems[0].reason.startswith("unpacks to ")
    documents, problems = load_paths([path], LoadLimits())
    assert documents and not problems


def test_a_folder_of_only_unreadable_files_lists_every_reason(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "空.txt").write_bytes(b"")
    (folder / "二进制.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "环A.txt").symlink_to(folder / "环B.txt")
    (folder / "环B.txt").symlink_to(folder / "环A.txt")
    os.mkfifo(folder / "管道.txt")
    result = run_cli(["ingest", str(folder)], tmp_path / "home")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    reasons = dict(line.split(": skipped — ", 1) for line in lines[:-1])
    assert set(reasons) == {"空.txt", "二进制.txt", "环A.txt", "环B.txt", "管道.txt"}, lines
    assert reasons["空.txt"] == "empty file (0 bytes)" and "symbolic link loop" in reasons["环A.txt"]
    assert reasons["管道.txt"] == "not a regular file"
    assert lines[-1].startswith("error: No readable documents to index")


def test_an_unreadable_folder_is_reported(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every folder; permission bits cannot make one unreadable")
    folder = tmp_path / "corpus"
    locked = folder / "locked"
    locked.mkdir(parents=True)
    (folder / "ok.txt").write_text("甲市科普工作方案\n\n加强科普。", encoding="utf-8")
    locked.chmod(0)
    try:
        documents, problems = load_paths([folder])
    finally:
        locked.chmod(0o700)
    assert [d.source for d in documents] == ["ok.txt"]
    assert problems and problems[0].reason.startswith("cannot read folder")
