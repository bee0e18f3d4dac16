"""Answerability: do the retrieved passages really answer the question?

Decided from features of the question and its best evidence — how close the best
passage is in meaning (dense cosine), how much of the question's weight the best
sentence carries (exact words, and words that share most of their characters, so a
paraphrase still counts), how strong the keyword match is relative to the query's own
maximum, and whether the year, quantity and date the question asks for are there —
combined by a logistic regression fitted on the dev set
(``python -m assistant.answerability_fit``). The fitted weights, the threshold (chosen
for false refusal ≤ 3 % on dev) and its calibration live in ``data/answerability.json``.

No word list decides a refusal; the refusal names only the aspect that failed (a year,
a figure, a date), never a word the passage may state in other words.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.text import sentences

MODEL_PATH = Path(__file__).parent / "data" / "answerability.json"
FEATURES = ("lexical_coverage", "soft_coverage", "dense_top", "dense_margin", "scope_gap", "sentence_top", "keyword_relative",
            "keyword_scope_gap",
            "year_missing", "quantity_missing", "date_missing")
TARGET_FALSE_REFUSAL = 0.03

# General patterns of Chinese policy text (units, years, dates), not of particular documents.
QUANTITY = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|万|亿|千|百|人|个|名|家|所|站|项|次|元|平方米|公里|天|小时|场|支|座|处|期|户|倍|册|部|件|种|门|篇|年)")
YEAR = re.compile(r"(20\d{2})\s*年")
DATE_EXPRESSION = re.compile(r"\d{4}\s*年|\d{1,2}\s*月|\d{4}-\d{2}-\d{2}|年底|年内|年前|季度|之日起|起施行|起实施|起执行")
ASKS_QUANTITY = re.compile(r"多少|(?<!哪)几[天人名个家项万元次所站场年]|比例|比重|百分之|how many|how much|what percentage|"
                           r"what proportion|what share", re.I)
ASKS_DATE = re.compile(r"何时|什么时候|哪一?天|日期|几月几日|截止|期限|when\b|what date|which date|deadline|by when", re.I)
ASKS_WHO_OR_LIST = re.compile(r"牵头|单位|部门|机构|哪几|分别是|有哪些|agenc|department|\blead", re.I)
UNIT_GROUPS = ({"个", "家", "所", "座", "处", "站", "项", "支", "场"}, {"人", "名", "人次", "万人次", "万人"},
               {"元", "万元", "亿元"}, {"平方米"}, {"公里"}, {"天"}, {"次"}, {"年"})


def asks_for_quantity(question: str) -> bool:
    """A figure is asked for (not "哪几个单位牵头", not "有哪些工程")."""
    return bool(ASKS_QUANTITY.search(question)) and not (
        ASKS_WHO_OR_LIST.search(question) and not re.search(r"多少|比例|how much|percentage", question, re.I))


def asked_unit(question: str) -> str:
    match = re.search(r"(?:多少|几)(平方米|万人次|人次|万元|亿元|公里|[天人名个家项元次所站场条年])", question)
    return match.group(1) if match else ""


def states_quantity(sentence: str, unit: str) -> bool:
    """The sentence gives a number, in a unit compatible with the one asked for (if any)."""
    if not unit:
        return bool(QUANTITY.search(sentence))
    units = next((group for group in UNIT_GROUPS if unit in group), {unit})
    return any(re.search(rf"\d\s*[万亿千百]?\s*{re.escape(u)}", sentence) for u in units)


def soft_share(term: str, sentence: str) -> float:
    """1 for a word the sentence holds; otherwise the share of its characters it holds,
    squared, so "老人" still half-matches "老年人" while one shared character barely counts."""
    if term in sentence:
        return 1.0
    chars = set(term)
    return (len(chars & set(sentence)) / len(chars)) ** 2 if chars else 0.0


@dataclass(frozen=True)
class Features:
    lexical_coverage: float     # weighted share of question terms in the best sentence (exact words)
    soft_coverage: float        # the same with partial credit for shared characters
    dense_top: float            # cosine similarity of the best passage to the question
    dense_margin: float         # how far the best passage stands above the fifth (a clear match, not a flat field)
    scope_gap: float            # how much closer the best passage outside the asked documents is
    sentence_top: float         # cosine of the single closest sentence in scope
    keyword_relative: float     # top BM25 score over the query's own idf mass
    keyword_scope_gap: float    # how much better the question's words match outside the asked documents
    year_missing: float         # a year is asked for and no supporting sentence, heading or title has it
    quantity_missing: float     # a figure is asked for and no supporting sentence gives one in that unit
    date_missing: float         # a date is asked for and no supporting sentence has one

    def vector(self) -> list[float]:
        return [getattr(self, name) for name in FEATURES]

    def failed_aspect(self) -> str:
        for name in ("year_missing", "quantity_missing", "date_missing"):
            if getattr(self, name):
                return name
        return ""


def extract_features(question: str, terms: dict[str, float], passages, unscoped_dense_top: float | None = None,
                     sentence_top: float = 0.0, unscoped_keyword_top: float | None = None,
                     supporting_count: int = 3, answer_type: str | None = None) -> Features:
    """``terms``: the question's content words with idf weights; ``passages``: retrieved, best first;
    ``unscoped_dense_top``: the closest passage's cosine over the whole corpus when the search was scoped;
    ``answer_type``: what the question asks for (assistant.understanding); without it, read from its words."""
    total = sum(terms.values()) or 1.0
    scored = []
    for passage in passages:
        context = passage.chunk.section
        for sentence in sentences(passage.chunk.text):
            exact = sum(w for t, w in terms.items() if t in sentence) + 0.5 * sum(
                w for t, w in terms.items() if t not in sentence and t in context)
            soft = sum(w * max(soft_share(t, sentence), 0.5 * soft_share(t, context)) for t, w in terms.items())
            scored.append((exact / total, soft / total, sentence, passage))
    scored.sort(key=lambda item: -(item[0] + item[1]))
    best = scored[:supporting_count]
    dense = sorted((p.dense_score for p in passages if p.dense_score is not None), reverse=True)
    keyword = max((p.bm25_score for p in passages if p.bm25_score is not None), default=0.0)
    unit = asked_unit(question)
    wants_quantity = answer_type == "quantity" if answer_type else asks_for_quantity(question)
    wants_date = answer_type == "date" if answer_type else bool(ASKS_DATE.search(question))
    asked_years = set(YEAR.findall(question))
    contexts = [s + p.chunk.section + p.chunk.title for _, _, s, p in best]
    return Features(
        lexical_coverage=best[0][0] if best else 0.0,
        soft_coverage=best[0][1] if best else 0.0,
        dense_top=dense[0] if dense else 0.0,
        dense_margin=(dense[0] - dense[min(4, len(dense) - 1)]) if dense else 0.0,
        sentence_top=sentence_top,
        scope_gap=max(0.0, unscoped_dense_top - (dense[0] if dense else 0.0)) if unscoped_dense_top is not None else 0.0,
        keyword_relative=min(2.0, keyword / total),
        keyword_scope_gap=min(2.0, max(0.0, unscoped_keyword_top - keyword) / total) if unscoped_keyword_top is not None else 0.0,
        year_missing=float(bool(asked_years) and not any(y in c for y in asked_years for c in contexts)),
        quantity_missing=float(wants_quantity and not any(states_quantity(s, unit) for _, _, s, _ in best)),
        date_missing=float(wants_date and not any(DATE_EXPRESSION.search(s) for _, _, s, _ in best)),
    )


@dataclass(frozen=True)
class Model:
    mean: list[float]            # features are standardised with dev's mean and spread
    scale: list[float]
    weights: list[float]
    bias: float
    threshold: float             # answer when P(answerable) ≥ threshold
    fitted_on: str = ""
    calibration: dict | None = None

    def probability(self, features: Features) -> float:
        z = self.bias + sum(w * (x - m) / s for w, x, m, s in zip(self.weights, features.vector(), self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-z))


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> Model:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("features") != list(FEATURES):
        raise ValueError(f"{path}: fitted for other features; run `python -m assistant.answerability_fit`")
    return Model(mean=data["mean"], scale=data["scale"], weights=data["weights"], bias=data["bias"],
                 threshold=data["threshold"],
                 fitted_on=data.get("fitted_on", ""), calibration=data.get("calibration"))


@dataclass(frozen=True)
class Decision:
    answerable: bool
    probability: float
    features: Features


def decide(question: str, terms: dict[str, float], passages, unscoped_dense_top: float | None = None,
           sentence_top: float = 0.0, unscoped_keyword_top: float | None = None, answer_type: str | None = None) -> Decision:
    features = extract_features(question, terms, passages, unscoped_dense_top, sentence_top, unscoped_keyword_top,
                                answer_type=answer_type)
    model = load_model()
    probability = model.probability(features)
    return Decision(probability >= model.threshold, probability, features)
