"""Answer type: what kind of answer the question wants, decided by a fitted classifier.

Eight labels — an organisation (leads / takes part), a quantity or target, a date or
deadline, a document's 文号 or issuer, the items of a list, a comparison, whether a
document mentions something at all, or a description. The model is a multinomial
logistic regression over two blocks of features:

* the question's embedding from the bundled model — the very vector retrieval computes
  for the question (``HybridRetriever.query_vector``), so nothing is embedded twice;
* character 1–3-grams of the question (scikit-learn's ``HashingVectorizer``, ``char_wb``),
  which see the question word and its head noun (谁 / 哪个部门 / 哪几家 / which agency)
  in Chinese and English alike.

It is fitted by ``python -m assistant.understanding.fit`` on dev questions and on
questions generated from the ingested corpus's own records, section titles and metadata;
the coefficients live in ``assistant/data/answer_type.json`` (JSON, no pickle).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "answer_type.json"
LABELS = ("organisation", "quantity", "date", "doc_number", "list", "comparison", "mention", "description")
HASH_FEATURES = 2 ** 13
NGRAMS = (1, 3)

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer="char_wb", ngram_range=NGRAMS, n_features=HASH_FEATURES,
                             alternate_sign=False, norm="l2", lowercase=True)


def char_features(texts: list[str]):
    """Sparse character n-gram counts (l2-normalised), one row per text."""
    return _vectorizer().transform(texts)


def feature_matrix(texts: list[str], vectors):
    """Sparse [char n-grams | embedding] rows: what the model is fitted on."""
    from scipy import sparse

    return sparse.hstack([char_features(texts), sparse.csr_matrix(np.asarray(vectors, dtype=np.float64))]).tocsr()


@dataclass(frozen=True)
class AnswerType:
    label: str
    probability: float
    probabilities: dict[str, float]


@dataclass(frozen=True)
class Model:
    labels: tuple[str, ...]
    char_weights: dict[int, np.ndarray]       # hash column → one weight per label (only columns seen in fitting)
    embedding_weights: np.ndarray             # (labels, dim)
    bias: np.ndarray
    embedding_model: str

    def scores(self, question: str, vector) -> np.ndarray:
        row = char_features([question])
        z = self.bias.copy()
        for column, value in zip(row.indices, row.data):
            weights = self.char_weights.get(int(column))
            if weights is not None:
                z += value * weights
        embedding = np.asarray(vector, dtype=np.float64) if vector is not None else None
        if embedding is not None and embedding.shape[0] == self.embedding_weights.shape[1]:
            z += self.embedding_weights @ embedding
        return z

    def predict(self, question: str, vector) -> AnswerType:
        z = self.scores(question, vector)
        p = np.exp(z - z.max())
        p /= p.sum()
        best = int(p.argmax())
        return AnswerType(self.labels[best], float(p[best]), {label: round(float(v), 4) for label, v in zip(self.labels, p)})


@lru_cache(maxsize=2)
def load_model(path: Path = MODEL_PATH) -> Model | None:
    if not path.exists():
        log.warning("%s missing; run `python -m assistant.understanding.fit`", path)
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("hash_features") != HASH_FEATURES or tuple(data.get("ngrams", ())) != NGRAMS:
        raise ValueError(f"{path}: fitted for other features; run `python -m assistant.understanding.fit`")
    return Model(labels=tuple(data["labels"]),
                 char_weights={int(k): np.asarray(v, dtype=np.float64) for k, v in data["char_weights"].items()},
                 embedding_weights=np.asarray(data["embedding_weights"], dtype=np.float64),
                 bias=np.asarray(data["bias"], dtype=np.float64), embedding_model=data.get("embedding_model", ""))


def predict_answer_type(question: str, vector) -> AnswerType:
    """The answer type of ``question``; ``vector`` is its query embedding (from retrieval).
    Without a fitted model every question is a description (the general, quoting path)."""
    model = load_model()
    if model is None:
        return AnswerType("description", 0.0, {})
    return model.predict(question, vector)
