"""The evaluation harness: metric functions on hand-made dumps, then one real run over the bundled corpus."""
from __future__ import annotations

import json
from argparse import Namespace

import pytest

from assistant import evaluate as ev
from assistant.eval_cli import feedback_to_candidates, run_cli
from assistant.evaluate import Evidence, QAItem

DOC = "003_4b8c682228c4847d.txt"
QUOTE = "由市卫生健康委、市民政局牵头，市委组织部、市委宣传部"


def passage(text: str, source: str = DOC, rank: int = 1) -> dict:
    return {"rank": rank, "source": source, "section": "", "text": text, "score": 0.0}


def item(type_: str = "lead_agency", key_facts=("市卫生健康委", "市民政局"), evidence=((DOC, QUOTE),), id_="x-1") -> QAItem:
    return QAItem(id=id_, question="郴州市老年人科学素质提升行动由谁牵头？", type=type_, key_facts=list(key_facts),
                  evidence=[Evidence(doc, quote) for doc, quote in evidence])


def dump(answer="", retrieved=(), citations=(), abstained=False, latency=10.0) -> dict:
    return {"answer": answer, "retrieved": list(retrieved), "citations": list(citations),
            "abstained": abstained, "latency_ms": latency}


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- matching

def test_quote_matching_ignores_all_whitespace():
    wrapped = "（四）老年人科学素质提升行动。由市卫生健康委、\n市民政局牵头，市委组织部、\u3000市委宣传部 等参与。"
    assert ev.holds_quote(passage(wrapped), Evidence(DOC, QUOTE))
    assert ev.holds_quote(passage("由市卫生健康委、市民政局牵头，市委组织部、市委宣传部"),
                          Evidence(DOC, "由市卫生健康委、 市民政局牵头，\n\n市委组织部、市委宣传部"))


def test_quote_must_come_from_the_same_document():
    assert not ev.holds_quote(passage(QUOTE, source="004_aee5965023792939.txt"), Evidence(DOC, QUOTE))


def test_long_quote_spanning_two_chunks_matches_each_long_part():
    first, second = "由市卫生健康委、市民政局牵头，市委组织部、", "市委宣传部、市委老干部局、市教育局、市科技局参与。"
    evidence = Evidence(DOC, first + second)
    assert ev.holds_quote(passage(second), evidence)
    assert not ev.holds_quote(passage("市委宣传部"), evidence), "a short fragment is not the evidence"


# ---------------------------------------------------------------- per-item scores

def test_retrieval_scores_hit_recall_and_reciprocal_rank():
    qa = item(evidence=((DOC, QUOTE), (DOC, "以提升信息素养和健康素养为重点")))
    retrieved = [passage("无关内容一", rank=1), passage("无关内容二", rank=2), passage("前文。" + QUOTE, rank=3)]
    score = ev.score_retrieval(qa.evidence, retrieved, k=5)
    assert (score.hit_at_1, score.hit_at_k, score.evidence_recall_at_k) == (0.0, 1.0, 0.5)
    assert score.reciprocal_rank == pytest.approx(1 / 3)
    assert ev.score_retrieval(qa.evidence, retrieved, k=2).hit_at_k == 0.0


def test_reciprocal_rank_is_zero_beyond_the_retrieved_passages():
    score = ev.score_retrieval(item().evidence, [passage("无关", rank=r) for r in range(1, 6)], k=5)
    assert (score.hit_at_k, score.reciprocal_rank) == (0.0, 0.0)


def test_key_fact_recall_and_citation_support():
    qa = item()
    answered = dump(answer="由市卫生健康委、 市 民政局 牵头[1]。", retrieved=[passage(QUOTE)], citations=[passage(QUOTE)])
    score = ev.score_item(qa, answered, k=5)
    assert (score.key_fact_recall, score.citation_support, score.missing_key_facts) == (1.0, 1.0, [])

    partial = ev.score_item(qa, dump(answer="由市卫生健康委牵头。", citations=[passage("别的内容，不含证据的段落文本。")]), k=5)
    assert partial.key_fact_recall == 0.5 and partial.missing_key_facts == ["市民政局"]
    assert partial.citation_support == 0.0
    assert ev.score_item(qa, dump(answer="由市卫生健康委牵头。"), k=5).citation_support == 0.0, "no citations scores 0"


def test_unanswerable_items_have_no_retrieval_or_answer_metrics():
    score = ev.score_item(item(type_="unanswerable", key_facts=(), evidence=()), dump(abstained=True), k=5)
    assert score.abstained and not score.answerable
    assert score.hit_at_k is None and score.key_fact_recall is None and score.citation_support is None
    assert ev.failure_reasons(score) == []


