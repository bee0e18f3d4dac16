"""Hybrid retrieval: BM25 (jieba) + dense (Chroma) fused by RRF, routed by jurisdiction."""
from __future__ import annotations

from assistant.compose import allowed_sources, retrieve_for_plan
from assistant.understanding import plan_query
from assistant.langchain_retriever import PolicyRetriever

ZHONGFANG = "004_aee5965023792939.txt"


def plan_for(policy_assistant, question, history=()):
    index = policy_assistant.index
    return plan_query(question, list(history), index.documents, index.agency_names, segmenter=index.segmenter)


def test_langchain_retriever_returns_documents_with_both_ranks(policy_assistant):
    retriever = PolicyRetriever(assistant=policy_assistant, k=3)
    documents = retriever.invoke("老年人科学素质提升行动 责任分工 牵头")
    assert len(documents) == 3
    assert any("牵头" in d.page_content for d in documents)
    first = documents[0].metadata
    assert first["source"].endswith(".txt") and first["section_path"]
    assert first["bm25_rank"] or first["dense_rank"]


def test_langchain_retriever_plans_like_the_chat(policy_assistant):
    """An English question naming a place is scoped to that place's document, as in the chat."""
    question = "Which agencies lead the action for older people in Zhongfang County?"
    documents = PolicyRetriever(assistant=policy_assistant, k=5).invoke(question)
    answer = policy_assistant.answer(question)
    assert documents and {d.metadata["source"] for d in documents} == {ZHONGFANG}
    assert {d.id for d in documents} & {p.chunk.chunk_id for p in answer.retrieved}


def test_keyword_ranking_drops_chunks_without_a_shared_term(policy_assistant):
    ranking = policy_assistant.retriever.keyword_ranking("智慧助老", None)
    assert ranking and all(score > 0 for _, score in ranking)
    chunks = policy_assistant.index.chunk_by_id
    assert all("智慧" in chunks[chunk_id].index_text or "助老" in chunks[chunk_id].index_text for chunk_id, _ in ranking)


def test_fused_passages_carry_each_retrievers_rank_and_are_ordered(policy_assistant):
    passages = policy_assistant.retriever.search("科普大篷车行程", k=5)
    assert [p.rank for p in passages] == [1, 2, 3, 4, 5]
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    assert passages[0].bm25_rank == 1 and "科普大篷车" in passages[0].chunk.text


def test_a_named_jurisdiction_restricts_the_search_to_its_document(policy_assistant):
    plan = plan_for(policy_assistant, "中方县对科技辅导员有什么要求？")
    sources = allowed_sources(policy_assistant.index, plan, {})
    passages = retrieve_for_plan(policy_assistant.retriever, policy_assistant.index, plan, sources, 5)
    assert sources == [ZHONGFANG]
    assert {p.chunk.source for p in passages} == {ZHONGFANG}


def test_a_comparison_retrieves_every_named_jurisdiction(policy_assistant):
    plan = plan_for(policy_assistant, "郴州、中方、湘江新区的老年人提升行动有什么不同？")
    assert plan.jurisdictions == ["郴州市", "中方县", "湖南湘江新区"]
    passages = retrieve_for_plan(policy_assistant.retriever, policy_assistant.index, plan,
                                 allowed_sources(policy_assistant.index, plan, {}), 5)
    assert {p.chunk.jurisdiction for p in passages[:3]} == {"郴州市", "中方县", "湖南湘江新区"}


def test_english_question_is_expanded_with_chinese_terms(policy_assistant):
    plan = plan_for(policy_assistant, "What does Chenzhou plan for science and technology commissioners?")
    assert "郴州市" in plan.jurisdictions and "科技特派员" in plan.expansions
    passages = retrieve_for_plan(policy_assistant.retriever, policy_assistant.index, plan,
                                 allowed_sources(policy_assistant.index, plan, {}), 5)
    assert any("科技特派员" in p.chunk.text for p in passages)


def test_followup_without_llm_is_rewritten_by_carrying_the_topic_over(policy_assistant):
    history = [{"role": "user", "content": "湘江新区到2025年公民具备科学素质的比例是多少？"},
               {"role": "assistant", "content": "超过18%。"}]
    plan = plan_for(policy_assistant, "那郴州市呢？", history)
    assert plan.standalone.startswith("郴州市") and "比例" in plan.standalone
    assert plan.jurisdictions == ["郴州市"]
