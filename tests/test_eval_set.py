"""Sanity checks for the evaluation sets: evals/dev.jsonl and every held-out batch.

Self-contained: no project imports. Paths are resolved relative to this file. Held-out
batches are never edited after a run, so these checks are what a batch must satisfy
before it is added, not something to fix afterwards.
"""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SET_PATHS = [ROOT / "evals" / "dev.jsonl", *sorted((ROOT / "evals" / "heldout").glob("*.jsonl"))]
CORPUS_DIR = ROOT / "corpus"

ALLOWED_TYPES = {
    "fact",
    "lead_agency",
    "list",
    "compare",
    "english",
    "paraphrase",
    "followup",
    "unanswerable",
}
# What a question wants (optional `answer_type` field; issue 17): scored as answer-type accuracy.
ANSWER_TYPES = {"organisation", "quantity", "date", "doc_number", "list", "comparison", "mention", "description"}
REQUIRED_KEYS = {"id", "question", "type", "answer", "key_facts", "evidence"}
MIN_ITEMS = 80

_WS = re.compile(r"\s+")


def _norm(text):
    """Remove all whitespace (incl. full-width space U+3000, tabs, newlines)."""
    return _WS.sub("", text.replace("\u3000", ""))


def _load_lines(path):
    assert path.exists(), f"missing {path}"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(n, line) for n, line in enumerate(lines, 1) if line.strip()]


@pytest.fixture(scope="module", params=SET_PATHS, ids=[p.name for p in SET_PATHS])
def qa_path(request):
    return request.param


@pytest.fixture(scope="module")
def items(qa_path):
    out = []
    for n, line in _load_lines(qa_path):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:  # pragma: no cover - reported by test below
            pytest.fail(f"line {n} is not valid JSON: {exc}")
    return out


@pytest.fixture(scope="module")
def corpus():
    return {
        p.name: _norm(p.read_text(encoding="utf-8"))
        for p in sorted(CORPUS_DIR.glob("*.txt"))
    }


def test_every_line_parses(qa_path):
    bad = []
    for n, line in _load_lines(qa_path):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(f"line {n}: {exc}")
            continue
        if not isinstance(obj, dict):
            bad.append(f"line {n}: not a JSON object")
    assert not bad, "\n".join(bad)


def test_minimum_size(items):
    assert len(items) >= MIN_ITEMS, f"only {len(items)} items"


def test_required_keys_and_value_types(items):
    problems = []
    for it in items:
        missing = REQUIRED_KEYS - it.keys()
        if missing:
            problems.append(f"{it.get('id')}: missing {sorted(missing)}")
            continue
        for key in ("id", "question", "type", "answer"):
            if not isinstance(it[key], str) or not it[key].strip():
                problems.append(f"{it['id']}: {key} must be a non-empty string")
        if not isinstance(it["key_facts"], list) or not all(
            isinstance(k, str) and k.strip() for k in it["key_facts"]
        ):
            problems.append(f"{it['id']}: key_facts must be a list of non-empty strings")
        if not isinstance(it["evidence"], list):
            problems.append(f"{it['id']}: evidence must be a list")
            continue
        for ev in it["evidence"]:
            if not isinstance(ev, dict) or not {"doc", "quote"} <= ev.keys():
                problems.append(f"{it['id']}: evidence entry needs doc and quote: {ev!r}")
            elif not (isinstance(ev["doc"], str) and isinstance(ev["quote"], str) and ev["quote"].strip()):
                problems.append(f"{it['id']}: evidence doc/quote must be non-empty strings")
    assert not problems, "\n".join(problems)


def test_types_allowed(items):
    bad = [f"{it['id']}: {it['type']}" for it in items if it["type"] not in ALLOWED_TYPES]
    assert not bad, "\n".join(bad)


def test_ids_unique(items):
    seen, dups = set(), set()
    for it in items:
        (dups if it["id"] in seen else seen).add(it["id"])
    assert not dups, f"duplicate ids: {sorted(dups)}"


