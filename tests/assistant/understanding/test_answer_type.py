"""The answer type is decided by the fitted model from meaning and characters: questions
it was not fitted on, in everyday wording, Chinese and English."""
from __future__ import annotations

import json

import pytest

from assistant.understanding.answer_type import LABELS, MODEL_PATH, predict_answer_type


def answer_type(policy_assistant, question: str) -> str:
    return predict_answer_type(question, policy_assistant.embeddings.embed_query(question)).label


@pytest.mark.parametrize("question", [
    "帮老年人学用智能手机这件事，归哪个部门管？",
    "青少年那块工作，县里是哪几家一起抓的？",
    "搞农民培训的事我该找谁？",
    "Which agency should I talk to about science for farmers?",
])
def test_who_is_in_charge_in_everyday_words_wants_an_organisation(policy_assistant, question):
    assert answer_type(policy_assistant, question) == "organisation"


@pytest.mark.parametrize("question,label", [
    ("到2025年全市要建成几个科普教育基地？", "quantity"),
    ("How many science volunteers should the county have by 2025?", "quantity"),
    ("省里那份科普规划的文号是多少？", "doc_number"),
    ("湘江新区和郴州在青少年科学素质方面有什么不同？", "comparison"),
])
def test_other_answer_types(policy_assistant, question, label):
    assert answer_type(policy_assistant, question) == label


def test_the_model_is_stored_as_json_coefficients_with_its_dev_accuracy():
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert data["labels"] == list(LABELS)
    assert data["fitted_on"] == "dev.jsonl" and data["n_generated"] > data["n_dev"] > 0
    assert 0.0 <= data["dev_cross_validated"]["accuracy"] <= 1.0


def test_the_fit_command_refuses_held_out_batches(tmp_path, capsys):
    from assistant.understanding.fit import main

    batch = tmp_path / "heldout" / "batch-x.jsonl"
    batch.parent.mkdir()
    batch.write_text("", encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["--qa", str(batch)])
    assert "held-out" in capsys.readouterr().err
