"""A simplified-character view of text, for matching only.

Documents from Hong Kong, Macao, Taiwan or older archives use traditional characters
(牽頭單位, 關於印發, 〔2030〕5號). The rules that recognise titles, 文号, issuers and
responsibility phrasings are written once, in simplified characters, and run on this
view; whatever they extract is then cut from the ORIGINAL text at the same position
(``restore``), so citations and records keep the document's own characters. jionlp's
character-level conversion maps one character to one character, which keeps positions.
"""
from __future__ import annotations

import contextlib
import io
from functools import lru_cache


@lru_cache(maxsize=1)
def _converter():
    try:
        with contextlib.redirect_stdout(io.StringIO()):   # jionlp prints a banner on import
            from jionlp import tra2sim
    except Exception:   # not installed or broken: matching falls back to the text as written
        return None
    return tra2sim


def simplified_view(text: str) -> str:
    """``text`` with traditional characters replaced by simplified ones, same length."""
    if text.isascii():
        return text
    convert = _converter()
    if convert is None:
        return text
    try:
        folded = convert(text, mode="char")
    except Exception:
        return text
    return folded if len(folded) == len(text) else text


def restore(value: str, view: str, original: str) -> str:
    """The original characters of ``value``, a piece found in ``view`` (the view of ``original``)."""
    position = view.find(value) if value else -1
    return original[position:position + len(value)] if position >= 0 else value
