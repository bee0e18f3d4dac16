"""English names for Chinese place names, agencies and document titles never seen before.

Places are written in pinyin (pypinyin, whole name at once so its phrase dictionary settles
polyphonic characters) plus the English of their division suffix: 郴州市 → Chenzhou City,
新晃侗族自治县 → Xinhuang Dong Autonomous County. Agencies are decomposed into jurisdiction,
level word and body (县 + 教育局 → County Education Bureau) and the body is translated from
the general vocabulary in ``data/agency_terms.toml``. Whatever cannot be composed from that
vocabulary gives "" — the caller then keeps the Chinese — never a guess.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from assistant.glossary import Term, english_matches, gloss, load_glossary
from ingest.variants import simplified_view
from assistant.gazetteer import (Place, PlaceMention, _ethnic_pattern, all_places, find_places, leading_alias,
                                 new_unit_after, place_by_full_name, places_named, places_within, resolve_place,
                                 same_or_within)

TERMS_PATH = Path(__file__).parent / "data" / "agency_terms.toml"
_VOWEL_START = re.compile(r"^[aoe]")


@lru_cache(maxsize=1)
def _terms() -> dict[str, dict[str, str]]:
    return tomllib.loads(TERMS_PATH.read_text(encoding="utf-8"))


def _longest_first(table: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(table.items(), key=lambda item: -len(item[0]))


# ---------------------------------------------------------------------------------------------
# Places.

def pinyin_word(chinese: str, context_suffix: str = "") -> str:
    """柳州 → Liuzhou; 西安 → Xi'an. ``context_suffix`` (市, 县…) is read along with the word so
    that pypinyin's phrase dictionary sees the whole name, then dropped."""
    from pypinyin import Style, lazy_pinyin

    if not chinese:
        return ""
    special = _terms()["place_names"].get(chinese)
    if special:
        return special
    syllables = lazy_pinyin(chinese + context_suffix, style=Style.NORMAL, errors="ignore")
    syllables = syllables[:len(chinese)] if len(syllables) >= len(chinese) else syllables
    if not syllables or not all(s.isalpha() and s.isascii() for s in syllables):
        return ""
    word = syllables[0] + "".join(("'" if _VOWEL_START.match(s) else "") + s for s in syllables[1:])
    return word.replace("v", "ü").capitalize()


def _ethnic_english(groups: str) -> str:
    """侗族 → Dong; 土家族苗族 → Tujia and Miao; 哈萨克 → Kazak."""
    names = []
    rest = groups
    pattern = _ethnic_pattern()
    while rest:
        match = pattern.match(rest)
        if not match:
            return ""
        group = next(g for g in match.groups() if g)
        names.append(_terms()["ethnic_groups"].get(group) or pinyin_word(group, "族"))
        rest = rest[match.end():]
    if not names or not all(names):
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _stem_english(stem: str, suffix: str) -> str:
    """The proper-name part: 湖南湘江 → Hunan Xiangjiang (a leading province or city is its own word)."""
    if not stem:
        return ""
    mentions = find_places(stem)
    if mentions and mentions[0].start == 0 and mentions[0].end < len(stem) and len(stem) - mentions[0].end >= 2:
        head = mentions[0]
        first = _bare_place_english(head.place)
        rest = pinyin_word(stem[head.end:], suffix)
        return f"{first} {rest}" if first and rest else ""
    return pinyin_word(stem, suffix)


def _plausible_stem(stem: str) -> bool:
    """Whether an unknown name's part before its division word can be a proper name: 2-4 Han
    characters (after a known leading place, as in 湖南湘江) and no division word inside —
    县市区, 乡镇 and 城乡 are words, not places."""
    if not re.fullmatch(r"[\u4e00-\u9fff]+", stem):
        return False
    mentions = find_places(stem)
    if mentions and mentions[0].start == 0 and mentions[0].end < len(stem):
        stem = stem[mentions[0].end:]
    elif mentions and mentions[0].start == 0:
        return True
    return 2 <= len(stem) <= 4 and not re.search("[省市县区州乡镇村]", stem)


def _bare_place_english(place: Place) -> str:
    """The pinyin of a place's own name without its division word: 湖南省 → Hunan."""
    name = place.name
    ethnic = _ethnic_pattern().search(name) if "自治" in name else None
    if ethnic and ethnic.start() > 0:
        return pinyin_word(name[:ethnic.start()])
    for suffix, _ in _longest_first(_terms()["place_suffixes"]):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return _stem_english(name[:-len(suffix)], suffix)
    return pinyin_word(name)


