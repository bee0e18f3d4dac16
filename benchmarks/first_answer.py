"""Time to a first answer (issue 19): first serve, fresh ingest, adding documents, re-ingest
after an edit, warm and cold ``ask``. Each step runs the real CLI in a subprocess on its own
data folder under --workdir, except the warm ``ask`` profile (in-process, per stage).

    .venv/bin/python benchmarks/first_answer.py --workdir /tmp/pa-first --out /tmp/pa-first/results.json
    .venv/bin/python benchmarks/first_answer.py --only ask          # one step: serve|ingest|add|edit|ask|cold

Held-out questions are used for timing only (their answers are not looked at).
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

CORPUS = PROJECT_ROOT / "corpus"
STEPS = ("serve", "ingest", "add", "edit", "ask", "cold")
QUESTION = "郴州市老年人科学素质提升行动由哪些单位牵头？"


CPU_SECONDS: dict[str, float] = {}   # CPU time (user + system) of each step's child processes


def child_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli(home: Path, *args: str, **settings: str) -> tuple[float, subprocess.CompletedProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ASSISTANT_")}
    env.update({"POLICY_ASSISTANT_HOME": str(home), "POLICY_ASSISTANT_CONFIG": str(home / "none.toml"),
                "PYTHONPATH": str(PROJECT_ROOT)})
    env.update({f"POLICY_ASSISTANT_{k.upper()}": v for k, v in settings.items()})
    started, cpu = time.perf_counter(), child_cpu()
    done = subprocess.run([sys.executable, "-m", "assistant.surfaces.cli", *args], env=env, capture_output=True,
                          text=True, cwd=PROJECT_ROOT)
    seconds = time.perf_counter() - started
    CPU_SECONDS[" ".join(args)[:60]] = round(child_cpu() - cpu, 1)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr[-2000:]}")
    return seconds, done


def fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def first_serve(workdir: Path) -> dict:
    """An empty home: ``serve`` ingests the bundled corpus, then the page must answer HTTP 200."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    home = fresh(workdir / "serve-home")
    port = free_port
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ASSISTANT_")}
    env.update({"POLICY_ASSISTANT_HOME": str(home), "POLICY_ASSISTANT_CONFIG": str(home / "none.toml"),
                "PYTHONPATH": str(PROJECT_ROOT)})
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "assistant.surfaces.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PROJECT_ROOT)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    if response.status == 200:
                        return {"first_serve_http_200_s": round(time.perf_counter() - started, 1)}
            except OSError:
                pass
            if server.poll() is not None:
                raise RuntimeError("serve exited before answering")
            time.sleep(0.25)
    finally:
        server.terminate()
        server.wait(timeout=60)


def fresh_ingest(workdir: Path) -> dict:
    """The five documents into an empty home: with an empty cache (nothing shipped), and on a
    new machine (the shipped vectors), and ``--rebuild`` with the home cache filled."""
    home = fresh(workdir / "ingest-home")
    empty, _ = cli(home, "ingest", embedding_cache_shipped="false")
    rebuild, _ = cli(home, "ingest", "--rebuild")
    shipped, _ = cli(fresh(workdir / "ingest-home-shipped"), "ingest")
    return {"ingest_empty_cache_s": round(empty, 1), "ingest_rebuild_cached_s": round(rebuild, 1),
            "ingest_new_machine_shipped_s": round(shipped, 1)}


def add_three(workdir: Path) -> dict:
    """Three generated plans of ~10k characters (benchmarks/corpus.py: the real documents'
    structure with invented places) added to an index of the five."""
    import random

    from benchmarks.corpus import load_bases, make_document

    home = workdir / "ingest-home-shipped"
    if not (home / "index").exists():
        cli(fresh(home), "ingest")
    folder = fresh(workdir / "three-new")
    bases, rng, chars = load_bases(CORPUS), random.Random(19), 0
    for n in range(3):
        document = make_document(n + 1, bases, rng)
        (folder / f"new-{n + 1}.txt").write_text(document.text, encoding="utf-8")
        chars += len(document.text)
    seconds, _ = cli(home, "ingest", str(folder))
    return {"add_three_documents_s": round(seconds, 1), "add_three_documents_chars": chars}


