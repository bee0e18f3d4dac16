"""The home keeps a copy of every indexed source file, so the index can always be rebuilt.

Documents reach the index from anywhere — the corpus folder, a path given on the command line,
an upload — and the index alone cannot be re-made from ``corpus/``. Every file read by an ingest
is copied, content-addressed, to ``<home>/sources/<sha256><suffix>`` (written atomically; the
same bytes are stored once), and ``sources/catalogue.json`` maps each indexed document to its
copy and to where it came from. Rebuild and repair read the documents not given in this run from
these copies; ``remove`` deletes a copy that no indexed document uses any more.
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from assistant.files import copy_atomically, write_bytes_atomically
from assistant.generations import make_private_dir
from ingest.load import LoadError, LoadLimits, LoadProblem, RawDocument, load_file

SOURCES_DIR = "sources"
CATALOGUE = "catalogue.json"


class MissingCopies(Exception):
    """Documents that are indexed but whose copy is gone: a repair would drop them."""

    def __init__(self, sources: list[str]) -> None:
        super().__init__(", ".join(sources))
        self.sources = sources


def sources_dir(home: Path) -> Path:
    return Path(home) / SOURCES_DIR


def keep_copy(home: Path, raw: RawDocument) -> str:
    """Store the file ``raw`` was read from under its content hash; returns the copy's file name."""
    folder = make_private_dir(sources_dir(home))
    name = f"{raw.sha256}{raw.path.suffix.lower()[:16]}"
    if not (folder / name).exists():
        copy_atomically(raw.path, folder / name)
    return name


def read_catalogue(home: Path) -> dict[str, dict]:
    """source -> {"copy", "sha256", "origin"}; empty when there is none or it is unreadable."""
    try:
        data = json.loads((sources_dir(home) / CATALOGUE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_catalogue(home: Path, entries: dict[str, dict]) -> None:
    """Record the indexed documents' copies, and delete copies no document uses any more."""
    folder = make_private_dir(sources_dir(home))
    write_bytes_atomically(folder / CATALOGUE,
                           json.dumps(entries, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
    used = {entry.get("copy") for entry in entries.values()}
    for path in folder.iterdir():
        if path.name != CATALOGUE and not path.name.startswith(".") and path.name not in used:
            path.unlink(missing_ok=True)


def load_copies(home: Path, sources: list[str], limits: LoadLimits) -> tuple[list[RawDocument], list[LoadProblem]]:
    """The documents ``sources`` read back from their copies, under their indexed names.

    Raises ``MissingCopies`` naming every document whose copy is absent: a repair must not drop them."""
    catalogue = read_catalogue(home)
    missing = [s for s in sources if s not in catalogue or not (sources_dir(home) / catalogue[s]["copy"]).is_file()]
    if missing:
        raise MissingCopies(missing)
    raws, problems = [], []
    for source in sources:
        try:
            raw = load_file(sources_dir(home) / catalogue[source]["copy"], limits)
        except LoadError as error:
            problems.append(LoadProblem(source, f"its stored copy cannot be read ({error})"))
            continue
        raws.append(replace(raw, source=source))
    return raws, problems
