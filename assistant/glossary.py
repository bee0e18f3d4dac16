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
    """Glossary terms whose English forms occur in ``question``, longest phrases first, no
    overlaps. (``assistant.naming.english_terms`` adds places written in pinyin.)"""
    text = question.lower()
    found: list[Term] = []
    for pattern, term in _english_patterns():
        match = pattern.search(text)
        if match and term not in found:
            found.append(term)
            text = text[:match.start()] + " " * (match.end() - match.start()) + text[match.end():]
    return found


def gloss(chinese: str) -> str:
    """The glossary's English for a Chinese name or term of art, or "" (see
    ``assistant.naming.english_name`` for names the glossary does not list)."""
    for term in load_glossary():
        if chinese == term.zh or chinese in term.zh_aliases:
            return term.en
    return ""
