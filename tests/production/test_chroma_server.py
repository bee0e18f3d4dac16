"""Chroma server mode against a real ``chroma run`` subprocess (see the ``chroma_server`` fixture).

The vectors live on the server (one collection per index generation); everything else
(chunks, BM25, records, manifest) stays in the local data directory.
"""
from __future__ import annotations

import time

import chromadb
import pytest

from assistant.engine import Assistant
from assistant.index import IndexUnavailable, current_generation, open_index, read_manifest
from assistant.settings import Settings
from ingest.pipeline import IngestError, ingest
from tests.production.support import TINY_QUESTION, free_port, run_cli, write_tiny_corpus

pytestmark = pytest.mark.slow


def server_settings(home, server, **extra) -> Settings:
    return Settings(home=home, chroma_host=server.host, chroma_port=server.port, **extra)


def server_collections(server) -> set[str]:
    client = chromadb.HttpClient(host=server.host, port=server.port,
                                 settings=chromadb.Settings(anonymized_telemetry=False))
    return {collection.name for collection in client.list_collections()}


@pytest.fixture(scope="module")
def server_home(tmp_path_factory, chroma_server, embeddings):
    """A data directory whose index was built on the Chroma server."""
    root = tmp_path_factory.mktemp("server-mode")
    corpus = write_tiny_corpus(root / "corpus")
    settings = server_settings(root / "home", chroma_server)
    summary = ingest(settings, [corpus], progress=False, embeddings=embeddings)
    return settings, corpus, summary


def test_ingest_and_answer_through_the_server(server_home, chroma_server, embeddings):
    settings, corpus, summary = server_home
    assert sorted(summary.added) == sorted(p.name for p in corpus.glob("*.txt"))
    generation = current_generation(settings.index_dir)
    manifest = read_manifest(generation)
    assert manifest.store == chroma_server.url
    assert manifest.collection == f"{settings.collection_name}-{generation.name}"
    assert manifest.collection in server_collections(chroma_server)
    assert not (generation / "chroma").exists(), "server mode must not write an embedded store"

    answer = Assistant(settings, embeddings=embeddings).answer(TINY_QUESTION)
    assert not answer.abstained
    assert answer.citations and answer.citations[0].source == "甲市科普实施方案.txt"
    assert "市卫生健康委" in answer.text and "[1]" in answer.text
    # The dense half of the hybrid search really came from the server.
    assert any(passage.dense_rank for passage in answer.retrieved)


def test_second_ingest_reports_no_change(server_home, embeddings):
    settings, corpus, summary = server_home
    again = ingest(settings, [corpus], progress=False, embeddings=embeddings)
    assert not again.changed
    assert again.generation == summary.generation
    assert "No changes" in again.describe()


def test_old_generations_are_dropped_from_the_server(chroma_server, embeddings, tmp_path):
    """Each changing ingest adds a collection; only the live and the previous generation may stay."""
    corpus = write_tiny_corpus(tmp_path / "original")
    settings = server_settings(tmp_path / "home", chroma_server)
    built = [ingest(settings, [corpus], progress=False, embeddings=embeddings).generation]
    changed = tmp_path / "corpus"
    changed.mkdir()
    for number in (1, 2):
        for path in corpus.glob("*.txt"):
            text = path.read_text(encoding="utf-8")
            (changed / path.name).write_text(text + f"\n三、保障措施\n\n第{number}次修订：加强经费保障。\n",
                                             encoding="utf-8")
        summary = ingest(settings, [changed], progress=False, embeddings=embeddings)
        assert summary.replaced
        built.append(summary.generation)
    assert {p.name for p in settings.index_dir.glob("gen-*")} == set(built[1:])
    on_server = server_collections(chroma_server)     # other tests' homes share this server
    assert f"{settings.collection_name}-{built[0]}" not in on_server
    assert {f"{settings.collection_name}-{name}" for name in built[1:]} <= on_server
    assert Assistant(settings, embeddings=embeddings).answer(TINY_QUESTION).citations


def test_wrong_port_is_a_clear_error_not_a_hang(server_home, tmp_path, embeddings):
    settings, corpus, _ = server_home
    wrong = settings.model_copy(update={"chroma_port": free_port()})   # nothing listens there

    started = time.monotonic()
    with pytest.raises(IndexUnavailable, match="Cannot reach the Chroma server") as opened:
        open_index(wrong)
    assert "--rebuild" not in str(opened.value), "rebuilding cannot fix an unreachable server"
    assert time.monotonic() - started < 15

    before = sorted(p.name for p in settings.index_dir.iterdir())
    with pytest.raises(IngestError, match="Cannot reach the Chroma server"):
        ingest(wrong, [corpus], rebuild=True, progress=False, embeddings=embeddings)
    assert sorted(p.name for p in settings.index_dir.iterdir()) == before, "no stray generation folder"
    assert open_index(settings).manifest.generation == current_generation(settings.index_dir).name

    result = run_cli(["ask", TINY_QUESTION], settings.home, timeout=120,
                     chroma_host=wrong.chroma_host, chroma_port=str(wrong.chroma_port))
    assert result.returncode == 1
    assert "Cannot reach the Chroma server" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
