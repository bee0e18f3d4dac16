"""Shared by the quality gates: run a set through answer() and check its thresholds."""
from __future__ import annotations

from pathlib import Path

from assistant.evaluate import check_thresholds, load_set, load_thresholds, run_eval, thresholds_for

EVALS = Path(__file__).resolve().parents[2] / "evals"


def correctness_limits(set_name: str) -> dict:
    limits = thresholds_for(load_thresholds(EVALS / "thresholds.toml"), set_name)
    return {group: {metric: limit for metric, limit in metrics.items() if "latency" not in metric}
            for group, metrics in limits.items()}


def assert_meets_thresholds(assistant, eval_set) -> None:
    items, problems = load_set(eval_set)
    assert not problems
    limits = correctness_limits(eval_set.name)
    assert limits, f"no thresholds for the {eval_set.name} set in evals/thresholds.toml"
    result = run_eval(items, assistant, k=5)
    failures, _ = check_thresholds(result.aggregates, limits)
    assert not failures, f"{eval_set.name} quality below thresholds:\n" + "\n".join(failures)
