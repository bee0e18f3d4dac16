"""Names in a generated answer must come from the passages it cites.

An LLM answer can get every figure right and still invent who is responsible
("由市教育局、市公安局牵头[1]"). Besides the numbers (checked in ``assistant.llm``), every
agency, place, document number (文号) and full date in the answer must occur in the
evidence: the cited passages with their titles, document numbers and jurisdictions.

Where the names come from, so that the rule holds for any Chinese policy document:
- agencies: the names the index knows (responsibility records, issuers), plus any
  phrase that ends in a Chinese administrative-body suffix (局, 厅, 委, 委员会, 办公室, 科协 …);
- places: the index's jurisdictions and jionlp's gazetteer of provinces, cities and
  counties (full names only: short aliases such as "中方" are also ordinary words);
- 文号 and dates: by pattern (发文机关代字〔年份〕序号号; 年/月/日 in Arabic or Chinese numerals).
English answers name places and agencies in English: those are mapped back through the
bilingual glossary and checked in Chinese.
"""
from __future__ import annotations

import contextlib
import io
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

# A phrase ending in one of these names an administrative body. "委" followed by 员/托/派
# is "member / entrust / dispatch", and "局" in 格局/布局/局面/全局/大局 is not a bureau.
AGENCY = re.compile(
    r"[\u4e00-\u9fff]{1,14}?(?:委员会|管委会|办公室|办公厅|联合会|总工会|科协|妇联|团委|工会|"
    r"(?<![格布全大结当])局(?![面部势限])|厅|委(?![员托派屈]))")
# Grammar words that end the phrase before a name: "由市教育局", "会同市公安局", "和市民政局".
NAME_BOUNDARY = re.compile(r".*(?:会同|配合|负责|牵头|协同|联合|以及|由|和|及|与|同|请|经|向|对|在|是|为|等|并|或|的)")
DELIMITERS = re.compile(r"[^\u4e00-\u9fff]+")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*\d+\s*号")
CN_DIGITS = "〇零一二三四五六七八九十"
DATE = re.compile(rf"([0-9{CN_DIGITS}]{{4}})\s*年\s*([0-9{CN_DIGITS}]{{1,3}})\s*月(?:\s*([0-9{CN_DIGITS}]{{1,3}})\s*[日号])?")
MIN_NAME_CHARS = 3
PLACE_LEVELS = "省市县区州旗盟"


@dataclass(frozen=True)
class Unsupported:
    kind: str      # "agency" | "place" | "doc_number" | "date"
    name: str

    @property
    def chinese(self) -> str:
        kind = {"agency": "单位", "place": "地名", "doc_number": "文号", "date": "日期"}[self.kind]
        return f"{kind}“{self.name}”不见于所引片段"

    @property
    def english(self) -> str:
        kind = {"agency": "agency", "place": "place", "doc_number": "document number", "date": "date"}[self.kind]
        return f"the {kind} {self.name} is not in the cited passages"


def index_names(index) -> list[str]:
    """The agency and place names an index knows: responsibility records, issuers, jurisdictions."""
    documents = index.documents.values()
    return sorted({*index.agency_names, *(i.jurisdiction for i in documents if i.jurisdiction),
                   *(issuer for i in documents for issuer in i.issuers)})