def test_unanswerable_have_no_facts_or_evidence(items):
    bad = [
        it["id"]
        for it in items
        if it["type"] == "unanswerable" and (it["key_facts"] != [] or it["evidence"] != [])
    ]
    assert not bad, f"unanswerable items must have empty key_facts/evidence: {bad}"


def test_answerable_have_facts_and_evidence(items):
    bad = [
        it["id"]
        for it in items
        if it["type"] != "unanswerable" and (len(it["key_facts"]) < 1 or len(it["evidence"]) < 1)
    ]
    assert not bad, f"answerable items need >=1 key fact and >=1 evidence: {bad}"


def test_evidence_docs_exist(items, corpus):
    bad = [
        f"{it['id']}: {ev['doc']}"
        for it in items
        for ev in it["evidence"]
        if ev["doc"] not in corpus
    ]
    assert not bad, "unknown evidence docs:\n" + "\n".join(bad)


def test_quotes_found_in_docs(items, corpus):
    bad = []
    for it in items:
        for ev in it["evidence"]:
            text = corpus.get(ev["doc"])
            if text is None:
                continue  # reported by test_evidence_docs_exist
            if _norm(ev["quote"]) not in text:
                bad.append(f"{it['id']} [{ev['doc']}]: {ev['quote']}")
    assert not bad, "quotes not found (whitespace removed):\n" + "\n".join(bad)


def test_key_facts_in_evidence_documents(items, corpus):
    bad = []
    for it in items:
        texts = [corpus.get(ev["doc"], "") for ev in it["evidence"]]
        for fact in it["key_facts"]:
            if not any(_norm(fact) in text for text in texts):
                bad.append(f"{it['id']}: {fact}")
    assert not bad, "key facts missing from the item's evidence documents:\n" + "\n".join(bad)


def test_forbidden_strings_are_not_in_the_reference_answer(items):
    bad = [f"{it['id']}: {wrong}" for it in items for wrong in it.get("forbidden", []) if _norm(wrong) in _norm(it["answer"])]
    assert not bad, "a forbidden string in the item's own reference answer:\n" + "\n".join(bad)


def test_followup_history(items):
    bad = []
    for it in items:
        if it["type"] != "followup":
            continue
        hist = it.get("history")
        if not isinstance(hist, list) or not hist:
            bad.append(f"{it['id']}: empty or missing history")
            continue
        for turn in hist:
            if isinstance(turn, str) and turn.strip():
                continue  # a plain string is an earlier user question
            if (
                not isinstance(turn, dict)
                or turn.get("role") not in {"user", "assistant"}
                or not isinstance(turn.get("content"), str)
                or not turn["content"].strip()
            ):
                bad.append(f"{it['id']}: bad history turn {turn!r}")
    assert not bad, "\n".join(bad)


def test_compare_questions_have_evidence(items):
    # A comparison may rest on one document when the other jurisdiction's is silent.
    bad = [it["id"] for it in items if it["type"] == "compare" and not it["evidence"]]
    assert not bad, f"compare items need evidence: {bad}"


def test_heldout_batches_have_the_required_mix():
    """Issues 11 and 17: ≥150 held-out items with ≥60 paraphrases, ≥30 near-miss unanswerables,
    ≥20 English, ≥15 follow-ups and ≥15 comparisons; items labelled with the answer type they
    want include ≥40 answerable "who is in charge" questions (answer_type organisation)."""
    held = [json.loads(line) for path in SET_PATHS[1:] for _, line in _load_lines(path)]
    counts = {kind: sum(it["type"] == kind for it in held) for kind in ALLOWED_TYPES}
    assert len(held) >= 150
    assert counts["paraphrase"] >= 60
    assert counts["unanswerable"] >= 30 and counts["english"] >= 20
    assert counts["followup"] >= 15 and counts["compare"] >= 15
    labelled = [it for it in held if "answer_type" in it]
    if labelled:
        assert {it["answer_type"] for it in labelled} <= ANSWER_TYPES
        assert sum(it["answer_type"] == "organisation" and it["type"] != "unanswerable" for it in labelled) >= 40
