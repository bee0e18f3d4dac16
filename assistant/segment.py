"""Chinese word segmentation for keyword search (jieba, search mode, domain dictionary).

jieba's general dictionary splits agency and programme names ("市卫生健康委",
"科技资源科普化工程") unpredictably; a user dictionary built from the corpus keeps them
whole, while search mode still emits their parts so "卫生健康" also matches.
"""
from __future__ import annotations

import hashlib
import logging
import re
from functools import cached_property
from pathlib import Path

import jieba
import jieba.posseg

jieba.setLogLevel(logging.WARNING)

TOKENIZER_NAME = f"jieba-{jieba.__version__}-search-numbers2"
KEEP = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]")
STOPWORDS = frozenset("的 和 与 及 等 了 在 是 对 为 以 中 把 将 由 或 并 其 之 有 哪些 什么 多少 如何 怎么 吗 呢 啊 请问 是否 哪个 哪 几".split())
NUMBER_IN_WORD = re.compile(r"\d+(?:\.\d+)?(?:%|年|万|个|人|名|项|次)?")
QUOTED_TERM = re.compile(r"[“《「]([^”》」]{2,20})[”》」]")


class Segmenter:
    """A jieba tokenizer with its own dictionary, so two indexes never share state."""

    def __init__(self, user_dictionary: Path | None = None) -> None:
        self._jieba = jieba.Tokenizer()
        self.dictionary_sha256 = ""
        if user_dictionary and user_dictionary.exists():
            self._jieba.load_userdict(str(user_dictionary))
            self.dictionary_sha256 = hashlib.sha256(user_dictionary.read_bytes()).hexdigest()

    def tokens(self, text: str) -> list[str]:
        words = [word.strip() for word in self._jieba.lcut_for_search(text.lower())]
        kept = [w for w in words if w and KEEP.search(w) and w not in STOPWORDS]
        # jieba glues numbers to neighbours ("到2025年", "超过15%"): also index the figure itself.
        return kept + [part for w in kept if NUMBER_IN_WORD.search(w) for part in NUMBER_IN_WORD.findall(w) if part != w]

    @cached_property
    def _tagger(self) -> jieba.posseg.POSTokenizer:
        # Building the tagger reads jieba's whole tag table (~1 s): once per segmenter.
        return jieba.posseg.POSTokenizer(self._jieba)

    def content_words(self, text: str) -> set[str]:
        """Nouns and names in ``text`` (jieba part-of-speech tags n*, vn, eng): the words a
        question is *about*, as opposed to its verbs and adverbs."""
        return {pair.word for pair in self._tagger.cut(text) if pair.flag.startswith(("n", "vn", "eng")) and len(pair.word) >= 2}

    def add_words(self, words: list[str]) -> None:
        for word in words:
            self._jieba.add_word(word, freq=20000)


def domain_terms(texts: list[str], agencies: list[str], places: list[str], extra: list[str] = ()) -> list[str]:
    """Agency names, jurisdictions and quoted programme names, longest first."""
    terms = set(agencies) | set(places) | set(extra)
    for text in texts:
        terms.update(QUOTED_TERM.findall(text))
    terms = {term.strip() for term in terms if 2 <= len(term.strip()) <= 20 and " " not in term}
    return sorted(terms, key=lambda term: (-len(term), term))


def write_user_dictionary(path: Path, terms: list[str]) -> None:
    path.write_text("".join(f"{term} 20000 nz\n" for term in terms), encoding="utf-8")
