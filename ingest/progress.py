"""Ingest progress a person can read: stages, counts, rate and an honest estimate.

``ingest(..., progress=callback)`` calls ``callback(IngestProgress)`` as each stage moves
(reading, ocr, chunking, embedding, publishing). The CLI draws it as a bar on stderr
(``terminal_progress``); the UI can show the same dataclass. The estimate is the remaining
count over the rate measured so far in this stage: embedding is the long stage and runs at an
even rate, so after its first batch the estimate holds to within a few seconds.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

STAGES = ("reading", "ocr", "chunking", "embedding", "publishing")
STAGE_LABELS = {"reading": "Reading", "ocr": "OCR", "chunking": "Chunking", "embedding": "Embedding",
                "publishing": "Publishing"}
UNITS = {"reading": "files", "ocr": "pages", "chunking": "documents", "embedding": "texts", "publishing": "steps"}


@dataclass(frozen=True)
class IngestProgress:
    stage: str                   # one of STAGES
    done: int
    total: int
    rate: float = 0.0            # units per second so far in this stage (texts/s while embedding)
    eta_seconds: float | None = None   # None until a rate is known
    cached: int = 0              # embedding: texts found in the embedding cache (not embedded)

    @property
    def unit(self) -> str:
        return UNITS.get(self.stage, "")

    def describe(self) -> str:
        """One line, e.g. "Embedding 320/1185 texts · 41 texts/s · about 21 s left"."""
        line = f"{STAGE_LABELS.get(self.stage, self.stage)} {self.done}/{self.total} {self.unit}"
        if self.cached:
            line += f" ({self.cached} from the cache)"
        if self.rate:
            line += f" · {self.rate:.0f} {self.unit}/s"
        if self.eta_seconds is not None and self.done < self.total:
            line += f" · about {max(1, round(self.eta_seconds))} s left"
        return line


ProgressCallback = Callable[[IngestProgress], None]


class StageTracker:
    """Counts one stage and reports to the callback (no-op without one)."""

    def __init__(self, callback: ProgressCallback | None, stage: str, total: int, cached: int = 0) -> None:
        self.callback = callback
        self.stage = stage
        self.total = total
        self.cached = cached
        self.done = cached
        self.started = time.perf_counter()
        self._report()

    def advance(self, count: int = 1) -> None:
        self.done += count
        self._report()

    def _report(self) -> None:
        if self.callback is None:
            return
        elapsed = time.perf_counter() - self.started
        worked = self.done - self.cached
        rate = worked / elapsed if worked > 0 and elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate else (0.0 if self.done >= self.total else None)
        self.callback(IngestProgress(self.stage, self.done, self.total, rate, eta, self.cached))


def terminal_progress(stream: TextIO = sys.stderr) -> ProgressCallback:
    """A one-line bar per stage on a terminal, redrawn in place."""
    last = {"stage": None}

    def show(progress: IngestProgress) -> None:
        if last["stage"] not in (None, progress.stage):
            stream.write("\n")
        last["stage"] = progress.stage
        width = 24
        filled = int(width * progress.done / progress.total) if progress.total else width
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {progress.describe()}\033[K")
        if progress.done >= progress.total and progress.stage == "publishing":
            stream.write("\n")
        stream.flush()

    return show
