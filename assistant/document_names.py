"""Naming a document the way a user does: by its file name, its id or its title.

The CLI's ``--doc``, the briefing's ``--docs`` and the error messages that list the
documents all use this one resolver, so whatever a message lists is accepted back.
"""
from __future__ import annotations


def resolve_documents(wanted: list[str], documents: dict) -> tuple[list[str], list[str]]:
    """(file names of the documents the --doc values name, the values that name none).

    A value may be what the error message lists for each document: its file name, its id or
    its title (the title with or without 《》; a title shared by several documents names them all)."""
    found, unknown = [], []
    for name in wanted:
        bare = name.strip().strip("《》").strip()
        sources = [source for source, info in documents.items()
                   if bare in (source, info.doc_id) or (info.title and bare == info.title.strip("《》").strip())]
        if sources:
            found += [source for source in sources if source not in found]
        else:
            unknown.append(name)
    return found, unknown
