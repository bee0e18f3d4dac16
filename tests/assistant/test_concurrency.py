"""Answering is thread-safe: many questions at once from one shared Assistant (as the
Gradio server runs them) give exactly the answers they give one at a time."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from assistant.settings import Settings
from assistant.surfaces.ui import answer_concurrency

QUESTIONS = [
    "郴州市老年人科学素质提升行动由哪些单位牵头？",
    "中方县的重点工程有哪些？",
    "湘江新区到2025年公民具备科学素质的比例目标是多少？",
    "Which agencies lead the elderly action in Chenzhou?",
    "中方县方案是正式文件还是征求意见稿？",
    "湖南省科协2023年科普工作要点有哪些？",
]


def fingerprint(answer) -> tuple:
    return answer.text, tuple(c.chunk_id for c in answer.citations), tuple(p.chunk.chunk_id for p in answer.retrieved)


def test_concurrent_answers_equal_sequential_answers(policy_assistant):
    sequential = {q: fingerprint(policy_assistant.answer(q)) for q in QUESTIONS}
    work = QUESTIONS * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(lambda q: (q, fingerprint(policy_assistant.answer(q))), work))
    assert len(concurrent) == len(work)
    for question, result in concurrent:
        assert result == sequential[question], question


def test_server_concurrency_is_sized_to_the_machine(tmp_path, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert answer_concurrency(Settings(home=tmp_path)) == 4
    assert answer_concurrency(Settings(home=tmp_path, answer_concurrency=16)) == 16
