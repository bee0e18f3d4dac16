"""Versions: which indexed document repeals, replaces or finalises another.

A new plan usually says what it replaces: "原《XX实施方案》（X发〔2016〕3号）同时废止",
"《…》不再执行", "…停止执行". A formally issued plan replaces its 征求意见稿/草案 of the
same title. ``link_versions`` reads those statements across every indexed document and
marks the older one: status ``superseded``, ``superseded_by`` the newer source; the newer
one lists what it ``supersedes``; both carry the ``version_chain`` (oldest → newest
source), which the documents tab shows and answers use to prefer the current document.

It runs over the whole set each time (new and carried documents alike), from the status
the text states (``stated_status``), so removing the newer plan restores the older one.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ingest.metadata import DocumentInfo

SUPERSEDED = "superseded"
DRAFT_STATUSES = ("征求意见稿", "草案")
# 《title》, an optional （文号）, a few words ("同时", "自本方案印发之日起"), then the repeal verb.
REPEAL = re.compile(r"《(?P<title>[^《》]{4,80})》(?:[（(](?P<number>[^（）()]{4,40})[）)])?"
                    r"[^。；《》]{0,24}?(?:废止|不再执行|停止执行|同时失效|不再施行)")
STATUS_MARK = re.compile(r"[（(](征求意见稿|草案|送审稿|讨论稿|试行|修订稿)[）)]")


def title_key(title: str) -> str:
    """A title without its status mark, spaces and dash variants: the draft and the final compare equal."""
    return re.sub(r"[\s—–－\-《》“”\"]", "", STATUS_MARK.sub("", title)).replace("(", "（").replace(")", "）")


def repealed_references(text: str) -> list[tuple[str, str]]:
    """(title, 文号) of every document the text says it repeals or replaces."""
    return [(match["title"], re.sub(r"\s", "", match["number"] or "")) for match in REPEAL.finditer(text)]


def link_versions(documents: list[tuple[DocumentInfo, str]]) -> list[DocumentInfo]:
    """``documents``: (info, cleaned text) of every indexed document; returns the infos with versions linked."""
    infos = {info.source: _reset(info) for info, _ in documents}
    newer_of: dict[str, str] = {}
    for info, text in documents:
        for title, number in repealed_references(text):
            for other in infos.values():
                if other.source == info.source:
                    continue
                if (number and other.doc_number == number) or title_key(other.title) == title_key(title):
                    newer_of.setdefault(other.source, info.source)
    for draft in infos.values():
        if (draft.stated_status in DRAFT_STATUSES) and draft.source not in newer_of:
            final = [other for other in infos.values() if other.source != draft.source
                     and other.stated_status not in DRAFT_STATUSES and title_key(other.title) == title_key(draft.title)]
            if final:
                newer_of[draft.source] = final[0].source
    for older, newer in newer_of.items():
        infos[older] = replace(infos[older], status=SUPERSEDED, superseded_by=newer)
        infos[newer] = replace(infos[newer], supersedes=tuple(sorted({*infos[newer].supersedes, older})))
    for source in infos:
        infos[source] = replace(infos[source], version_chain=_chain(source, newer_of))
    return [infos[info.source] for info, _ in documents]


def _reset(info: DocumentInfo) -> DocumentInfo:
    stated = info.stated_status or (info.status if info.status != SUPERSEDED else "")
    return replace(info, status=stated, stated_status=stated, superseded_by="", supersedes=(), version_chain=())


def _chain(source: str, newer_of: dict[str, str]) -> tuple[str, ...]:
    """Oldest → newest sources through ``source``; empty when it has no other version."""
    older_of = {new: old for old, new in newer_of.items()}
    chain, seen = [source], {source}
    while chain[0] in older_of and older_of[chain[0]] not in seen:
        chain.insert(0, older_of[chain[0]])
        seen.add(chain[0])
    while chain[-1] in newer_of and newer_of[chain[-1]] not in seen:
        chain.append(newer_of[chain[-1]])
        seen.add(chain[-1])
    return tuple(chain) if len(chain) > 1 else ()
