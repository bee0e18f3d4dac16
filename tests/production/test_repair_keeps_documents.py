"""Repair never forgets a document (issue 20, item 4). The home keeps a content-addressed copy of
every indexed file; rebuild and repair read those copies, not just corpus/. Before: a torn
manifest.json made `ask` fail, and the advised `ingest --rebuild` rebuilt from corpus/ only, so a
document added by path (or uploaded) was dropped without a word.

Each file of a live generation is torn (cut to half its size) in turn; after the command the
product advises — or a plain `ingest` when `ask` still opens — both documents are answerable."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.engine import Assistant
from assistant.index import IndexUnavailable, current_generation, open_index
from assistant.settings import Settings
from ingest.pipeline import IngestError, ingest, remove_documents
from ingest.sources import CATALOGUE, read_catalogue, sources_dir
from tests.production.support import TINY_DOCS

pytestmark = pytest.mark.slow
CORPUS_DOC, ADDED_DOC = list(TINY_DOCS)          # 甲市… in corpus/, 乙县… added by path from a folder that is gone
QUESTIONS = {CORPUS_DOC: "甲市老年人科学素质提升行动由哪些单位牵头？", ADDED_DOC: "乙县科普阵地建设由哪个单位牵头？"}


@pytest.fixture(scope="module")
def built_home(tmp_path_factory, embeddings) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("repair")
    corpus, elsewhere = root / "corpus", root / "elsewhere"
    corpus.mkdir()
    elsewhere.mkdir()
    (corpus / CORPUS_DOC).write_text(TINY_DOCS[CORPUS_DOC], encoding="utf-8")
    (elsewhere / ADDED_DOC).write_text(TINY_DOCS[ADDED_DOC], encoding="utf-8")
    home = root / "home"
    settings = Settings(home=home, corpus_dir=corpus)
    ingest(settings, None, progress=False, embeddings=embeddings)
    ingest(settings, [elsewhere / ADDED_DOC], progress=False, embeddings=embeddings)
    shutil.rmtree(elsewhere)                         # like an upload's temporary file: only the home has it now
    return home, corpus


def generation_files(home: Path) -> list[str]:
    generation = current_generation(home / "index")
    return sorted(str(p.relative_to(generation)) for p in generation.rglob("*") if p.is_file() and p.stat().st_size)


def answerable(settings: Settings, embeddings) -> dict[str, bool]:
    assistant = Assistant(settings, embeddings=embeddings)
    return {source: any(c.source == source for c in assistant.answer(question).citations)
            for source, question in QUESTIONS.items()}


def test_every_indexed_file_has_a_content_addressed_copy(built_home):
    home, _ = built_home
    catalogue = read_catalogue(home)
    assert set(catalogue) == set(QUESTIONS)
    for entry in catalogue.values():
        copy = sources_dir(home) / entry["copy"]
        assert copy.name.startswith(entry["sha256"]) and copy.is_file()


def test_tearing_any_file_of_the_live_generation_loses_no_document(built_home, tmp_path, embeddings):
    home, corpus = built_home
    files = generation_files(home)
    assert "manifest.json" in files and len(files) >= 8
    outcomes = {}
    for number, name in enumerate(files):
        copy = tmp_path / f"home-{number}"
        shutil.copytree(home, copy)
        torn = current_generation(copy / "index") / name
        data = torn.read_bytes()
        torn.write_bytes(data[: len(data) // 2])
        settings = Settings(home=copy, corpus_dir=corpus)
        try:
            open_index(settings, embedding_model=settings.embedding_model)
            advice = "policy-assistant ingest"
        except IndexUnavailable as error:
            advice = str(error)
        assert "policy-assistant ingest" in advice, (name, advice)
        ingest(settings, None, rebuild="--rebuild" in advice, progress=False, embeddings=embeddings)
        outcomes[name] = answerable(settings, embeddings)
        shutil.rmtree(copy)
    lost = {name: found for name, found in outcomes.items() if not all(found.values())}
    assert not lost, lost


def test_a_repair_that_would_drop_a_document_refuses_and_names_it(built_home, tmp_path, embeddings):
    home, corpus = built_home
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    entry = read_catalogue(copy)[ADDED_DOC]
    (sources_dir(copy) / entry["copy"]).unlink()
    settings = Settings(home=copy, corpus_dir=corpus)
    live_before = current_generation(copy / "index").name
    with pytest.raises(IngestError) as refused:
        ingest(settings, None, rebuild=True, progress=False, embeddings=embeddings)
    assert ADDED_DOC in str(refused.value) and "Refusing" in str(refused.value)
    assert current_generation(copy / "index").name == live_before        # the good generation is kept


def test_remove_deletes_the_copy(built_home, tmp_path, embeddings):
    home, corpus = built_home
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    entry = read_catalogue(copy)[ADDED_DOC]
    remove_documents(Settings(home=copy, corpus_dir=corpus), [ADDED_DOC], embeddings=embeddings)
    assert ADDED_DOC not in read_catalogue(copy)
    assert not (sources_dir(copy) / entry["copy"]).exists()
    assert (sources_dir(copy) / CATALOGUE).exists()
