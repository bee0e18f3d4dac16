"""User feedback on answers, appended durably to a JSON-lines file.

One line per answer, keyed by ``answer_id``: question, answer, citations, mode, ISO
time, rating ("up" / "down") and an optional comment. A second rating of the same
answer replaces the first (the file is rewritten to a temporary file and renamed over
the old one, so a crash leaves either the old or the new file, never half of one); a
rating of a new answer is appended. ``record_feedback`` returns only after the data is
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

from assistant.files import write_bytes_atomically
from assistant.generations import make_private_dir
from assistant.types import Answer

RATINGS = ("up", "down")
MAX_COMMENT_CHARS = 2000      # a comment is a sentence or two; a 30 MB paste is cut, not stored
MAX_TEXT_CHARS = 20_000       # question and answer as stored with a rating
_write_lock = threading.Lock()
log = logging.getLogger(__name__)


def feedback_entry(answer: Answer, rating: str, comment: str = "", when: datetime | None = None) -> dict:
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
    return {
        "answer_id": answer.answer_id,
        "time": (when or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "rating": rating,
        "comment": clean_text(comment or "", MAX_COMMENT_CHARS),
        "question": clean_text(answer.question, MAX_TEXT_CHARS),
        "answer": clean_text(answer.text, MAX_TEXT_CHARS),
        "mode": answer.mode,
        "abstained": answer.abstained,
        "citations": [
            {"n": c.number, "source": c.source, "title": c.title, "doc_number": c.doc_number,
             "section": c.section, "text": c.text, "start": c.start, "end": c.end}
            for c in answer.citations
        ],
    }


def clean_text(text: str, limit: int) -> str:
    """Bounded, encodable text: a lone surrogate (from a browser or a broken paste) becomes "?",
    control characters other than line breaks and tabs are dropped, and the text is cut at ``limit``."""
    text = str(text).encode("utf-8", "replace").decode("utf-8")
    text = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")
    return text.strip()[:limit]


def record_feedback(path: Path, entry: dict) -> None:
    """Store one rating durably: append it, or replace the earlier rating of the same answer."""
    path = Path(path)
    make_private_dir(path.parent)
    # "replace": no field (a citation's text, a caller's own entry) can make the write fail
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8", "replace")
    created = not path.exists()
    with _write_lock:
        while not _write_locked(path, entry.get("answer_id"), line):
            pass      # another process renamed a new file over the one we opened: open that one
    if created:
        _fsync_directory(path.parent)


def _write_locked(path: Path, answer_id: str | None, line: bytes) -> bool:
    """Under the file lock: replace this answer's rating or append; False when ``path`` was replaced
    (by another process's rewrite) between our open and our lock, so the write must go to the new file."""
    # Created readable by its owner only (600): questions and comments can be sensitive.
    with os.fdopen(os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600), "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            if os.fstat(handle.fileno()).st_ino != os.stat(path).st_ino:
                return False
            handle.seek(0)
            existing = handle.read()
            if answer_id and _holds_answer(existing, answer_id):
                _replace_file(path, _without_answer(existing, answer_id) + line)
            else:
                handle.seek(0, os.SEEK_END)
                if _ends_mid_line(handle):
                    handle.write(b"\n")       # never glue a record onto a torn line
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            return True
        finally:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _holds_answer(data: bytes, answer_id: str) -> bool:
    return answer_id.encode("utf-8") in data and any(_answer_id_of(line) == answer_id for line in data.split(b"\n"))


def _answer_id_of(line: bytes) -> str | None:
    try:
        entry = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return entry.get("answer_id") if isinstance(entry, dict) else None


def _without_answer(data: bytes, answer_id: str) -> bytes:
    """Every line but the ratings of ``answer_id`` (a torn line is kept as it was: it is not ours to drop)."""
    kept = [line for line in data.split(b"\n") if line.strip() and _answer_id_of(line) != answer_id]
    return b"".join(line + b"\n" for line in kept)


def _replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, and rename it over ``path``
    (on a full disk or a refused rename the temporary file is removed and ``path`` is unchanged)."""
    write_bytes_atomically(path, data)
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
