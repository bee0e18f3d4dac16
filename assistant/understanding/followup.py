"""Follow-ups: a question that cannot stand alone is rewritten from the previous one.

"那中方县呢？" / "What about Zhongfang?" take the previous question over with the new
place in the old one's stead — in the language it was asked in, the place never doubled
("中方县中方县…"); a question that points back ("其中…", "那有哪些单位参加？") narrows the
previous question; any other question is left as asked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


from assistant.naming import english_terms, find_places_english
from assistant.query import jurisdiction_aliases, jurisdiction_places, language_of
from ingest.metadata import DocumentInfo

# Division levels name no topic: "省级的呢？", "And the province?" are follow-ups.
DIVISION_LEVEL = re.compile(r"[省市县区州乡镇村]级?|全[省市县区]|本[省市县区]|[省市县区]里|新区|地方|地区")
DIVISION_WORDS = frozenset("province provincial city county district prefecture area new level".split())
# A question that opens by pointing back ("其中…", "该行动…", "它们…") narrows the previous one.
REFERS_BACK = re.compile(r"^(其中|该|上述|这些|这个|这项|那些|那么|那|它们?|同一|还有|另外|(最后|第[一二三四五六七八九十\d]+)[一个项条]|"
                         r"among them|of these|of them|its\b|their\b|and\b|what about|how about|also\b)", re.I)
LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class PlaceSpan:
    start: int
    end: int
    jurisdiction: str       # the indexed jurisdiction the words name
    text: str               # as written ("中方县", "Zhongfang")


def place_spans(text: str, documents: dict[str, DocumentInfo]) -> list[PlaceSpan]:
    """Where ``text`` names an indexed jurisdiction: Chinese aliases (longest first) and pinyin."""
    spans: list[PlaceSpan] = []
    taken = [False] * len(text)
    for alias, name in jurisdiction_aliases(documents).items():
        for match in re.finditer(re.escape(alias), text):
            if not any(taken[match.start():match.end()]):
                taken[match.start():match.end()] = [True] * (match.end() - match.start())
                spans.append(PlaceSpan(match.start(), match.end(), name, alias))
    if LATIN.search(text):
        places = jurisdiction_places(documents)
        by_full = {place.full_name: name for name, place in places.items() if place}
        for mention in find_places_english(text, [p for p in places.values() if p]):
            name = by_full.get(mention.place.full_name)
            if name and not any(taken[mention.start:mention.end]):
                end = mention.end
                # "Zhongfang County": the level word goes with the name it follows.
                level = re.match(r"\s+(county|city|province|district|new area)\b", text[end:], re.I)
                end += level.end() if level else 0
                spans.append(PlaceSpan(mention.start, end, name, text[mention.start:end]))
    return sorted(spans, key=lambda span: span.start)


def with_place(previous: str, new: PlaceSpan, documents: dict[str, DocumentInfo], english: bool) -> str:
    """The previous question about ``new`` instead of the place(s) it named; never a place twice."""
    old = place_spans(previous, documents)
    if old and all(span.jurisdiction == new.jurisdiction for span in old):
        return previous                                  # it already asks about that place
    if old:
        rewritten = previous
        for span in reversed(old):                       # right to left: earlier spans keep their offsets
            rewritten = rewritten[:span.start] + new.text + rewritten[span.end:]
        return _drop_repeats(rewritten, new.text)
    if english:
        return re.sub(r"[\s?？.。]*$", "", previous) + f" in {new.text}?"
    return f"{new.text}{previous}"


def _drop_repeats(text: str, place: str) -> str:
    """"怀化市和中方县的…" with both replaced would read "中方县和中方县的…": keep the first."""
    return re.sub(rf"({re.escape(place)})(\s*(?:和|与|及|、|and|,)\s*{re.escape(place)})+", r"\1", text)


def rewrite_followup(question: str, history: list[dict], documents: dict[str, DocumentInfo], own_topic: bool) -> str:
    """Standalone question for one that cannot stand alone; any other question is left as asked.

    ``own_topic``: the question names something of its own (a noun other than places and
    agencies). An elliptical question ("那中方县呢？", "信息员呢？") or one with no topic of its
    own takes the previous question over — with the new place in the old one's stead when it
    names one; a question that points back narrows the previous question."""
    previous = next((turn["content"] for turn in reversed(history) if turn.get("role") == "user"), "")
    core = re.sub(r"[\s？?。！!，,]", "", question)
    elliptical = not own_topic or core.endswith("呢")
    if not previous or not (elliptical or REFERS_BACK.match(question.strip())):
        return question
    new_places = place_spans(question, documents)
    if not elliptical or not new_places:
        return f"{previous} {question}"
    return with_place(previous, new_places[0], documents, english=language_of(question) == "en")


def has_own_topic(question: str, segmenter, documents: dict[str, DocumentInfo], agency_names: list[str]) -> bool:
    """Does the question name a topic of its own — a noun (jieba part of speech) or, in
    English, a content word (scikit-learn's English stop-word list) — other than places,
    agencies and division levels? "那中方县呢？" and "What about Zhongfang?" do not."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS


    places = {form.lower() for form in jurisdiction_aliases(documents)}
    named = [name for name in agency_names if name in question]
    stripped = question
    for span in reversed(place_spans(question, documents)):
        stripped = stripped[:span.start] + " " + stripped[span.end:]
    for name in sorted([*named, *places], key=len, reverse=True):
        stripped = re.sub(re.escape(name), " ", stripped, flags=re.I)
    for term in english_terms(stripped):
        if term.kind == "place":
            for form in term.english_forms:
                stripped = re.sub(rf"\b{re.escape(form)}\b", " ", stripped, flags=re.I)
    if language_of(question) == "en":
        words = [w for w in re.findall(r"[a-z]+", stripped.lower()) if w not in ENGLISH_STOP_WORDS and len(w) > 2]
        return any(w not in DIVISION_WORDS for w in words)
    nouns = segmenter.content_words(stripped)
    return any(not DIVISION_LEVEL.fullmatch(noun) for noun in nouns)
