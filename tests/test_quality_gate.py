"""CI quality gate: the evaluation set through the real answer() path must stay above
the thresholds kept in evals/thresholds.toml (set just under the measured figures).

Latency limits in that file are checked by `policy-assistant eval --thresholds` and
reported in evals/report.md; they are left out here so that a loaded CI machine cannot
fail a correctness test.
"""
from __future__ import annotations

from pathlib import Path

from assistant.evaluate import check_thresholds, load_qa, load_thresholds, run_eval

EVALS = Path(__file__).resolve().parents[1] / "evals"


def test_evaluation_set_meets_quality_thresholds(policy_assistant):
    items, problems = load_qa(EVALS / "qa.jsonl")
    assert not problems
    result = run_eval(items, policy_assistant, k=5)
    thresholds = {table: {metric: limit for metric, limit in limits.items() if "latency" not in metric}
                  for table, limits in load_thresholds(EVALS / "thresholds.toml").items()}
    failures, _ = check_thresholds(result.aggregates, thresholds)
    assert not failures, "quality below thresholds:\n" + "\n".join(failures)
