"""The bilingual glossary (``assistant/data/glossary.toml``), kept as data.

Used to expand English questions into Chinese search terms and to gloss Chinese
agency and place names in English answers.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GLOSSARY_PATH = Path(__file__).parent / "data" / "glossary.toml"


@dataclass(frozen=True)
class Term:
    zh: str
    en: str
    kind: str
    zh_aliases: tuple[str, ...] = ()
    en_aliases: tuple[str, ...] = ()

    @property
    def english_forms(self) -> tuple[str, ...]:
        return tuple(form.lower() for form in (self.en, *self.en_aliases) if form)


@lru_cache(maxsize=4)
def load_glossary(path: Path = GLOSSARY_PATH) -> tuple[Term, ...]:
    if not path.exists():
        return ()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Term(zh=entry["zh"], en=entry.get("en", ""), kind=entry.get("kind", "term"),
             zh_aliases=tuple(entry.get("zh_aliases", ())), en_aliases=tuple(entry.get("en_aliases", ())))
        for entry in data.get("term", [])
    )


def glossary_chinese_terms() -> list[str]:
    return sorted({form for term in load_glossary() for form in (term.zh, *term.zh_aliases)})


@lru_cache(maxsize=1)
def _english_patterns() -> tuple[tuple[re.Pattern[str], Term], ...]:
    pairs = [(form, term) for term in load_glossary() for form in term.english_forms if len(form) >= 2]
    pairs.sort(key=lambda pair: -len(pair[0]))   # longest phrase wins ("county health bureau" before "health")
    return tuple((re.compile(rf"(?<![a-z]){re.escape(form)}(?![a-z])"), term) for form, term in pairs)


def english_matches(question: str) -> list[Term]:
    """Glossary terms whose English forms occur in ``question``, longest phrases first, no overlaps;
    then places written in pinyin ("Zhongfang County"), which the glossary no longer lists."""
    text = question.lower()
    found: list[Term] = []
    for pattern, term in _english_patterns():
        match = pattern.search(text)
        if match and term not in found:
            found.append(term)
            text = text[:match.start()] + " " * (match.end() - match.start()) + text[match.end():]
    from assistant.naming import english_place, find_places_english   # naming reads the glossary too

    for mention in find_places_english(text):
        place = mention.place
        term = Term(zh=place.name, en=english_place(place.name), kind="place",
                    zh_aliases=tuple(sorted(place.aliases - {place.name, place.full_name})),
                    en_aliases=(mention.text.lower(),))
        if term not in found:
            found.append(term)
    return found


def gloss(chinese: str) -> str:
    """English gloss of a Chinese name: the glossary's override or term of art, else the name
    composed by assistant/naming.py (places in pinyin, agencies from level + body), else ""."""
    for term in load_glossary():
        if chinese == term.zh or chinese in term.zh_aliases:
            return term.en
    from assistant.naming import english_agency, english_place   # naming reads the glossary too

    return english_place(chinese) or english_agency(chinese)
