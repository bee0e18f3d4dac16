"""Policy QA assistant: grounded answers with citations over policy documents.

The public entry point is :func:`assistant.answer` (imported lazily so that ``import
assistant`` stays cheap for the CLI and ingest).
"""
from __future__ import annotations


def answer(question: str, history=None, filters=None, **kwargs):
    from assistant.engine import answer as _answer

    return _answer(question, history=history, filters=filters, **kwargs)


__all__ = ["answer"]
