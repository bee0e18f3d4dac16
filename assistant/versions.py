"""Versions at answer time: prefer the current document, and say when another version differs.

Ingest links versions (ingest/versions.py): a repealed plan or a draft whose final version
is indexed has status ``superseded`` and ``superseded_by``. Questions search the current
documents only, unless the question or the user's filter names the older one. When an
answer cites a document that has an older version, and that version words the same
section differently, the answer says so and names it; an answer quoting a superseded
document says which document replaces it.
"""
from __future__ import annotations

SUPERSEDED = "superseded"


def current_sources(index, sources: list[str] | None, named: list[str]) -> list[str] | None:
    """``sources`` without superseded documents (``None`` stays "all" when nothing is superseded).

    A document the question names itself, or the user's filter picked, is kept."""
    documents = index.documents
    stale = {source for source, info in documents.items()
             if info.status == SUPERSEDED and info.superseded_by in documents and source not in named}
    if not stale:
        return sources
    kept = [source for source in (sources if sources is not None else documents) if source not in stale]
    return kept or sources


def version_notice(answer, index) -> str:
    """One line about other versions of the cited documents, "" when none differs."""
    documents = index.documents
    notes: list[str] = []
    by_source = index.chunks_by_source
    for citation in answer.citations:
        info = documents.get(citation.source)
        if info is None:
            continue
        if info.status == SUPERSEDED and info.superseded_by in documents:
            newer = documents[info.superseded_by]
            notes.append(f"《{info.title}》已被《{newer.title}》（{newer.source}）取代 / superseded by {newer.source}.")
            continue
        heading = citation.section.split(" › ")[-1] if citation.section else ""
        for older_source in info.supersedes:
            older = documents.get(older_source)
            if older is None or not heading:
                continue
            same_place = [c for c in by_source.get(older_source, []) if c.section.split(" › ")[-1] == heading]
            if same_place and all(c.text != citation.text for c in same_place):
                label = "征求意见稿" if older.stated_status in ("征求意见稿", "草案") else "旧版本"
                notes.append(f"{label}《{older.title}》（{older_source}）的「{heading}」表述不同：{same_place[0].text[:80]}"
                             f" / an older version words this differently.")
    return " ".join(dict.fromkeys(notes))
