"""Concurrency benchmark: start two ``policy-assistant ingest --rebuild`` processes together on
the same data directory, N times, and count the trials that leave a working index.

    .venv/bin/python benchmarks/concurrent_ingest.py                  # 20 trials, smallest bundled document
    .venv/bin/python benchmarks/concurrent_ingest.py --trials 5 --corpus DIR --home /tmp/pa/concurrent

"Working" means, after both processes have exited: both exited 0 without a traceback, the
live generation passes the integrity check (every part present, chunk lines and stored
vectors match the manifest), and a fresh ``policy-assistant ask`` about the first document's
title exits 0 with at least one cited or retrieved passage. ``--rebuild`` makes both
ingests write a new generation, so every trial really has two writers.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

BIN = Path(sys.executable).parent


def cli() -> list[str]:
    script = BIN / "policy-assistant"
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant.surfaces.cli"]


def environment(home: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("POLICY_ASSISTANT_")}
    env.update({"POLICY_ASSISTANT_HOME": str(home), "POLICY_ASSISTANT_CONFIG": str(home / "no-config.toml"),
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(PROJECT_ROOT)})
    return env


def smallest_bundled_document(workdir: Path) -> Path:
    corpus = workdir / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    smallest = min((PROJECT_ROOT / "corpus").glob("*.txt"), key=lambda path: path.stat().st_size)
    shutil.copy(smallest, corpus / smallest.name)
    return corpus


def check_index(home: Path) -> tuple[bool, str]:
    from assistant.index import check_generation, current_generation, read_manifest
    from assistant.settings import Settings

    settings = Settings(home=home)
    generation = current_generation(settings.index_dir)
    if generation is None:
        return False, "no CURRENT"
    try:
        manifest = read_manifest(generation)
    except (OSError, ValueError) as error:
        return False, f"manifest: {error}"
    problems = check_generation(settings, generation, manifest)
    if problems:
        return False, "; ".join(problems)
    title = next(iter(json.loads((generation / "documents.json").read_text(encoding="utf-8")).values()))["title"]
    asked = subprocess.run([*cli(), "ask", f"{title}的主要任务是什么？", "--json"], env=environment(home),
                           cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    if asked.returncode != 0:
        return False, f"ask exited {asked.returncode}: {asked.stderr.strip()[-300:]}"
    answer = json.loads(asked.stdout)
    if not (answer["citations"] or answer["retrieved"]):
        return False, "ask found no passage"
    return True, generation.name


def trial(home: Path, corpus: Path) -> dict:
    started = time.perf_counter()
    processes = [subprocess.Popen([*cli(), "ingest", "--rebuild", str(corpus)], env=environment(home),
                                  cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    results = [process.communicate(timeout=1800) for process in processes]
    codes = [process.returncode for process in processes]
    clean = all(code == 0 for code in codes) and not any("Traceback" in out + err for out, err in results)
    waited = sum("waiting for it to finish" in err for _, err in results)
    ok, detail = check_index(home)
    return {"exit_codes": codes, "clean_exit": clean, "one_waited": waited == 1, "working_index": ok and clean,
            "detail": detail, "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--corpus", type=Path, help="documents to ingest (default: the smallest bundled one)")
    parser.add_argument("--home", type=Path, help="data directory to use (default: a fresh temporary one)")
    parser.add_argument("--out", type=Path, help="also write the per-trial results as JSON")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="concurrent-ingest-"))
    home = args.home or workdir / "home"
    corpus = args.corpus or smallest_bundled_document(workdir)
    print(f"corpus: {corpus} ({len(list(corpus.glob('*')))} file(s)); home: {home}; trials: {args.trials}", flush=True)
    rows = []
    for number in range(1, args.trials + 1):
        row = trial(home, corpus)
        rows.append(row)
        print(f"trial {number:2d}: exit {row['exit_codes']}, one waited: {row['one_waited']}, "
              f"working index: {row['working_index']} ({row['detail']}), {row['seconds']} s", flush=True)
    working = sum(row["working_index"] for row in rows)
    print(f"\n{working} of {len(rows)} trials left a working index "
          f"(both exited 0 in {sum(row['clean_exit'] for row in rows)}, exactly one waited in "
          f"{sum(row['one_waited'] for row in rows)}); median trial "
          f"{sorted(row['seconds'] for row in rows)[len(rows) // 2]} s")
    generations = sorted(path.name for path in (home / "index").glob("gen-*"))
    print(f"generation folders left: {len(generations)} (the live one and its fallback)")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    if not args.home:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if working == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
