"""`policy-assistant eval --from-feedback` turns UI feedback into reviewable QA items."""
from __future__ import annotations

import json

from assistant.surfaces.cli import main


def test_feedback_becomes_candidate_items_marked_for_review(tmp_path, capsys):
    feedback = tmp_path / "feedback.jsonl"
    feedback.write_text(json.dumps({
        "question": "中方县老年人行动由谁牵头？", "answer": "由县卫生健康局、县民政局牵头 [1]", "rating": "up",
        "citations": [{"source": "004_aee5965023792939.txt", "section": "二、提升行动", "text": "由县卫生健康局、县民政局牵头"}],
        "mode": "extractive", "time": "2026-11-22T08:00:00", "comment": "",
    }, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "candidates.jsonl"

    assert main(["eval", "--from-feedback", str(feedback), "--out", str(out)]) == 0

    item = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert item["question"] == "中方县老年人行动由谁牵头？" and item["needs_review"] is True
    assert item["evidence"] == [{"doc": "004_aee5965023792939.txt", "quote": "由县卫生健康局、县民政局牵头"}]
    assert "1 candidate" in capsys.readouterr().out
