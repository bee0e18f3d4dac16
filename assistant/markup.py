"""Text from documents and from the LLM as Markdown that cannot fetch, link or run anything.

Two jobs, one per kind of text:

* ``escape_markdown`` — document text is always text. A quote of a passage whose file holds
  ``![图](https://…)``, ``<img …>`` or ``[click](…)`` must show those characters, not an image,
  tag or link: the characters Markdown and HTML act on are backslash-escaped (CommonMark allows
  it for every ASCII punctuation mark, so renderers show the character itself). Chinese text
  is untouched; ``(`` ``)`` ``%`` ``.`` stay as they are (without ``[`` or ``!`` before them they
  do nothing), so quotes still read as the passage reads.
* ``safe_llm_markdown`` — an LLM answer keeps a small Markdown subset (paragraphs, lists, **bold**,
  quotes, tables, the [n] markers) and loses everything that could leave the page: images are
  dropped, raw HTML is shown as text, reference definitions are dropped, and a link survives only
  when it points at a document in the index; any other link becomes its text, and a bare URL
  becomes inline code (never auto-linked).

``csv_safe_cell`` neutralises spreadsheet formulas the way OWASP's CSV-injection guidance says.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

# Markdown/HTML-active ASCII characters in running text; "(" ")" only act after "]".
_ACTIVE = re.compile(r"([\\`*_\[\]<>!&|~#])")
_URL_SCHEME = re.compile(r"(?i)\b(https?|ftp|file|data|javascript|mailto):(//)?")
# A quote line: "> passage text [1][2]" (the markers are the answer's own, not document text).
_QUOTE = re.compile(r"^(>\s?)(.*?)((?:\s*\[\d+\])*\s*)$")


def escape_markdown(text: str) -> str:
    """Document text as Markdown that renders as exactly this text (no link, image, tag or entity)."""
    escaped = _ACTIVE.sub(r"\\\1", text)
    # "https://x" is auto-linked by GFM renderers even without brackets: break the scheme.
    return _URL_SCHEME.sub(lambda m: m.group(1) + "\\:" + ("\\/\\/" if m.group(2) else ""), escaped)


def escape_quotes(markdown: str) -> str:
    """Escape the document text of every quote line ("> …"), keeping the trailing [n] markers."""
    lines = []
    for line in markdown.split("\n"):
        match = _QUOTE.match(line)
        if match and match.group(2):
            line = match.group(1) + escape_markdown(match.group(2)) + match.group(3)
        lines.append(line)
    return "\n".join(lines)


def unescape_markdown(text: str) -> str:
    """The characters back, for renderers that write plain runs (DOCX, PPTX) instead of Markdown."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


# --- LLM answers ---------------------------------------------------------------------

_IMAGE = re.compile(r"!\[[^\]\n]*\]\s*(?:\([^)\n]*\)|\[[^\]\n]*\])?")
_REFERENCE_DEFINITION = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S.*$", re.MULTILINE)
_INLINE_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)\n]*)?\s*\)")
_REFERENCE_LINK = re.compile(r"\[([^\]\n]+)\]\[([^\]\n]*)\]")
_AUTOLINK = re.compile(r"<((?:[a-zA-Z][a-zA-Z0-9+.-]{1,31}):[^<>\s]*)>")
# A URL ends at a space, a quote or the first non-ASCII character (Chinese punctuation follows it).
_BARE_URL = re.compile(r"(?i)(?<![`\w])((?:https?|ftp)://[!#-&(-;=?-~]+|www\.[!#-&(-;=?-~]+)")
_HTML = re.compile(r"<(/?[a-zA-Z!?][^>\n]*)>")
_CITATION_ONLY = re.compile(r"^\d+(?:\s*[,，、]\s*\d+)*$")


def safe_llm_markdown(text: str, documents: Iterable[str] = ()) -> str:
    """The LLM's answer with images, raw HTML, foreign links and reference definitions removed.

    ``documents``: link targets that may stay (the index's file names and document ids)."""
    allowed = {d for d in documents if d}
    text = _REFERENCE_DEFINITION.sub("", text)
    text = _IMAGE.sub("", text)

    def inline_link(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        return match.group(0) if target in allowed else label

    text = _INLINE_LINK.sub(inline_link, text)
    # "[text][ref]": its definition is gone, so it is text; keep citation markers "[1][2]" as they are.
    text = _REFERENCE_LINK.sub(lambda m: m.group(0) if _CITATION_ONLY.match(m.group(1)) and
                               (not m.group(2) or _CITATION_ONLY.match(m.group(2))) else m.group(1), text)
    text = _AUTOLINK.sub(lambda m: f"`{m.group(1)}`", text)
    text = _HTML.sub(lambda m: f"&lt;{m.group(1)}&gt;", text)
    text = _BARE_URL.sub(lambda m: f"`{m.group(1)}`", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- CSV ---------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ tab or CR gets a leading "'"
    (OWASP, CSV injection). Figures such as "-5" are text in these tables too, so no exception."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
