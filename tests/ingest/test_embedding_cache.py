"""The embedding cache: a text embedded once is not embedded again, in any generation or home
build; two processes can write it; a damaged or full cache costs time, never the index; the
shipped vectors cover the bundled corpus."""
from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from assistant.embedding_cache import CACHE_FILE, SHIPPED_CACHE, CachedEmbeddings, VectorCache, cache_key
from assistant.settings import DEFAULT_EMBEDDING_MODEL, Settings
from ingest.pipeline import corpus_embedding_texts, ingest, remove_documents
from tests.production.support import write_tiny_corpus


class CountingModel:
    """The real bundled model, counting the texts it is asked to embed."""

    def __init__(self, embeddings) -> None:
        self._embeddings = embeddings
        self.dimension = embeddings.dimension
        self.texts = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.texts += len(texts)
        return self._embeddings.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._embeddings.embed_query(text)


def test_rebuild_replace_and_re_adding_embed_nothing_twice(tmp_path, embeddings):
    corpus = write_tiny_corpus(tmp_path / "corpus")
    model = CountingModel(embeddings)
    settings = Settings(home=tmp_path / "home")
    ingest(settings, [corpus], progress=False, embeddings=model)
    first = model.texts
    assert first > 0
    ingest(settings, [corpus], rebuild=True, progress=False, embeddings=model)
    ingest(settings, [corpus], replace=True, rebuild=True, progress=False, embeddings=model)
    removed = sorted(p.name for p in corpus.iterdir() if p.suffix == ".txt")[0]
    remove_documents(settings, [removed], embeddings=model)
    ingest(settings, [corpus], progress=False, embeddings=model)
    assert model.texts == first
    # Another home (the evaluation's fresh index) does not share it: the cache lives under the home.
    other = Settings(home=tmp_path / "other-home")
    ingest(other, [corpus], progress=False, embeddings=model)
    assert model.texts == 2 * first


def test_cached_vectors_are_the_models_vectors(tmp_path, embeddings):
    texts = ["全民科学素质行动", "科技馆免费开放。", "全民科学素质行动"]
    cache = VectorCache(tmp_path / CACHE_FILE)
    wrapped = CachedEmbeddings("m", lambda: embeddings, cache)
    first = wrapped.embed_documents(texts)
    assert wrapped.embedded == 2 and first[0] == first[2]
    again = CachedEmbeddings("m", lambda: pytest.fail("the model must not load"), VectorCache(tmp_path / CACHE_FILE))
    np.testing.assert_allclose(again.embed_documents(texts), first, atol=1e-6)
    # Another model's name is another key: never its vectors.
    assert VectorCache(tmp_path / CACHE_FILE).get_many([cache_key("other", texts[0])]) == {}


def _write_entries(path: str, start: int, count: int) -> None:
    cache = VectorCache(Path(path))
    for i in range(start, start + count, 10):
        cache.put_many([(cache_key("m", f"text {j}"), [float(j)] * 8) for j in range(i, i + 10)])


def test_two_processes_write_the_cache_at_once(tmp_path):
    path = str(tmp_path / CACHE_FILE)
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_entries, args=(path, start, 400)) for start in (0, 200)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    found = VectorCache(Path(path)).get_many([cache_key("m", f"text {j}") for j in range(600)])
    assert len(found) == 600 and found[cache_key("m", "text 599")] == [599.0] * 8


