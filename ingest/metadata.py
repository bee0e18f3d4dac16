"""Metadata stage: what a citation needs to know about a document.

Ingest extracts what the text itself states — title, 文号, issuers, dates, status and the
jurisdiction it names — from the parts every Chinese official document has: the 版头
("XX文件"), the 文号 line, the notice "XX关于印发《…》的通知", the signature (落款) above
the date, the standalone title line and its "（征求意见稿）/（试行）" mark. The corpus
manifest (``corpus/manifest.toml``) only overrides, field by field. A field the text does
not state stays empty and is listed by ``missing_fields`` (the ingest report warns about
it); nothing is guessed.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.gazetteer import document_jurisdiction as resolve_jurisdiction
from assistant.gazetteer import unlisted_place
from ingest.variants import restore, simplified_view

DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}\s?[〔\[［(（【]\s?\d{4}\s?[〕\]］)）】]\s?第?\d{1,4}\s?号")
NOTICE_TITLE = re.compile(r"关于印发[《<](?P<title>.+?)[》>]的?通知")
CN_DATE = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?P<printed>印发?)?")
LEVELS = {"省": "省级", "新区": "国家级新区", "市": "市级", "县": "县级", "区": "区级"}
HEAD_LINES = 12  # the 文号, title and signing date sit in the first lines of a notice
TITLE_LINE_SEARCH = 40   # a web page copy puts a dozen portal fields before the title line
NOTICE_ISSUER = re.compile(r"^(?:[\u4e00-\u9fff]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\d{1,4}号\s*)?(?P<issuer>.+?)\s*关于印发")
MASTHEAD = re.compile(r"^(?P<issuer>[\u4e00-\u9fff（）()\s]{4,60}?)\s*文件$")   # 版头 "湖南省科学技术协会文件"
AGENCY = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,30}(?:委员会|管委会|政府|办公室|办公厅|厅|局|委|部|署|协会|联合会|科协|学会|中心|"
    r"院|馆|办|领导小组|工作组|总工会|团委|妇联|残联)$")
TITLE_END = re.compile(r"(方案|规划|要点|意见|办法|通知|计划|纲要|细则|规定|决定|指引|清单|措施|安排|行动)(（[^（）]{2,20}）)?$")
DRAFT_MARK = re.compile(r"^[（(](征求意见稿|草案|送审稿|讨论稿|试行)[）)]$")
STATUSES = (("征求意见稿", "征求意见稿"), ("送审稿", "征求意见稿"), ("讨论稿", "征求意见稿"), ("草案", "草案"), ("试行", "试行"))
FIELD_NAMES = {"title": "标题", "doc_number": "文号", "issuers": "发文单位", "dates": "日期", "status": "状态",
               "jurisdiction": "地区"}


@dataclass(frozen=True)
class DocumentInfo:
    source: str                       # file name; what citations and eval evidence use
    doc_id: str
    title: str
    doc_number: str = ""              # 文号; empty when the text has none
    issuers: tuple[str, ...] = ()
    jurisdiction: str = ""
    level: str = ""
    status: str = ""                  # 正式印发 / 征求意见稿 / 草案 / 试行; empty when the text does not say
    dates: dict[str, str] = field(default_factory=dict)   # issued / signed / printed, ISO dates
    fields: dict[str, str] = field(default_factory=dict)  # other stated fields (信息时效期, 索引号 …)
    # Versions (ingest.versions): what the text states, and how it relates to the other indexed documents.
    stated_status: str = ""                               # status as the text states it; ``status`` may become "superseded"
    superseded_by: str = ""                               # source of the document that repeals or finalises this one
    supersedes: tuple[str, ...] = ()                      # sources this document repeals or finalises
    version_chain: tuple[str, ...] = ()                   # oldest → newest sources, this one among them; () alone

    def __post_init__(self) -> None:
        # documents.json stores tuples as lists; a DocumentInfo always holds tuples.
        for name in ("issuers", "supersedes", "version_chain"):
            if isinstance(getattr(self, name), list):
                object.__setattr__(self, name, tuple(getattr(self, name)))

    def as_metadata(self) -> dict[str, str]:
        """Flat, string-only fields for the vector store."""
        return {
            "source": self.source, "doc_id": self.doc_id, "title": self.title,
            "doc_number": self.doc_number, "jurisdiction": self.jurisdiction,
        }


def extract_info(source: str, text: str, header_fields: dict[str, str]) -> DocumentInfo:
    """The rules read the simplified view of the text; every value is then cut from the
    original at the same place, so a traditional-character document keeps its characters."""
    view = simplified_view(text)
    info = _extract_info(source, view, header_fields)
    if view == text:
        return info
    def written(value: str) -> str:
        return restore(value, view, text)
    return replace(info, title=written(info.title), doc_number=written(info.doc_number),
                   issuers=tuple(written(name) for name in info.issuers), jurisdiction=written(info.jurisdiction))


def _extract_info(source: str, text: str, header_fields: dict[str, str]) -> DocumentInfo:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    head = paragraphs[:HEAD_LINES]
    title = _title(head, paragraphs[:TITLE_LINE_SEARCH])
    doc_number = header_fields.get("文号") or _doc_number(head)
    issuers = _issuers(paragraphs, head, header_fields)
    jurisdiction = document_jurisdiction(title, issuers, doc_number, text)
    return DocumentInfo(
        source=source,
        doc_id=Path(source).stem,
        title=title,
        doc_number=doc_number,
        issuers=issuers,
        jurisdiction=jurisdiction,
        level=_level(jurisdiction),
        status=_status(head, title, doc_number),
        dates=_dates(paragraphs, header_fields),
        fields={key: value for key, value in header_fields.items() if value},
    )


def missing_fields(info: DocumentInfo) -> list[str]:
    """Names (as in FIELD_NAMES) of the fields a document does not state."""
    return [name for name in FIELD_NAMES if not getattr(info, name)]


NEW_AREA = re.compile(r"^(?P<name>[\u4e00-\u9fff]{2,8}?(?:新区|经济技术开发区|高新技术产业开发区|经济开发区|高新区))")


def document_jurisdiction(title: str, issuers: tuple[str, ...], doc_number: str, body: str) -> str:
    """The jurisdiction a document covers, resolved against the gazetteer (its own official
    name: 中方县, 郴州市, 湖南湘江新区); "" when title, issuers, 文号 and body do not settle it."""
    place = resolve_jurisdiction(title, list(issuers), doc_number, body)
    if place:
        return place.name
    # A new area or development zone the gazetteer does not list, named without its province.
    for text in (*issuers, title):
        zone = NEW_AREA.match(text or "")
        if zone:
            return zone.group("name")
    # A county or city the gazetteer lacks, named by its own issuer ("石梁县人民政府办公室").
    unlisted = unlisted_place(issuers, title, body)
    return unlisted.name if unlisted else ""


def _title(head: list[str], opening: list[str]) -> str:
    for paragraph in head:
        notice = NOTICE_TITLE.search(paragraph)
        # A long paragraph quoting other notices (根据《…》) is a preamble, not the title line.
        if notice and len(paragraph) <= 100:
            quoted = notice.group("title")
            # The document's own title line wins over the notice's quotation of it (dashes, spaces).
            return next((p for p in opening if p != quoted and _same_title(p, quoted)), quoted)
    candidates = [p for p in head if _could_be_title(p)]
    titled = [p for p in candidates if TITLE_END.search(p)]
    return (titled or candidates or head or [""])[0]


def _same_title(a: str, b: str) -> bool:
    def key(text: str) -> str:
        return re.sub(r"[\s—–－-]", "", text).replace("(", "（").replace(")", "）")
    return key(a) == key(b)


def _could_be_title(paragraph: str) -> bool:
    return (len(paragraph) <= 80 and not DOC_NUMBER.match(paragraph) and not MASTHEAD.match(paragraph)
            and not DRAFT_MARK.match(paragraph.strip()) and not re.search(r"[：:。]", paragraph)
            and not CN_DATE.fullmatch(paragraph))


def _issuers(paragraphs: list[str], head: list[str], header_fields: dict[str, str]) -> tuple[str, ...]:
    """The signature (落款) above a date line, else the notice's issuer, else the 版头, else 发布机构."""
    for index, paragraph in enumerate(paragraphs):
        # "…日印发" closes the 版记: the office above it printed the document, it did not issue it.
        if index > 0 and CN_DATE.fullmatch(paragraph) and not paragraph.endswith(("印", "印发")):
            names = _agencies(paragraphs[index - 1])
            if names:
                return names
    for paragraph in head:
        match = NOTICE_ISSUER.match(paragraph)
        if match and (names := _agencies(match.group("issuer"))):
            return names
    for paragraph in head:
        match = MASTHEAD.match(paragraph)
        if match and (names := _agencies(match.group("issuer"))):
            return names
    return _agencies(header_fields.get("发布机构", "") or header_fields.get("所属机构", ""))


