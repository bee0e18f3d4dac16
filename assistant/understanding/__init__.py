"""Understanding the question: follow-ups, answer type, topic and scope — by meaning.

``plan`` rewrites follow-ups and finds places, agencies and English search terms (before
retrieval); ``understand`` adds the answer type, from the query embedding retrieval
computes anyway and the question's characters (``answer_type``); ``topic`` matches the
question to the action or task row it is about; ``slot`` and ``scope`` say what an answer
must contain and what the documents do not cover.
"""
from __future__ import annotations

from assistant.query import QueryPlan
from assistant.understanding.answer_type import LABELS, AnswerType, predict_answer_type
from assistant.understanding.plan import plan_query


def understand(plan: QueryPlan, vector) -> AnswerType:
    """Set the plan's answer type from its question and its query embedding ``vector``."""
    predicted = predict_answer_type(plan.standalone, vector)
    plan.answer_type, plan.answer_type_probability = predicted.label, predicted.probability
    plan.answer_type_scores = predicted.probabilities
    return predicted


__all__ = ["LABELS", "AnswerType", "plan_query", "predict_answer_type", "understand"]
