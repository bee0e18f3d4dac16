"""Helpers for the production-readiness tests (tests/production): the tiny two-document
corpus, a free port, a ``policy-assistant`` CLI runner, a real ``chroma run`` server and
the robustness matrix written to docs/robustness.md."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ROBUSTNESS_DOC = PROJECT_ROOT / "docs" / "robustness.md"

TINY_DOCS = {
    "甲市科普实施方案.txt": """甲市科学技术普及工作实施方案

甲政办发〔2023〕5号

为提升全市公民科学素质，结合我市实际，制定本方案。

一、工作目标

到2025年，甲市公民具备科学素质的比例达到15%以上。

二、重点任务

（一）青少年科学素质提升行动。

1.开展科学家精神进校园活动，每年组织科普讲座不少于50场。

2.建设青少年科技创新实践基地10个。

（责任分工：由市教育局、市科协牵头，市科技局、团市委等单位参加）

（二）老年人科学素质提升行动。

1.依托老年大学开展智能技术培训，每年培训老年人2000人次。

（责任分工：由市卫生健康委、市民政局牵头，市老龄办等单位参加）
""",
    "乙县科普工作要点.txt": """乙县2024年科普工作要点

乙科协发〔2024〕3号

一、总体要求

坚持以人民为中心，推动我县科普事业高质量发展。

二、主要工作

（一）加强科普阵地建设。

1.新建乡镇科普e站20个，实现乡镇全覆盖。

2.县科技馆全年免费开放，接待观众不少于5万人次。

（责任分工：由县科协牵头，县财政局、县文旅广体局等单位参加）

（二）开展全国科普日活动。

1.9月集中开展科普日系列活动不少于30场。

（责任分工：由县科协、县科技局牵头，各乡镇人民政府参加）
""",
}
TINY_QUESTION = "甲市老年人科学素质提升行动由哪些单位牵头？"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_tiny_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in TINY_DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def cli_env(home: Path, **settings: str) -> dict:
    """Environment for a ``policy-assistant`` subprocess: its own data dir, no developer config, offline."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("POLICY_ASSISTANT_")}
    env.update({
        "POLICY_ASSISTANT_HOME": str(home),
        "POLICY_ASSISTANT_CONFIG": str(home / "no-such-config.toml"),
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
    })
    env.update({f"POLICY_ASSISTANT_{key.upper()}": value for key, value in settings.items()})
    return env


def cli_command() -> list[str]:
    """The installed ``policy-assistant`` script, or the same entry point through this interpreter."""
    script = BIN / "policy-assistant"
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant.surfaces.cli"]


def run_cli(args: list[str], home: Path, timeout: float = 180, **settings: str) -> subprocess.CompletedProcess:
    return subprocess.run([*cli_command(), *args], cwd=PROJECT_ROOT, env=cli_env(home, **settings),
                          capture_output=True, text=True, timeout=timeout)


