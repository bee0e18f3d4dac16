"""Bounded load test: 16 concurrent gradio_client sessions × 25 questions against a live
`policy-assistant serve` on loopback. Zero errors, and every session sees only its own
conversation (no answer delivered to the wrong session). It asserts correctness, not
speed: client timeouts are generous (a busy 2-core machine may take minutes for the
first answers), and p50/p95 are reported (printed, and written to test-output/load.json)
for docs/benchmarks.md."""
from __future__ import annotations

import json
import statistics
import threading
import time
from pathlib import Path

import pytest
from gradio_client import Client

from tests.support.live_server import PROJECT_ROOT, live_server

pytestmark = pytest.mark.slow
SESSIONS, QUESTIONS_PER_SESSION = 16, 25
CLIENT_TIMEOUT_SECONDS = 900       # per request: queued behind 15 other sessions on a busy machine
# (question, text the answer must contain): each session works on its own jurisdiction.
POOLS = {
    "郴州市": [("郴州市老年人科学素质提升行动由哪些单位牵头？", "市卫生健康委"),
            ("郴州市的重点工程有哪些？", "科技资源科普化工程"),
            ("到2025年郴州市公民具备科学素质的比例目标是多少？", "15%")],
    "中方县": [("中方县老年人科学素质提升行动由哪些单位牵头？", "县卫生健康局"),
            ("中方县的重点工程有哪些？", "基础科普能力提升工程"),
            ("中方县方案是正式文件还是征求意见稿？", "征求意见稿")],
}


def user_questions(chatbot: list[dict]) -> list[str]:
    texts = []
    for message in chatbot:
        if message["role"] == "user":
            content = message["content"]
            texts.append(content[0]["text"] if isinstance(content, list) else content)
    return texts


def last_answer(chatbot: list[dict]) -> str:
    content = chatbot[-1]["content"]
    return content[0]["text"] if isinstance(content, list) else content


def run_session(url: str, place: str, latencies: list[float], errors: list[str]) -> None:
    client = Client(url, verbose=False, httpx_kwargs={"timeout": CLIENT_TIMEOUT_SECONDS})
    asked: list[str] = []
    pool = POOLS[place]
    for turn in range(QUESTIONS_PER_SESSION):
        question, expected = pool[turn % len(pool)]
        question = f"{question}（第{turn + 1}问）"
        started = time.perf_counter()
        try:
            chatbot = client.predict(question, [], [], api_name="/ask")[0]
        except Exception as error:  # every failure is counted, none may happen
            errors.append(f"{place} turn {turn}: {type(error).__name__}: {error}")
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        asked.append(question)
        if user_questions(chatbot) != asked:
            errors.append(f"{place} turn {turn}: conversation holds other questions")
        if expected not in last_answer(chatbot):
            errors.append(f"{place} turn {turn}: answer lacks {expected!r}")


def test_sixteen_concurrent_sessions_get_their_own_correct_answers(indexed_settings, tmp_path):
    latencies: list[float] = []
    errors: list[str] = []
    with live_server(Path(indexed_settings.home), tmp_path / "server.log") as url:
        places = list(POOLS)
        threads = [threading.Thread(target=run_session, args=(url, places[i % len(places)], latencies, errors))
                   for i in range(SESSIONS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=QUESTIONS_PER_SESSION * CLIENT_TIMEOUT_SECONDS)
        elapsed = time.perf_counter() - started

    figures = {"sessions": SESSIONS, "questions": len(latencies), "errors": len(errors), "seconds": round(elapsed, 1),
               "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
               "p95_ms": round(statistics.quantiles(latencies, n=20)[18], 1) if len(latencies) >= 20 else None}
    out = PROJECT_ROOT / "test-output" / "load.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nload: {figures}")
    assert not errors, errors[:10]
    assert len(latencies) == SESSIONS * QUESTIONS_PER_SESSION
