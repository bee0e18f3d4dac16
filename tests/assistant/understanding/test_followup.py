"""Follow-ups keep the previous question's topic, take the new place in the old one's stead,
in the language they were asked in, and never name a place twice."""
from __future__ import annotations

from assistant.understanding import plan_query


def plan_for(policy_assistant, question, history=()):
    index = policy_assistant.index
    return plan_query(question, list(history), index.documents, index.agency_names, segmenter=index.segmenter)


def test_english_followup_is_rewritten_in_english_about_the_new_place(policy_assistant):
    history = [{"role": "user", "content": "Who leads the youth science literacy action in Chenzhou?"},
               {"role": "assistant", "content": "…"}]
    plan = plan_for(policy_assistant, "What about Zhongfang?", history)
    assert plan.standalone.startswith("Who leads the youth science literacy action in Zhongfang")
    assert "Chenzhou" not in plan.standalone and not any("\u4e00" <= ch <= "\u9fff" for ch in plan.standalone)
    assert plan.jurisdictions == ["中方县"]


def test_english_followup_after_a_question_without_a_place_adds_the_place(policy_assistant):
    history = [{"role": "user", "content": "Who leads the action for older people?"}]
    plan = plan_for(policy_assistant, "What about Zhongfang County?", history)
    assert plan.standalone == "Who leads the action for older people in Zhongfang County?"
    assert plan.jurisdictions == ["中方县"]


def test_chinese_followup_replaces_the_place_and_never_doubles_it(policy_assistant):
    history = [{"role": "user", "content": "郴州市老年人科学素质提升行动由谁牵头？"}]
    plan = plan_for(policy_assistant, "那中方县呢？", history)
    assert plan.standalone == "中方县老年人科学素质提升行动由谁牵头？"
    same = plan_for(policy_assistant, "那中方县呢？", [{"role": "user", "content": "中方县老年人科学素质提升行动由谁牵头？"}])
    assert same.standalone.count("中方县") == 1
    assert same.jurisdictions == ["中方县"]


def test_a_question_with_a_topic_of_its_own_is_left_as_asked(policy_assistant):
    history = [{"role": "user", "content": "郴州市老年人科学素质提升行动由谁牵头？"}]
    question = "中方县的科普大篷车有什么安排？"
    assert plan_for(policy_assistant, question, history).standalone == question
