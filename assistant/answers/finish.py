"""The last touches every extractive answer gets, whatever builder wrote it:

* each citation carries its document's status, and a draft (征求意见稿), trial or superseded
  document is marked in the answer text — after its title where the answer names it, else in
  one closing note naming the citations that quote it;
* empty Markdown emphasis ("****" when a jurisdiction is unknown) cannot reach the reader.
"""
from __future__ import annotations

import re
from dataclasses import replace

from assistant.document_status import in_force, marked_title, status_mark
from assistant.types import Citation

# "****", "** **", "__", "* *": emphasis around nothing.
EMPTY_MARKUP = re.compile(r"(\*\*|__)\s*\1|(?<![*\w])\*\s*\*(?![*\w])")
DOC_NUMBER_AFTER = r"(?:（[^（）]{2,30}〔?\d{4}〕?[^（）]{0,10}号）)?"


def without_empty_markup(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, EMPTY_MARKUP.sub("", text)
    return re.sub(r"^[ \t]+(?=\S)", "", text, flags=re.M) if text != previous else text


def with_status(citations: list[Citation], documents: dict) -> list[Citation]:
    return [replace(c, status=getattr(documents.get(c.source), "status", "") or "") for c in citations]


def mark_status(text: str, citations: list[Citation], english: bool) -> str:
    """Mark every cited document that is not in force: after its 《title》(文号) in the text,
    or, when the answer does not name it, in a closing note that names its citations."""
    notes = []
    for source in dict.fromkeys(c.source for c in citations):
        cited = [c for c in citations if c.source == source]
        status, title = cited[0].status, cited[0].title
        if in_force(status):
            continue
        mark = status_mark(status, english)
        if f"《{title}》" in text:
            if marked_title(title, status, english) != title:      # the title does not say it already
                named = re.compile(rf"(?>(《{re.escape(title)}》{DOC_NUMBER_AFTER}))(?!{re.escape(mark)})")
                text = named.sub(lambda m: m.group(1) + mark, text)
            continue
        markers = "".join(f"[{c.number}]" for c in cited)
        if english:
            notes.append(f"Note: {markers} quote{'s' if len(cited) == 1 else ''} “{title}”{mark}.")
        else:
            unsaid = mark if marked_title(title, status) != title else ""
            notes.append(f"注：{markers} 引自《{title}》{unsaid}。")
    return text + ("\n\n" + "\n\n".join(notes) if notes else "")
