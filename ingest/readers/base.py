"""What every reader returns and raises (shared by ingest.load and the readers here)."""
from __future__ import annotations

from dataclasses import dataclass

from ingest.tables import TableData


class LoadError(Exception):
    """Raised by a reader; str(err) is the one-sentence reason the file was skipped."""


@dataclass(frozen=True)
class Loaded:
    text: str
    encoding: str                              # "docx", "xlsx", "pdf+ocr", "doc:soffice" ...
    tables: tuple[TableData, ...] = ()
    ocr_text: str = ""                         # the part of ``text`` read by OCR (empty: none)
    pages: int = 0                             # pages or images read by OCR


def short(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:160]