def _compose_place(name: str) -> str:
    """A single division's name with its suffix: 中方县 → Zhongfang County."""
    suffixes = _longest_first(_terms()["place_suffixes"])
    for suffix, english in suffixes:
        if not name.endswith(suffix) or len(name) == len(suffix):
            continue
        stem = name[:-len(suffix)]
        if stem in _terms()["place_names"]:          # 内蒙古自治区 → Inner Mongolia Autonomous Region
            return f"{_terms()['place_names'][stem]} {english}"
        if suffix == "市" and len(name) <= 4 and resolve_place(name) is not None \
                and resolve_place(name).level == "province":
            return f"{pinyin_word(stem, suffix)} Municipality"
        if suffix.startswith("自治"):
            ethnic = _ethnic_pattern().search(stem)
            if ethnic and ethnic.start() > 0:
                groups = _ethnic_english(stem[ethnic.start():])
                base = pinyin_word(stem[:ethnic.start()])
                return f"{base} {groups} {english}" if base and groups else ""
        if not _plausible_stem(stem):
            return ""
        base = _stem_english(stem, suffix)
        return f"{base} {english}" if base else ""
    return ""


def english_place(name: str) -> str:
    """English for a Chinese place name: 郴州市 → Chenzhou City; 湖南省郴州市 → Chenzhou City,
    Hunan Province; 郴州 → Chenzhou; a name that is neither a known place nor ends in a division
    word → ""."""
    name = re.sub(r"\s+", "", name or "")
    if not name:
        return ""
    mentions = find_places(name)
    # A chain of divisions written together (湖南省郴州市): innermost first, as in English addresses.
    if len(mentions) > 1 and mentions[0].start == 0 and all(
            a.end == b.start and same_or_within(b.place, a.place) for a, b in zip(mentions, mentions[1:])) \
            and mentions[-1].end == len(name):
        parts = [english_place(m.text) for m in reversed(mentions)]
        return ", ".join(parts) if all(parts) else ""
    place = resolve_place(name)
    if place is not None and name in place.aliases and name != place.name:
        if name == place.full_name:          # 湖南省郴州市 written as one alias
            return ", ".join(filter(None, (english_place(part) for part in reversed(place.chain))))
        stem, last = name[:-1], name[-1:]
        if not (stem in place.aliases and last in _terms()["place_suffixes"]):
            # a bare short name: 郴州 → Chenzhou (read with the official name for its tones)
            return _terms()["place_names"].get(name) or pinyin_word(name, place.name[len(name):])
    return _compose_place(name)


def _adjective(place: Place, text: str) -> str:
    """A jurisdiction as it stands before an agency body: Hunan Provincial, Chenzhou Municipal,
    Zhongfang County, Hunan Xiangjiang New Area."""
    if place.level in ("new_area", "zone"):
        return english_place(place.name)
    bare = _bare_place_english(place)
    if not bare:
        return ""
    if place.level == "province":
        return f"{bare} Provincial" if place.name.endswith("省") else bare
    if place.level == "city":
        if place.name.endswith("自治州") or text.endswith("州"):
            return f"{bare} Prefectural"
        return f"{bare} Municipal" if place.name.endswith("市") else bare
    if place.name.endswith("市"):
        return f"{bare} Municipal"
    for suffix, english in (("自治县", "County"), ("县", "County"), ("区", "District"), ("旗", "Banner")):
        if place.name.endswith(suffix):
            return f"{bare} {english}"
    return bare


# ---------------------------------------------------------------------------------------------
# Agencies.

@dataclass(frozen=True)
class AgencyParts:
    party: bool          # 中共…
    place: Place | None  # 湖南省 in 湖南省科学技术厅
    level: str           # level word when no place is named: 县 in 县教育局
    body: str            # 教育局, 委宣传部


