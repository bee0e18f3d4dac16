"""Responsibility records: who leads and who takes part in each action or project.

Parsed from the "（责任分工：由A、B牵头，C、D等单位参加）" paragraph that closes an action,
and tied to that action's heading path and to the chunk that cites it.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from ingest.chunk import Chunk

RESPONSIBILITY_TEXT = re.compile(
    r"责任分工[：:]\s*由(?P<lead>.+?)牵头(?:[，,、;；]\s*(?P<part>.+?))?(?:等单位)?(?:参加|参与|配合)?[）)]?\s*$"
)
AGENCY_SEPARATOR = re.compile(r"[、，,；;]")


@dataclass(frozen=True)
class ResponsibilityRecord:
    source: str
    doc_id: str
    title: str
    jurisdiction: str
    section_path: tuple[str, ...]
    action: str                              # heading of the action/project, e.g. "（四）老年人科学素质提升行动"
    lead_agencies: tuple[str, ...]
    participating_agencies: tuple[str, ...]
    chunk_id: str
    text: str

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ResponsibilityRecord:
        tuples = ("section_path", "lead_agencies", "participating_agencies")
        return cls(**{k: tuple(v) if k in tuples else v for k, v in data.items()})

    def involves(self, agency: str) -> str:
        """"lead", "participate" or "" for an agency name (exact or contained)."""
        if any(agency in name or name in agency for name in self.lead_agencies):
            return "lead"
        if any(agency in name or name in agency for name in self.participating_agencies):
            return "participate"
        return ""


def parse_agencies(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    match = RESPONSIBILITY_TEXT.search(text.replace("\n", ""))
    if not match:
        return (), ()
    return _split(match.group("lead")), _split(match.group("part") or "")


def _split(names: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in AGENCY_SEPARATOR.split(names) if name.strip())


def records_from_chunks(chunks: list[Chunk]) -> list[ResponsibilityRecord]:
    records = []
    for chunk in chunks:
        if chunk.kind != "responsibility":
            continue
        lead, participating = parse_agencies(chunk.text)
        records.append(ResponsibilityRecord(
            source=chunk.source, doc_id=chunk.doc_id, title=chunk.title, jurisdiction=chunk.jurisdiction,
            section_path=chunk.section_path, action=chunk.section_path[-1],
            lead_agencies=lead, participating_agencies=participating, chunk_id=chunk.chunk_id, text=chunk.text,
        ))
    return records