def test_abstention_metrics():
    scores = [
        ev.score_item(item(type_="unanswerable", key_facts=(), evidence=(), id_="u1"), dump(abstained=True), 5),
        ev.score_item(item(type_="unanswerable", key_facts=(), evidence=(), id_="u2"), dump(abstained=False), 5),
        ev.score_item(item(id_="a1"), dump(answer="市卫生健康委、市民政局", retrieved=[passage(QUOTE)]), 5),
        ev.score_item(item(id_="a2"), dump(abstained=True), 5),
        ev.score_item(item(id_="a3", type_="english"), dump(answer="市卫生健康委", retrieved=[passage(QUOTE)]), 5),
        ev.score_item(item(id_="a4"), dump(answer="x"), 5),
    ]
    groups = ev.aggregate_groups(scores)
    overall = groups["overall"]
    assert overall["correct_abstention"] == 0.5
    assert overall["false_abstention"] == 0.25
    assert overall["hit_at_k"] == 0.5, "retrieval metrics exclude the unanswerable items"
    assert overall["count"] == 6
    assert groups["chinese"]["count"] == 3 and groups["chinese"]["correct_abstention"] is None
    assert groups["english"]["key_fact_recall"] == 0.5
    assert "wrong abstention: answered an unanswerable question" in ev.failure_reasons(scores[1])
    assert "wrong abstention: declined an answerable question" in ev.failure_reasons(scores[3])


def test_percentiles():
    assert ev.percentile([10, 20, 30, 40], 50) == 25.0
    assert ev.percentile([5.0], 95) == 5.0
    assert ev.percentile([], 50) is None


# ---------------------------------------------------------------- loading the QA set

def test_load_qa_reports_malformed_lines_by_number_and_ignores_unknown_keys(tmp_path):
    good = {"id": "a", "question": "q?", "type": "fact", "answer": "x", "key_facts": ["x"],
            "evidence": [{"doc": DOC, "quote": QUOTE}], "reviewer": "someone", "extra": {"nested": 1}}
    path = write_lines(tmp_path / "qa.jsonl", [
        json.dumps(good, ensure_ascii=False),
        "{not json",
        "",
        json.dumps({"id": "b", "type": "fact"}),                                   # no question
        json.dumps({**good, "id": "c", "evidence": [{"doc": DOC}]}),             # evidence without quote
        json.dumps({**good, "id": "a"}),                                          # duplicate id
        json.dumps(["a", "list"]),
        json.dumps({**good, "id": "d", "history": [{"role": "user", "content": "上一问"}]}),
    ])
    items, problems = ev.load_qa(path)
    assert [i.id for i in items] == ["a", "d"]
    assert items[1].history == [{"role": "user", "content": "上一问"}]
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 4", "line 5", "line 6", "line 7"]
    assert "question" in problems[1] and "duplicate" in problems[3]


def test_the_bundled_sets_load_cleanly():
    sets = ev.default_sets()
    assert [s.name for s in sets] == ["dev", "heldout"]
    for eval_set in sets:
        items, problems = ev.load_set(eval_set)
        assert problems == [] and len(items) >= 150


def test_a_set_of_batches_reports_an_id_repeated_across_batches(tmp_path):
    line = json.dumps({"id": "a", "question": "q?", "type": "unanswerable", "key_facts": [], "evidence": []})
    first, second = write_lines(tmp_path / "b1.jsonl", [line]), write_lines(tmp_path / "b2.jsonl", [line])
    items, problems = ev.load_set(ev.EvalSet("heldout", (first, second)))
    assert [i.id for i in items] == ["a"] and problems == ["b2.jsonl: line 1: duplicate id 'a'"]


def test_clean_answer_metric_counts_answered_items_with_forbidden_strings():
    item = ev.QAItem(id="x", question="郴州谁牵头？", type="lead_agency", key_facts=["市民政局"],
                     evidence=[ev.Evidence(DOC, QUOTE)], forbidden=["县民政局", "县卫生健康局"])
    wrong = ev.score_item(item, dump(answer="市民政局、县卫生健康局"), 5)
    right = ev.score_item(item, dump(answer="市卫生健康委、市民政局"), 5)
    refused = ev.score_item(item, dump(answer="县卫生健康局…", abstained=True), 5)
    assert (wrong.clean, right.clean, refused.clean) == (0.0, 1.0, None)
    assert wrong.forbidden_found == ["县卫生健康局"]
    assert "wrong content: 县卫生健康局" in ev.failure_reasons(wrong)
    assert ev.aggregate([wrong, right, refused])["clean_answers"] == 0.5
    with pytest.raises(ValueError, match="forbidden"):
        ev.parse_qa_line(json.dumps({"id": "y", "question": "q", "type": "fact", "forbidden": "县民政局"}))


