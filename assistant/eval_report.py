"""Evaluation outputs: terminal table, Markdown and JSON report, the by-type chart.

Several evaluation sets (dev, held-out batches, fixtures) are reported side by side:
the README quotes held-out figures, so a reader must see both at once.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.evaluate import (RETRIEVAL_METRICS, BaselineResult, EvalResult, BASELINE_CHUNK_OVERLAP,
                                BASELINE_CHUNK_SIZE, ordered_types)

# ---------------------------------------------------------------- outputs

COLUMNS = (  # (metric key, short label)
    ("count", "n"), ("hit_at_1", "hit@1"), ("hit_at_k", "hit@k"), ("evidence_recall_at_k", "evid@k"),
    ("mrr_at_10", "MRR@10"), ("key_fact_recall", "facts"), ("citation_support", "cited"),
    ("correct_abstention", "abst.ok"), ("false_abstention", "abst.bad"), ("clean_answers", "clean"),
    ("answer_type_accuracy", "type.ok"), ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms"),
)
METRIC_NAMES = {
    "count": "items", "hit_at_1": "hit@1", "hit_at_k": "hit@k", "evidence_recall_at_k": "evidence recall@k",
    "mrr_at_10": "MRR@10", "key_fact_recall": "key-fact recall", "citation_support": "citation support",
    "correct_abstention": "correct abstention", "false_abstention": "false abstention",
    "clean_answers": "clean answers", "answer_type_accuracy": "answer-type accuracy",
    "latency_p50_ms": "latency p50 (ms)", "latency_p95_ms": "latency p95 (ms)",
    "retrieval_p50_ms": "retrieval p50 (ms)", "retrieval_p95_ms": "retrieval p95 (ms)",
}


def fmt(metric: str, value) -> str:
    if value is None:
        return "—"
    if metric == "count" or metric.endswith("_ms"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def write_dump(path: Path, dumps: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(dump, ensure_ascii=False) + "\n" for dump in dumps), encoding="utf-8")


def summary_table(result: EvalResult) -> str:
    """Fixed-width table for the terminal; the baseline's hit@k and MRR sit in the last columns."""
    headers = ["group", *(label for _, label in COLUMNS), "base hit@k", "base MRR"]
    rows = [headers]
    for group, values in result.aggregates.items():
        base = result.baseline.aggregates.get(group, {}) if result.baseline else {}
        rows.append([group, *(fmt(key, values.get(key)) for key, _ in COLUMNS),
                     fmt("hit_at_k", base.get("hit_at_k")), fmt("mrr_at_10", base.get("mrr_at_10"))])
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths)))
             for row in rows]
    return "\n".join([f"k = {result.k}", *lines])


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class RunInfo:
    """What the report says about how one set's figures were produced."""
    command: str
    date: str
    qa_path: str
    qa_problems: list[str] = field(default_factory=list)
    setup: dict = field(default_factory=dict)
    threshold_failures: list[str] = field(default_factory=list)
    threshold_notes: list[str] = field(default_factory=list)
    thresholds_path: str = ""


@dataclass
class SetRun:
    """One evaluation set (dev, held-out, fixtures…) as run and scored."""
    name: str
    result: EvalResult
    info: RunInfo


# The rows of the side-by-side table: (group, metric).
SIDE_BY_SIDE = (("overall", "count"), ("overall", "hit_at_k"), ("paraphrase", "hit_at_k"), ("overall", "mrr_at_10"),
                ("overall", "key_fact_recall"), ("overall", "citation_support"), ("overall", "false_abstention"),
                ("paraphrase", "false_abstention"), ("overall", "correct_abstention"), ("overall", "clean_answers"),
                ("english", "key_fact_recall"), ("overall", "latency_p95_ms"))


def side_by_side_rows(runs: list[SetRun]) -> tuple[list[str], list[list[str]]]:
    headers = ["metric", *(run.name for run in runs)]
    rows = []
    for group, metric in SIDE_BY_SIDE:
        label = METRIC_NAMES[metric] + ("" if group == "overall" else f" ({group})")
        rows.append([label, *(fmt(metric, run.result.aggregates.get(group, {}).get(metric)) for run in runs)])
    return headers, rows


