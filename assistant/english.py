"""English forms of Chinese names for the English interface (titles, places, agencies, statuses).

The one place the UI and the exports ask "what is this called in English?".
``assistant.naming`` decides (glossary overrides, places in pinyin with their division,
agencies from level + body, document titles); a name it cannot compose is read piece by
piece — glossary terms where the glossary knows a part, place names in pinyin, the
documents' own numbering ("（四）" → "(4)") — and a name with any other piece stays in
Chinese: a half-transliteration ("Shangke Gongxinju") reads as English and means nothing.
Quoted document text is never translated: only names go through here.
"""
from __future__ import annotations

import re
from functools import lru_cache

from assistant.glossary import gloss
from assistant.naming import english_document_title, english_place
from assistant.naming import english_name as naming_english_name

HAN = re.compile(r"[\u4e00-\u9fff]")
CHINESE_NUMERALS = "一二三四五六七八九十"
NUMBERING = re.compile(rf"[（(]?([{CHINESE_NUMERALS}])[）)、]")


@lru_cache(maxsize=4096)
def english_name(chinese: str) -> str:
    """English (or pinyin) form of a Chinese name; text without Chinese comes back unchanged."""
    name = (chinese or "").strip()
    if not HAN.search(name):
        return name
    # A place or agency composed by the naming module, else a document title it can read;
    # the pinyin reading piece by piece only when neither knows the name.
    named = naming_english_name(name) or english_document_title(name.strip("《》"))
    if named:
        return named
    if exact := gloss(name.strip("《》")):
        return exact
    # Glossary terms and place names piece by piece; a piece that is neither would only be
    # pinyin ("Shangke Gongxinju", "Peixun industrial workers"): then the Chinese name stays.
    return _piecewise(name) or name


def english_list(names: str, separator: str = "、") -> str:
    """"市卫生健康委、市民政局" → "…, …" with each name in English."""
    return ", ".join(english_name(part) for part in names.split(separator) if part.strip())


def _piecewise(name: str) -> str:
    parts: list[str] = []
    position = 0
    forms = _glossary_forms()
    while position < len(name):
        match = next((form for form in forms.get(name[position], ()) if name.startswith(form, position)), None)
        if match:
            parts.append(forms_english(match))
            position += len(match)
            continue
        end = position + 1
        while end < len(name) and not any(name.startswith(f, end) for f in forms.get(name[end], ())):
            end += 1
        piece = name[position:end]
        if numbering := NUMBERING.fullmatch(piece.strip()):
            parts.append(f"({CHINESE_NUMERALS.index(numbering.group(1)) + 1})")
        elif HAN.search(piece):
            place = english_place(piece.strip("《》（）()、，,"))
            if not place:
                return ""          # not a term we know, not a place: no half-transliteration
            parts.append(place)
        else:
            parts.append(_pinyin(piece))
        position = end
    text = " ".join(p for p in parts if p)
    text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", re.sub(r"(?<=\d)\s*-\s*(?=\d)", "-", text)))
    # "(2021-2025)" may come both with a glossary title and from the name's own 年份 suffix.
    text = re.sub(r"(\(\d{4}-\d{4}\))\s*\1", r"\1", text)
    return re.sub(r"\s+([,.;:)\]])", r"\1", re.sub(r"([(\[])\s+", r"\1", text)).strip()


@lru_cache(maxsize=1)
def _glossary_forms() -> dict[str, tuple[str, ...]]:
    """First character → glossary forms (Chinese, at least 2 characters) starting with it, longest first."""
    from assistant.glossary import load_glossary

    by_first: dict[str, list[str]] = {}
    for term in load_glossary():
        if not term.en:
            continue
        for form in (term.zh, *term.zh_aliases):
            if len(form) >= 2 and HAN.match(form):
                by_first.setdefault(form[0], []).append(form)
    return {first: tuple(sorted(set(forms), key=len, reverse=True)) for first, forms in by_first.items()}


def forms_english(form: str) -> str:
    from assistant.glossary import gloss

    return gloss(form)


def _pinyin(text: str) -> str:
    """Hanyu Pinyin by word ("科学素质" → "Kexue Suzhi"); punctuation folded to ASCII."""
    import unicodedata

    import jieba
    from pypinyin import lazy_pinyin

    text = unicodedata.normalize("NFKC", text).replace("—", "-").replace("《", "").replace("》", "")
    text = re.sub(r"(\d{4})\s*-\s*(\d{4})\s*年", r"\1-\2", text)        # (2021—2025年) → (2021-2025)
    text = re.sub(r"(\d{4})\s*年", r"\1", text)
    words = []
    for word in jieba.lcut(text):
        if HAN.search(word):
            words.append("".join(lazy_pinyin(word)).capitalize())
        elif word.strip():
            words.append(word.strip())
    return " ".join(words)
