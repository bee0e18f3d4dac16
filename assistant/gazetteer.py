"""China's administrative divisions, from jionlp's gazetteer, with aliases derived by rule.

A ``Place`` is one division (province, prefecture-level city, county-level unit, new area or
development zone). Aliases are derived from the official name, never hand-written:
  郴州市 → 郴州;  新晃侗族自治县 → 新晃县, 新晃;  湘西土家族苗族自治州 → 湘西州, 湘西.
An alias that names several places across the country (鼓楼, 朝阳…), or that is an everyday
word (通道, 中方, 平安…, per jieba's dictionary), is only used when the context settles it:
a place given as ``within`` or another place named in the same text.

Nothing here is written for particular documents; the only data are jionlp's division
dictionary, its ethnic-group and province-abbreviation patterns, and jieba's word frequencies.
"""
from __future__ import annotations

import contextlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

# An alias is "an everyday word" when jieba counts it at least this often with a tag other
# than ns (place name): 中方 (1408, "the Chinese side"), 通道 (2130), 平安 (1438) qualify;
# 郴州 (30), 湘西 (451, ns) do not.
COMMON_WORD_MIN_FREQ = 500

# Division suffixes, longest first: (suffix, level of a unit bearing it under a city).
COUNTY_SUFFIXES = ("自治县", "自治旗", "林区", "特区", "县", "旗", "区", "市")
CITY_SUFFIXES = ("自治州", "地区", "盟", "市")
PROVINCE_SUFFIXES = ("特别行政区", "自治区", "省", "市")
ZONE_WORDS = ("开发区", "高新区", "园区", "示范区", "管理区", "管委会", "新城", "试验区", "合作区")
# Body phrases that say which level a document speaks for.
LEVEL_PHRASES = {
    "province": ("我省", "全省", "本省"),
    "city": ("我市", "全市", "本市", "我州", "全州"),
    "county": ("我县", "全县", "本县", "我区", "全区", "本区", "我旗", "全旗"),
}
_HAN = r"\u4e00-\u9fff"
_DECORATION = re.compile(r"[\s“”\"《》〈〉（）()【】]")


@dataclass(frozen=True)
class Place:
    full_name: str                              # 湖南省怀化市中方县; 湖南省; 湖南湘江新区
    name: str                                   # the unit's own official name: 中方县
    level: str                                  # province | city | county | new_area | zone
    parents: tuple[str, ...] = ()               # official names of the enclosing units, top down
    aliases: frozenset[str] = field(default=frozenset(), compare=False)
    code: str = field(default="", compare=False)  # administrative division code, "" if none

    @property
    def province(self) -> str:
        return self.parents[0] if self.parents else self.name

    @property
    def chain(self) -> tuple[str, ...]:
        return (*self.parents, self.name)


@dataclass(frozen=True)
class PlaceMention:
    text: str
    start: int
    end: int
    place: Place

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


def same_or_within(place: Place, other: Place) -> bool:
    """True when ``place`` is ``other`` or lies inside it (中方县 within 怀化市 within 湖南省)."""
    outer = other.chain
    return place.chain[:len(outer)] == outer


# ---------------------------------------------------------------------------------------------
# Loading jionlp's dictionary (quietly: jionlp prints a banner on import).

def _jionlp():
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        from jionlp.dictionary.dictionary_loader import china_location_loader
        from jionlp.rule import rule_pattern
    return china_location_loader, rule_pattern


@lru_cache(maxsize=1)
def _ethnic_pattern() -> re.Pattern[str]:
    """jionlp's list of China's ethnic groups: with 族 (侗族), or the multi-character ones bare (哈萨克)."""
    _, rules = _jionlp()
    return re.compile(f"{rules.MINORITIES_IN_CHINA_PATTERN_1}|{rules.MINORITIES_IN_CHINA_PATTERN_2}")