# ---------------------------------------------------------------- thresholds

def test_thresholds_fail_below_minimum_and_above_maximum():
    aggregates = {"overall": {**ev.aggregate([]), "hit_at_k": 0.6, "false_abstention": 0.3, "latency_p95_ms": 900.0},
                  "fact": {"hit_at_k": 0.95}}
    thresholds = {"overall": {"hit_at_k": 0.9, "latency_p95_ms": 1000}, "fact": {"hit_at_k": 0.9},
                  "abstention": {"false_max": 0.1, "correct_min": 0.5}, "followup": {"hit_at_k": 0.5}}
    failures, notes = ev.check_thresholds(aggregates, thresholds)
    assert any(f.startswith("overall.hit_at_k = 0.6 is below") for f in failures)
    assert any(f.startswith("overall.false_abstention = 0.3 is above") for f in failures)
    assert len(failures) == 2
    assert any("correct_abstention" in n for n in notes) and any("followup" in n for n in notes)
    assert ev.check_thresholds(aggregates, {"overall": {"hit_at_kk": 0.1}})[0], "a typo must not pass silently"


def test_bundled_thresholds_file_gates_dev_heldout_and_fixtures():
    thresholds = ev.load_thresholds(ev.PROJECT_ROOT / "evals" / "thresholds.toml")
    sets = {"dev", "heldout", "fixtures", "office"}
    assert set(thresholds) == sets, "every limit belongs to a [set.group] table"
    for name in sorted(sets):
        rules = ev.threshold_rules(ev.thresholds_for(thresholds, name))
        assert rules and all(metric in ev.KNOWN_METRICS for _, metric, _ in rules), name
        assert "overall" in thresholds[name], name


class FakeAnswer:
    def __init__(self, data: dict) -> None:
        self.data = data

    def to_dump(self) -> dict:
        return dict(self.data)


class FakeAssistant:
    """Answers from a table; records calls to check the harness passes the history through."""

    def __init__(self, answers: dict[str, dict]) -> None:
        self.answers, self.calls = answers, []

    def answer(self, question, history=None, filters=None):
        self.calls.append((question, history))
        if question not in self.answers:
            raise RuntimeError("boom")
        return FakeAnswer({"question": question, **self.answers[question]})


