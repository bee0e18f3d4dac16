"""``policy-assistant eval``: run the evaluation sets through answer(), gate, report.

By default the dev set (``evals/dev.jsonl``, tuned on) and every held-out batch
(``evals/heldout/*.jsonl``, written blind) are run against the same index and reported
side by side; ``--qa FILE`` (repeatable) runs other files instead.
"""
from __future__ import annotations

import json
import sys
import tomllib
from datetime import datetime
from pathlib import Path

from assistant.eval_report import RunInfo, SetRun, side_by_side_text, summary_table, write_dump, write_report
from assistant.evaluate import (EvalSet, check_thresholds, default_sets, load_set, load_thresholds, run_baseline,
                                run_eval, threshold_rules, thresholds_for)
from assistant.settings import Settings

# ---------------------------------------------------------------- command line

def command_line(args) -> str:
    """The eval command as it was run, rebuilt from the parsed arguments (the same in tests and shells)."""
    parts = ["policy-assistant", "eval"]
    for path in getattr(args, "qa", None) or []:
        parts += ["--qa", str(path)]
    for option in ("k", "dump", "report", "thresholds"):
        value = getattr(args, option, None)
        if value is not None:
            parts += [f"--{option}", str(value)]
    if getattr(args, "no_baseline", False):
        parts.append("--no-baseline")
    return " ".join(parts)


def open_assistant(settings: Settings):
    """The shared assistant; on a fresh data directory the configured corpus is ingested first."""
    from assistant.engine import get_assistant
    from assistant.index import current_generation
    from ingest.pipeline import ingest

    if current_generation(settings.index_dir) is None:
        print(f"No index in {settings.index_dir}; ingesting {settings.corpus_dir} first.", file=sys.stderr)
        print(ingest(settings, progress=sys.stderr.isatty()).describe(), file=sys.stderr)
    return get_assistant(settings)


def setup_summary(settings: Settings, assistant) -> dict:
    manifest = getattr(getattr(assistant, "index", None), "manifest", None)
    return {"embedding_model": settings.embedding_model, "reranker": settings.reranker_model or "none",
            "composer": "llm" if settings.llm_enabled else "extractive", "top_k": settings.top_k,
            "index_generation": getattr(manifest, "generation", "?"), "corpus": str(settings.corpus_dir)}


def chosen_sets(args) -> list[EvalSet]:
    """``--qa FILE`` (repeatable) names the sets by file stem; otherwise dev and held-out."""
    paths = [Path(path) for path in getattr(args, "qa", None) or []]
    return [EvalSet(path.stem, (path,)) for path in paths] if paths else default_sets()


def run_cli(args, settings: Settings, assistant=None) -> int:
    """``policy-assistant eval``: 0 when all thresholds hold, 1 when one fails, 2 when the run could not start.

    ``assistant`` may be given (tests pass an already opened one); otherwise the shared one is used.
    """
    from assistant.index import IndexUnavailable
    from ingest.pipeline import IngestError

    k = int(getattr(args, "k", None) or settings.top_k)
    sets = chosen_sets(args)
    try:
        loaded = [(eval_set, *load_set(eval_set)) for eval_set in sets]
        thresholds = load_thresholds(args.thresholds) if getattr(args, "thresholds", None) else None
        if thresholds is not None:
            for eval_set in sets:   # a malformed file should fail before a long run, not after
                threshold_rules(thresholds_for(thresholds, eval_set.name))
        if assistant is None:
            # Retrieve as deep as the evaluated k, so hit@k really looks at k passages.
            settings = settings if settings.top_k == k else settings.model_copy(update={"top_k": k})
            assistant = open_assistant(settings)
    except (OSError, ValueError, tomllib.TOMLDecodeError, IndexUnavailable, IngestError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for eval_set, items, problems in loaded:
        for problem in problems:
            print(f"{eval_set.name}: {problem}", file=sys.stderr)
        if not items:
            print(f"error: no usable items in {eval_set.describe()}", file=sys.stderr)
            return 2

    runs = []
    date = datetime.now().astimezone().isoformat(timespec="seconds")
    for eval_set, items, problems in loaded:
        print(f"{eval_set.name}: {len(items)} items", file=sys.stderr)
        result = run_eval(items, assistant, k)
        if not getattr(args, "no_baseline", False):
            result.baseline = run_baseline(items, settings, k)
        limits = thresholds_for(thresholds, eval_set.name) if thresholds else {}
        failures, notes = check_thresholds(result.aggregates, limits) if limits else ([], [])
        info = RunInfo(command=command_line(args), date=date, qa_path=eval_set.describe(), qa_problems=problems,
                       setup=setup_summary(settings, assistant), threshold_failures=failures, threshold_notes=notes,
                       thresholds_path=str(args.thresholds) if limits else "")
        runs.append(SetRun(eval_set.name, result, info))
    _write_outputs(args, runs)
    return 1 if any(run.info.threshold_failures for run in runs) else 0


def _write_outputs(args, runs: list[SetRun]) -> None:
    print(f"k = {runs[0].result.k}")
    print(side_by_side_text(runs))
    for run in runs:
        print(f"\n[{run.name}]")
        print(summary_table(run.result))
        if run.result.baseline and run.result.baseline.note:
            print(f"baseline note: {run.result.baseline.note}")
        print(f"{len(run.result.failures())} of {len(run.result.scores)} items failed something (see --report)")
    if getattr(args, "dump", None):
        dumps = [{"set": run.name, **dump} for run in runs for dump in run.result.dumps]
        write_dump(Path(args.dump), dumps)
    if getattr(args, "report", None):
        write_report(Path(args.report), runs)
        print(f"report: {Path(args.report) / 'report.md'}")
    for run in runs:
        for note in run.info.threshold_notes:
            print(f"threshold note ({run.name}): {note}")
        for failure in run.info.threshold_failures:
            print(f"THRESHOLD FAILED ({run.name}): {failure}")


# ---------------------------------------------------------------- feedback → candidate eval items

def feedback_to_candidates(feedback_jsonl: Path | str, out_jsonl: Path | str) -> int:
    """Turn UI feedback lines into candidate QA items (qa.jsonl schema, ``needs_review: true``).

    Thumbs-up answers lend their cited passages as evidence; thumbs-down ones keep the rejected
    answer and the comment so a reviewer can write the right answer. ``load_qa`` skips
    candidates until the flag is removed. Returns the number of candidates written.
    """
    candidates, seen = [], set()
    for line in Path(feedback_jsonl).read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue   # a torn last line of an append-only log
        question = entry.get("question", "").strip() if isinstance(entry, dict) else ""
        if not question or question in seen:
            continue
        seen.add(question)
        candidates.append(feedback_candidate(entry, len(candidates) + 1))
    out = Path(out_jsonl)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in candidates), encoding="utf-8")
    return len(candidates)


def feedback_candidate(entry: dict, number: int) -> dict:
    liked = entry.get("rating") == "up"
    citations = [c for c in entry.get("citations") or [] if isinstance(c, dict) and c.get("source") and c.get("text")]
    candidate = {
        "id": f"feedback-{number:03d}",
        "question": entry["question"].strip(),
        "type": "fact",
        "answer": entry.get("answer", "") if liked else "",
        "key_facts": [],
        "evidence": [{"doc": c["source"], "quote": c["text"]} for c in citations] if liked else [],
        "needs_review": True,
        "rating": entry.get("rating", ""),
        "comment": entry.get("comment", ""),
    }
    if not liked:
        candidate["rejected_answer"] = entry.get("answer", "")
    if isinstance(entry.get("history"), list) and entry["history"]:
        candidate["history"] = entry["history"]
    return candidate
