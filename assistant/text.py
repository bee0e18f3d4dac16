"""Small text helpers shared by the answer and presentation stages."""
from __future__ import annotations

import re

from ingest.tables import TABLE_ROW

CLAUSE_END = "。；！？"
WHITESPACE = re.compile(r"\s+")


def bilingual(chinese: str, english: str) -> str:
    return f"{chinese} / {english}"


def squash(text: str | None) -> str:
    """Text with all whitespace removed (how quotes are compared): the documents wrap lines
    and pad with (full-width) spaces arbitrarily."""
    return WHITESPACE.sub("", text or "")


def sentences(text: str) -> list[str]:
    """Sentences ending at 。！？；, keeping their punctuation; paragraph breaks also end one.
    A table row ("【表题】表头：值；表头：值") is one statement: its "；" separates cells, and a
    value cut from its header ("2025年：12%") would say nothing."""
    found = []
    for paragraph in text.split("\n"):
        if TABLE_ROW.match(paragraph):
            found.append(paragraph.strip())
            continue
        found += [s.strip() for s in re.findall(r"[^。！？；]+[。！？；]*[”’」）)]*", paragraph) if s.strip()]
    return found