def side_by_side_text(runs: list[SetRun]) -> str:
    headers, rows = side_by_side_rows(runs)
    table = [headers, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    return "\n".join("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                               for i, (cell, width) in enumerate(zip(row, widths))) for row in table)


def report_markdown(runs: list[SetRun]) -> str:
    first = runs[0].info
    parts = [
        "# Evaluation report", "",
        f"- Date: {first.date}",
        f"- Command: `{first.command}`",
        f"- k = {runs[0].result.k}; setup: " + ", ".join(f"{key} = {value}" for key, value in first.setup.items()),
        *(f"- Set **{run.name}**: `{run.info.qa_path}` ({len(run.result.scores)} items; "
          f"{len(run.info.qa_problems)} lines skipped)" for run in runs),
        "", "## Sets side by side", "",
        "*dev* is tuned on; *heldout* batches were written blind, from the documents alone, and are the figures "
        "the README quotes. A change that raises dev and lowers held-out is a regression.", "",
        markdown_table(*side_by_side_rows(runs)), "",
        "Retrieval, key-fact and citation metrics cover answerable items only; correct abstention is measured on "
        "unanswerable items, false abstention on answerable ones; clean answers = share of answered items that carry a "
        "`forbidden` list whose answer contains none of those strings. *chinese* = answerable items other than English. "
        "Our ranks are those of `Answer.retrieved` as answer() returns it; the baseline's are its raw search order.", "",
    ]
    for run in runs:
        result, info = run.result, run.info
        parts += [
            f"## Set: {run.name}", "",
            f"Baseline: {baseline_description(result.baseline)}", "",
            "### Overall", "", _overall_table(result), "",
            "### By question type", "", _by_type_table(result), "",
            f"![hit@k and key-fact recall by type](report_by_type_{run.name}.png)", "",
            "### Latency", "", _latency_table(result), "",
            *_threshold_section(info),
            f"### Failed items ({len(result.failures())})", "", _failures_table(result), "",
        ]
        if info.qa_problems:
            parts += ["### Skipped QA lines", "", *(f"- {problem}" for problem in info.qa_problems), ""]
    return "\n".join(parts)


def baseline_description(baseline: BaselineResult | None) -> str:
    if baseline is None:
        return "skipped (--no-baseline)"
    text = (f"LangChain tutorial setup — RecursiveCharacterTextSplitter(chunk_size={BASELINE_CHUNK_SIZE}, "
            f"chunk_overlap={BASELINE_CHUNK_OVERLAP}) over the raw corpus files, dense only ({baseline.embedding_model}), "
            "in-memory Chroma; the question alone (no conversation history).")
    return f"{text} **Note:** {baseline.note}" if baseline.note else text


def _overall_table(result: EvalResult) -> str:
    ours = result.aggregates["overall"]
    base = result.baseline.aggregates["overall"] if result.baseline else {}
    rows = [[METRIC_NAMES[key], fmt(key, ours.get(key)), fmt(key, base.get(key)) if key in RETRIEVAL_METRICS else "—"]
            for key, _ in COLUMNS if not key.startswith("latency")]
    return markdown_table(["metric", "ours", "baseline"], rows)


def _by_type_table(result: EvalResult) -> str:
    keys = [key for key, _ in COLUMNS if not key.startswith("latency")]
    headers = ["group", *(METRIC_NAMES[key] for key in keys), "baseline hit@k", "baseline MRR@10"]
    rows = []
    for group, values in result.aggregates.items():
        base = result.baseline.aggregates.get(group, {}) if result.baseline else {}
        rows.append([group, *(fmt(key, values.get(key)) for key in keys),
                     fmt("hit_at_k", base.get("hit_at_k")), fmt("mrr_at_10", base.get("mrr_at_10"))])
    return markdown_table(headers, rows)


def _latency_table(result: EvalResult) -> str:
    keys = ("latency_p50_ms", "latency_p95_ms", "retrieval_p50_ms", "retrieval_p95_ms")
    rows = [[group, str(values["count"]), *(fmt(key, values.get(key)) for key in keys)]
            for group, values in result.aggregates.items()]
    return markdown_table(["group", "items", "answer p50 ms", "answer p95 ms", "retrieval p50 ms", "retrieval p95 ms"], rows)


def _threshold_section(info: RunInfo) -> list[str]:
    if not info.thresholds_path:
        return []
    verdict = "FAILED" if info.threshold_failures else "passed"
    lines = [f"### Thresholds ({verdict}: `{info.thresholds_path}`)", ""]
    lines += [f"- {failure}" for failure in info.threshold_failures] or ["- every metric meets its threshold"]
    lines += [f"- note: {note}" for note in info.threshold_notes]
    return [*lines, ""]


def _failures_table(result: EvalResult) -> str:
    rows = [[score.id, score.type, "; ".join(reasons)] for score, reasons in result.failures()]
    return markdown_table(["id", "type", "what failed"], rows) if rows else "None."


def report_json(runs: list[SetRun]) -> dict:
    return {"sets": {run.name: _set_json(run.result, run.info) for run in runs}}


def _set_json(result: EvalResult, info: RunInfo) -> dict:
    return {
        **asdict(info), "k": result.k,
        "aggregates": result.aggregates,
        "baseline": None if result.baseline is None else {
            "embedding_model": result.baseline.embedding_model, "note": result.baseline.note,
            "aggregates": result.baseline.aggregates},
        "items": [asdict(score) for score in result.scores],
        "failures": [{"id": score.id, "type": score.type, "reasons": reasons} for score, reasons in result.failures()],
    }


def plot_by_type(result: EvalResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")   # no display on servers and CI
    import matplotlib.pyplot as plt

    groups = [g for g in ("overall", *ordered_types(result.scores)) if result.aggregates[g]["hit_at_k"] is not None]
    series = [("hit@k", [result.aggregates[g]["hit_at_k"] for g in groups]),
              ("key-fact recall", [result.aggregates[g]["key_fact_recall"] or 0.0 for g in groups])]
    if result.baseline:
        series.append(("baseline hit@k", [result.baseline.aggregates[g]["hit_at_k"] or 0.0 for g in groups]))
    width = 0.8 / len(series)
    figure, axes = plt.subplots(figsize=(max(6.0, 1.1 * len(groups) + 2), 4))
    for offset, (label, values) in enumerate(series):
        axes.bar([i + offset * width for i in range(len(groups))], values, width, label=label)
    axes.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(groups))], groups, rotation=20)
    axes.set_ylim(0, 1.2)   # headroom so the legend sits above the bars, not on them
    axes.set_title(f"Answerable questions by type (k = {result.k})")
    axes.legend(loc="upper center", ncol=len(series), frameon=False)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_report(directory: Path, runs: list[SetRun]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.md").write_text(report_markdown(runs), encoding="utf-8")
    (directory / "report.json").write_text(json.dumps(report_json(runs), ensure_ascii=False, indent=1), encoding="utf-8")
    for run in runs:
        plot_by_type(run.result, directory / f"report_by_type_{run.name}.png")
