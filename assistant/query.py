"""Query planning: about where, in which language, after follow-ups.

Runs before retrieval so that retrieval can search the right documents (a question
naming 郴州 searches the Chenzhou plan; a comparison searches each jurisdiction). What kind
of answer is wanted is decided by meaning in ``assistant.understanding``, not here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.gazetteer import Place, find_places, place_of_name, stem_of_another_unit
from assistant.naming import english_terms as english_matches
from assistant.naming import find_places_english
from ingest.metadata import DocumentInfo

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")

# "省里 / 全省 / 省科协…" name the province without naming it.
PROVINCE_WORDS = re.compile(r"^省|全省|省级|省里|省政府|省[\u4e00-\u9fff]{1,6}?[厅局委办协会部]|provincial|province", re.I)


@dataclass
class QueryPlan:
    question: str                                   # as asked (after length cut)
    standalone: str                                 # after follow-up rewriting
    language: str                                   # "zh" or "en"
    answer_type: str = "description"               # assistant.understanding.answer_type.LABELS
    answer_type_probability: float = 0.0
    answer_type_scores: dict[str, float] = field(default_factory=dict)   # P(label) for every label

    def wants(self, label: str, at_least: float = 0.2) -> bool:
        """The answer type is ``label``, or ``label`` is a close second; for a comparison, what is
        compared: the most likely of the other types ("郴州和中方分别由谁牵头" compares organisations)."""
        if self.answer_type == label or self.answer_type_scores.get(label, 0.0) >= at_least:
            return True
        if self.answer_type == "comparison" and self.answer_type_scores:
            others = {k: v for k, v in self.answer_type_scores.items() if k not in ("comparison", "description")}
            return bool(others) and max(others, key=others.get) == label
        return False
    jurisdictions: list[str] = field(default_factory=list)    # indexed jurisdictions named, in order
    unknown_places: list[str] = field(default_factory=list)   # places named that no document covers
    expansions: list[str] = field(default_factory=list)       # Chinese search terms for English questions
    context_terms: list[str] = field(default_factory=list)    # Chinese place/title forms (dense query only)
    agencies: list[str] = field(default_factory=list)         # agency names from the records, as named
    documents: list[str] = field(default_factory=list)        # sources named by their title ("the provincial plan")

    @property
    def search_text(self) -> str:
        """The keyword query."""
        return " ".join([self.standalone, *self.expansions])

    @property
    def dense_text(self) -> str:
        """The embedding query: places and titles in Chinese too, as context for the model."""
        return " ".join([self.standalone, *self.expansions, *self.context_terms])

    @property
    def is_comparison(self) -> bool:
        return len(self.jurisdictions) > 1 or (self.answer_type == "comparison" and not self.jurisdictions)


def language_of(text: str) -> str:
    cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    return "en" if latin > 3 * cjk and latin > 0 else "zh"


def jurisdiction_places(documents: dict[str, DocumentInfo]) -> dict[str, Place | None]:
    """Each indexed jurisdiction's name → its place in the gazetteer (None when it has none)."""
    return {info.jurisdiction: place_of_name(info.jurisdiction) for info in documents.values() if info.jurisdiction}


def jurisdiction_aliases(documents: dict[str, DocumentInfo]) -> dict[str, str]:
    """Surface forms (郴州市, 郴州, 湘江新区, 新晃县, 新晃 …) → indexed jurisdiction, longest first.
    The forms are the gazetteer's aliases of each document's place."""
    aliases: dict[str, str] = {}
    for name, place in jurisdiction_places(documents).items():
        forms = {name} | (set(place.aliases) | {place.name, place.full_name} if place else set())
        for form in forms:
            if len(form) >= 2:
                aliases.setdefault(form, name)
    return dict(sorted(aliases.items(), key=lambda item: -len(item[0])))


def find_jurisdictions(text: str, documents: dict[str, DocumentInfo]) -> tuple[list[str], list[str]]:
    """Indexed jurisdictions named in ``text`` (in the order named) and other places named in it.

    Places are found with the gazetteer (full names and aliases, 新晃县 / 新晃 for
    新晃侗族自治县), in Chinese or in pinyin; a place inside an indexed jurisdiction counts as
    that jurisdiction, and only a place no indexed document covers is reported as unknown."""
    places = jurisdiction_places(documents)
    known = [place for place in places.values() if place]
    first_seen: dict[str, int] = {}
    unknown: list[str] = []

    def covering(place: Place) -> str:
        # The jurisdiction itself, not one that merely contains it: the provincial plan does
        # not speak for 株洲, nor a city's plan for one of its districts.
        return next((name for name, own in places.items() if own and own.full_name == place.full_name), "")

    mentions = find_places(text, known=known)
    if LATIN.search(text):
        mentions += find_places_english(text, known) + [m for m in find_places_english(text) if not covering(m.place)]
    masked = list(text)
    for mention in mentions:
        name = covering(mention.place)
        if name:
            first_seen[name] = min(first_seen.get(name, mention.start), mention.start)
        elif mention.place.name not in unknown:
            unknown.append(mention.place.name)
        masked[mention.start:mention.end] = "□" * (mention.end - mention.start)
    # An indexed jurisdiction's own alias counts even where the gazetteer wants context
    # (中方 is also an everyday word), and a jurisdiction it cannot place by its name.
    rest = "".join(masked)
    for alias, name in jurisdiction_aliases(documents).items():
        # the gazetteer's rule: a short form followed by another unit ending names another unit
        found = [m.start() for m in re.finditer(re.escape(alias), rest)
                 if not stem_of_another_unit(rest, m.start(), m.end())]
        if found:
            first_seen[name] = min(first_seen.get(name, found[0]), found[0])
            for start in found:
                rest = rest[:start] + "□" * len(alias) + rest[start + len(alias):]
    for term in english_matches(text):          # a document named by its English title
        match = _jurisdiction_of_term(term, documents)
        if match:
            first_seen.setdefault(match, len(text))
    if not first_seen and PROVINCE_WORDS.search(text):
        provinces = [name for name, place in places.items() if place and place.level == "province"]
        if len(provinces) == 1:                 # "省里…" names the one province-level document
            first_seen[provinces[0]] = len(text)
    found = sorted(first_seen, key=lambda name: first_seen[name])
    return found, _drop_contained(unknown)


def _jurisdiction_of_term(term, documents: dict[str, DocumentInfo]) -> str:
    """The indexed jurisdiction an English glossary match names: a place ("Chenzhou"), or a
    document by its title ("the Chenzhou plan"). Level words ("city", "county") name none."""
    for info in documents.values():
        if not info.jurisdiction:
            continue
        if term.kind == "place" and len(term.zh) >= 2 and (term.zh in info.jurisdiction or info.jurisdiction in term.zh):
            return info.jurisdiction
        if len(term.zh) >= 8 and (term.zh in info.title or info.title in term.zh):
            return info.jurisdiction
    return ""


def _drop_contained(names: list[str]) -> list[str]:
    return [name for name in names if not any(name != other and name in other for other in names)]


def find_agencies(text: str, agency_names: list[str]) -> list[str]:
    """Agency names from the records that the question names (Chinese, or English via the glossary)."""
    found = [name for name in sorted(agency_names, key=len, reverse=True) if name in text]
    found = _drop_contained(found)
    for term in english_matches(text):
        if term.kind == "agency":
            for name in (term.zh, *term.zh_aliases):
                if name in agency_names and name not in found:
                    found.append(name)
    return found
