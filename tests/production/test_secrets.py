"""Nothing secret is logged or stored: the Chroma token and the LLM API key are set to marker
strings, used for real (a Chroma server and an OpenAI-compatible stub receive them), and must
never appear in ingest/ask output, log records, error messages or any file the product writes.

What "files the product writes" means: everything under the data folder (``home``). A third-party
Chroma server's own data folder is not one of them: the server persists its HNSW index memory
(``data_level0.bin``, ``link_lists.bin``) as it finds it, and that memory may hold bytes of earlier
requests — the token in an Authorization header among them. That is the server's behaviour, outside
this project's control; docs/robustness.md says so, and the test only states which of the
server's files held it (issue 18). What this project sends the server must not carry the token
in a document, metadata or collection name: those are checked in the server's SQLite catalogue.

(UI path traversal and authentication are tested with the UI.)
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.engine import Assistant
from assistant.present import answer_with_sources
from assistant.index import IndexUnavailable, open_index
from assistant.settings import Settings
from ingest.pipeline import IngestError, ingest
from tests.production.support import TINY_QUESTION, free_port, run_cli, write_tiny_corpus
from tests.support.openai_stub import OpenAIStub

pytestmark = pytest.mark.slow

CHROMA_TOKEN = "chroma-token-MARKER-5f0e2b7c"
LLM_KEY = "sk-llm-key-MARKER-91d3aa40"
MARKERS = (CHROMA_TOKEN, LLM_KEY)
REPLY = "甲市老年人科学素质提升行动由市卫生健康委、市民政局牵头[1]。"


def assert_no_secret(where: str, text: str) -> None:
    for marker in MARKERS:
        assert marker not in text, f"secret {marker[:12]}… leaked in {where}"


def assert_no_secret_in_files(folder: Path) -> int:
    scanned = 0
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            scanned += 1
            for marker in MARKERS:
                assert marker.encode() not in data, f"secret {marker[:12]}… stored in {path}"
    return scanned


def test_secrets_never_reach_output_logs_or_files(chroma_server, embeddings, tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    corpus = write_tiny_corpus(tmp_path / "corpus")
    with OpenAIStub(reply=REPLY) as stub:
        settings = Settings(home=tmp_path / "home", chroma_host=chroma_server.host, chroma_port=chroma_server.port,
                            chroma_token=SecretStr(CHROMA_TOKEN), llm_base_url=stub.url, llm_model="stub",
                            llm_api_key=SecretStr(LLM_KEY))
        seen = [repr(settings), str(settings), settings.model_dump_json()]

        summary = ingest(settings, [corpus], progress=False, embeddings=embeddings)
        seen.append(summary.describe())
        assistant = Assistant(settings, embeddings=embeddings)
        answer = assistant.answer(TINY_QUESTION)
        seen += [json.dumps(answer.to_dump(), ensure_ascii=False), answer_with_sources(answer)]
        # The key really was used (so its absence from the outputs means something).
        assert any(r["headers"].get("authorization") == f"Bearer {LLM_KEY}" for r in stub.requests)

        stub.status = 401                          # a rejected key: the error path must not echo it
        failed = assistant.answer(TINY_QUESTION)
        seen += [json.dumps(failed.to_dump(), ensure_ascii=False), failed.notice]

    wrong = settings.model_copy(update={"chroma_port": free_port()})
    with pytest.raises(IndexUnavailable) as unreachable:
        open_index(wrong)
    with pytest.raises(IngestError) as not_written:
        ingest(wrong, [corpus], rebuild=True, progress=False, embeddings=embeddings)
    seen += [str(unreachable.value), repr(unreachable.value), str(not_written.value)]

    captured = capsys.readouterr()
    seen += [captured.out, captured.err, caplog.text]
    seen += [record.getMessage() + repr(record.args) for record in caplog.records]
    for number, text in enumerate(seen):
        assert_no_secret(f"output #{number}", text)
    assert assert_no_secret_in_files(settings.home) > 5
    assert_no_secret_in_what_we_sent_the_server(chroma_server.path)


def assert_no_secret_in_what_we_sent_the_server(server_data: Path) -> None:
    """The collections, documents and metadata this project stored on the server hold no secret.

    Read through SQLite, not as raw bytes: free pages of the database file and the HNSW segment
    files are the server's memory, not data this project wrote."""
    import sqlite3

    database = server_data / "chroma.sqlite3"
    assert database.exists(), f"no Chroma catalogue in {server_data}"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = 0
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                rows += 1
                assert_no_secret(f"Chroma server table {table}", repr(row))
    assert rows > 0


def test_secrets_never_reach_cli_output(chroma_server, tmp_path):
    corpus = write_tiny_corpus(tmp_path / "corpus")
    home = tmp_path / "home"
    with OpenAIStub(reply=REPLY) as stub:
        env = dict(chroma_host=chroma_server.host, chroma_port=str(chroma_server.port), chroma_token=CHROMA_TOKEN,
                   llm_base_url=stub.url, llm_model="stub", llm_api_key=LLM_KEY)
        runs = [run_cli(["ingest", str(corpus)], home, **env),
                run_cli(["ask", TINY_QUESTION, "--json"], home, **env),
                # the LLM endpoint down: the fallback notice must not carry the key either
                run_cli(["ask", TINY_QUESTION], home, **{**env, "llm_base_url": f"http://127.0.0.1:{free_port()}/v1"})]
        assert any(r["headers"].get("authorization") == f"Bearer {LLM_KEY}" for r in stub.requests)
    assert [run.returncode for run in runs] == [0, 0, 0], [run.stderr[-500:] for run in runs]
    for number, run in enumerate(runs):
        assert_no_secret(f"CLI run #{number} stdout", run.stdout)
        assert_no_secret(f"CLI run #{number} stderr", run.stderr)
        assert "Traceback" not in run.stderr
    assert_no_secret_in_files(home)