def _agencies(text: str) -> tuple[str, ...]:
    """Agency names separated by spaces or 、; empty unless every part looks like an agency."""
    names = [name for name in re.split(r"[\s\u3000、，,]+", text.strip()) if name]
    return tuple(names) if names and all(AGENCY.match(name) for name in names) else ()


def _status(head: list[str], title: str, doc_number: str) -> str:
    marks = [p for p in head[:4] if DRAFT_MARK.match(p.strip())] + [title]
    for word, status in STATUSES:
        if any(word in mark for mark in marks):
            return status
    # A numbered (文号) or formally issued (关于印发) document is in force; otherwise we cannot tell.
    if doc_number or any(NOTICE_TITLE.search(p) for p in head):
        return "正式印发"
    return ""


def _doc_number(head: list[str]) -> str:
    # A 文号 that opens a line is the document's own; cited ones sit inside （…） or follow 《…》.
    for paragraph in head:
        match = DOC_NUMBER.match(paragraph)
        if match:
            return re.sub(r"\s", "", match.group(0))
    # Else one standing in a short head line beside the masthead or issuer ("XX文件  X发〔2030〕2号").
    for paragraph in head:
        if len(paragraph) > 60:
            continue
        for match in DOC_NUMBER.finditer(paragraph):
            before = paragraph[:match.start()].rstrip()
            if not before.endswith(("（", "(", "》", "〉", "、", "，")):
                return re.sub(r"\s", "", match.group(0))
    return ""


