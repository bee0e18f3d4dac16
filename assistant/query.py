"""Query planning: what is asked, about where, in which language, after follow-ups.

Runs before retrieval so that retrieval can search the right documents (a question
naming 郴州 searches the Chenzhou plan; a comparison searches each jurisdiction) and the
composer knows which kind of answer to build.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.gazetteer import Place, find_places, place_of_name
from assistant.naming import english_terms as english_matches
from assistant.naming import find_places_english
from ingest.metadata import DocumentInfo

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")

INTENT_PATTERNS: dict[str, re.Pattern[str]] = {
    "responsibility": re.compile(r"牵头|负责|责任分工|主管|(参加|参与|配合).*(单位|部门|机构)|(单位|部门|机构).*(参加|参与|配合)|"
                                 r"哪些单位|哪个单位|哪些部门|哪个部门|哪家单位|\blead|responsib|in charge|which agenc|"
                                 r"which department|which bod|which organi[sz]ation|participat|take part", re.I),
    "issuer": re.compile(r"哪几?家单位.*(印发|发布|联合)|(印发|发文|发布)单位|谁(印发|发布|制定)|由谁(印发|发布|制定)|发文机关|"
                         r"who (issued|published|released)|issued by|issuing (body|bodies|agenc)", re.I),
    "date": re.compile(r"何时|什么时候|哪一?天|日期|哪年哪月|几月几日|发布时间|印发时间|签署|时效|截止|when\b|what date|which date|dated|until", re.I),
    "doc_number": re.compile(r"文号|发文字号|document number|reference number", re.I),
    "status": re.compile(r"征求意见稿|正式(文件|印发|发布|稿)|草案|草稿|状态|是否(生效|有效)|\bstatus\b|\bdraft\b|final version|"
                         r"officially (issued|adopted)", re.I),
    "list": re.compile(r"哪些|哪几|几[项个类条点方面部分]|多少[项个条]|包括|包含|分为|列出|列举|分别是什么|"
                       r"which .*(actions|projects|tasks|measures|groups|principles)|what (are|were) the|\blist\b|"
                       r"how many (actions|projects|tasks|key|measures|groups|principles|parts|sections)", re.I),
    "figure": re.compile(r"多少|几|比例|比重|目标|指标|数量|人数|面积|百分|%|％|how many|how much|what percentage|percent|proportion|"
                         r"\btarget|\bgoal|\brate\b|number of", re.I),
    "compare": re.compile(r"比较|对比|相比|分别|各自|异同|区别|不同|compare|comparison|differ|versus|\bvs\b|both|each of", re.I),
}
AGENCY_ROLE = re.compile(r"牵头|负责|参加|参与|配合|\blead|participat|take part|involved|responsible", re.I)
# "省里 / 全省 / 省科协…" name the province without naming it.
PROVINCE_WORDS = re.compile(r"^省|全省|省级|省里|省政府|省[\u4e00-\u9fff]{1,6}?[厅局委办协会部]|provincial|province", re.I)


@dataclass
class QueryPlan:
    question: str                                   # as asked (after length cut)
    standalone: str                                 # after follow-up rewriting
    language: str                                   # "zh" or "en"
    intents: set[str] = field(default_factory=set)
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
        return len(self.jurisdictions) > 1 or ("compare" in self.intents and not self.jurisdictions)


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
        position = rest.find(alias)
        if position >= 0:
            first_seen[name] = min(first_seen.get(name, position), position)
            rest = rest.replace(alias, "□" * len(alias))
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


def rewrite_followup(question: str, history: list[dict], documents: dict[str, DocumentInfo],
                     own_topic: bool) -> str:
    """Standalone question for one that cannot stand alone; any other question is left as asked.

    ``own_topic``: the question names something of its own (a noun other than places and
    agencies). An elliptical question ("那中方县呢？", "信息员呢？") or one with no topic of its
    own takes the previous question over — with the new place in the old one's stead when it
    names one; a question that points back ("其中…", "那有哪些单位参加？", "最后一项…") narrows
    the previous question."""
    previous = next((turn["content"] for turn in reversed(history) if turn.get("role") == "user"), "")
    core = re.sub(r"[\s？?。！!，,]", "", question)
    elliptical = not own_topic or core.endswith("呢")
    if not previous or not (elliptical or REFERS_BACK.match(question.strip())):
        return question
    new_places, _ = find_jurisdictions(question, documents)
    old_places, _ = find_jurisdictions(previous, documents)
    if not elliptical or not new_places:
        return f"{previous} {question}"
    if old_places:
        rewritten = previous
        for alias, name in jurisdiction_aliases(documents).items():
            if name == old_places[0] and alias in rewritten:
                rewritten = rewritten.replace(alias, new_places[0], 1)
                return rewritten if rewritten != previous else f"{new_places[0]}{previous}"
    return f"{new_places[0]} {previous}"


def has_own_topic(question: str, segmenter, documents: dict[str, DocumentInfo], agency_names: list[str]) -> bool:
    """Does the question name a topic of its own — a noun (jieba part of speech) or, in
    English, a content word (scikit-learn's English stop-word list) — other than places,
    agencies and division levels? "那中方县呢？" and "What about Zhongfang?" do not."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    places = {form.lower() for form in jurisdiction_aliases(documents)}
    named = [name for name in agency_names if name in question]
    stripped = question
    for name in sorted([*named, *places], key=len, reverse=True):
        stripped = re.sub(re.escape(name), " ", stripped, flags=re.I)
    for term in english_matches(stripped):
        if term.kind == "place":
            for form in term.english_forms:
                stripped = re.sub(rf"\b{re.escape(form)}\b", " ", stripped, flags=re.I)
    if language_of(question) == "en":
        words = [w for w in re.findall(r"[a-z]+", stripped.lower()) if w not in ENGLISH_STOP_WORDS and len(w) > 2]
        return any(w not in DIVISION_WORDS for w in words)
    nouns = segmenter.content_words(stripped)
    return any(not DIVISION_LEVEL.fullmatch(noun) for noun in nouns)


# Division levels name no topic: "省级的呢？", "And the province?" are follow-ups.
DIVISION_LEVEL = re.compile(r"[省市县区州乡镇村]级?|全[省市县区]|本[省市县区]|[省市县区]里|新区|地方|地区")
DIVISION_WORDS = frozenset("province provincial city county district prefecture area new level".split())
# A question that opens by pointing back ("其中…", "该行动…", "它们…") narrows the previous one.
REFERS_BACK = re.compile(r"^(其中|该|上述|这些|这个|这项|那些|那么|那|它们?|同一|还有|另外|(最后|第[一二三四五六七八九十\d]+)[一个项条]|"
                         r"among them|of these|of them|its\b|their\b|and\b|what about|how about|also\b)", re.I)


def plan_query(question: str, history: list[dict], documents: dict[str, DocumentInfo],
               agency_names: list[str], standalone: str | None = None, segmenter=None) -> QueryPlan:
    own_topic = segmenter is None or has_own_topic(question, segmenter, documents, agency_names)
    standalone = standalone or rewrite_followup(question, history, documents, own_topic)
    language = language_of(question)
    jurisdictions, unknown = find_jurisdictions(standalone, documents)
    intents = {name for name, pattern in INTENT_PATTERNS.items() if pattern.search(standalone)}
    expansions, context_terms = [], []
    if language == "en":
        # Places and document titles pick the documents to search; as keywords they would
        # only match every passage of those documents, so they go to the dense query alone.
        for term in english_matches(standalone):
            place = _jurisdiction_of_term(term, documents)
            if place:
                context_terms.append(place)     # a long title would dominate the embedding
            else:
                expansions.append(term.zh)
        context_terms = list(dict.fromkeys(context_terms))
    agencies = find_agencies(standalone, agency_names) if standalone else []
    named_documents = [info.source for term in english_matches(standalone) for info in documents.values()
                       if len(term.zh) >= 8 and (term.zh in info.title or info.title in term.zh)]
    if agencies and AGENCY_ROLE.search(standalone):
        intents.add("responsibility")      # "县科协参加了哪些工作？" names the agency instead of 单位
    return QueryPlan(question=question, standalone=standalone, language=language, intents=intents,
                     jurisdictions=jurisdictions, unknown_places=unknown, expansions=expansions,
                     context_terms=context_terms, agencies=agencies,
                     documents=list(dict.fromkeys(named_documents)) if language == "en" else [])
