"""Feedback is appended durably, survives restarts and tolerates a torn last line."""
from __future__ import annotations

import json
import os
import threading

import pytest

from assistant import feedback
from assistant.types import Answer, Citation


def answer(question: str = "中方县的重点工程有哪些？") -> Answer:
    cited = Citation(1, "c1", "004_zhongfang.txt", "中方县全民科学素质行动规划纲要实施方案", "", "中方县",
                     "三、重点工程 › （一）科技资源科普化工程", "（一）科技资源科普化工程", 7360, 7430)
    return Answer(question=question, text="1. （一）科技资源科普化工程 [1]", citations=[cited], retrieved=[],
                  abstained=False)


def test_entry_holds_question_answer_citations_mode_time_rating_and_comment():
    entry = feedback.feedback_entry(answer(), "down", "  漏掉了第四项  ")
    assert entry["question"] == "中方县的重点工程有哪些？"
    assert entry["answer"].startswith("1. （一）科技资源科普化工程")
    assert entry["citations"][0]["source"] == "004_zhongfang.txt"
    assert entry["citations"][0]["section"].startswith("三、重点工程")
    assert entry["mode"] == "extractive"
    assert entry["rating"] == "down" and entry["comment"] == "漏掉了第四项"
    assert "T" in entry["time"] and entry["time"].endswith("+00:00")        # ISO 8601, UTC


def test_rating_must_be_up_or_down():
    with pytest.raises(ValueError):
        feedback.feedback_entry(answer(), "meh")


def test_append_is_fsynced_and_survives_a_restart(tmp_path, monkeypatch):
    path = tmp_path / "nested" / "feedback.jsonl"
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(feedback.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))

    feedback.record_feedback(path, feedback.feedback_entry(answer(), "up"))
    feedback.record_feedback(path, feedback.feedback_entry(answer("第二个问题"), "down", "评论"))

    assert synced, "record_feedback must fsync before returning"
    # A "restart": nothing in memory, only the file.
    entries = feedback.read_feedback(path)
    assert [e["rating"] for e in entries] == ["up", "down"]
    assert entries[1]["question"] == "第二个问题" and entries[1]["comment"] == "评论"
    assert path.read_text(encoding="utf-8").count("\n") == 2


def test_torn_last_line_is_skipped_and_the_next_write_starts_on_a_new_line(tmp_path):
    path = tmp_path / "feedback.jsonl"
    feedback.record_feedback(path, feedback.feedback_entry(answer(), "up"))
    with open(path, "ab") as handle:                       # a crash mid-write
        handle.write(json.dumps(feedback.feedback_entry(answer(), "down"), ensure_ascii=False).encode()[:37])

    assert [e["rating"] for e in feedback.read_feedback(path)] == ["up"]

    feedback.record_feedback(path, feedback.feedback_entry(answer("之后的问题"), "down", "ok"))
    entries = feedback.read_feedback(path)
    assert [e["rating"] for e in entries] == ["up", "down"]
    assert entries[-1]["question"] == "之后的问题"


def test_torn_multibyte_character_is_tolerated(tmp_path):
    path = tmp_path / "feedback.jsonl"
    path.write_bytes('{"rating": "up"}\n{"question": "中'.encode()[:-1])
    assert feedback.read_feedback(path) == [{"rating": "up"}]


def test_missing_file_reads_as_empty(tmp_path):
    assert feedback.read_feedback(tmp_path / "none.jsonl") == []


def test_concurrent_writers_never_interleave_lines(tmp_path):
    path = tmp_path / "feedback.jsonl"
    long_comment = "很长的意见" * 500

    def write_many(worker: int) -> None:
        for i in range(20):
            feedback.record_feedback(path, feedback.feedback_entry(answer(f"{worker}-{i}"), "up", long_comment))

    threads = [threading.Thread(target=write_many, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    entries = feedback.read_feedback(path)
    assert len(entries) == 120
    assert {e["question"] for e in entries} == {f"{w}-{i}" for w in range(6) for i in range(20)}


def test_a_second_rating_of_the_same_answer_replaces_the_first(tmp_path):
    path = tmp_path / "feedback.jsonl"
    rated, other = answer(), answer("另一个问题")
    feedback.record_feedback(path, feedback.feedback_entry(rated, "up"))
    feedback.record_feedback(path, feedback.feedback_entry(other, "up"))
    feedback.record_feedback(path, feedback.feedback_entry(rated, "down", "其实漏了一项"))

    entries = feedback.read_feedback(path)
    assert len(entries) == 2
    by_id = {e["answer_id"]: e for e in entries}
    assert by_id[rated.answer_id]["rating"] == "down" and by_id[rated.answer_id]["comment"] == "其实漏了一项"
    assert by_id[other.answer_id]["rating"] == "up"
    assert rated.answer_id != other.answer_id
    assert not list(tmp_path.glob(".*.tmp"))        # the rewrite left no temporary file behind


def test_ratings_from_two_processes_are_all_kept(tmp_path):
    import multiprocessing

    path = tmp_path / "feedback.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_rate_twice_each, args=(str(path), w)) for w in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    entries = feedback.read_feedback(path)
    assert sorted(e["question"] for e in entries) == sorted(f"{w}-{i}" for w in range(3) for i in range(10))
    assert {e["rating"] for e in entries} == {"down"}          # every second click replaced its first


def _rate_twice_each(path: str, worker: int) -> None:
    for i in range(10):
        rated = answer(f"{worker}-{i}")
        feedback.record_feedback(path, feedback.feedback_entry(rated, "up"))
        feedback.record_feedback(path, feedback.feedback_entry(rated, "down"))
