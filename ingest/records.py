"""Responsibility records: who leads and who takes part in each action, project or task.

Parsed from every common way a Chinese plan assigns units, each tied to the heading path
of the item it belongs to and to the chunk that cites it:

* "（责任分工：由A、B牵头，C、D等单位参加）" — a paragraph that closes an action;
* "牵头单位：A；配合单位：B" and "责任单位：A、B" (the first named leads) — a line of its own;
* "（A牵头，B配合）", "（A负责）" at the end of an item, or a closing sentence "由A牵头，B配合。";
* a table row whose columns name lead and partner units (ingest.tables.column_roles),
  with the row's task as the action.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from ingest.chunk import PATH_SEPARATOR, Chunk
from ingest.tables import TableData, column_roles, task_label
from ingest.variants import restore, simplified_view

RESPONSIBILITY_TEXT = re.compile(
    r"责任分工[：:]\s*由(?P<lead>.+?)牵头(?:[，,、;；]\s*(?P<part>.+?))?(?:等单位)?(?:参加|参与|配合)?[）)]?[。；]?\s*$"
)
AGENCY_SEPARATOR = re.compile(r"[、，,；;/／]|\s+")
# A separator outside brackets: "县委党校（中方行政学院、县行政学校）" stays one name.
LIST_SEPARATOR = re.compile(r"[、，,；;/／\s]+(?![^（(]*[）)])")
# The role words a unit can carry: as a clause verb ("A牵头"), a bracketed mark ("A（牵头）",
# "A（牵头单位）") or a label ("牵头单位：A").
LEAD_ROLE = r"牵头负责|牵头|主责|主办|负责"
PARTNER_ROLE = r"配合|参与|参加|协办|协助|协同"
ROLE_MARK_TEXT = rf"[（(【\[](?P<role>(?:{LEAD_ROLE}|{PARTNER_ROLE})(?:单位|部门)?)[）)】\]]"
ROLE_MARK = re.compile(ROLE_MARK_TEXT + "$")
HAS_ROLE_MARK = re.compile(ROLE_MARK_TEXT)
# One name, possibly with its own bracketed part ("县委党校（中方行政学院）") or role mark.
NAME_RUN = r"(?:[^；;。（()）\n]|[（(][^（()）\n]{1,30}[）)])+"
# "牵头单位：A、B；配合单位：C" — one label, its names up to the next label or clause end.
UNIT_LABEL = re.compile(
    r"(?P<label>牵头单位|牵头部门|责任单位|责任部门|主责单位|主责部门|负责单位|负责部门|"
    rf"配合单位|配合部门|参与单位|参与部门|参加单位|协办单位|协助单位|协同单位)[：:]\s*"
    # "责任单位：A（牵头单位）；B（配合单位）": a run after ； still belongs when it carries a mark.
    rf"(?P<names>{NAME_RUN}(?:[；;]{NAME_RUN}?{ROLE_MARK_TEXT.replace('?P<role>', '?:')})*)"
)
LIST_SEPARATOR_CLAUSE = re.compile(r"[，,；;](?![^（(]*[）)])")
LEAD_CLAUSE = re.compile(r"^由?(?P<names>.+?)(?:共同)?(?:牵头负责|牵头|主责|负责)$")
PARTNER_CLAUSE = re.compile(r"^(?P<names>.+?)(?:等单位|等部门)?(?:按职责)?(?:配合|参与|参加|协办|协助|协同)$")
TRAILING_NOTE = re.compile(r"[（(](?P<inner>(?:[^（）()]|[（(][^（）()]{1,30}[）)]){2,150})[）)][。；;]?$")
CLOSING_SENTENCE = re.compile(r"(?:^|[。；，,])(?P<inner>由[^。；]{2,120}?(?:牵头|负责)[^。；]{0,80})。?$")
NOT_A_NAME = re.compile(r"[。：:]|^(各|有关|相关)?(单位|部门)$")
MAX_NAME_CHARS = 30


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


Units = tuple[tuple[str, ...], tuple[str, ...]]   # (lead, participating)


def parse_agencies(text: str) -> Units:
    """Lead and participating units of a responsibility line, in any of the common phrasings
    (matched on the simplified view, names returned as the document writes them)."""
    flat = text.replace("\n", "")
    return _as_written(_parse_agencies(simplified_view(flat)), simplified_view(flat), flat)


def _as_written(units: Units, view: str, original: str) -> Units:
    lead, partner = units
    return (tuple(restore(name, view, original) for name in lead),
            tuple(restore(name, view, original) for name in partner))


def _parse_agencies(flat: str) -> Units:
    match = RESPONSIBILITY_TEXT.search(flat)
    if match:
        return _split(match.group("lead")), _split(match.group("part") or "")
    labelled = parse_unit_labels(flat)
    if labelled[0]:
        return labelled
    return parse_duty_clauses(_unwrap(flat))


@dataclass(frozen=True)
class MarkedList:
    """An agency list read by the small grammar  list := name (separator name)* ;
    name := text [（role）]. Bracketed role marks ("A（牵头）", "B（配合单位）") say who leads
    and who assists; the names without a mark are returned apart, for the caller's context
    (a label such as "责任单位：", or the other marks) to assign."""
    lead: tuple[str, ...] = ()
    partner: tuple[str, ...] = ()
    unmarked: tuple[str, ...] = ()

    @property
    def marked(self) -> bool:
        return bool(self.lead or self.partner)

    def units(self, unmarked_lead: bool) -> Units:
        """Lead and partners, the unmarked names joining the leads or the partners."""
        lead = self.lead + (self.unmarked if unmarked_lead else ())
        partner = self.partner + (() if unmarked_lead else self.unmarked)
        return _unique(lead), _unique(name for name in partner if name not in lead)

    def default_units(self) -> Units:
        """A marked lead makes the others partners ("A（牵头）、B、C"); marked partners only
        make the others leads ("A、B（配合）")."""
        return self.units(unmarked_lead=not self.lead)


def parse_marked_list(names: str) -> MarkedList:
    lead: list[str] = []
    partner: list[str] = []
    unmarked: list[str] = []
    for item in LIST_SEPARATOR.split(names.strip()):
        mark = ROLE_MARK.search(item)
        name = item[:mark.start()] if mark else item
        parts = _split(name)
        if not parts:
            continue
        if not mark:
            unmarked += parts
        elif re.match(LEAD_ROLE, mark.group("role")):
            lead += parts
        else:
            partner += parts
    return MarkedList(tuple(lead), tuple(partner), tuple(unmarked))


def parse_unit_labels(text: str) -> Units:
    """"牵头单位：A；配合单位：B、C", "责任单位：A、B、C" (the first responsible unit leads) and
    "责任单位：A（牵头）、B、C" (the marks decide)."""
    lead: list[str] = []
    partner: list[str] = []
    responsible: list[str] = []
    for match in UNIT_LABEL.finditer(text):
        listed = parse_marked_list(match.group("names"))
        label = match.group("label")
        if label.startswith(("责任", "负责")):
            # "责任单位：A（牵头）、B" or "责任单位：A牵头，B、C配合": the marks or verbs decide, not the order
            duty_lead, duty_partner = parse_duty_clauses(match.group("names"))
            if duty_lead:
                lead += duty_lead
                partner += duty_partner
                continue
        lead += listed.lead
        partner += listed.partner
        if label.startswith(("牵头", "主责")):
            lead += listed.unmarked
        elif label.startswith(("责任", "负责")):
            responsible += listed.unmarked
        else:
            partner += listed.unmarked
    if not lead and responsible:
        lead, responsible = responsible[:1], responsible[1:]
    partner = responsible + partner
    return _unique(lead), _unique([name for name in partner if name not in lead])


def parse_duty_clauses(text: str) -> Units:
    """"A、B牵头，C、D配合" / "由A负责" / "A牵头负责，B等单位参与" / "A（牵头）、B、C" —
    clauses split at ，；."""
    lead: list[str] = []
    partner: list[str] = []
    unmarked: list[str] = []
    for clause in LIST_SEPARATOR_CLAUSE.split(text):
        clause = clause.strip()
        listed = parse_marked_list(clause)
        if listed.marked:
            lead += listed.lead
            partner += listed.partner
            unmarked += listed.unmarked
        elif (match := LEAD_CLAUSE.match(clause)) and not PARTNER_CLAUSE.match(clause):
            lead += _split(match.group("names"))
        elif match := PARTNER_CLAUSE.match(clause):
            partner += _split(match.group("names"))
        elif clause and HAS_ROLE_MARK.search(text) and (names := _split(clause)):
            unmarked += names   # "A（牵头），B、C": the marks elsewhere assign these
        elif clause:
            return (), ()   # a clause that assigns no unit: this is prose, not a duty note
    if unmarked and not (lead or partner):
        return (), ()       # names and no role at all: not a duty note
    return MarkedList(tuple(lead), tuple(partner), tuple(unmarked)).default_units()


def _unwrap(text: str) -> str:
    """"（A负责）。" → "A负责"; a closing bracket that belongs to a role mark stays."""
    text = text.strip().rstrip("。；;")
    if text[:1] in "（(" and text[-1:] in "）)" and _balanced(text[1:-1]):
        text = text[1:-1]
    return text.strip()


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += char in "（(" 
        depth -= char in "）)"
        if depth < 0:
            return False
    return depth == 0


def _split(names: str) -> tuple[str, ...]:
    cleaned = [re.sub(r"(等单位|等部门|等)$", "", name.strip()).removeprefix("由") for name in LIST_SEPARATOR.split(names)]
    if any(NOT_A_NAME.search(name) or len(name) > MAX_NAME_CHARS for name in cleaned if name):
        return ()
    return tuple(name for name in cleaned if name)


def _unique(names) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def records_from_chunks(chunks: list[Chunk], tables: tuple[TableData, ...] = ()) -> list[ResponsibilityRecord]:
    rows = {text: (table, row) for table in tables for text, row in zip(table.row_texts(), table.rows)}
    records = []
    for chunk in chunks:
        if chunk.kind == "responsibility":
            lead, participating = parse_agencies(chunk.text)
            records.append(_record(chunk, chunk.section_path, lead, participating))
        elif chunk.kind == "table_row" and chunk.text in rows:
            record = _table_row_record(chunk, *rows[chunk.text])
            if record is not None:
                records.append(record)
        elif chunk.kind == "text":
            records.extend(_item_note_records(chunk))
    return records


def _record(chunk: Chunk, section_path: tuple[str, ...], lead, participating) -> ResponsibilityRecord:
    return ResponsibilityRecord(
        source=chunk.source, doc_id=chunk.doc_id, title=chunk.title, jurisdiction=chunk.jurisdiction,
        section_path=section_path, action=section_path[-1],
        lead_agencies=tuple(lead), participating_agencies=tuple(participating), chunk_id=chunk.chunk_id, text=chunk.text,
    )


def _item_note_records(chunk: Chunk) -> list[ResponsibilityRecord]:
    """"（A牵头，B配合）" or "由A负责。" closing a paragraph of an item assigns that item."""
    records = []
    for original in chunk.text.split("\n\n"):
        original = original.strip()
        paragraph = simplified_view(original)
        note = TRAILING_NOTE.search(paragraph) or CLOSING_SENTENCE.search(paragraph)
        if not note:
            continue
        inner = note.group("inner")
        lead, participating = parse_unit_labels(inner)
        if not lead:
            lead, participating = parse_duty_clauses(inner)
        lead, participating = _as_written((lead, participating), paragraph, original)
        if lead:
            records.append(_record(chunk, chunk.section_path, lead, participating))
    return records


def _table_row_record(chunk: Chunk, table: TableData, row: tuple[str, ...]) -> ResponsibilityRecord | None:
    roles = column_roles(table.headers)
    if not roles.names_units:
        return None
    lead = [name for i in roles.lead if i < len(row) for name in _split(row[i])]
    partner = [name for i in roles.partner if i < len(row) for name in _split(row[i])]
    for i in roles.duty:
        duty_lead, duty_partner = parse_agencies(row[i]) if i < len(row) else ((), ())
        lead += duty_lead
        partner += duty_partner
    # Only a "责任单位" column (no 牵头 column, no partner column): the first named unit leads.
    if lead and not partner and not any(re.search(r"牵头|主办|主责|主管", simplified_view(table.headers[i]))
                                        for i in roles.lead):
        lead, partner = lead[:1], lead[1:]
    if not lead:
        return None
    label = task_label(table.headers, row, roles) or f"{table.caption}{PATH_SEPARATOR}第{table.rows.index(row) + 1}行"
    return _record(chunk, chunk.section_path + (label,), _unique(lead),
                   [name for name in _unique(partner) if name not in lead])