def edit_one_paragraph(workdir: Path) -> dict:
    corpus = workdir / "corpus-copy"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.copytree(CORPUS, corpus)
    home = fresh(workdir / "edit-home")
    cli(home, "ingest", str(corpus))
    target = sorted(corpus.glob("*.txt"))[2]
    text = target.read_text(encoding="utf-8")
    middle = text.index("。", len(text) // 2) + 1
    target.write_text(text[:middle] + "各单位要定期报送工作进展情况。" + text[middle:], encoding="utf-8")
    seconds, _ = cli(home, "ingest", str(corpus))
    return {"reingest_after_one_paragraph_edit_s": round(seconds, 1)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def warm_ask(workdir: Path, profile: bool = True) -> dict:
    """``Assistant.answer`` on every held-out question, warm: p50/p95 per stage of Answer.timings,
    and (cProfile) where the retrieval time goes."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")      # as `serve` runs
    from assistant.engine import Assistant
    from assistant.evaluate import default_sets, load_set
    from assistant.settings import Settings

    home = workdir / "ingest-home-shipped"
    if not (home / "index").exists():
        cli(fresh(home), "ingest")
    assistant = Assistant(Settings(home=home))
    items = [item for eval_set in default_sets() if eval_set.name == "heldout" for item in load_set(eval_set)[0]]
    assistant.answer(QUESTION)                          # warm-up
    stages: dict[str, list[float]] = {}
    profiler = cProfile.Profile() if profile else None
    for item in items:
        if profiler:
            profiler.enable()
        answer = assistant.answer(item.question, history=item.history)
        if profiler:
            profiler.disable()
        for stage, ms in answer.timings.items():
            stages.setdefault(stage, []).append(ms)
    result = {"ask_questions": len(items)}
    for stage, values in stages.items():
        result[f"ask_{stage}_p50_ms"] = round(statistics.median(values), 1)
        result[f"ask_{stage}_p95_ms"] = round(percentile(values, 95), 1)
    if profiler:
        stats = pstats.Stats(profiler)
        wanted = {"embed_query": "query embedding", "keyword_scores": "BM25", "_sentence_cosines": "sentence matrix",
                  "query": "Chroma queries", "compose_extractive": "answer composition", "plan_query": "planning"}
        for (_, _, name), (_, _, _, cumulative, _) in stats.stats.items():
            if name in wanted:
                key = f"profile_{wanted[name].replace(' ', '_')}_ms_per_question"
                result[key] = round(result.get(key, 0) + 1000 * cumulative / len(items), 2)
    return result


def cold_ask(workdir: Path) -> dict:
    home = workdir / "ingest-home-shipped"
    if not (home / "index").exists():
        cli(fresh(home), "ingest")
    cold = [cli(home, "ask", "--cold", QUESTION)[0] for _ in range(3)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ASSISTANT_")}
    env.update({"POLICY_ASSISTANT_HOME": str(home), "POLICY_ASSISTANT_CONFIG": str(home / "none.toml"),
                "PYTHONPATH": str(PROJECT_ROOT)})
    server = subprocess.Popen([sys.executable, "-m", "assistant.surfaces.cli", "answer-server"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PROJECT_ROOT)
    try:
        from assistant.surfaces.answer_socket import ask_through_socket

        while ask_through_socket(home, {"ping": True}) is None:
            time.sleep(0.2)
        warm = [cli(home, "ask", QUESTION)[0] for _ in range(5)]
    finally:
        server.terminate()
        server.wait(timeout=60)
    return {"ask_cold_process_s": round(statistics.median(cold), 2),
            "ask_through_answer_server_process_s": round(statistics.median(warm), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/policy-assistant-first"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--only", default=",".join(STEPS), help=f"comma-separated steps of {', '.join(STEPS)}")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    steps = {"serve": first_serve, "ingest": fresh_ingest, "add": add_three, "edit": edit_one_paragraph,
             "ask": warm_ask, "cold": cold_ask}
    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cores": os.cpu_count(),
               "load_average_at_start": os.getloadavg()}
    for step in args.only.split(","):
        print(f"{step} …", file=sys.stderr, flush=True)
        cpu = child_cpu()
        results.update(steps[step](args.workdir))
        # On a machine shared with other work, CPU seconds say more than wall seconds.
        results[f"{step}_child_cpu_s"] = round(child_cpu() - cpu, 1)
        print(json.dumps(results, ensure_ascii=False), file=sys.stderr, flush=True)
    results["load_average_at_end"] = os.getloadavg()
    results["cpu_seconds_per_command"] = CPU_SECONDS
    print(json.dumps(results, ensure_ascii=False, indent=1))
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
