"""One writer, readers never broken — with real processes.

Two ``policy-assistant ingest`` processes on one data directory, a reader process that
holds a generation while two ingests publish, ``--no-wait``, stale leases, and a running
assistant that picks up a newly published generation between questions.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.engine import Assistant
from assistant.generations import HOLDERS, ingest_lock
from assistant.index import IndexUnavailable, check_generation, current_generation, open_index, read_manifest
from assistant.settings import Settings
from ingest.pipeline import ingest
from tests.production.support import PROJECT_ROOT, TINY_QUESTION, cli_command, cli_env, run_cli, write_tiny_corpus

JIA = "甲市科普实施方案.txt"


def generations(home: Path) -> set[str]:
    return {path.name for path in (home / "index").glob("gen-*")}


def edited_corpus(folder: Path, revision: int) -> Path:
    """The tiny corpus with one document edited, so that an ingest has something to publish."""
    write_tiny_corpus(folder)
    path = folder / "乙县科普工作要点.txt"
    path.write_text(path.read_text(encoding="utf-8") + f"\n三、保障措施\n\n第{revision}次修订：加强经费保障。\n",
                    encoding="utf-8")
    return folder


def start_ingest(home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([*cli_command(), "ingest", *args], cwd=PROJECT_ROOT, env=cli_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def assert_index_whole_and_answering(home: Path, embeddings) -> None:
    settings = Settings(home=home)
    generation = current_generation(settings.index_dir)
    assert check_generation(settings, generation, read_manifest(generation)) == []
    answer = Assistant(settings, embeddings=embeddings).answer(TINY_QUESTION)
    assert not answer.abstained and answer.citations[0].source == JIA and "市卫生健康委" in answer.text


def test_two_ingests_started_together_leave_a_working_index(tmp_path, embeddings):
    home = tmp_path / "home"
    corpus = write_tiny_corpus(tmp_path / "corpus")
    first, second = start_ingest(home, str(corpus), "--rebuild"), start_ingest(home, str(corpus), "--rebuild")
    results = [finish(first), finish(second)]
    for code, out, err in results:
        assert code == 0, err
        assert "Traceback" not in out + err
        assert out.strip().splitlines()[-1].startswith("Indexed 2 documents")
    # The lock made one of them wait, and it said so.
    assert sum("waiting for it to finish" in err for _, _, err in results) == 1, [err for _, _, err in results]
    assert_index_whole_and_answering(home, embeddings)
    asked = run_cli(["ask", TINY_QUESTION], home)
    assert asked.returncode == 0 and "市卫生健康委" in asked.stdout, asked.stderr


def test_no_wait_fails_at_once_while_another_ingest_writes(tiny_home_copy, tmp_path):
    corpus = write_tiny_corpus(tmp_path / "corpus")
    with ingest_lock(tiny_home_copy):        # another process (this one) is writing
        started = time.monotonic()
        result = run_cli(["ingest", str(corpus), "--no-wait"], tiny_home_copy)
        seconds = time.monotonic() - started
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Another ingest (pid ")
    assert "--no-wait" in lines[0] and "Traceback" not in result.stderr
    assert seconds < 60      # it did not wait for the lock (model loading would take longer than the check)


def test_a_second_ingest_waits_for_the_first_and_then_runs(tiny_home_copy, tmp_path):
    corpus = edited_corpus(tmp_path / "corpus", 1)
    before = current_generation(tiny_home_copy / "index").name
    with ingest_lock(tiny_home_copy):
        process = start_ingest(tiny_home_copy, str(corpus))
        message = process.stderr.readline()       # printed before it blocks
        assert "waiting for it to finish" in message and "Another ingest (pid " in message
        time.sleep(1.0)
        assert process.poll() is None, "it must wait while the lock is held"
        assert current_generation(tiny_home_copy / "index").name == before
    code, out, err = finish(process)
    assert code == 0, err
    assert "1 replaced" in out and current_generation(tiny_home_copy / "index").name != before


def test_asking_while_the_first_index_is_being_built_says_so(tmp_path):
    home = tmp_path / "home"
    with ingest_lock(home):
        with pytest.raises(IndexUnavailable, match="is building it now; try again when it has finished"):
            open_index(Settings(home=home))
    with pytest.raises(IndexUnavailable, match="No index found .* Build it with: policy-assistant ingest"):
        open_index(Settings(home=home))


READER = r"""
import json, sys
from pathlib import Path
from assistant.engine import Assistant
from assistant.settings import Settings

assistant = Assistant(Settings(home=Path(sys.argv[1])))
print(json.dumps({"generation": assistant.index.generation}), flush=True)
for line in sys.stdin:
    answer = assistant.answer(line.strip())
    # What a click on a citation does: read the cited document from the index in use.
    texts = [assistant.index.cleaned_text(c.source) for c in answer.citations]
    print(json.dumps({"generation": assistant.index.generation, "sources": [c.source for c in answer.citations],
                      "found": all(c.text in t for c, t in zip(answer.citations, texts))}, ensure_ascii=False),
          flush=True)
