"""A document's status as a reader sees it: in force, or a draft, trial or superseded plan.

The status comes from the document's metadata (``DocumentInfo.status``: what ingest read
from the text, or the manifest's override). Any value is supported: the ones we know get
their Chinese and English wording, an unknown one is shown as written. A document in
force is not marked; every other status is, after the title, wherever a fact is cited.
"""
from __future__ import annotations

# Values that mean "issued and in force": no mark.
IN_FORCE = frozenset({"", "正式印发", "正式", "现行有效", "有效"})
# Known values → (Chinese, English). "superseded" is what ingest writes for a repealed plan.
WORDING = {
    "正式印发": ("正式", "in force"),
    "征求意见稿": ("征求意见稿", "draft for comments"),
    "送审稿": ("送审稿", "draft for review"),
    "讨论稿": ("讨论稿", "draft for discussion"),
    "草案": ("草案", "draft"),
    "试行": ("试行", "trial"),
    "superseded": ("已被替代", "superseded"),
    "已废止": ("已废止", "repealed"),
    "失效": ("已失效", "no longer in force"),
}


def in_force(status: str) -> bool:
    return (status or "").strip() in IN_FORCE


def status_label(status: str, english: bool = False) -> str:
    """"正式" / "征求意见稿" / "已被替代" (or the English); "" when the metadata does not say."""
    status = (status or "").strip()
    if not status:
        return ""
    chinese, english_words = WORDING.get(status, (status, status))
    return english_words if english else chinese


def status_mark(status: str, english: bool = False) -> str:
    """What follows a title: "（征求意见稿）" / " (draft for comments)"; "" for a document in force."""
    if in_force(status):
        return ""
    label = status_label(status, english)
    return f" ({label})" if english else f"（{label}）"


def marked_title(title: str, status: str, english: bool = False) -> str:
    """The title with its status mark, unless the title already carries it
    ("…实施方案（征求意见稿）" is not marked twice)."""
    mark = status_mark(status, english)
    if not mark or status_label(status) in title and not english:
        return title
    return title + mark


def cited_title(citation, english: bool = False) -> str:
    """A citation's title as every surface shows it: "…实施方案（征求意见稿）"."""
    return marked_title(citation.title, getattr(citation, "status", ""), english)