@lru_cache(maxsize=1)
def province_abbreviations() -> dict[str, str]:
    """One-character abbreviation → province short name (湘 → 湖南), from jionlp's own tables
    (the same that read licence plates): CHINA_PROVINCE_ALIAS lists the characters in the
    order of CHINA_PROVINCE_SHORT_PATTERN."""
    _, rules = _jionlp()
    names = rules.CHINA_PROVINCE_SHORT_PATTERN.strip("()").split("|")
    chars = rules.CHINA_PROVINCE_ALIAS
    if len(names) != len(chars):     # a jionlp release that reorders its tables: no guessing
        return {}
    return dict(zip(chars, names))


@lru_cache(maxsize=1)
def _jieba_words() -> tuple[frozenset[str], frozenset[str]]:
    """(dictionary words, everyday words) from jieba's dictionary, read once: words of 2-4
    characters not tagged as place names (ns), counted ≥ 100 and ≥ COMMON_WORD_MIN_FREQ times."""
    import jieba

    words, everyday = set(), set()
    with (Path(jieba.__file__).parent / "dict.txt").open(encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            if len(parts) != 3 or parts[2] == "ns" or not 2 <= len(parts[0]) <= 4:
                continue
            count = int(parts[1])
            if count >= 100:
                words.add(parts[0])
                if count >= COMMON_WORD_MIN_FREQ:
                    everyday.add(parts[0])
    return frozenset(words), frozenset(everyday)


def _dictionary_words() -> frozenset[str]:
    """A place alias that one of these words straddles is part of that word (示范县 is not 范县)."""
    return _jieba_words()[0]


def _straddled(text: str, start: int, end: int, words: frozenset[str]) -> bool:
    """True when a dictionary word crosses the start of the match, or its end unless the match
    ends in a division word (湖南省|委 is fine, 新乡|贤 is not)."""
    for j in range(max(0, start - 3), start):
        for k in range(start + 1, min(len(text), start + 3) + 1):
            if 2 <= k - j <= 4 and text[j:k] in words:
                return True
    if text[end - 1] in "省市县区州旗盟":
        return False
    for j in range(max(start, end - 3), end):
        for k in range(end + 1, min(len(text), end + 3) + 1):
            if 2 <= k - j <= 4 and text[j:k] in words:
                return True
    return False


def _everyday_words() -> frozenset[str]:
    return _jieba_words()[1]


def _ethnic_stem(name: str) -> str:
    """新晃侗族自治县 → 新晃; 伊犁哈萨克自治州 → 伊犁; '' when the name carries no ethnic group."""
    if "自治" not in name:
        return ""
    match = _ethnic_pattern().search(name)
    return name[:match.start()] if match and match.start() > 0 else ""


def _strip_suffix(name: str, suffixes: tuple[str, ...]) -> tuple[str, str]:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[:-len(suffix)], suffix
    return name, ""


def _level_of(name: str, default: str) -> str:
    if name.endswith("新区"):
        return "new_area"
    if any(word in name for word in ZONE_WORDS):
        return "zone"
    return default


def _derived_aliases(name: str, level: str, jionlp_alias: str, ancestors: list[str]) -> tuple[set[str], set[str]]:
    """(strong aliases, weak aliases) of an official name. Weak ones (stems of new areas and zones)
    give way to a division with the same stem (镇江 is 镇江市, not 镇江新区)."""
    strong, weak = {name}, set()
    if level == "province":
        stem = _ethnic_stem(name) or _strip_suffix(name, PROVINCE_SUFFIXES)[0]
        strong.add(stem)
    elif level in ("new_area", "zone"):
        # 湖南永顺经济开发区 → 永顺经济开发区; 怀化市洪江管理区 → 洪江管理区; 浦东新区 → 浦东 (weak)
        for ancestor in ancestors:
            for prefix in sorted(_prefixes_of(ancestor), key=len, reverse=True):
                if name.startswith(prefix) and len(name) - len(prefix) >= 3:
                    strong.add(name[len(prefix):])
                    break
        if level == "new_area":
            weak.add(name[:-2])
    else:
        ethnic = _ethnic_stem(name)
        if ethnic:
            strong.add(ethnic)
            strong.add(ethnic + ("州" if name.endswith("州") else "旗" if name.endswith("旗") else "县"))
        else:
            suffixes = CITY_SUFFIXES if level == "city" else COUNTY_SUFFIXES
            stem, suffix = _strip_suffix(name, suffixes)
            if suffix and suffix not in ("盟", "旗"):    # 兴安盟 and 镶黄旗 are the names people use
                strong.add(stem)
    # jionlp's own short form when it is a short form of this name (克州 for 克孜勒苏…自治州);
    # not its type words (高新区, 经开区) that it gives to many zones.
    if jionlp_alias and (name.startswith(jionlp_alias) or (jionlp_alias.endswith("州") and name.startswith(jionlp_alias[0]))):
        strong.add(jionlp_alias)
    keep = lambda aliases: {a for a in aliases if len(a) >= 2 and re.fullmatch(f"[{_HAN}]+", a)}
    return keep(strong), keep(weak) - keep(strong)


def _prefixes_of(official: str) -> set[str]:
    stem = _ethnic_stem(official) or _strip_suffix(official, PROVINCE_SUFFIXES + CITY_SUFFIXES)[0]
    return {official, stem} if len(stem) >= 2 else {official}


def _full_name(name: str, level: str, ancestors: list[str]) -> str:
    """Ancestors' names + the unit's name. A new area or zone named after its province or city
    already carries it (湖南永顺经济开发区; 怀化市洪江管理区) and is not prefixed twice."""
    parts = []
    for ancestor in ancestors:
        if level in ("new_area", "zone") and any(name.startswith(prefix) for prefix in _prefixes_of(ancestor)):
            break
        parts.append(ancestor)
    return "".join(parts) + name


def make_place(name: str, level: str, parents: tuple[str, ...] = (), extra_aliases: Iterable[str] = ()) -> Place:
    """A Place that the gazetteer does not list (a national new area such as 湖南湘江新区),
    with aliases derived by the same rules."""
    strong, weak = _derived_aliases(name, level, "", list(parents))
    full = _full_name(name, level, list(parents))
    return Place(full_name=full, name=name, level=level, parents=parents,
                 aliases=frozenset(strong | {full, *extra_aliases}))


@dataclass
class _Gazetteer:
    places: list[Place]
    by_full_name: dict[str, Place]
    by_name: dict[str, list[Place]]
    # alias → (places for which it is a strong alias, places for which it is weak)
    aliases: dict[str, tuple[tuple[Place, ...], tuple[Place, ...]]]
    max_len: dict[str, int]          # first character → longest alias starting with it
    everyday: frozenset[str]


def _walk(location: dict) -> Iterable[tuple[str, str, str, str, list[str]]]:
    """(official name, level, code, jionlp alias, ancestors) for every division."""
    for province, cities in location.items():
        yield province, "province", cities["_admin_code"], cities["_alias"], []
        for city, counties in cities.items():
            if city.startswith("_"):
                continue
            city_alias = counties["_alias"][0] if counties["_alias"] else ""
            # a municipality lists itself again as its city; 省直辖行政区划 is no unit at all
            is_unit = city != province and "直辖" not in city
            if is_unit:
                yield city, _level_of(city, "city"), counties["_admin_code"], city_alias, [province]
            for county, info in counties.items():
                if county.startswith("_") or "直辖" in county:
                    continue
                ancestors = [province, city] if is_unit else [province]
                yield county, _level_of(county, "county"), info["_admin_code"], info["_alias"], ancestors


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    loader, _ = _jionlp()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        location = loader(detail=False)
    places: list[Place] = []
    strong_index: dict[str, list[Place]] = {}
    weak_index: dict[str, list[Place]] = {}
    for name, level, code, jionlp_alias, ancestors in _walk(location):
        strong, weak = _derived_aliases(name, level, jionlp_alias, ancestors)
        full = _full_name(name, level, ancestors)
        strong.add(full)
        place = Place(full_name=full, name=name, level=level, parents=tuple(ancestors),
                      aliases=frozenset(strong), code=code)
        places.append(place)
        for alias in strong:
            strong_index.setdefault(alias, []).append(place)
        for alias in weak:
            weak_index.setdefault(alias, []).append(place)
    aliases = {alias: (tuple(strong_index.get(alias, ())), tuple(weak_index.get(alias, ())))
               for alias in set(strong_index) | set(weak_index)}
    max_len: dict[str, int] = {}
    for alias in aliases:
        max_len[alias[0]] = max(max_len.get(alias[0], 0), len(alias))
    by_name: dict[str, list[Place]] = {}
    for place in places:
        by_name.setdefault(place.name, []).append(place)
    return _Gazetteer(places=places, by_full_name={p.full_name: p for p in places}, by_name=by_name,
                      aliases=aliases, max_len=max_len, everyday=_everyday_words())


def all_places() -> list[Place]:
    return list(_gazetteer().places)


def places_within(outer: Place) -> list[Place]:
    return [place for place in _gazetteer().places if same_or_within(place, outer)]


def place_by_full_name(full_name: str) -> Place | None:
    return _gazetteer().by_full_name.get(full_name)


def parent_of(place: Place) -> Place | None:
    if not place.parents:
        return None
    gazetteer = _gazetteer()
    for candidate in gazetteer.by_name.get(place.parents[-1], ()):
        if candidate.chain == place.parents:
            return candidate
    return None


# ---------------------------------------------------------------------------------------------
# Finding places in text.

def _candidates(alias: str, known: dict[str, list[Place]]) -> tuple[tuple[Place, ...], tuple[Place, ...]]:
    strong, weak = _gazetteer().aliases.get(alias, ((), ()))
    extra = tuple(known.get(alias, ()))
    if extra:
        seen = {p.full_name for p in extra}
        strong = extra + tuple(p for p in strong if p.full_name not in seen)
    return strong, weak


def _pick(alias: str, strong: tuple[Place, ...], weak: tuple[Place, ...], context: list[Place],
          everyday: frozenset[str]) -> Place | None:
    """The one place an alias names here, or None when it stays ambiguous.

    A place inside (or equal to, or enclosing) the context wins; otherwise a unique strong
    candidate, a province before other divisions (吉林 → 吉林省), a unique weak one.
    Everyday words and ambiguous aliases need the context."""
    candidates = strong or weak
    if context:
        in_context = [p for p in candidates if any(same_or_within(p, c) or same_or_within(c, p) for c in context)]
        if not in_context and strong and weak:
            in_context = [p for p in weak if any(same_or_within(p, c) for c in context)]
        narrow = [p for p in in_context if any(same_or_within(p, c) for c in context)] or in_context
        if len(narrow) == 1:
            return narrow[0]
    # An everyday word needs context; "<name of two or more characters> + 州/县/市…" is a name.
    # A one-character name + 县 (和县, 单县, 范县) reads as ordinary text too often (省、市和县).
    if alias in everyday and not (alias[-1] in "省市县区州旗盟" and len(alias) >= 3):
        return None
    if len(alias) == 2 and alias[-1] in "县区市旗":
        return None
    if len(strong) == 1:
        return strong[0]
    # 长沙 names 长沙市, not 长沙县 inside it: of nested namesakes the enclosing unit is meant.
    outermost = min(strong, key=lambda p: len(p.chain), default=None)
    if outermost and all(same_or_within(p, outermost) for p in strong):
        return outermost
    provinces = [p for p in strong if p.level == "province"]
    if len(provinces) == 1:
        return provinces[0]
    if not strong and len(weak) == 1:
        return weak[0]
    return None


def find_places(text: str, within: Place | None = None, known: Iterable[Place] = ()) -> list[PlaceMention]:
    """Places named in ``text``, in text order: longest aliases first, never overlapping.

    An ambiguous alias resolves to the place under ``within`` or under (or enclosing) another
    place the same text names unambiguously ('湖南…中方' → 湖南省怀化市中方县); otherwise it
    is left out. ``known`` adds places the gazetteer lacks (a document's new area)."""
    gazetteer = _gazetteer()
    known_index: dict[str, list[Place]] = {}
    for place in known:
        for alias in place.aliases | {place.name, place.full_name}:
            known_index.setdefault(alias, []).append(place)
    known_len = {alias[0]: len(alias) for alias in sorted(known_index, key=len)}
    spans: list[tuple[int, int]] = []
    length = len(text)
    for i, char in enumerate(text):
        longest = max(gazetteer.max_len.get(char, 0), known_len.get(char, 0))
        for size in range(min(longest, length - i), 1, -1):
            piece = text[i:i + size]
            if piece in gazetteer.aliases or piece in known_index:
                spans.append((i, i + size))
    words = _dictionary_words()
    spans = [(s, e) for s, e in spans if not _straddled(text, s, e, words) and not stem_of_another_unit(text, s, e)]
    spans.sort(key=lambda span: (span[0] - span[1], span[0]))
    taken: list[tuple[int, int]] = []
    occupied = bytearray(length)
    for start, end in spans:
        if not any(occupied[start:end]):
            taken.append((start, end))
            occupied[start:end] = b"\x01" * (end - start)
    taken.sort()
    # First the aliases that settle themselves; they become context for the rest.
    resolved: dict[tuple[int, int], Place] = {}
    for start, end in taken:
        alias = text[start:end]
        strong, weak = _candidates(alias, known_index)
        place = _pick(alias, strong, weak, [within] if within else [], gazetteer.everyday)
        if place is not None:
            resolved[(start, end)] = place
    context = ([within] if within else []) + list(resolved.values())
    for start, end in taken:
        if (start, end) in resolved:
            continue
        alias = text[start:end]
        strong, weak = _candidates(alias, known_index)
        # the place written right before it (南京市|鼓楼区) settles it first, then the whole text
        before = [p for (s, e), p in resolved.items() if e == start]
        place = (_pick(alias, strong, weak, before, gazetteer.everyday) if before else None) \
            or _pick(alias, strong, weak, context, gazetteer.everyday)
        if place is not None:
            resolved[(start, end)] = place
    return [PlaceMention(text[s:e], s, e, resolved[(s, e)]) for s, e in taken if (s, e) in resolved]


# The characters that end the name of an administrative unit.
UNIT_ENDINGS = "省市县区州旗盟镇乡"


def stem_of_another_unit(text: str, start: int, end: int) -> bool:
    """A short form followed by a unit ending is the stem of another unit's name: 示例 in
    "示例区" is not 示例市 (when the full name is an alias too, that longer match wins anyway)."""
    return end < len(text) and text[end] in UNIT_ENDINGS and text[end - 1] not in UNIT_ENDINGS


def places_named(alias: str) -> tuple[Place, ...]:
    """Every place an alias may name, ambiguous or not (鼓楼区 → four districts)."""
    strong, weak = _gazetteer().aliases.get(alias, ((), ()))
    return strong or weak


def leading_alias(text: str) -> str:
    """The longest alias ``text`` starts with, ambiguous or not ('' if none)."""
    gazetteer = _gazetteer()
    for size in range(min(gazetteer.max_len.get(text[:1], 0), len(text)), 1, -1):
        if text[:size] in gazetteer.aliases:
            return text[:size]
    return ""


def resolve_place(name: str, within: Place | None = None, known: Iterable[Place] = ()) -> Place | None:
    """The place a whole string names (郴州 → 湖南省郴州市), or None."""
    mentions = find_places(name.strip(), within, known)
    if not mentions:
        return None
    deepest = max(mentions, key=lambda m: len(m.place.chain))
    if all(same_or_within(deepest.place, m.place) for m in mentions):
        return deepest.place
    return None


# ---------------------------------------------------------------------------------------------
# The jurisdiction a document covers.

# "<place>湘江新区", "<place>经济技术开发区": a unit the gazetteer may not list, named after a place.
_NEW_UNIT = re.compile(rf"^([{_HAN}]{{0,6}}?)(新区|经济技术开发区|高新技术产业开发区|经济开发区|高新区)")


def new_unit_after(source: str, mention: PlaceMention) -> Place | None:
    """湖南湘江新区管理委员会 → Place(湖南湘江新区) under 湖南省, when the gazetteer lacks it."""
    match = _NEW_UNIT.match(source[mention.end:])
    if not match:
        return None
    name = source[mention.start:mention.end + match.end()]
    parent = mention.place
    level = "new_area" if match.group(2) == "新区" else "zone"
    if name in _gazetteer().by_name or name == parent.name + match.group(2):
        return None
    own_name = match.group(1) + match.group(2) if len(match.group(1)) >= 2 else ""   # 湘江新区, not 新区
    return make_place(name, level, parent.chain, extra_aliases=(own_name,) if own_name else ())


def _lead_place(source: str, context: list[Place], known: list[Place]) -> Place | None:
    """The place a title or an issuer name is about: its first place mention, narrowed by the
    mentions chained to it (湖南省怀化市中方县 → 中方县), or a new area named after it."""
    source = _DECORATION.sub("", source)
    within = context[0] if len(context) == 1 else None
    mentions = find_places(source, within=within, known=known)
    if not mentions:
        return None
    first = mentions[0]
    if first.start > 4 and not source.startswith("中共"):    # a leading place, or 中共XX委
        return None
    place = first.place
    end = first.end
    for mention in mentions[1:]:
        if mention.start == end and same_or_within(mention.place, place):
            place, end = mention.place, mention.end
        else:
            break
    new_unit = new_unit_after(source, PlaceMention(source[first.start:end], first.start, end, place))
    return new_unit or place


# A division the gazetteer does not list (new, renamed, or missing from jionlp's data), named by
# the organ that speaks for it: "石梁县人民政府办公室", "中共石梁县委", "石梁县科学技术协会".
# "某某县" / "XX县" is a placeholder ("a certain county"), not a name.
_DIVISION_NAME = rf"(?P<name>(?!某)[{_HAN}]{{2,4}}?(?P<suffix>自治县|自治州|县|市|区|旗|州))"
_ORGAN_AFTER = rf"(?=人民政府|委员会|委|人大|政协|科学技术协会|科协|[{_HAN}]{{0,8}}?(?:局|办公室|办|厅))"
_UNLISTED_ISSUER = re.compile(rf"^(?:中共)?{_DIVISION_NAME}{_ORGAN_AFTER}")
_UNLISTED_TITLE = re.compile(rf"^(?:关于印发)?《?{_DIVISION_NAME}(?![{_HAN}]?(?:级|域|内|外|直|属))")
_UNLISTED_NAME = re.compile(rf"^{_DIVISION_NAME}$")
_SUFFIX_LEVEL = {"自治县": "county", "县": "county", "区": "county", "旗": "county",
                 "市": "city", "州": "city", "自治州": "city"}


def unlisted_place(issuers: Iterable[str], title: str = "", body: str = "") -> Place | None:
    """The division a document speaks for when the gazetteer does not list it: from an issuer
    named after it ("石梁县人民政府办公室" → 石梁县, a county), else from a title that opens with
    it when the body speaks at that level ("全县", "我县"). None rather than a guess."""
    for issuer in issuers:
        match = _UNLISTED_ISSUER.match(_DECORATION.sub("", issuer or ""))
        if match and not _gazetteer().aliases.get(match.group("name")):
            return _unlisted(match)
    match = _UNLISTED_TITLE.match(_DECORATION.sub("", title or ""))
    if match and not _gazetteer().aliases.get(match.group("name")):
        if _level_said(body[:20000]) == _SUFFIX_LEVEL[match.group("suffix")]:
            return _unlisted(match)
    return None


def _unlisted(match: re.Match[str]) -> Place:
    return make_place(match.group("name"), _SUFFIX_LEVEL[match.group("suffix")])


@lru_cache(maxsize=256)
def place_of_name(name: str) -> Place | None:
    """The place a jurisdiction's name stands for (郴州市, 中方县, 湖南湘江新区), new areas and
    divisions the gazetteer lacks (石梁县, with its short form 石梁) included."""
    if not name:
        return None
    unlisted = _UNLISTED_NAME.match(name)
    return _lead_place(name, [], []) or (_unlisted(unlisted) if unlisted else None)


def _level_said(body: str) -> str:
    counts = {level: sum(body.count(phrase) for phrase in phrases) for level, phrases in LEVEL_PHRASES.items()}
    level, count = max(counts.items(), key=lambda item: item[1])
    return level if count else ""


def _doc_number_places(doc_number: str, candidates: list[Place]) -> list[Place]:
    """Places a 文号 prefix points to: 湘科发 → 湖南; 郴政办发 → 郴州. Only the places given."""
    prefix = re.match(rf"[{_HAN}]+", doc_number.strip())
    if not prefix:
        return []
    head = prefix.group()[0]
    province = province_abbreviations().get(head, "")
    found = []
    for place in candidates:
        short = sorted(place.aliases, key=len)[0] if place.aliases else place.name
        if (province and place.level == "province" and place.name.startswith(province)) or \
                (place.level != "province" and (place.name[0] == head or short[0] == head)):
            found.append(place)
    return found


def _unify(places: list[Place]) -> Place | None:
    """The most specific of places that all lie on one chain; None if they disagree."""
    if not places:
        return None
    deepest = max(places, key=lambda p: len(p.chain))
    return deepest if all(same_or_within(deepest, p) for p in places) else None


def document_jurisdiction(title: str, issuers: list[str], doc_number: str, body: str) -> Place | None:
    """The jurisdiction a policy document covers, from its title, issuers, 文号 and body.

    The title's and issuers' leading places decide when they agree (a title about a place
    inside the issuer's area keeps the narrower place); the 文号 prefix and the body's
    "我县 / 全市 / 全省" phrases decide between candidates or stand in when title and
    issuers name no place. Returns None rather than a guess."""
    head = body[:20000]
    if not title and not issuers:
        # No metadata given: the document's own head lines stand in (issuer line, title line).
        issuers = [line.strip() for line in head.splitlines() if line.strip()][:3]
    body_mentions = find_places(head)
    body_places = [m.place for m in body_mentions]
    # Provinces named in the body settle ambiguous short names in title and issuers.
    provinces = Counter(p.province for p in body_places)
    context: list[Place] = []
    if provinces:
        top = provinces.most_common(1)[0][0]
        province = next((p for p in body_places if p.level == "province" and p.name == top), None) \
            or next((p for p in all_places() if p.level == "province" and p.name == top), None)
        if province:
            context = [province]
    title_place = _lead_place(title, context, []) if title else None
    inner = re.search(r"《([^》]+)》", title or "")
    if title_place is None and inner:        # 关于印发《郴州市…方案》的通知: the plan's own title
        title_place = _lead_place(inner.group(1), context, [])
    known = [title_place] if title_place and title_place.level in ("new_area", "zone") else []
    issuer_places = [p for p in (_lead_place(issuer, context, known) for issuer in issuers if issuer) if p]
    issuer_place = None
    if issuer_places:
        common = Counter(p.full_name for p in issuer_places).most_common()
        issuer_place = next(p for p in issuer_places if p.full_name == common[0][0])
        if issuer_place.level not in ("new_area", "zone"):
            known = known or [p for p in issuer_places if p.level in ("new_area", "zone")]
    if title_place and issuer_place:
        if same_or_within(title_place, issuer_place):
            return title_place
        if same_or_within(issuer_place, title_place):
            return issuer_place
        return issuer_place          # a plan issued for another area: the issuer's reach decides
    if title_place or issuer_place:
        return title_place or issuer_place
    # Neither names a place: the body's most named place at the level it speaks for,
    # confirmed by the 文号 prefix when there is one.
    if known:
        return known[0]
    level = _level_said(head)
    counts = Counter(p.full_name for p in body_places)
    by_full = {p.full_name: p for p in body_places}
    ranked = [by_full[name] for name, _ in counts.most_common()]
    at_level = [p for p in ranked if not level or p.level == level or (level == "county" and p.level in ("new_area", "zone"))]
    numbered = _doc_number_places(doc_number, ranked) if doc_number else []
    for place in at_level:
        if not numbered or place in numbered:
            return place
    return numbered[0] if numbered else None