def test_threshold_failure_gives_exit_code_1_and_reports(tmp_path):
    from assistant.settings import Settings

    qa = write_lines(tmp_path / "qa.jsonl", [
        json.dumps({"id": "f1", "question": "谁牵头？", "type": "fact", "key_facts": ["市民政局"],
                    "evidence": [{"doc": DOC, "quote": QUOTE}], "history": [{"role": "user", "content": "前一问"}]},
                   ensure_ascii=False),
        json.dumps({"id": "f2", "question": "会出错的问题", "type": "fact", "key_facts": ["x"],
                    "evidence": [{"doc": DOC, "quote": QUOTE}]}, ensure_ascii=False),
    ])
    fake = FakeAssistant({"谁牵头？": dump(answer="市民政局[1]", retrieved=[passage(QUOTE)], citations=[passage(QUOTE)])})
    strict = write_lines(tmp_path / "strict.toml", ["[qa.overall]", "hit_at_k = 0.9"])
    loose = write_lines(tmp_path / "loose.toml", ["[qa.overall]", "hit_at_k = 0.4", "[qa.abstention]", "false_max = 0.0"])

    def run(thresholds):
        args = Namespace(qa=[qa], k=5, dump=tmp_path / "dump.jsonl", report=tmp_path / "report",
                         thresholds=thresholds, no_baseline=True)
        return run_cli(args, Settings(home=tmp_path / "home"), assistant=fake)

    assert run(strict) == 1
    assert run(loose) == 0
    assert ("谁牵头？", [{"role": "user", "content": "前一问"}]) in fake.calls
    lines = [json.loads(line) for line in (tmp_path / "dump.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["f1", "f2"] and "error" in lines[1]
    report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "| f2 | fact | error: RuntimeError: boom" in report


def test_feedback_becomes_candidates_that_load_qa_skips(tmp_path):
    feedback = write_lines(tmp_path / "feedback.jsonl", [
        json.dumps({"question": "谁牵头？", "answer": "市民政局[1]", "rating": "up", "comment": "",
                    "citations": [{"source": DOC, "text": QUOTE, "section": "x"}]}, ensure_ascii=False),
        json.dumps({"question": "目标是多少？", "answer": "不知道", "rating": "down", "comment": "漏了18%",
                    "citations": [{"source": DOC, "text": QUOTE}]}, ensure_ascii=False),
        json.dumps({"question": "谁牵头？", "rating": "up"}, ensure_ascii=False),    # duplicate question
        "{torn",
    ])
    assert feedback_to_candidates(feedback, tmp_path / "candidates.jsonl") == 2
    up, down = [json.loads(line) for line in (tmp_path / "candidates.jsonl").read_text(encoding="utf-8").splitlines()]
    assert up["evidence"] == [{"doc": DOC, "quote": QUOTE}] and up["needs_review"] and up["type"] == "fact"
    assert down["evidence"] == [] and down["rejected_answer"] == "不知道" and down["key_facts"] == []
    items, problems = ev.load_qa(tmp_path / "candidates.jsonl")
    assert items == [] and all("needs_review" in p for p in problems)


# ---------------------------------------------------------------- end to end over the bundled corpus

E2E_ITEMS = [
    {"id": "fact-001", "question": "《湖南省“十四五”科学技术普及发展规划》的发文字号是多少？", "type": "fact",
     "key_facts": ["湘科发〔2022〕132号"],
     "evidence": [{"doc": "000_865b77f7f871afba.txt",
                   "quote": "湖南省科学技术协会关于印发《湖南省“十四五”科学技术普及发展规划》的通知湘科发〔2022〕132号"}]},
    {"id": "lead-001", "question": "郴州市老年人科学素质提升行动由谁牵头？", "type": "lead_agency",
     "key_facts": ["市卫生健康委", "市民政局"], "evidence": [{"doc": DOC, "quote": QUOTE}]},
    {"id": "en-001", "question": "What share of residents in Hunan Xiangjiang New Area should have basic scientific literacy by 2025?",
     "type": "english", "key_facts": ["18%"],
     "evidence": [{"doc": "001_e4d2fb849f351b8d.txt", "quote": "到2025年，新区直管区、托管区公民具备科学素质的比例超过18%"}]},
    {"id": "fu-001", "question": "那湘江新区呢？", "type": "followup",
     "history": [{"role": "user", "content": "到2025年郴州市公民具备科学素质的比例目标是多少？"},
                 {"role": "assistant", "content": "郴州市提出到2025年公民具备科学素质的比例超过15%，力争超过全省平均水平。"}],
     "key_facts": ["18%"],
     "evidence": [{"doc": "001_e4d2fb849f351b8d.txt", "quote": "到2025年，新区直管区、托管区公民具备科学素质的比例超过18%"}]},
    {"id": "list-x", "question": "中方县老年人科学素质提升行动由哪些单位牵头？", "type": "list",
     "key_facts": ["县卫生健康局", "县民政局"],
     "evidence": [{"doc": "004_aee5965023792939.txt", "quote": "由县卫生健康局、县民政局牵头"}]},
    {"id": "unans-003", "question": "长沙市提出到2025年公民具备科学素质的比例要达到多少？", "type": "unanswerable",
     "key_facts": [], "evidence": []},
]


def test_end_to_end_report_over_the_bundled_corpus(tmp_path, indexed_settings, policy_assistant, capsys):
    qa = write_lines(tmp_path / "qa.jsonl", [json.dumps(line, ensure_ascii=False) for line in E2E_ITEMS])
    args = Namespace(qa=[qa], k=5, dump=tmp_path / "dump.jsonl", report=tmp_path / "report",
                     thresholds=None, no_baseline=True)
    assert run_cli(args, indexed_settings, assistant=policy_assistant) == 0

    for name in ("report.md", "report.json", "report_by_type_qa.png"):
        assert (tmp_path / "report" / name).stat().st_size > 0
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))["sets"]["qa"]
    assert report["aggregates"]["overall"]["count"] == 6
    for group in report["aggregates"].values():
        for metric, value in group.items():
            if value is None or metric == "count":
                continue
            if metric.endswith("_ms"):
                assert value >= 0.0, (metric, value)
            else:
                assert 0.0 <= value <= 1.0, (metric, value)
    dumps = [json.loads(line) for line in (tmp_path / "dump.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(dumps) == 6
    assert sum("error" in d for d in dumps) < 6, "the real answer() path ran"
    for key in ("id", "question", "answer", "abstained", "citations", "retrieved", "latency_ms"):
        assert key in dumps[0]
    assert "hit@k" in capsys.readouterr().out


@pytest.mark.slow
def test_tutorial_baseline_retrieval_metrics(indexed_settings):
    items = [ev.parse_qa_line(json.dumps(line, ensure_ascii=False)) for line in E2E_ITEMS]
    baseline = ev.run_baseline(items, indexed_settings, k=5)
    assert baseline.embedding_model == ev.BASELINE_MODEL, baseline.note
    overall = baseline.aggregates["overall"]
    assert set(overall) == {"count", *ev.RETRIEVAL_METRICS}
    assert all(0.0 <= overall[metric] <= 1.0 for metric in ev.RETRIEVAL_METRICS)