def _level(place: str) -> str:
    for suffix, level in LEVELS.items():
        if place.endswith(suffix):
            return level
    return ""


def _dates(paragraphs: list[str], header_fields: dict[str, str]) -> dict[str, str]:
    dates: dict[str, str] = {}
    if header_fields.get("发文日期"):
        dates["issued"] = header_fields["发文日期"]
    if header_fields.get("签署日期"):
        dates["signed"] = header_fields["签署日期"]
    for paragraph in paragraphs:
        match = CN_DATE.fullmatch(paragraph) or (CN_DATE.search(paragraph) if paragraph.endswith(("印", "印发")) else None)
        if not match:
            continue
        iso = f"{int(match['y']):04d}-{int(match['m']):02d}-{int(match['d']):02d}"
        dates.setdefault("printed" if match["printed"] else "signed", iso)
    return dates


def load_manifest(path: Path) -> dict[str, dict]:
    """Manifest entries keyed by source file name; a missing manifest is empty."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {entry["source"]: entry for entry in data.get("document", [])}


def apply_manifest(info: DocumentInfo, entry: dict | None) -> DocumentInfo:
    if not entry:
        return info
    overrides = {
        "doc_id": entry.get("id"), "title": entry.get("title"), "doc_number": entry.get("doc_number"),
        "jurisdiction": entry.get("jurisdiction"), "level": entry.get("level"), "status": entry.get("status"),
    }
    merged = {key: value for key, value in overrides.items() if value is not None}
    if "issuers" in entry:
        merged["issuers"] = tuple(entry["issuers"])
    if "dates" in entry:
        merged["dates"] = {**info.dates, **{k: str(v) for k, v in entry["dates"].items()}}
    return replace(info, **merged)