def test_a_damaged_cache_is_moved_aside_and_ingest_still_works(tmp_path, embeddings):
    home = tmp_path / "home"
    home.mkdir()
    (home / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    summary = ingest(Settings(home=home), [write_tiny_corpus(tmp_path / "corpus")], progress=False, embeddings=embeddings)
    assert summary.chunks > 0
    assert list(home.glob(CACHE_FILE + ".damaged-*"))
    assert VectorCache(home / CACHE_FILE).count() > 0


def test_an_unwritable_cache_only_costs_embedding(tmp_path, embeddings):
    home = tmp_path / "home"
    (home / CACHE_FILE).mkdir(parents=True)     # a folder where the file should be: cannot be opened
    model = CountingModel(embeddings)
    summary = ingest(Settings(home=home), [write_tiny_corpus(tmp_path / "corpus")], progress=False, embeddings=model)
    assert summary.chunks > 0 and model.texts > 0


def test_the_cache_stays_within_its_size(tmp_path):
    cache = VectorCache(tmp_path / CACHE_FILE, max_mb=1)
    for start in range(0, 3000, 100):
        cache.put_many([(cache_key("m", f"text {j}"), [0.5] * 384) for j in range(start, start + 100)])
    assert (tmp_path / CACHE_FILE).stat().st_size <= 1.3 * 1024 * 1024
    assert cache.get_many([cache_key("m", "text 2999")])          # the newest stay
    assert not cache.get_many([cache_key("m", "text 0")])          # the oldest went


def test_the_shipped_vectors_cover_the_bundled_corpus():
    """Fails when corpus/, the chunker or the sentence split changes: regenerate with
    ``python -m ingest.shipped_vectors`` (README, "Embedding cache")."""
    texts = corpus_embedding_texts(Settings())
    keys = [cache_key(DEFAULT_EMBEDDING_MODEL, text) for text in texts]
    found = VectorCache(SHIPPED_CACHE, read_only=True).get_many(keys)
    missing = [text for text, key in zip(texts, keys) if key not in found]
    assert not missing, (f"{len(missing)} of {len(texts)} corpus texts are not in {SHIPPED_CACHE.name}, e.g. "
                         f"{missing[0][:40]!r}; run: python -m ingest.shipped_vectors")


def test_first_ingest_of_the_bundled_corpus_loads_no_model(tmp_path, monkeypatch):
    import assistant.embeddings

    monkeypatch.setattr(assistant.embeddings, "load_embeddings",
                        lambda settings: pytest.fail("the shipped vectors should cover the bundled corpus"))
    settings = Settings(home=tmp_path / "home")
    summary = ingest(settings, progress=False)
    assert summary.documents == 5 and summary.chunks > 0


def test_the_shipped_file_is_package_data():
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["assistant"]
    assert any(Path("data", SHIPPED_CACHE.name).match(pattern) for pattern in patterns)
    with sqlite3.connect(f"file:{SHIPPED_CACHE}?mode=ro", uri=True) as db:
        assert db.execute("SELECT count(*) FROM vectors").fetchone()[0] > 0


def test_progress_reports_every_stage_with_rate_and_estimate(tmp_path, embeddings):
    from ingest.progress import STAGES, IngestProgress

    seen: list[IngestProgress] = []
    ingest(Settings(home=tmp_path / "home"), [write_tiny_corpus(tmp_path / "corpus")], progress=seen.append,
           embeddings=embeddings)
    stages = [p.stage for p in seen]
    assert [s for s in STAGES if s in stages] == ["reading", "chunking", "embedding", "publishing"]
    embedding = [p for p in seen if p.stage == "embedding"]
    assert embedding[-1].done == embedding[-1].total > 0
    assert any(p.rate > 0 and p.eta_seconds is not None for p in embedding[1:])
    assert "texts/s" in next(p for p in embedding if p.rate).describe()
    assert seen[-1].stage == "publishing" and seen[-1].done == seen[-1].total


def test_the_sentence_design_embeds_each_text_once_and_scores_passages_by_their_sentences(tmp_path, embeddings):
    from assistant.index import SOFT_MAX_TEMPERATURE, open_index
    from ingest.sentences import sentence_records

    model = CountingModel(embeddings)
    settings = Settings(home=tmp_path / "home", dense_vectors="sentences")
    ingest(settings, [write_tiny_corpus(tmp_path / "corpus")], progress=False, embeddings=model)
    index = open_index(settings, embedding_model=settings.embedding_model)
    records = sentence_records(index.chunks)
    assert model.texts == len({r.text for r in records})          # no whole-passage embedding
    query = embeddings.embed_query("科技馆免费开放")
    chunk_id, score = index.dense_search(query, k=3)[0]
    stored = index.sentence_collection.get(where={"chunk_id": chunk_id}, include=["embeddings"])["embeddings"]
    cosines = np.array([np.dot(query, v) / (np.linalg.norm(query) * np.linalg.norm(v)) for v in stored])
    t = SOFT_MAX_TEMPERATURE
    assert score == pytest.approx(cosines.max() + t * np.log(np.exp((cosines - cosines.max()) / t).sum()), abs=1e-4)
