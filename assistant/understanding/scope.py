"""Scope: is the place, year or edition asked about covered by any document?

* A place no indexed document covers is named in the refusal, with the documents that
  exist; when one of them covers a larger area holding that place (the provincial plan for
  a city), its passage is shown as what it sets for the whole area, never as the place's own.
* A yearly document (a title with one year: "2023年科普工作要点") answers for its year only:
  "2022年的要点" is another edition, not in the corpus.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.gazetteer import place_of_name, same_or_within
from assistant.query import QueryPlan, jurisdiction_places

YEAR = re.compile(r"(?<!\d)(20\d{2})\s*年")
YEAR_RANGE = re.compile(r"(20\d{2})\s*[-—–至到]\s*(20\d{2})")


@dataclass(frozen=True)
class Enclosing:
    place: str                  # the place asked about (株洲市)
    jurisdictions: list[str]    # indexed jurisdictions containing it (湖南省)


def enclosing_jurisdictions(plan: QueryPlan, documents) -> Enclosing | None:
    """The unknown place asked about and the indexed jurisdictions that contain it (if any)."""
    places = jurisdiction_places(documents)
    for name in plan.unknown_places:
        place = place_of_name(name)
        if place is None:
            continue
        around = [j for j, own in places.items() if own and own.full_name != place.full_name and same_or_within(place, own)]
        if around:
            return Enclosing(name, around)
    return None


def edition_years(title: str) -> set[str]:
    """The year a yearly document is for ("2023年…工作要点" → {"2023"}); empty for a plan over a period."""
    if YEAR_RANGE.search(title):
        return set()
    years = set(YEAR.findall(title))
    return years if len(years) == 1 else set()


def strip_years(text: str) -> str:
    return YEAR.sub("", text)


def other_edition(plan: QueryPlan, documents, title_match) -> tuple[str, list] | None:
    """(asked year, the yearly documents of other years that the question names by title) when
    the question asks a year for which no document of that kind exists. ``title_match``:
    title (without its year) → how well the question's words point to it (0 … 1)."""
    asked = set(YEAR.findall(plan.standalone))
    if len(asked) != 1:
        return None
    year = next(iter(asked))
    yearly = [info for info in documents.values() if edition_years(info.title)]
    named = [info for info in yearly if title_match(strip_years(info.title)) >= 0.4]
    if not named or any(year in edition_years(info.title) for info in named):
        return None
    return year, named
