"""Plan a question before retrieval: follow-ups, language, places, agencies, English terms.

The answer type needs the query embedding that retrieval computes; ``understand`` (in
this package's ``__init__``) adds it, so the question is embedded once.
"""
from __future__ import annotations

from assistant.naming import english_terms as english_matches
from assistant.query import QueryPlan, _jurisdiction_of_term, find_agencies, find_jurisdictions, language_of
from assistant.understanding.followup import has_own_topic, rewrite_followup
from ingest.metadata import DocumentInfo


def plan_query(question: str, history: list[dict], documents: dict[str, DocumentInfo],
               agency_names: list[str], standalone: str | None = None, segmenter=None) -> QueryPlan:
    """Language, follow-up rewriting, places, agencies and English search terms. The answer
    type needs the query embedding, computed by retrieval: ``assistant.understanding.understand``
    sets it."""
    own_topic = segmenter is None or has_own_topic(question, segmenter, documents, agency_names)
    standalone = standalone or rewrite_followup(question, history, documents, own_topic)
    language = language_of(question)
    jurisdictions, unknown = find_jurisdictions(standalone, documents)
    expansions, context_terms = [], []
    if language == "en":
        # Places and document titles pick the documents to search; as keywords they would
        # only match every passage of those documents, so they go to the dense query alone.
        for term in english_matches(standalone):
            place = _jurisdiction_of_term(term, documents)
            if place:
                context_terms.append(place)     # a long title would dominate the embedding
            else:
                expansions.append(term.zh)
        context_terms = list(dict.fromkeys(context_terms))
    agencies = find_agencies(standalone, agency_names) if standalone else []
    named_documents = [info.source for term in english_matches(standalone) for info in documents.values()
                       if len(term.zh) >= 8 and (term.zh in info.title or info.title in term.zh)]
    return QueryPlan(question=question, standalone=standalone, language=language,
                     jurisdictions=jurisdictions, unknown_places=unknown, expansions=expansions,
                     context_terms=context_terms, agencies=agencies,
                     documents=list(dict.fromkeys(named_documents)) if language == "en" else [])