def split_agency(name: str) -> AgencyParts:
    """中共湖南省委宣传部 → (party, 湖南省, '', 委宣传部); 县教育局 → (no party, None, 县, 教育局)."""
    text = re.sub(r"\s+", "", name)
    party = text.startswith("中共")
    if party:
        text = text[2:]
    mentions = find_places(text)
    if mentions and mentions[0].start == 0:
        first = mentions[0]
        place, end = first.place, first.end
        for mention in mentions[1:]:          # 湖南省怀化市中方县教育局
            if mention.start == end and same_or_within(mention.place, place):
                place, end = mention.place, mention.end
            else:
                break
        unit = new_unit_after(text, PlaceMention(text[:end], 0, end, place))
        if unit is not None:
            return AgencyParts(party, unit, "", text[len(unit.name):])
        # 郴州市 consumed its 市; a level word may still follow a bare name (郴州市委 / 湖南省委)
        return AgencyParts(party, place, "", text[end:])
    # A name several places share (西湖区 in 杭州 and in 南昌) still reads the same in English.
    alias = leading_alias(text)
    namesakes = places_named(alias) if alias else ()
    if namesakes and len({p.name for p in namesakes}) == 1 and len(text) > len(alias):
        return AgencyParts(party, namesakes[0], "", text[len(alias):])
    levels = _terms()["levels"]
    for level in sorted(levels, key=len, reverse=True):      # 新区 before 区
        if text.startswith(level) and len(text) > len(level):
            return AgencyParts(party, None, level, text[len(level):])
    return AgencyParts(party, None, "", text)


def _compose_body(body: str) -> str:
    """教育局 → Education Bureau; 文化旅游广电体育局 → Culture, Tourism, Radio and Television and
    Sports Bureau; '' if any part is not general vocabulary."""
    terms = _terms()
    if body in terms["bodies"]:
        return terms["bodies"][body]
    for type_word, template in _longest_first(terms["types"]):
        if body.endswith(type_word) and len(body) > len(type_word):
            topics = _split_topics(body[:-len(type_word)])
            if topics:
                joined = topics[0] if len(topics) == 1 else ", ".join(topics[:-1]) + " and " + topics[-1]
                return template.replace("{topics}", joined)
    return ""


def _split_topics(text: str) -> list[str]:
    """Subject words covering ``text`` exactly (longest first), joined by 和 / 、 / 及 or not at
    all; the short forms agencies run together (文旅广体) count as words here."""
    words = {**_terms()["abbreviations"], **_terms()["topics"]}
    text = text.strip("和、及")
    if not text:
        return []
    if text in words:
        return [words[text]]
    for size in range(min(len(text), 12), 0, -1):
        head = text[:size]
        if head in words:
            rest = text[size:].lstrip("和、及")
            tail = _split_topics(rest) if rest else []
            if rest and not tail:
                continue
            return [words[head], *tail]
    return []


def english_agency(name: str) -> str:
    """English for an agency name composed from its parts, or "" when a part is unknown.

    县教育局 → County Education Bureau; 湖南省科学技术厅 → Hunan Provincial Department of
    Science and Technology; 中共湖南省委宣传部 → Publicity Department of the CPC Hunan Provincial
    Committee."""
    if not name or not name.strip():
        return ""
    text = simplified_view(re.sub(r"\s+", "", name))     # 市衛生健康委 reads as 市卫生健康委
    terms = _terms()
    # 团县委 / 团市委: the Communist Youth League committee of that level
    youth = re.fullmatch(r"(?:共青团|团)(.)委", text)
    if youth and youth.group(1) in terms["levels"]:
        return f"Communist Youth League {terms['levels'][youth.group(1)]} Committee"
    parts = split_agency(text)
    if parts.place is not None:
        jurisdiction = _adjective(parts.place, text[:len(text) - len(parts.body)])
        if not jurisdiction:
            return ""
    elif parts.level:
        jurisdiction = terms["levels"][parts.level]
    else:
        jurisdiction = ""
    body = parts.body
    if parts.place is not None and body[:1] in terms["levels"] and body[1:2] == "委":
        body = body[1:]                     # 湖南省 + 省委宣传部: the level word repeats the place's
    english = _compose_body(body)
    if not english and body.endswith("办公室") and _compose_body(body[:-3]):
        # 科学技术厅办公室: the general office of a composed body
        inner = _compose_body(body[:-3])
        inner = inner if "{j}" in inner else f"{{j}} {inner}"
        english = f"General Office of the {inner}"
    if not english:
        return ""
    if "{j}" in english:
        return re.sub(r"\s+", " ", english.replace("{j}", jurisdiction)).replace(" the CPC", " the CPC").strip()
    return f"{jurisdiction} {english}".strip()


# ---------------------------------------------------------------------------------------------
# Document titles.

