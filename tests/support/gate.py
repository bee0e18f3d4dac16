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


def assistant_over(home: Path, embeddings, folders: list[Path]):
    """An assistant over a fresh index of ``folders`` (the corpus and a fixture batch)."""
    from assistant.engine import Assistant
    from assistant.settings import Settings
    from ingest.pipeline import ingest

    settings = Settings(home=home)
    ingest(settings, folders, progress=False, embeddings=embeddings)
    return Assistant(settings, embeddings=embeddings)
