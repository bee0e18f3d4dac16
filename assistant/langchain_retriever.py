"""The assistant's retrieval as a LangChain ``BaseRetriever``, for use in other chains.

It runs the same query planning as the chat — follow-up rewriting, jurisdiction and
document scoping, English expansion, per-jurisdiction search for comparisons — so the
same question gets the same passages in a chain as in the UI.
"""
from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.compose import evidence_for
from assistant.engine import Assistant


class PolicyRetriever(BaseRetriever):
    """``PolicyRetriever(assistant=get_assistant(), k=5)``; ``history`` and ``filters`` as in ``answer()``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    assistant: Assistant
    k: int = 5
    history: list[dict] = []
    filters: dict = {}

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        evidence = evidence_for(self.assistant, query, self.history, self.filters)
        if evidence is None:            # a question with no content
            return []
        return [
            Document(page_content=p.chunk.text, id=p.chunk.chunk_id,
                     metadata={**p.chunk.metadata(), "score": p.score, "bm25_rank": p.bm25_rank,
                               "dense_rank": p.dense_rank, "sentence_rank": p.sentence_rank,
                               "standalone_question": evidence.plan.standalone})
            for p in evidence.passages[: self.k]
        ]