_PERIOD = re.compile(r"[（(]?(\d{4})\s*[—–\-－~～至]+\s*(\d{4})\s*年?[）)]?")
_YEAR = re.compile(r"(\d{4})\s*年度?")
_FIVE_YEAR = re.compile(r"[“\"]?十([一二三四五六七八九])五[”\"]?")
_ORDINALS = dict(zip("一二三四五六七八九", ("11th", "12th", "13th", "14th", "15th", "16th", "17th", "18th", "19th")))


def english_document_title(title: str) -> str:
    """Best-effort English title: [place] [year] [subject] [document type]; "" if unsure.

    The subject must be general vocabulary (agency bodies) or a glossary term of art."""
    terms = {form: term.en for term in load_glossary() for form in (term.zh, *term.zh_aliases)}
    gloss = terms.get     # terms of art only: never compose a "place" out of a title's words

    text = re.sub(r"\s+", "", title or "").strip("《》")
    text = re.sub(r"[（(](征求意见稿|草案|试行|送审稿)[）)]", "", text)
    if not text:
        return ""
    period = ""
    match = _PERIOD.search(text)
    if match:
        period = f"({match.group(1)}-{match.group(2)})"
        text = text[:match.start()] + text[match.end():]
    year = ""
    match = _YEAR.search(text)
    if match:
        year = match.group(1)
        text = text[:match.start()] + text[match.end():]
    five_year = ""
    match = _FIVE_YEAR.search(text)
    if match:
        five_year = f"{_ORDINALS[match.group(1)]} Five-Year"
        text = text[:match.start()] + text[match.end():]
    doc_type = ""
    for chinese, english in _longest_first(_terms()["doc_types"]):
        if text.endswith(chinese):
            doc_type, text = english, text[:-len(chinese)]
            break
    if not doc_type:
        return ""
    place_english = ""
    mentions = find_places(text)
    if mentions and mentions[0].start == 0:
        parts = split_agency(text)
        if parts.place is not None:
            place_english = english_place(parts.place.name)
            text = parts.body
        # 湖南省科协2023年科普工作要点: the place's agency issues the points
        for size in range(len(text), 1, -1):
            if _compose_body(text[:size]) and parts.place is not None:
                agency = gloss(parts.place.name + text[:size]) or english_agency(parts.place.name + text[:size])
                if agency:
                    place_english, text = agency, text[size:]
                    break
    subject = _subject_english(text, gloss)
    if subject is None:
        return ""
    if subject.islower():       # a glossary term of art, written lower-case: title-case it
        subject = " ".join(w if w in ("and", "of", "for", "the", "in") else w[:1].upper() + w[1:]
                           for w in subject.split())
    if " of " in subject and subject[:1].isupper() and subject.split()[0] in ("Outline", "Plan", "Opinions"):
        # 纲要实施方案 → Implementation Plan for the Outline of …
        words = [w for w in (place_english, year, five_year, doc_type, "for the", subject, period) if w]
    else:
        words = [w for w in (place_english, year, five_year, subject, doc_type, period) if w]
    return " ".join(words)


def _subject_english(text: str, gloss) -> str | None:
    """The words between place and document type, from the glossary's terms of art and the
    agency vocabulary, longest pieces first; None when a piece is unknown."""
    if not text:
        return ""
    english = gloss(text) or _compose_body(text) or _terms()["topics"].get(text, "")
    if english:
        return english
    for size in range(len(text) - 1, 1, -1):
        head = text[:size]
        head_english = gloss(head) or _compose_body(head) or _terms()["topics"].get(head, "")
        if head_english:
            rest = _subject_english(text[size:], gloss)
            if rest is not None:
                return f"{head_english} {rest}".strip()
    return None


# ---------------------------------------------------------------------------------------------
# Pinyin place names in English questions.

def _english_forms(place: Place) -> set[str]:
    """zhongfang county, zhongfang; hunan xiangjiang new area, xiangjiang new area; chenzhou city."""
    forms = set()
    for alias in place.aliases | {place.name}:
        if alias == place.full_name and alias != place.name:
            continue
        english = english_place(alias) if alias != place.name else _compose_place(alias) or english_place(alias)
        if english and "," not in english:
            forms.add(english.lower())
    bare = _bare_place_english(place)
    if bare:
        forms.add(bare.lower())
    return {form.replace("'", "") for form in forms} | forms


