"""What every extractive answer gets last: status marks on drafts and superseded plans,
and no empty emphasis. Unit-level: the marks follow from the citations' status alone."""
from __future__ import annotations

import pytest

from assistant.answers.finish import mark_status, with_status, without_empty_markup
from assistant.document_status import cited_title, status_label, status_mark
from assistant.present import source_line
from assistant.types import Citation
from ingest.metadata import DocumentInfo


def citation(number: int, source: str, title: str, status: str, doc_number: str = "") -> Citation:
    return Citation(number, f"{source}-{number}", source, title, doc_number, "", "二、提升行动", "……", 0, 2, status)


DRAFT = citation(1, "z.txt", "中方县实施方案", "征求意见稿")
FINAL = citation(2, "c.txt", "郴州市实施方案", "正式印发", "郴政办发〔2022〕1号")


@pytest.mark.parametrize("status", ["征求意见稿", "superseded", "草案", "试行", "已废止", "某种新状态"])
def test_every_status_but_in_force_is_marked_after_the_title_in_text_and_citation(status):
    draft = citation(1, "z.txt", "中方县实施方案", status)
    text = mark_status("**中方县**《中方县实施方案》（二）行动：由**县科协**牵头 [1]", [draft], english=False)
    label = status_label(status)
    assert f"《中方县实施方案》（{label}）（二）" in text
    assert cited_title(draft) == f"中方县实施方案（{label}）"
    assert f"中方县实施方案（{label}）" in source_line(draft)


def test_a_document_in_force_is_not_marked():
    text = "**郴州市**《郴州市实施方案》（郴政办发〔2022〕1号）行动：由A牵头 [2]"
    assert mark_status(text, [FINAL], english=False) == text
    assert cited_title(FINAL) == "郴州市实施方案"


def test_the_mark_follows_the_doc_number_and_is_not_repeated():
    draft = citation(1, "z.txt", "中方县实施方案", "征求意见稿", "中政办〔2023〕5号")
    once = mark_status("《中方县实施方案》（中政办〔2023〕5号）：[1]", [draft], english=False)
    assert once == "《中方县实施方案》（中政办〔2023〕5号）（征求意见稿）：[1]"
    assert mark_status(once, [draft], english=False) == once


def test_an_answer_that_does_not_name_the_draft_says_which_citations_quote_it():
    text = mark_status("由县科协牵头 [1]；比例超过15% [2]。", [DRAFT, FINAL], english=False)
    assert text.endswith("注：[1] 引自《中方县实施方案》（征求意见稿）。")
    english = mark_status("Led by the county association [1].", [DRAFT], english=True)
    assert english.endswith("(draft for comments).") and "[1]" in english.splitlines()[-1]


def test_status_comes_from_the_document_metadata():
    documents = {"z.txt": DocumentInfo("z.txt", "z", "中方县实施方案", status="征求意见稿")}
    (marked,) = with_status([citation(1, "z.txt", "中方县实施方案", "")], documents)
    assert marked.status == "征求意见稿"
    assert status_mark("征求意见稿", english=True) == " (draft for comments)"


@pytest.mark.parametrize("text", ["****《郴州市实施方案》行动：由**A**牵头", "** **— (x): led by **A**",
                                  "前言 ____ 正文 **A**", "****"])
def test_no_empty_emphasis_survives(text):
    cleaned = without_empty_markup(text)
    assert "****" not in cleaned and "** **" not in cleaned and "____" not in cleaned
    assert cleaned.count("**") % 2 == 0
    assert "**A**" in cleaned or not cleaned.strip() or "A" not in text
