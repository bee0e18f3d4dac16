"""Every temporary file is removed on every error path (issue 20, item 5): feedback rewrites,
exports (DOCX, CSV), staged uploads and the index's CURRENT pointer, each with a full disk
(ENOSPC) and a refused write (EACCES) injected where the real system call would fail. Before, a
feedback rewrite that hit ENOSPC at fsync left a 100 KB temporary file beside feedback.jsonl."""
from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from assistant import feedback as feedback_module
from assistant.feedback import feedback_entry, read_feedback, record_feedback
from assistant.types import Answer
from assistant.surfaces.export import briefing_docx, write_csv

FAULTS = {"ENOSPC": errno.ENOSPC, "EACCES": errno.EACCES}


def failing(code: int):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    return fail


def leftovers(folder: Path, expected: set[str]) -> set[str]:
    return {p.name for p in folder.rglob("*")} - expected


def an_answer(answer_id: str, text: str = "由县科协牵头 [1]") -> Answer:
    return Answer(question="谁牵头？", text=text, citations=[], retrieved=[], abstained=False, answer_id=answer_id)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_a_feedback_rewrite_that_fails_leaves_no_temporary_file(tmp_path, monkeypatch, fault, where):
    path = tmp_path / "feedback.jsonl"
    big = an_answer("a1", "长" * 100_000)
    record_feedback(path, feedback_entry(big, "up"))
    record_feedback(path, feedback_entry(an_answer("a2"), "up"))
    before = path.read_bytes()
    # the second rating of a1 rewrites the file: fail the temporary file's fsync or its rename
    target = "assistant.files.os.fsync" if where == "fsync" else "assistant.files.os.replace"
    monkeypatch.setattr(target, failing(FAULTS[fault]))
    with pytest.raises(OSError):
        record_feedback(path, feedback_entry(big, "down"))
    monkeypatch.undo()
    assert leftovers(tmp_path, {"feedback.jsonl"}) == set()
    assert path.read_bytes() == before and [e["rating"] for e in read_feedback(path)] == ["up", "up"]


@pytest.mark.parametrize("fault", FAULTS)
def test_an_export_that_fails_leaves_nothing(tmp_path, monkeypatch, fault):
    import docx.document

    def half_then_fail(self, path):
        Path(path).write_bytes(b"PK\x03\x04 half a docx")
        raise OSError(FAULTS[fault], os.strerror(FAULTS[fault]))

    monkeypatch.setattr(docx.document.Document, "save", half_then_fail)
    with pytest.raises(OSError):
        briefing_docx([an_answer("a1")], tmp_path / "briefing.docx")
    monkeypatch.setattr("assistant.files.os.fsync", failing(FAULTS[fault]))
    with pytest.raises(OSError):
        write_csv(tmp_path / "records.csv", ["牵头单位"], [["县科协"]])
    assert leftovers(tmp_path, set()) == set()


@pytest.mark.parametrize("fault", FAULTS)
def test_a_staged_upload_that_fails_is_removed(tmp_path, monkeypatch, fault):
    from ingest.load import LoadError
    from ingest.upload import accept_upload

    upload = tmp_path / "in" / "方案.txt"
    upload.parent.mkdir()
    upload.write_text("某县科普工作方案\n\n一、任务\n\n开展科普活动。", encoding="utf-8")
    uploads = tmp_path / "uploads"

    def copy_half_then_fail(source, destination, *args, **kwargs):
        Path(destination).write_bytes(b"half")
        raise OSError(FAULTS[fault], os.strerror(FAULTS[fault]))

    monkeypatch.setattr("assistant.files.shutil.copyfile", copy_half_then_fail)
    with pytest.raises(OSError):
        accept_upload(upload, uploads, upload.name)
    monkeypatch.undo()
    assert leftovers(uploads, set()) == set()
    damaged = tmp_path / "in" / "坏.docx"
    damaged.write_bytes(b"not a zip")
    with pytest.raises(LoadError):
        accept_upload(damaged, uploads, damaged.name)
    assert leftovers(uploads, set()) == set()
    assert accept_upload(upload, uploads, upload.name).name == "方案.txt"
    assert leftovers(uploads, set()) == {"方案.txt"}


@pytest.mark.parametrize("fault", FAULTS)
def test_the_index_pointer_write_leaves_no_temporary_file(tmp_path, monkeypatch, fault):
    from assistant.index import publish_generation

    index_dir = tmp_path / "index"
    (index_dir / "gen-1").mkdir(parents=True)
    publish_generation(index_dir, index_dir / "gen-1")
    (index_dir / "gen-2").mkdir()
    monkeypatch.setattr("assistant.files.os.replace", failing(FAULTS[fault]))
    with pytest.raises(OSError):
        publish_generation(index_dir, index_dir / "gen-2")
    monkeypatch.undo()
    assert (index_dir / "CURRENT").read_text() == "gen-1"
    assert not [p for p in index_dir.iterdir() if p.name.endswith(".tmp")]


def test_the_failing_feedback_write_is_one_error_not_a_traceback_in_the_cli_path(tmp_path):
    # the feedback helpers stay importable and bounded (see test_names_and_feedback.py)
    assert feedback_module.MAX_COMMENT_CHARS <= 10_000
