"""Writing a file so that no error leaves anything behind, and names safe to store.

``write_atomically`` writes to a hidden temporary file beside the target, fsyncs it and renames
it over the target. On any error — a full disk (ENOSPC) at write or fsync, a folder that refuses
the rename (EACCES), an exception in the writer — the temporary file is removed and the old file,
if any, is untouched. Feedback rewrites, exports, CSV downloads, staged uploads and the index's
CURRENT pointer all go through it.

``safe_source_name`` derives the name a document is stored and cited under from the name the
user gave: valid UTF-8 (a GBK-named file from a Windows share is decoded as GBK, else its
undecodable bytes are replaced) and at most ``MAX_NAME_BYTES`` bytes (cut, with a short hash of
the whole name so two long names stay apart).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

# Room under the usual 255-byte file-name limit for the suffixes the index adds ("….txt", ".staged-…").
MAX_NAME_BYTES = 180


def write_atomically(path: Path, write: Callable[[Path], None], mode: int = 0o600) -> Path:
    """Call ``write(temporary)`` and rename the result to ``path``; nothing is left behind on error."""
    path = Path(path)
    temporary = path.with_name(f".{path.name[:60]}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        os.close(descriptor)
        write(temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass
        raise
    return path


def write_bytes_atomically(path: Path, data: bytes, mode: int = 0o600) -> Path:
    return write_atomically(path, lambda temporary: temporary.write_bytes(data), mode)


def copy_atomically(source: Path, path: Path, mode: int = 0o600) -> Path:
    return write_atomically(path, lambda temporary: shutil.copyfile(source, temporary), mode)


def safe_source_name(name: str) -> tuple[str, str]:
    """(the name to store and cite, why it differs from ``name`` — "" when it does not)."""
    raw = os.fsencode(name)          # the file system's bytes (undecodable ones survive as surrogates)
    reasons = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
            reasons.append("its name was not UTF-8 (read as GBK)")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
            reasons.append("its name was not valid UTF-8 (undecodable bytes shown as �)")
    text = "".join(ch for ch in text if ch.isprintable()) or "unnamed"
    if len(text.encode("utf-8")) > MAX_NAME_BYTES:
        stem, suffix = os.path.splitext(text)
        suffix = suffix if len(suffix.encode("utf-8")) <= 16 else ""
        digest = hashlib.sha256(raw).hexdigest()[:8]
        room = MAX_NAME_BYTES - len(suffix.encode("utf-8")) - len(digest) - 2
        cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
        text = f"{cut}…{digest}{suffix}"
        reasons.append(f"its name was {len(raw)} bytes long (stored names are at most {MAX_NAME_BYTES})")
    if text != name and not reasons:
        reasons.append("its name held characters that cannot be shown")
    return text, "; ".join(reasons)
