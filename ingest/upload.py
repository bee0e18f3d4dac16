"""An uploaded file, accepted into the uploads folder only once it reads as a document.

The upload is copied to a hidden staged name beside its target (with its own suffix, so the
loader checks it as that type), read once, and renamed into place. On any error — the copy fails
on a full disk (ENOSPC) or a read-only folder (EACCES), the file is damaged or mislabelled, the
rename is refused — the staged copy is removed and nothing else changes (issue 20, item 5).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from assistant.files import copy_atomically, safe_source_name
from assistant.generations import make_private_dir
from ingest.load import load_file


def accept_upload(upload: Path, uploads_dir: Path, name: str) -> Path:
    """The uploaded file, checked and stored as ``uploads_dir / safe name``; raises ``LoadError``
    (one reason) for a file that is not a readable document, ``OSError`` when it cannot be stored."""
    stored_name, _ = safe_source_name(name)
    target = make_private_dir(uploads_dir) / stored_name
    staged = target.with_name(f".staged-{os.getpid()}-{threading.get_ident()}{target.suffix}")
    try:
        copy_atomically(Path(upload), staged)
        load_file(staged)            # refuses a damaged, mislabelled or empty file with one reason
        os.replace(staged, target)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return target
