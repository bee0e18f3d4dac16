"""Files the UI hands out or takes in: private temporary folders, exports, upload names."""
from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

from assistant.files import safe_source_name


def safe_upload_name(name: str) -> str:
    """The file name alone (no folders), without characters a file system or a citation trips on,
    and already the name ingest stores (``safe_source_name``: valid UTF-8, length bounded in bytes),
    so the clerk's corrections and the report are found under the name the index uses."""
    stem = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", Path(name).name).strip(" .") or "upload"
    return safe_source_name(stem)[0]


EXPORT_MAX_AGE_SECONDS = 3600   # an export not downloaded within the hour is removed


def process_temp_dir() -> Path:
    """This process's private temporary folder (700), removed when the process exits.

    Exports, CSV downloads and (when ``serve`` runs) Gradio's own file cache live here,
    so nothing a user exported stays world-readable in /tmp or outlives the server."""
    global _process_temp
    with _temp_lock:
        if _process_temp is None or not _process_temp.exists():
            _process_temp = Path(tempfile.mkdtemp(prefix="policy-assistant-"))
            atexit.register(shutil.rmtree, _process_temp, True)
        return _process_temp


_process_temp: Path | None = None
_temp_lock = threading.Lock()


def export_folder() -> Path:
    """A fresh, unguessable folder (700) per export, under ``process_temp_dir``; exports older than
    an hour (long since downloaded) are removed as new ones are made."""
    root = process_temp_dir() / "exports"
    root.mkdir(mode=0o700, exist_ok=True)
    cutoff = time.time() - EXPORT_MAX_AGE_SECONDS
    for old in root.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    return Path(tempfile.mkdtemp(dir=root))


def private_file(path: Path) -> str:
    """Make an exported file readable by its owner only; returns it as the str Gradio takes."""
    os.chmod(path, 0o600)
    return str(path)
