"""Small text helpers shared by the answer and presentation stages."""
from __future__ import annotations

import re

CLAUSE_END = "。；！？"
WHITESPACE = re.compile(r"\s+")


def bilingual(chinese: str, english: str) -> str:
    return f"{chinese} / {english}"


def squash(text: str | None) -> str:
    """Text with all whitespace removed (how quotes are compared): the documents wrap lines
    and pad with (full-width) spaces arbitrarily."""
    return WHITESPACE.sub("", text or "")


def sentences(text: str) -> list[str]:
    """Sentences ending at 。！？；, keeping their punctuation; paragraph breaks also end one."""
    found = []
    for paragraph in text.split("\n"):
        found += [s.strip() for s in re.findall(r"[^。！？；]+[。！？；]*[”’」）)]*", paragraph) if s.strip()]
    return found