"""


def test_a_reader_keeps_its_generation_while_two_ingests_publish(tiny_home_copy, tmp_path):
    home = tiny_home_copy
    gen0 = current_generation(home / "index").name
    reader = subprocess.Popen([sys.executable, "-c", READER, str(home)], cwd=PROJECT_ROOT, env=cli_env(home),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = reader.stdout.readline()
        assert first, reader.stderr.read()[-3000:]
        assert json.loads(first)["generation"] == gen0
        assert (home / "index" / HOLDERS / f"{gen0}@{reader.pid}").exists(), "the reader records what it holds"

        # Two ingests, started together, each with something to publish.
        ingests = [start_ingest(home, str(edited_corpus(tmp_path / f"corpus{n}", n))) for n in (1, 2)]
        for process in ingests:
            code, out, err = finish(process)
            assert code == 0, err
        live = current_generation(home / "index").name
        assert live != gen0
        # gen0 is neither current nor the fallback any more, but the reader holds it: it stays, whole.
        assert (home / "index" / gen0 / "texts" / f"{JIA}.txt").exists()

        # Between questions the reader switches to the new generation, and its citations resolve.
        reader.stdin.write(TINY_QUESTION + "\n")
        reader.stdin.flush()
        reply = json.loads(reader.stdout.readline())
        assert reply == {"generation": live, "sources": reply["sources"], "found": True}
        assert reply["sources"][0] == JIA

        # Having let go of gen0, the reader no longer keeps it: the next publish removes it.
        assert not (home / "index" / HOLDERS / f"{gen0}@{reader.pid}").exists()
        code, out, err = finish(start_ingest(home, str(edited_corpus(tmp_path / "corpus3", 3))))
        assert code == 0, err
        assert gen0 not in generations(home)
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
    assert reader.returncode == 0, reader.stderr.read()[-3000:]
    assert not list((home / "index" / HOLDERS).glob(f"*@{reader.pid}")), "a reader's leases go when it exits"


def test_a_stale_lease_of_a_dead_process_is_ignored(tiny_home_copy, tmp_path, embeddings):
    home = tiny_home_copy
    gen0 = current_generation(home / "index").name
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lease = home / "index" / HOLDERS / f"{gen0}@{dead.pid}"
    lease.parent.mkdir(exist_ok=True)
    lease.write_text("{}", encoding="utf-8")
    for revision in (1, 2):   # after two publishes gen0 is neither current nor the fallback
        ingest(Settings(home=home), [edited_corpus(tmp_path / f"c{revision}", revision)], progress=False,
               embeddings=embeddings)
    assert gen0 not in generations(home)
    assert not lease.exists()


def test_a_running_assistant_picks_up_a_new_generation_between_questions(tiny_home_copy, tmp_path, embeddings):
    settings = Settings(home=tiny_home_copy)
    assistant = Assistant(settings, embeddings=embeddings)
    old = assistant.index.generation
    assert "第7次修订" not in assistant.index.cleaned_text("乙县科普工作要点.txt")
    summary = ingest(settings, [edited_corpus(tmp_path / "corpus", 7)], progress=False, embeddings=embeddings)
    assert summary.replaced == ["乙县科普工作要点.txt"]

    answer = assistant.answer("乙县的保障措施有哪些修订？")
    assert assistant.index.generation == summary.generation != old
    assert "第7次修订" in assistant.index.cleaned_text("乙县科普工作要点.txt")
    assert answer.text.strip()


@pytest.mark.slow
def test_answers_during_ingests_never_fail(tiny_home_copy, tmp_path, embeddings):
    """A server-like thread answers and opens every citation while ingests publish in another process."""
    settings = Settings(home=tiny_home_copy)
    assistant = Assistant(settings, embeddings=embeddings)
    failures: list[str] = []
    seen: set[str] = set()
    stop = threading.Event()

    def keep_answering():
        while not stop.is_set():
            try:
                answer = assistant.answer(TINY_QUESTION)
                index = assistant.index
                seen.add(index.generation)
                for citation in answer.citations:
                    assert citation.text in index.cleaned_text(citation.source)
            except Exception as error:   # noqa: BLE001 - any failure is what this test looks for
                failures.append(f"{type(error).__name__}: {error}")

    worker = threading.Thread(target=keep_answering)
    worker.start()
    try:
        for revision in (1, 2):
            code, out, err = finish(start_ingest(tiny_home_copy, str(edited_corpus(tmp_path / f"c{revision}", revision))))
            assert code == 0, err
    finally:
        time.sleep(0.5)
        stop.set()
        worker.join(timeout=120)
    assert not failures, failures[:5]
    assert current_generation(settings.index_dir).name in seen | {assistant.index.generation}