def normalise(text: str) -> str:
    """NFKC (full-width digits and brackets), brackets of 文号 unified, no whitespace."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\[［【(（]\s*(\d{4})\s*[\]］】)）]", r"〔\1〕", text)
    return re.sub(r"\s+", "", text)


def unsupported_names(answer: str, evidence: str, known_names: Iterable[str] = ()) -> list[Unsupported]:
    """Every agency, place, 文号 and date of ``answer`` that ``evidence`` does not contain."""
    body, proof = normalise(answer), with_enclosing_places(normalise(evidence))
    places = _places(tuple(sorted(set(known_names))))
    problems: list[Unsupported] = []
    for kind, name, supported in (*_agency_checks(body, proof, known_names, places),
                                  *_place_checks(body, proof, places),
                                  *_doc_number_checks(body, proof), *_date_checks(body, proof),
                                  *_english_checks(answer, proof)):
        if not supported and Unsupported(kind, name) not in problems:
            problems.append(Unsupported(kind, name))
    return problems


# ------------------------------------------------------------------ agencies

def _agency_checks(body: str, proof: str, known_names: Iterable[str], places: frozenset[str]):
    known = sorted({n for n in known_names if len(n) >= MIN_NAME_CHARS}, key=len, reverse=True)
    covered = body
    for name in known:                      # the index's own names first, longest first
        if name in covered and _looks_like_agency(name):
            yield "agency", name, _agency_supported(name, proof, places)
            covered = covered.replace(name, "\0" * len(name))
    for run in DELIMITERS.split(covered.replace("\0", " ")):
        for match in AGENCY.finditer(run):
            name = NAME_BOUNDARY.sub("", match.group(0))
            if len(name) >= MIN_NAME_CHARS:
                yield "agency", name, _agency_supported(name, proof, places)


def _looks_like_agency(name: str) -> bool:
    return bool(AGENCY.fullmatch(name)) or not any(name.endswith(level) for level in PLACE_LEVELS)


def _agency_supported(name: str, proof: str, places: frozenset[str]) -> bool:
    """In the evidence as written, or as "<place><body>" where the place is in the evidence and the
    passage names the body by level only ("郴州市教育局" for a Chenzhou passage's "市教育局")."""
    if name in proof:
        return True
    for place in places:
        if name.startswith(place) and len(name) > len(place) and place in proof:
            rest = name[len(place):]
            if len(rest) >= 2 and (place[-1] + rest in proof):
                return True
    return False


# ------------------------------------------------------------------ places

@lru_cache(maxsize=8)
def _places(known_names: tuple[str, ...]) -> frozenset[str]:
    """Full place names: the gazetteer's provinces, cities and counties, plus the index's jurisdictions."""
    names = set(gazetteer_names())
    names |= {n for n in known_names if n and n[-1] in PLACE_LEVELS and len(n) >= MIN_NAME_CHARS}
    return frozenset(names)


@lru_cache(maxsize=1)
def gazetteer_names() -> frozenset[str]:
    return frozenset(_gazetteer())


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, tuple[str, ...]]:
    """Full name → the names of the divisions above it, full and short ("郴州市" → 湖南省, 湖南)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):   # jionlp prints a banner on import: keep stdout clean
            import jionlp
    except ImportError:                        # the check then covers the index's own jurisdictions only
        log.warning("jionlp is not installed; place names are checked against the index's jurisdictions only")
        return {}
    parents: dict[str, tuple[str, ...]] = {}

    def walk(node: dict, above: tuple[str, ...]) -> None:
        for key, child in node.items():
            if key.startswith("_") or not isinstance(child, dict):
                continue
            if len(key) >= MIN_NAME_CHARS:     # "城区", "郊区": too short to be a name in running text
                parents.setdefault(key, above)
            walk(child, above + (key, child.get("_alias") or key))
    walk(jionlp.china_location_loader(detail=False), ())
    return parents


def with_enclosing_places(proof: str) -> str:
    """Evidence about a city also supports its province: append the divisions above each place named."""
    above = {name for place, ancestors in _gazetteer().items() if place in proof for name in ancestors}
    return proof + "\n" + "\n".join(sorted(above)) if above else proof


def _place_checks(body: str, proof: str, places: frozenset[str]):
    covered = body
    for place in sorted((p for p in places if p in body), key=len, reverse=True):
        if place in covered:
            yield "place", place, place in proof
            covered = covered.replace(place, "\0" * len(place))


# ------------------------------------------------------------------ 文号 and dates

def _doc_number_checks(body: str, proof: str):
    for match in DOC_NUMBER.finditer(body):
        number = match.group(0)
        # The issuer's code may follow grammar words ("见郴政办发〔2022〕1号"): the code's tail counts.
        serial = number[number.index("〔"):]
        issuer = number[:number.index("〔")]
        supported = any(issuer[i:] + serial in proof for i in range(len(issuer)) if len(issuer) - i >= 2)
        yield "doc_number", number, supported


def _date_checks(body: str, proof: str):
    evidence_dates = {_date_value(m) for m in DATE.finditer(proof)}
    for match in DATE.finditer(body):
        year, month, day = _date_value(match)
        supported = any(y == year and m == month and (day is None or d == day) for y, m, d in evidence_dates)
        yield "date", match.group(0), supported


def _date_value(match: re.Match[str]) -> tuple[int, int, int | None]:
    year = int("".join(str(_chinese_number(ch)) for ch in match.group(1)))
    day = _chinese_number(match.group(3)) if match.group(3) else None
    return year, _chinese_number(match.group(2)), day


def _chinese_number(text: str) -> int:
    """"12", "十二", "二十一", "〇": small Chinese or Arabic numbers as in dates."""
    if text.isdigit():
        return int(text)
    digits = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"零": 0}
    if "十" in text:
        tens, _, units = text.partition("十")
        return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(units, 0) if units else 0)
    return int("".join(str(digits.get(ch, 0)) for ch in text))


# ------------------------------------------------------------------ English answers

def _english_checks(answer: str, proof: str):
    """English place names (glossary and the places list) must be in the evidence in Chinese.

    Agencies are not checked in English: the glossary's English agency forms are generic
    ("health commission") and would match another level's body."""
    if not re.search(r"[A-Za-z]{3}", answer):
        return
    lowered = answer.lower()
    for english, chinese_forms in _english_places():
        if re.search(rf"(?<![a-z]){re.escape(english)}(?![a-z])", lowered):
            yield "place", english.title(), any(form in proof for form in chinese_forms)


@lru_cache(maxsize=1)
def _english_places() -> tuple[tuple[str, tuple[str, ...]], ...]:
    import tomllib

    from assistant.glossary import load_glossary
    from assistant.settings import PROJECT_ROOT

    pairs: dict[str, set[str]] = {}
    for term in load_glossary():
        if term.kind == "place":
            for form in term.english_forms:
                pairs.setdefault(form, set()).update(normalise(z) for z in (term.zh, *term.zh_aliases) if z)
    places_file = PROJECT_ROOT / "assistant" / "data" / "places.toml"
    if places_file.exists():
        for entry in tomllib.loads(places_file.read_text(encoding="utf-8")).get("places", []):
            chinese, _, english = entry.partition("|")
            if english:
                pairs.setdefault(english.lower(), set()).add(chinese)
    # Longest first, so "xiangjiang new area" is one place, not a shorter one inside it.
    return tuple(sorted(((e, tuple(z)) for e, z in pairs.items() if len(e) >= 4), key=lambda p: -len(p[0])))