class ChromaServer:
    def __init__(self, path: Path, port: int, log: Path) -> None:
        self.path, self.port, self.host, self.log = path, port, "127.0.0.1", log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 60) -> ChromaServer:
        chroma = BIN / "chroma"
        if not chroma.exists():
            pytest.skip(f"the chroma CLI is not installed next to {sys.executable}")
        self.process = subprocess.Popen(
            [str(chroma), "run", "--path", str(self.path), "--host", self.host, "--port", str(self.port)],
            stdout=open(self.log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            if self.heartbeat():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"no Chroma heartbeat on {self.url} after {timeout} s")

    def heartbeat(self) -> bool:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # loopback: never via a proxy
        try:
            with opener.open(f"{self.url}/api/v2/heartbeat", timeout=2) as response:
                return response.status == 200 and "nanosecond heartbeat" in json.loads(response.read())
        except (OSError, ValueError):
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


# ---------------------------------------------------------------- robustness matrix → docs/robustness.md

class RobustnessMatrix:
    """Rows (area, input, outcome) collected by test_bad_input.py; written only when every case ran."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, str, str]] = {}
        self.expected: set[str] = set()

    def add(self, case_id: str, area: str, given: str, outcome: str) -> None:
        self.rows[case_id] = (area, given, outcome)

    def complete(self) -> bool:
        return bool(self.expected) and self.expected <= set(self.rows)

    def markdown(self) -> str:
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        command = "cd /work/main && .venv/bin/python -m pytest -q tests/production/test_bad_input.py"
        lines = [
            "# Robustness matrix",
            "",
            "What the assistant does with bad, hostile or odd input. Generated by "
            "`tests/production/test_bad_input.py` (every row is an assertion in that test; the table is "
            "rewritten whenever the whole module passes) with:",
            "",
            "```bash",
            command,
            "```",
            "",
            "Questions go through the real `Assistant.answer` over the bundled corpus; documents go through the "
            "real `ingest()` into an index that already holds two documents, whose chunk counts are checked "
            "after every case (nothing already indexed is lost).",
            "",
            "| area | input | outcome |",
            "|---|---|---|",
        ]
        for area in ("question", "document"):           # then in the order the cases ran
            for case_id, (row_area, given, outcome) in self.rows.items():
                if row_area == area:
                    lines.append(f"| {cell(row_area)} | {cell(given)} | {cell(outcome)} |")
        lines += ["", FAULTS_SECTION.strip()]
        return "\n".join(lines) + "\n"




FAULTS_SECTION = """
Latencies above are single calls on a shared 2-core machine and only show that nothing is
pathological; see docs/benchmarks.md for measured latency. The 100,000-character question is
cut to `max_question_chars` (1,000) before anything else runs; what it still costs is embedding
those 1,000 characters (~600 tokens), several times a short question's embedding.

Not covered here: how the UI renders a `<script>` it receives inside a cited passage (the answer
Markdown carries document text verbatim; the chat UI must display it as text — see the UI tests).

## Faults

Verified by `tests/production/test_faults.py`, `test_chroma_server.py` and `test_secrets.py`
(`.venv/bin/python -m pytest -q tests/production`):

| fault | what happens |
|---|---|
| `kill -9` of `policy-assistant ingest` while it embeds | the half-built `gen-…` folder stays on disk but `CURRENT` still names the old generation, which opens and answers; the next ingest that publishes deletes the stray folder (an ingest that finds nothing changed publishes nothing and leaves it until then) |
| `CURRENT` deleted | `IndexUnavailable`: "No index found in …/index. Build it with: policy-assistant ingest"; `policy-assistant ask` prints it on one line and exits 1 |
| `CURRENT` names a missing generation, `manifest.json` truncated, `chunks.jsonl` or the bm25 folder deleted | `IndexUnavailable`: "The index in … is damaged (…); rebuild it with: policy-assistant ingest --rebuild"; `ask` exits 1 without a traceback; `ingest --rebuild` repairs it |
| disk full during ingest (real 2 MB tmpfs with 4 KB or 200 KB left; injected `OSError(28)` when saving the keyword index) | `IngestError` "Could not write the index (…database or disk is full…); the previous index is unchanged." — CLI: one `error:` line, exit 1; the half-written generation is removed; a running server keeps answering |
| a process started while the disk is full | `ask`: "Cannot open the index in …: the disk is full (…). Free some space and try again" (Chroma's SQLite must write to open a store); after freeing space the old index opens |
| Chroma server unreachable (wrong port) | `open_index`/`ask`: "Cannot reach the Chroma server at http://127.0.0.1:P (…). Start it (chroma run --path DIR --host … --port …) or clear chroma_host …" within ~1 s; `ingest`: `IngestError`, no stray generation folder |
| Chroma server that accepts connections but never answers | not handled: chromadb 1.5.9's HTTP client has no timeout, so requests wait; keep the server on the same host or behind a proxy with timeouts |
| `kill -9` of two processes appending feedback at once | every entry whose `record_feedback` returned (printed "ack i") is read back; a torn last line is skipped and the next write starts on a fresh line |
| secrets (`chroma_token`, `llm_api_key` set to marker strings and really sent) | never in ingest/ask output (library and CLI), log records, error messages, the data directory, or what this project stores on a Chroma server (its SQLite rows); the server's own HNSW files may hold request bytes (see "Trust, round two") |

## Concurrency and index safety

Verified by `tests/production/test_concurrency.py` and `test_index_diagnosis.py` (real
`policy-assistant` processes on one data folder), and by `benchmarks/concurrent_ingest.py`
(20 trials, docs/benchmarks.md):

| case | what happens |
|---|---|
| two `policy-assistant ingest --rebuild` started together on one home | both exit 0; one prints "Another ingest (pid N, started …) is writing the index in …; waiting for it to finish…" and runs after the first; the live generation passes the integrity check and `ask` answers (benchmark: 20 of 20 trials) |
| `ingest --no-wait` while another ingest holds the lock | exit 1 at once, one line: "error: Another ingest (pid N, started …) is writing the index in …; run again when it has finished, or without --no-wait to wait for it." |
| a reader process holding generation G while two ingests publish | G stays on disk, whole (its lease `index/holders/G@pid` keeps it), although it is neither current nor the fallback; the reader's next question switches to the new generation and every citation's text resolves; once it let go, the next publish removes G |
| a server thread answering and opening every citation while ingests publish | no error, no missing `texts/` file; the assistant answers from the newest generation after each publish |
| a lease left by a dead process | ignored and deleted; its generation is removed by the next publish that does not need it |
| `ask` while the first ingest is still building | "No index yet in …: an ingest (pid N, …) is building it now; try again when it has finished." |
| index on a read-only mount: `ask` | exit 1, one line: "The index in … is read-only (…attempt to write a readonly database); Chroma needs write access … the index itself is not damaged." — no `--rebuild` advice |
| index on a read-only mount: `ingest` | exit 1, one line: "Cannot write to … (Read-only file system): the data folder is read-only for this user. Make it writable, or set POLICY_ASSISTANT_HOME to a writable folder; the previous index is unchanged." |
| `chroma.sqlite3` deleted, then a plain `ingest` | "The live index was damaged (the vector store (chroma/chroma.sqlite3) is missing or empty); rebuilt it." — never "up to date"; the rebuilt index answers |
| `chroma.sqlite3` truncated, then `ask` / a plain `ingest` | `ask`: "damaged … rebuild it with: policy-assistant ingest --rebuild"; `ingest`: "The live index was damaged (the vector store does not open (…)); rebuilt it." |
| 3 of 9 vectors deleted from the store, then a plain `ingest` | "The live index was damaged (the vector store holds 6 vectors, the manifest 9); rebuilt it." |
| a cleaned text under `texts/` deleted, then a plain `ingest` | "The live index was damaged (texts/….txt is missing); rebuilt it." |
| a folder of only unreadable files (empty, binary, a symlink loop, a named pipe) | every file printed with its reason ("…: skipped — symbolic link loop (…)", "…: skipped — not a regular file"), then "error: No readable documents to index; the previous index (if any) is unchanged." exit 1 |
| 1 MB / 4 MB of short paragraphs through the chunker | linear: 0.02 s / 0.08 s measured here (the probe saw 1.1 s / 15.7 s: `_end_before` scanned every paragraph for every span); the test checks 4× input costs < 9× time |

## Settings and security

Verified by `tests/production/test_settings_errors.py` and `test_secure_defaults.py`:

| case | what happens |
|---|---|
| `POLICY_ASSISTANT_TOP_K=abc` | exit 2, one line: "error: invalid setting top_k = 'abc' (from POLICY_ASSISTANT_TOP_K): input should be a valid integer, …; expected an integer ≥ 1 and ≤ 50, e.g. 5" |
| `top_k = 0` in config.toml | exit 2: "error: invalid setting top_k = 0 (from …/config.toml): input should be greater than or equal to 1; expected an integer ≥ 1 and ≤ 50, e.g. 5" |
| broken config.toml | exit 2: "error: the config file … is not valid TOML (Invalid value (at line 1, column 9)); expected lines like: top_k = 5" |
| out-of-range values (top_k 500, chunk_max_chars 10, server_port 70000, llm_timeout_seconds 0, …) | rejected with the same one-line form |
| `serve --host 0.0.0.0` (or a LAN address) without auth | exit 2: "error: serving on 0.0.0.0 makes the assistant reachable from other machines without a login; set auth_username and auth_password …, or pass --insecure to do it anyway" |
| only `auth_username` (or only `auth_password`) set | exit 2: "error: auth_username is set but auth_password is empty; set both … or neither" — the password is never echoed |
| failed logins | after `login_max_failures` (5) failures from one client, `/login` answers 429 "Too many failed logins; try again in N min." for `login_lockout_seconds` (300), even with the right password; other clients are unaffected |
| new data folder, feedback file, exported briefing | home and index 700, `feedback.jsonl` 600, exports 600 inside a 700 per-process folder |
| temporary export and CSV files | one private temporary folder per process (Gradio's file cache inside it), removed at exit (also on SIGTERM); the same records table reuses one CSV file instead of a new folder per download; exports older than an hour are removed as new ones are made |

## Trust, round two (issue 20)

Verified by the tests named in each row (`.venv/bin/python -m pytest -q tests/production`):

| case | what happens |
|---|---|
| LLM stream that stalls after its headers, never sends `[DONE]`, or trickles (`test_llm_deadline.py`) | one deadline for the whole answer, `llm_timeout_seconds` (connection, first token and completion): the reply is read on a worker thread and the answer stops waiting at the deadline; the offline answer is shown with "LLM timeout: the answer did not finish within N s". Measured with the socket stub, deadlines 1/2/5 s: final answer after +0.00 to +0.03 s (stall), +0.00 to +0.37 s (never finishes; the 0.37 s is the first call's imports), +0.00 to +0.01 s (trickle) |
| LLM answer that goes on and on | read up to `llm_max_answer_chars` (3,000; `max_tokens` asked of the endpoint too), cut at the last whole sentence, with a notice |
| LLM answer carrying `![图][x]` + `[x]: https://…`, `<img src=…>`, a link to an unknown site, a bare URL (`test_hostile_text.py`) | rendered from a safe subset (`assistant.markup.safe_llm_markdown`, in the library, so CLI, UI and exports all get it): images and reference definitions dropped, raw HTML shown as text, links kept only to indexed documents (else their text), bare URLs as code; the rest of the answer is still the LLM's |
| a sentence without names or numbers that the cited passage does not support, "该行动已经废止，不再执行。[1]" (`test_claim_check.py`) | dropped (never shown while streaming either) with a notice; an answer with no supported sentence falls back to the offline answer. Similarity to the cited sentences (bundled model) + status/negation words (废止、不再、取消、暂停…; not, no longer…); precision/recall in docs/decisions.md, "Claim check" |
| each file of the live generation torn in turn — `manifest.json`, `chunks.jsonl`, `documents.json`, the Chroma and bm25 files, `texts/…` (`test_repair_keeps_documents.py`) | after the advised command (`ingest --rebuild`, or a plain `ingest`) every document is answerable again, including one added by path from a folder that no longer exists: the home keeps a content-addressed copy of every indexed file (`sources/<sha256>.<ext>`, `sources/catalogue.json`), and rebuild and repair read those copies, not only `corpus/` |
| a repair whose copy of a document is missing | refuses: "Refusing to rebuild: it would drop X, whose source file is not kept in …/sources. Ingest those files again …; the previous index is unchanged." The live generation stays |
| `remove X` | X's copy is deleted from `sources/` with it |
| ENOSPC or EACCES at fsync/rename of a feedback rewrite, a DOCX or CSV export, a staged upload, the `CURRENT` pointer (`test_temporary_files.py`) | the temporary file is removed, the old file is unchanged (`assistant.files.write_atomically`) |
| a 250,000- or 1,000,000-character text without punctuation or line breaks, one giant table cell, a CJK run without spaces (`test_chunk_bound.py`) | no chunk longer than `chunk_max_chars` + 25 % (500 at the default) characters, hence ≤ 508 tokens of the bundled model; cut at a comma, 、, colon or space when there is one; time linear (4× the input, < 9× the time) |
| a file name of 250 bytes (82 Chinese characters); a GBK-bytes name; undecodable bytes (`test_names_and_feedback.py`) | indexed under a derived name (valid UTF-8, ≤ 180 bytes, a short hash keeps two long names apart; GBK names decoded as GBK); the report says "X: indexed as Y — its name was 250 bytes long …"; the good files beside it are indexed too; one file whose parsing raises is named with its reason, never stops the others |
| a 30 MB feedback comment; a lone surrogate or control characters in it | cut to 2,000 characters; a lone surrogate becomes "?", control characters dropped; the write never raises `UnicodeEncodeError` |
| document text with `![图](https://…)`, `<img>`, `[link](…)` quoted in an answer, in `--markdown` output, in the briefing Markdown/DOCX | shown as those characters: quotes are escaped Markdown (`assistant.markup.escape_markdown`); the DOCX shows the characters without backslashes |
| a responsibility or target cell starting with `=`, `+`, `-`, `@`, tab or CR | written to CSV with a leading `'` (OWASP CSV injection) |
| a Chroma server's own data folder | a third-party Chroma server persists its HNSW index memory (`data_level0.bin`, `link_lists.bin`) as it finds it, and that memory may hold bytes of earlier requests — an `Authorization: Bearer` token among them. This project never writes the token anywhere (the data folder is checked byte by byte), and what it stores on the server (collections, documents, metadata, read through SQLite) holds no secret; protect the server's data folder like the token itself |
"""
