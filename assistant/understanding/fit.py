"""Fit the answer-type model: ``python -m assistant.understanding.fit``.

Training questions: the dev set (labelled by ``labels.dev_answer_type`` from each item's
fields) and questions generated from the ingested corpus (``generate``). Each goes through
the product's own planning and is embedded the way retrieval embeds it. A multinomial
logistic regression is fitted (C chosen by cross-validated log-loss on dev); its calibration
on dev (5-fold, trained with the generated questions) is reported and stored with the
coefficients in ``assistant/data/answer_type.json``. Held-out batches are refused.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from assistant.understanding.answer_type import HASH_FEATURES, LABELS, MODEL_PATH, NGRAMS, feature_matrix
from assistant.understanding.generate import generate_questions
from assistant.understanding.labels import dev_answer_type

DEV_WEIGHT = 3.0           # a real official's phrasing counts more than a template's
C_GRID = (0.3, 1.0, 3.0)
GENERATED_PER_TEMPLATE = 6  # questions per template; 320 templates' worth keeps a refit within minutes on 2 cores


def training_rows(assistant, items, per_template: int = GENERATED_PER_TEMPLATE) -> tuple[list[str], list, list[str], list[float], list[bool]]:
    """(questions as planned, query vectors, labels, weights, is-dev) for dev items and generated questions."""
    from assistant.understanding.plan import plan_query

    index = assistant.index
    agencies = set(index.agency_names)
    issuers = {name for info in index.documents.values() for name in info.issuers}
    rows = []
    for item in items:
        label = dev_answer_type(item, agencies, issuers)
        if label:
            rows.append((item.question, item.history, label, DEV_WEIGHT, True))
    rows += [(g.question, [], g.label, 1.0, False) for g in generate_questions(index, per_template)]
    texts, dense, labels, weights, is_dev = [], [], [], [], []
    for number, (question, history, label, weight, dev) in enumerate(rows, start=1):
        plan = plan_query(question, history, index.documents, index.agency_names, None, index.segmenter)
        texts.append(plan.standalone)
        dense.append(plan.dense_text)
        labels.append(label)
        weights.append(weight)
        is_dev.append(dev)
        if number % 200 == 0:
            print(f"  planned {number}/{len(rows)}", file=sys.stderr)
    return texts, embed_queries(assistant.embeddings, dense), labels, weights, is_dev


def embed_queries(embeddings, texts: list[str], batch: int = 32) -> list:
    """Query embeddings, as ``embed_query`` makes them, in batches where the bundled model allows."""
    model = getattr(embeddings, "_model", None)
    if model is None or not hasattr(model, "query"):
        return [embeddings.embed_query(text) for text in texts]
    vectors = []
    for start in range(0, len(texts), batch):
        vectors += model.query(texts[start:start + batch]).tolist()
        print(f"  embedded {len(vectors)}/{len(texts)}", file=sys.stderr)
    single = np.asarray(embeddings.embed_query(texts[0]))
    assert np.allclose(single, vectors[0], atol=1e-4), "batched query embeddings differ from embed_query"
    return vectors


def fit(texts, vectors, labels, weights, is_dev, embedding_model: str, fitted_on: str,
        c_grid: tuple[float, ...] = C_GRID) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    embedded = np.asarray(vectors, dtype=np.float64)
    mean, scale = embedded.mean(axis=0), embedded.std(axis=0) + 1e-6
    x = feature_matrix(texts, (embedded - mean) / scale)
    emb = slice(HASH_FEATURES, x.shape[1])
    y = np.array([LABELS.index(label) for label in labels])
    w = np.array(weights)
    dev = np.array(is_dev)
    dev_rows = np.flatnonzero(dev)

    def cross_validated(c: float) -> np.ndarray:
        """P(label) for every dev row, from models that did not see it (they see all generated rows)."""
        p = np.zeros((len(dev_rows), len(LABELS)))
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        for train, test in folds.split(dev_rows, y[dev_rows] if np.bincount(y[dev_rows]).max() else None):
            keep = np.ones(len(y), bool)
            keep[dev_rows[test]] = False
            model = LogisticRegression(C=c, max_iter=2000).fit(x[keep], y[keep], sample_weight=w[keep])
            p[test] = _full_proba(model, x[dev_rows[test]])
        return p

    results = {}
    for c in c_grid:
        p = cross_validated(c)
        truth = y[dev_rows]
        log_loss = float(-np.mean(np.log(p[np.arange(len(truth)), truth] + 1e-12)))
        results[c] = (log_loss, float((p.argmax(1) == truth).mean()), p)
        print(f"  C={c}: dev log-loss {log_loss:.3f}, accuracy {results[c][1]:.3f}", file=sys.stderr)
    best_c = min(results, key=lambda c: results[c][0])
    _, accuracy, p = results[best_c]
    model = LogisticRegression(C=best_c, max_iter=2000).fit(x, y, sample_weight=w)
    coef = np.zeros((len(LABELS), x.shape[1]))
    coef[model.classes_] = model.coef_
    bias = np.full(len(LABELS), -30.0)
    bias[model.classes_] = model.intercept_
    # Fold the standardisation of the embedding block into its weights and the bias.
    emb_weights = coef[:, emb] / scale
    bias = bias - emb_weights @ mean
    char = coef[:, :HASH_FEATURES]
    used = np.flatnonzero(np.abs(char).max(axis=0) > 1e-9)
    truth = y[dev_rows]
    confidence = p.max(1)
    correct = p.argmax(1) == truth
    bins = []
    for low in (0.0, 0.5, 0.7, 0.9):
        high = {0.0: 0.5, 0.5: 0.7, 0.7: 0.9, 0.9: 1.01}[low]
        inside = (confidence >= low) & (confidence < high)
        if inside.any():
            bins.append({"confidence": f"{low:.1f}-{min(high, 1.0):.1f}", "n": int(inside.sum()),
                         "mean_confidence": round(float(confidence[inside].mean()), 3),
                         "accuracy": round(float(correct[inside].mean()), 3)})
    by_label = {LABELS[k]: {"n": int((truth == k).sum()), "accuracy": round(float(correct[truth == k].mean()), 3)}
                for k in sorted(set(truth))}
    return {
        "labels": list(LABELS), "hash_features": HASH_FEATURES, "ngrams": list(NGRAMS), "embedding_model": embedding_model,
        "fitted_on": fitted_on, "C": best_c, "n_dev": int(dev.sum()), "n_generated": int((~dev).sum()),
        "dev_cross_validated": {"accuracy": round(accuracy, 4), "by_label": by_label, "calibration": bins,
                                "expected_calibration_error": round(float(sum(
                                    b["n"] * abs(b["mean_confidence"] - b["accuracy"]) for b in bins) / len(truth)), 4)},
        "bias": [round(float(v), 6) for v in bias],
        "embedding_weights": [[round(float(v), 6) for v in row] for row in emb_weights],
        "char_weights": {str(int(j)): [round(float(v), 6) for v in char[:, j]] for j in used},
    }


def _full_proba(model, x) -> np.ndarray:
    """Probabilities over all LABELS (a fold may lack a label)."""
    p = np.zeros((x.shape[0], len(LABELS)))
    p[:, model.classes_] = model.predict_proba(x)
    return p


def main(argv: list[str] | None = None) -> int:
    import argparse

    from assistant.engine import get_assistant
    from assistant.evaluate import DEV_SET, load_qa
    from assistant.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m assistant.understanding.fit")
    parser.add_argument("--qa", type=Path, default=DEV_SET, help="the dev set (never a held-out batch)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--C", type=float, action="append", help="regularisation to try (repeatable; default: a small grid)")
    parser.add_argument("--cache", help="keep the embedded training questions in this file (re-fits skip embedding)")
    args = parser.parse_args(argv)
    if "heldout" in args.qa.resolve().parts or "blind" in args.qa.resolve().parts:
        parser.error("fit on dev only: held-out batches must stay unseen")
    items, _ = load_qa(args.qa)
    settings = get_settings()
    assistant = get_assistant(settings)
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        saved = json.loads(cache.read_text(encoding="utf-8"))
        rows = (saved["texts"], saved["vectors"], saved["labels"], saved["weights"], saved["is_dev"])
    else:
        rows = training_rows(assistant, items)
        if cache:
            cache.write_text(json.dumps(dict(zip(("texts", "vectors", "labels", "weights", "is_dev"), rows)), ensure_ascii=False))
    fitted = fit(*rows, embedding_model=settings.embedding_model, fitted_on=args.qa.name,
                 c_grid=tuple(args.C) if args.C else C_GRID)
    args.out.write_text(json.dumps(fitted, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(json.dumps({k: fitted[k] for k in ("C", "n_dev", "n_generated", "dev_cross_validated")}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
