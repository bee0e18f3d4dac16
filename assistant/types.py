"""Shared types of the answer stage: an ``Answer`` and its ``Citation``s.

Every stage after retrieval (compose, the answer builders, the LLM check, present,
export, feedback, UI) passes these around; this module imports nothing of those stages,
so none of them needs to import another to know what an answer is.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from assistant.retrieve import Passage


@dataclass(frozen=True)
class Citation:
    number: int                 # the [n] used in the answer text
    chunk_id: str
    source: str
    title: str
    doc_number: str
    jurisdiction: str
    section: str                # heading path below the title
    text: str                   # the cited passage
    start: int                  # span in the cleaned document
    end: int
    status: str = ""            # the document's status (DocumentInfo.status): "征求意见稿", "superseded" …
                                # shown after the title by assistant.document_status.cited_title
    ocr: bool = False           # the passage was read from a scan by OCR

    @classmethod
    def from_passage(cls, number: int, passage: Passage) -> Citation:
        return cls.from_chunk(number, passage.chunk)

    @classmethod
    def from_chunk(cls, number: int, chunk) -> Citation:
        return cls(number, chunk.chunk_id, chunk.source, chunk.title, chunk.doc_number, chunk.jurisdiction,
                   chunk.section, chunk.text, chunk.start, chunk.end, ocr=getattr(chunk, "ocr", False))


@dataclass
class Answer:
    question: str
    text: str                                   # Markdown; [n] refers to citations[n-1]
    citations: list[Citation]
    retrieved: list[Passage]
    abstained: bool
    mode: str = "extractive"                    # "extractive" | "llm"
    standalone_question: str = ""               # the question after follow-up rewriting
    answer_type: str = ""                       # what kind of answer was asked for (assistant.understanding)
    notice: str = ""                            # e.g. "LLM unavailable; showing the offline answer"
    timings: dict[str, float] = field(default_factory=dict)   # milliseconds per stage
    answer_id: str = field(default_factory=lambda: uuid.uuid4().hex)   # keys the user's rating of this answer

    def to_dump(self) -> dict:
        """The eval dump line (also ``ask --json``)."""
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "answer": self.text,
            "abstained": self.abstained,
            "answer_type": self.answer_type,
            "mode": self.mode,
            "notice": self.notice,
            "citations": [
                {"n": c.number, "source": c.source, "title": c.title, "doc_number": c.doc_number,
                 "jurisdiction": c.jurisdiction, "section": c.section, "text": c.text, "start": c.start, "end": c.end,
                 "status": c.status}
                for c in self.citations
            ],
            "retrieved": [
                {"rank": p.rank, "source": p.chunk.source, "section": p.chunk.section, "text": p.chunk.text,
                 "score": round(p.score, 6), "bm25_rank": p.bm25_rank, "dense_rank": p.dense_rank}
                for p in self.retrieved
            ],
            "latency_ms": round(self.timings.get("total", 0.0), 1),
            "timings_ms": {k: round(v, 1) for k, v in self.timings.items()},
        }
