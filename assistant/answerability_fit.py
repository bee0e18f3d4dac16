"""Fit the answerability model on the dev set: ``python -m assistant.answerability_fit``.

Runs each dev question through the product's own planning and retrieval, extracts the
features of ``assistant.answerability``, fits a logistic regression, picks the threshold
for false refusal ≤ 3 % on dev and reports its calibration; writes
``assistant/data/answerability.json``. Held-out batches are refused: they must stay unseen.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from assistant.answerability import FEATURES, MODEL_PATH, TARGET_FALSE_REFUSAL, Features, extract_features


def fit(rows: list[tuple[Features, bool]], fitted_on: str) -> dict:
    """Logistic regression on dev features; threshold for false refusal ≤ 3 %; calibration by bins."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([f.vector() for f, _ in rows])
    y = np.array([int(label) for _, label in rows])
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    # Unweighted, so that the probabilities stay calibrated; the threshold does the trade-off.
    # Strong regularisation (C=0.1): dev has few unanswerable items; measured by 5-fold AUC on dev.
    model = LogisticRegression(C=0.1, max_iter=1000).fit(scaler.transform(x), y)
    p = model.predict_proba(scaler.transform(x))[:, 1]
    answerable = np.sort(p[y == 1])
    allowed = int(math.floor(TARGET_FALSE_REFUSAL * len(answerable)))
    threshold = float(answerable[allowed]) - 1e-9 if len(answerable) else 0.5
    bins = []
    for low in (0.0, 0.2, 0.4, 0.6, 0.8):
        inside = (p >= low) & (p < low + 0.2 + (1e-9 if low == 0.8 else 0))
        if inside.any():
            bins.append({"range": f"{low:.1f}-{low + 0.2:.1f}", "n": int(inside.sum()),
                         "mean_predicted": round(float(p[inside].mean()), 3), "share_answerable": round(float(y[inside].mean()), 3)})
    refused = p < threshold
    return {
        "features": list(FEATURES), "mean": [round(float(v), 6) for v in scaler.mean_],
        "scale": [round(float(v), 6) if v else 1.0 for v in scaler.scale_], "weights": [round(float(w), 6) for w in model.coef_[0]],
        "bias": round(float(model.intercept_[0]), 6), "threshold": round(threshold, 6), "fitted_on": fitted_on,
        "calibration": {"brier": round(float(np.mean((p - y) ** 2)), 4), "bins": bins,
                        "dev_false_refusal": round(float(refused[y == 1].mean()), 4) if (y == 1).any() else None,
                        "dev_correct_refusal": round(float(refused[y == 0].mean()), 4) if (y == 0).any() else None,
                        "n": int(len(y)), "n_unanswerable": int((y == 0).sum())},
    }


def dev_rows(assistant, items) -> list[tuple[Features, bool]]:
    """Features of each dev item as the product sees it (same planning and retrieval)."""
    from assistant.answers.common import question_terms
    from assistant.compose import evidence_for

    rows = []
    for item in items:
        evidence = evidence_for(assistant, item.question, item.history, {})
        if evidence is None:
            continue
        rows.append((extract_features(evidence.plan.standalone, question_terms(evidence), evidence.passages,
                                      evidence.unscoped_dense_top, max(evidence.sentence_similarity.values(), default=0.0),
                                      evidence.unscoped_keyword_top),
                     item.answerable))
    return rows


def main(argv: list[str] | None = None) -> int:
    import argparse

    from assistant.engine import get_assistant
    from assistant.evaluate import DEV_SET, load_qa
    from assistant.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m assistant.answerability_fit")
    parser.add_argument("--qa", type=Path, default=DEV_SET, help="the dev set (never a held-out batch)")
    args = parser.parse_args(argv)
    if "heldout" in args.qa.parts:
        parser.error("fit on dev only: held-out batches must stay unseen")
    items, _ = load_qa(args.qa)
    fitted = fit(dev_rows(get_assistant(get_settings()), items), fitted_on=args.qa.name)
    MODEL_PATH.write_text(json.dumps(fitted, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: fitted[k] for k in ("weights", "bias", "threshold", "calibration")}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