@lru_cache(maxsize=8)
def _english_index(places: tuple[Place, ...]) -> tuple[re.Pattern[str] | None, dict[str, tuple[Place, ...]]]:
    """Pinyin forms of the given places and of every division of their provinces, built once
    per set of places (the indexed documents' jurisdictions)."""
    candidates: list[Place] = list(places)
    for province_name in sorted({place.province for place in places}):
        province = place_by_full_name(province_name)
        if province is not None:
            candidates += places_within(province)
    index: dict[str, list[Place]] = {}
    for place in candidates:
        for form in _english_forms(place):
            if place not in index.setdefault(form, []):
                index[form].append(place)
    if not index:
        return None, {}
    alternatives = "|".join(re.escape(form) for form in sorted(index, key=len, reverse=True))
    pattern = re.compile(rf"(?<![a-z])(?:{alternatives})(?![a-z])")
    return pattern, {form: tuple(found) for form, found in index.items()}


@lru_cache(maxsize=1)
def _national_english_index() -> tuple[re.Pattern[str] | None, dict[str, tuple[Place, ...]]]:
    """Pinyin forms of every division in the country, short forms only (hunan, hunan province,
    zhongfang, zhongfang county): ≈1 s once per process, for questions when no indexed
    places are given."""
    index: dict[str, list[Place]] = {}
    for place in all_places():
        forms = {_bare_place_english(place), _compose_place(place.name)}
        for form in filter(None, forms):
            for variant in {form.lower(), form.lower().replace("'", "")}:
                if place not in index.setdefault(variant, []):
                    index[variant].append(place)
    alternatives = "|".join(re.escape(form) for form in sorted(index, key=len, reverse=True))
    pattern = re.compile(rf"(?<![a-z])(?:{alternatives})(?![a-z])")
    return pattern, {form: tuple(found) for form, found in index.items()}


# A pinyin word and a unit type right after a place name: the place only begins a longer name.
_UNIT_AFTER = re.compile(r"\s+[a-z']+\s+(?:new area|new district|development zone|high-tech zone|"
                         r"economic and technological development zone|industrial park)\b")


def find_places_english(text: str, places: Iterable[Place] | None = None) -> list[PlaceMention]:
    """Places written in pinyin in an English question ("Zhongfang County", "chenzhou"),
    looked up among ``places`` (the indexed documents' jurisdictions) and every division of
    their provinces — or, with ``places`` None, among all of China's divisions by their
    short forms. A form several places share resolves to one of ``places``, to the
    enclosing one of nested namesakes, or is left out."""
    given = tuple(sorted(set(places), key=lambda p: p.full_name)) if places is not None else ()
    pattern, index = _english_index(given) if places is not None else _national_english_index()
    if pattern is None:
        return []
    found = []
    lowered = text.lower()
    for match in pattern.finditer(lowered):
        if _UNIT_AFTER.match(lowered, match.end()):
            continue      # "Hunan Xiangjiang New Area": the start of a unit's name, not Hunan itself
        candidates = index[match.group()]
        if len(candidates) > 1:
            preferred = [p for p in candidates if p in given] or \
                        [p for p in candidates if any(same_or_within(g, p) for g in given)]
            candidates = tuple(preferred)
            if len(candidates) > 1:     # enclosing namesakes (长沙市 over 长沙县)
                outer = min(candidates, key=lambda p: len(p.chain))
                candidates = (outer,) if all(same_or_within(p, outer) for p in candidates) else ()
        if len(candidates) == 1:
            found.append(PlaceMention(text[match.start():match.end()], match.start(), match.end(), candidates[0]))
    return found


# ---------------------------------------------------------------------------------------------
# The glossary's overrides first, composed names after.

def english_name(chinese: str) -> str:
    """English for a Chinese name: the glossary's override or term of art, else the name
    composed here (places in pinyin, agencies from level + body), else ""."""
    return gloss(chinese) or english_place(chinese) or english_agency(chinese)


def english_terms(question: str) -> list[Term]:
    """Glossary terms in an English question, then places written in pinyin
    ("Zhongfang County"), which the glossary no longer lists."""
    found = english_matches(question)
    text = question.lower()
    for term in found:
        for form in term.english_forms:
            text = text.replace(form, " " * len(form))
    for mention in find_places_english(text):
        place = mention.place
        term = Term(zh=place.name, en=english_place(place.name), kind="place",
                    zh_aliases=tuple(sorted(place.aliases - {place.name, place.full_name})),
                    en_aliases=(mention.text.lower(),))
        if term not in found:
            found.append(term)
    return found
