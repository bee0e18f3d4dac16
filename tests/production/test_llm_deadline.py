"""One deadline for the whole LLM answer (issue 20, item 1), against a real OpenAI-protocol server on
a socket that misbehaves: a stream that stalls after its headers, one that never sends "[DONE]",
and one that trickles a long reply. Past ``llm_timeout_seconds`` the offline answer is shown with
a notice, within 1 s of the setting; the answer's length is bounded too."""
from __future__ import annotations

import time

import pytest

from assistant.llm import stream_llm_answer
from assistant.settings import Settings
from tests.support.openai_stub import OpenAIStub
from tests.test_llm import GOOD_REPLY, PASSAGES, extractive  # noqa: F401 — the fixture is used by name

DEADLINE = 2.0
QUESTION = "全省公民科学素质的目标是多少？"


def settings_for(url: str, tmp_path, **extra) -> Settings:
    return Settings(home=tmp_path, llm_base_url=url, llm_model="stub", llm_timeout_seconds=DEADLINE, **extra)


@pytest.mark.parametrize("behaviour", [
    dict(stream_mode="stall"),                                          # headers, then silence
    dict(stream_mode="endless", piece_delay=0.05),                      # never "[DONE]"
    dict(stream_mode="sse", piece_delay=0.5, reply=GOOD_REPLY * 3),     # every byte late, but bytes keep coming
], ids=["stall", "never-finishes", "trickle"])
def test_the_whole_answer_has_one_deadline(tmp_path, extractive, behaviour):
    with OpenAIStub(**{"reply": GOOD_REPLY, **behaviour}) as stub:
        started = time.monotonic()
        results = list(stream_llm_answer(settings_for(stub.url, tmp_path), QUESTION, PASSAGES, extractive))
        elapsed = time.monotonic() - started
    final = results[-1]
    assert DEADLINE - 0.2 <= elapsed <= DEADLINE + 1.0, f"answered after {elapsed:.2f} s"
    assert final.mode == "extractive" and final.text == extractive.text
    assert f"{DEADLINE:g}" in final.notice and "offline" in final.notice


def test_an_endless_answer_is_cut_at_its_length_bound(tmp_path, extractive):
    with OpenAIStub(reply=GOOD_REPLY, stream_mode="endless") as stub:
        settings = settings_for(stub.url, tmp_path, llm_max_answer_chars=300)
        settings = settings.model_copy(update={"llm_timeout_seconds": 20.0})
        final = list(stream_llm_answer(settings, QUESTION, PASSAGES, extractive))[-1]
        body = stub.requests[-1]["body"]
    assert final.mode == "llm" and 0 < len(final.text) <= 300
    assert final.text.rstrip().endswith(("。", "]"))                     # whole sentences only
    assert "300" in final.notice
    assert body.get("max_tokens") or body.get("max_completion_tokens")  # the endpoint is asked to stop too
