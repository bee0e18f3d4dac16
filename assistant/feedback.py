"""User feedback on answers, appended durably to a JSON-lines file.

One line per rating: question, answer, citations, mode, ISO time, rating ("up" /
"down") and an optional comment. ``record_feedback`` returns only after the line is
on disk (flush + fsync), under a lock that serialises writers in this process
(threads) and across processes (``flock``), so concurrent sessions never interleave
lines. A crash mid-write can leave a torn last line: ``read_feedback`` skips it, and
the next write starts on a fresh line so the torn fragment never swallows a record.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the thread lock still serialises one server
    fcntl = None

from assistant.generations import make_private_dir
from assistant.types import Answer

RATINGS = ("up", "down")
_write_lock = threading.Lock()
log = logging.getLogger(__name__)


def feedback_entry(answer: Answer, rating: str, comment: str = "", when: datetime | None = None) -> dict:
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
    return {
        "time": (when or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "rating": rating,
        "comment": (comment or "").strip(),
        "question": answer.question,
        "answer": answer.text,
        "mode": answer.mode,
        "abstained": answer.abstained,
        "citations": [
            {"n": c.number, "source": c.source, "title": c.title, "doc_number": c.doc_number,
             "section": c.section, "text": c.text, "start": c.start, "end": c.end}
            for c in answer.citations
        ],
    }


def record_feedback(path: Path, entry: dict) -> None:
    """Append one JSON line and return only once it is durably written."""
    path = Path(path)
    make_private_dir(path.parent)
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    created = not path.exists()
    # Created readable by its owner only (600): questions and comments can be sensitive.
    with _write_lock, os.fdopen(os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600), "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            if _ends_mid_line(handle):
                handle.write(b"\n")       # never glue a record onto a torn line
            handle.write(line.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    if created:
        _fsync_directory(path.parent)


def _ends_mid_line(handle) -> bool:
    size = handle.seek(0, os.SEEK_END)
    if size == 0:
        return False
    handle.seek(size - 1)
    last = handle.read(1)
    handle.seek(0, os.SEEK_END)
    return last != b"\n"


def _fsync_directory(folder: Path) -> None:
    """Make a newly created file's directory entry durable too (POSIX; best effort)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def read_feedback(path: Path) -> list[dict]:
    """Every complete entry; a torn or damaged line is skipped (and logged), never fatal."""
    path = Path(path)
    if not path.exists():
        return []
    entries = []
    for number, line in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            log.warning("%s: skipping unreadable line %d (torn write?)", path, number)
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries
