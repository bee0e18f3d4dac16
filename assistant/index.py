"""Index stage: the Chroma vector store, the bm25s keyword index and everything stored
beside them (chunks, cleaned texts, responsibility records, targets, build manifest).

Each build is a *generation* in its own folder under ``<home>/index``; the file
``CURRENT`` names the live one and is replaced atomically only after a build has
finished, so a crash or Ctrl-C mid-ingest leaves the previous generation answering.
"""
from __future__ import annotations

import errno
import json
import logging
import math
import os
import time
import weakref
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

import bm25s
import chromadb
import numpy as np

from assistant.files import write_bytes_atomically
from assistant.generations import describe_owner, hold, ingest_owner, lease_guard, make_private_dir, prune_generations
from assistant.generations import release as release_generation
from assistant.segment import Segmenter
from assistant.settings import Settings
from ingest.chunk import Chunk
from ingest.metadata import DocumentInfo
from ingest.records import ResponsibilityRecord
from ingest.sentences import sentence_collection_name

REBUILD_HINT = "rebuild it with: policy-assistant ingest --rebuild"
logging.getLogger("bm25s").setLevel(logging.WARNING)   # bm25s logs every index build at DEBUG
MANIFEST = "manifest.json"


class IndexUnavailable(RuntimeError):
    """The index is missing, damaged or was built for another setup; the message says what to run."""


@dataclass
class DocumentEntry:
    info: DocumentInfo
    fingerprint: str          # file bytes + manifest entry + chunker settings
    chunk_ids: list[str]


@dataclass
class IndexManifest:
    generation: str
    embedding_model: str
    embedding_dimension: int
    chunker_version: str
    chunk_max_chars: int
    tokenizer: str
    dictionary_sha256: str
    store: str                       # "embedded" or the Chroma server URL
    collection: str
    created_at: str
    chunk_count: int
    documents: dict[str, dict] = field(default_factory=dict)   # source -> {fingerprint, chunks}
    # Where a chunk's dense score comes from: "sentences" (each text embedded once; a chunk
    # scores by a soft maximum of its sentences) or "chunks" (a vector per chunk as well: the
    # design before issue 19, and what a manifest without this field was built with).
    dense: str = "chunks"

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


# ---------------------------------------------------------------- Chroma connection

def chroma_client(settings: Settings, generation_dir: Path):
    chroma_settings = chromadb.Settings(anonymized_telemetry=False)
    if settings.chroma_server_mode:
        headers = {}
        if settings.chroma_token:
            headers["Authorization"] = f"Bearer {settings.chroma_token.get_secret_value()}"
        try:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, ssl=settings.chroma_ssl,
                                       headers=headers, settings=chroma_settings)
        except Exception as error:  # chromadb raises ValueError("Could not connect to a Chroma server ...")
            raise IndexUnavailable(
                f"Cannot reach the Chroma server at {store_label(settings)} ({error}). Start it "
                f"(chroma run --path DIR --host {settings.chroma_host} --port {settings.chroma_port}) "
                "or clear chroma_host to use the embedded store."
            ) from error
    return chromadb.PersistentClient(path=str(generation_dir / "chroma"), settings=chroma_settings)


def collection_name(settings: Settings, generation: str) -> str:
    # A server holds every generation side by side, so the name carries it.
    return f"{settings.collection_name}-{generation}" if settings.chroma_server_mode else settings.collection_name


def store_label(settings: Settings) -> str:
    if not settings.chroma_server_mode:
        return "embedded"
    scheme = "https" if settings.chroma_ssl else "http"
    return f"{scheme}://{settings.chroma_host}:{settings.chroma_port}"


# ---------------------------------------------------------------- generations on disk

def current_generation(index_dir: Path) -> Path | None:
    pointer = index_dir / "CURRENT"
    if not pointer.exists():
        return None
    return index_dir / pointer.read_text(encoding="utf-8").strip()


def new_generation_dir(index_dir: Path) -> Path:
    make_private_dir(index_dir.parent)
    index_dir.mkdir(exist_ok=True)
    name = time.strftime("gen-%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 100000}"
    path = index_dir / name
    path.mkdir()
    return path


def publish_generation(index_dir: Path, generation_dir: Path) -> list[str]:
    """Make ``generation_dir`` live with one atomic rename, then drop generations nobody needs.

    Kept: the new generation, the one it replaces (a fallback), and any generation a
    running process still holds (see ``assistant.generations``). Call under the ingest
    lock. Returns the names of the generations removed.
    """
    previous = current_generation(index_dir)
    # fsynced and renamed; on a full disk or a refused rename no CURRENT.tmp is left behind
    write_bytes_atomically(index_dir / "CURRENT", generation_dir.name.encode("utf-8"), mode=0o644)
    return prune_generations(index_dir, keep={generation_dir.name, previous.name if previous else ""})


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def chunk_from_json(data: dict) -> Chunk:
    return Chunk(**{**data, "section_path": tuple(data["section_path"])})


def info_from_json(data: dict) -> DocumentInfo:
    return DocumentInfo(**{**data, "issuers": tuple(data.get("issuers", ()))})


def save_keyword_index(generation_dir: Path, chunks: list[Chunk], segmenter: Segmenter) -> None:
    corpus_tokens = [segmenter.tokens(chunk.index_text) or [""] for chunk in chunks]
    retriever = bm25s.BM25()
    retriever.index(corpus_tokens, show_progress=False)
    retriever.save(str(generation_dir / "bm25"))


# ---------------------------------------------------------------- the opened, read-only index

@dataclass(frozen=True)
class SentenceMatch:
    chunk_id: str
    text: str
    cosine: float


class PolicyIndex:
    """A live generation, opened for search. Everything but the vectors is held in memory."""

    def __init__(self, settings: Settings, generation_dir: Path, manifest: IndexManifest) -> None:
        self.settings = settings
        self.path = generation_dir
        self.manifest = manifest
        lines = (generation_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
        self.chunks: list[Chunk] = [chunk_from_json(json.loads(line)) for line in lines if line]
        self.chunk_by_id = {chunk.chunk_id: chunk for chunk in self.chunks}
        self.position = {chunk.chunk_id: i for i, chunk in enumerate(self.chunks)}
        documents = json.loads((generation_dir / "documents.json").read_text(encoding="utf-8"))
        self.documents: dict[str, DocumentInfo] = {source: info_from_json(d) for source, d in documents.items()}
        records = json.loads((generation_dir / "records.json").read_text(encoding="utf-8"))
        self.records = [ResponsibilityRecord.from_json(r) for r in records]
        targets_path = generation_dir / "targets.json"
        self.targets: list[dict] = json.loads(targets_path.read_text(encoding="utf-8")) if targets_path.exists() else []
        self.segmenter = Segmenter(generation_dir / "userdict.txt")
        self.bm25 = bm25s.BM25.load(str(generation_dir / "bm25"))
        client = chroma_client(settings, generation_dir)
        self.collection = client.get_collection(manifest.collection)
        try:
            self.sentence_collection = client.get_collection(sentence_collection_name(manifest.collection))
        except Exception:   # a generation built before sentence vectors: chunk-level search only
            self.sentence_collection = None

    _last_cosines: tuple[bytes, np.ndarray] | None = None

    @cached_property
    def _scope_masks(self) -> dict[tuple[str, ...], np.ndarray]:
        return {}

    @property
    def generation(self) -> str:
        return self.path.name

    @cached_property
    def chunks_by_source(self) -> dict[str, list[Chunk]]:
        """Each document's chunks in document order (answers look up one document at a time)."""
        grouped: dict[str, list[Chunk]] = {}
        for chunk in self.chunks:
            grouped.setdefault(chunk.source, []).append(chunk)
        return grouped

    @cached_property
    def agency_names(self) -> list[str]:
        return sorted({a for r in self.records for a in (*r.lead_agencies, *r.participating_agencies)})

    def chunks_with_token(self, token: str) -> np.ndarray:
        """Positions (in ``self.chunks``) of the chunks whose indexed text holds ``token``."""
        token_id = self.bm25.vocab_dict.get(token)
        if token_id is None:
            return np.empty(0, dtype=np.int64)
        indptr, indices = self.bm25.scores["indptr"], self.bm25.scores["indices"]
        return indices[indptr[token_id]:indptr[token_id + 1]]

    def idf(self, token: str) -> float:
        """BM25-style inverse document frequency over chunks; 0 for a word the corpus never uses."""
        df = len(self.chunks_with_token(token))
        if df == 0:
            return 0.0
        n = len(self.chunks)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def cleaned_text(self, source: str) -> str:
        return (self.path / "texts" / f"{source}.txt").read_text(encoding="utf-8")

    def keyword_scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk, in ``self.chunks`` order (zeros when no term matches)."""
        token_ids = self.bm25.get_tokens_ids(self.segmenter.tokens(query))
        if not token_ids:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return self.bm25.get_scores(token_ids)

    def dense_search(self, vector: list[float], k: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        """Chunks closest in meaning to the query vector: (chunk_id, score), best first."""
        if self.manifest.dense == "sentences" and self.sentence_collection is not None:
            return self._sentence_scores(vector, sources, SOFT_MAX_TEMPERATURE)[:k]
        where = {"source": {"$in": sources}} if sources else None
        result = self.collection.query(query_embeddings=[vector], n_results=min(k, len(self.chunks)),
                                       where=where, include=["distances"])
        return [(chunk_id, 1.0 - distance) for chunk_id, distance in zip(result["ids"][0], result["distances"][0])]

    @cached_property
    def sentence_vectors(self) -> SentenceVectors:
        """Every sentence vector in memory (a few MB for dozens of documents): one matrix product
        scores them all exactly, faster than an approximate HNSW query, and needs no filter syntax."""
        if self.sentence_collection is None:
            return SentenceVectors.empty()
        stored = self.sentence_collection.get(include=["embeddings", "documents", "metadatas"])
        chunk_ids = [metadata["chunk_id"] for metadata in stored["metadatas"]]
        # Sorted by chunk position, so each chunk's sentences are one run (np.maximum.reduceat).
        order = sorted(range(len(chunk_ids)), key=lambda i: (self.position.get(chunk_ids[i], -1), stored["ids"][i]))
        order = [i for i in order if chunk_ids[i] in self.position]
        matrix = np.asarray(stored["embeddings"], dtype=np.float32)[order] if order else np.zeros((0, 1), np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True) if len(matrix) else 1.0
        positions = np.array([self.position[chunk_ids[i]] for i in order], dtype=np.int64)
        return SentenceVectors(matrix / np.maximum(norms, 1e-12), positions,
                               [stored["documents"][i] for i in order], [chunk_ids[i] for i in order])

    def scope_mask(self, sources: list[str] | None) -> np.ndarray | None:
        """Per chunk position: may it be returned (None: every chunk may)."""
        if not sources:
            return None
        key = tuple(sorted(sources))
        mask = self._scope_masks.get(key)
        if mask is None:
            wanted = set(sources)
            mask = np.array([chunk.source in wanted for chunk in self.chunks])
            if len(self._scope_masks) < 256:     # scopes are documents and jurisdictions: few
                self._scope_masks[key] = mask
        return mask

    def _sentence_cosines(self, vector: list[float], sources: list[str] | None) -> tuple[np.ndarray, np.ndarray]:
        """(cosine of every sentence, mask of the sentences in scope)."""
        table = self.sentence_vectors
        query = np.asarray(vector, dtype=np.float32)
        # One answer asks up to four times for the same query vector (passages, sentences,
        # unscoped check, answer sentences): the product is kept for the last vector.
        key = query.tobytes()
        last = self._last_cosines
        if last is not None and last[0] == key:
            cosines = last[1]
        else:
            cosines = table.matrix @ (query / max(float(np.linalg.norm(query)), 1e-12)) if len(table.positions) else np.zeros(0)
            self._last_cosines = (key, cosines)      # one assignment: safe to share across threads
        scope = self.scope_mask(sources)
        mask = scope[table.positions] if scope is not None else np.ones(len(table.positions), dtype=bool)
        return cosines, mask

    def _sentence_scores(self, vector: list[float], sources: list[str] | None, temperature: float) -> list[tuple[str, float]]:
        """Chunks scored from their sentences, best first: the maximum cosine (temperature 0)
        or a soft maximum, t·log Σ exp(cosine/t), which adds up to t·log n for n sentences
        that match about equally well (a passage that says it several times)."""
        table = self.sentence_vectors
        cosines, mask = self._sentence_cosines(vector, sources)
        if not mask.any():
            return []
        positions, cosines = table.positions[mask], cosines[mask]
        starts = np.flatnonzero(np.r_[True, positions[1:] != positions[:-1]])
        best = np.maximum.reduceat(cosines, starts)
        if temperature > 0:
            shifted = np.exp((cosines - np.repeat(best, np.diff(np.r_[starts, len(cosines)]))) / temperature)
            best = best + temperature * np.log(np.add.reduceat(shifted, starts))
        chunk_positions = positions[starts]
        order = np.lexsort((chunk_positions, -best))
        return [(self.chunks[chunk_positions[i]].chunk_id, float(best[i])) for i in order]

    def sentence_matches(self, vector: list[float], n: int, sources: list[str] | None = None) -> list[SentenceMatch]:
        """The ``n`` sentences closest to the query vector, best first."""
        table = self.sentence_vectors
        cosines, mask = self._sentence_cosines(vector, sources)
        candidates = np.flatnonzero(mask)
        if not len(candidates):
            return []
        top = candidates[np.argsort(-cosines[candidates], kind="stable")[:n]]
        return [SentenceMatch(table.chunk_ids[i], table.texts[i], float(cosines[i])) for i in top]

    @cached_property
    def sentence_count(self) -> int:
        return len(self.sentence_vectors.positions)

    def sentence_search(self, vector: list[float], k: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        """Chunks ranked by their best-matching sentence: (chunk_id, cosine), best first."""
        return self._sentence_scores(vector, sources, 0.0)[:k]


# A soft maximum this soft lifts a passage with two equally close sentences by 0.05·ln 2 ≈ 0.035
# of cosine; measured on dev against the plain maximum and 0.02 (docs/decisions.md, issue 19).
SOFT_MAX_TEMPERATURE = 0.05


@dataclass(frozen=True)
class SentenceVectors:
    matrix: np.ndarray          # (sentences, dimension), unit rows, grouped by chunk in chunk order
    positions: np.ndarray       # chunk position (in PolicyIndex.chunks) of each row
    texts: list[str]
    chunk_ids: list[str]

    @staticmethod
    def empty() -> "SentenceVectors":
        return SentenceVectors(np.zeros((0, 1), np.float32), np.zeros(0, np.int64), [], [])


def _disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    return any(phrase in str(error) for phrase in ("database or disk is full", "No space left on device"))


def read_manifest(generation_dir: Path) -> IndexManifest:
    return IndexManifest(**json.loads((generation_dir / MANIFEST).read_text(encoding="utf-8")))


def live_generation_name(index_dir: Path) -> str:
    """The name CURRENT points at ("" when none): one small file read, cheap enough before every question."""
    try:
        return (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def open_index(settings: Settings, embedding_model: str | None = None) -> PolicyIndex:
    """Open the live generation, or raise ``IndexUnavailable`` with the command that fixes it.

    The generation is leased for as long as the returned object lives, so no ingest removes it meanwhile.
    """
    with lease_guard(settings.index_dir):
        generation_dir = current_generation(settings.index_dir)
        if generation_dir is not None:
            hold(settings.index_dir, generation_dir.name)
    if generation_dir is None:
        owner = ingest_owner(settings.home) if settings.home.exists() else None
        if owner is not None:
            raise IndexUnavailable(f"No index yet in {settings.index_dir}: an ingest ({describe_owner(owner)}) "
                                   "is building it now; try again when it has finished.")
        raise IndexUnavailable(f"No index found in {settings.index_dir}. Build it with: policy-assistant ingest")
    try:
        index = _open_generation(settings, generation_dir, embedding_model)
    except BaseException:
        release_generation(settings.index_dir, generation_dir.name)
        raise
    weakref.finalize(index, release_generation, settings.index_dir, generation_dir.name)
    return index


def _open_generation(settings: Settings, generation_dir: Path, embedding_model: str | None) -> PolicyIndex:
    if not generation_dir.is_dir():
        raise IndexUnavailable(f"The index in {settings.index_dir} is damaged (CURRENT names {generation_dir.name}, "
                               f"which is missing); {REBUILD_HINT}")
    try:
        manifest = read_manifest(generation_dir)
    except PermissionError as error:
        raise IndexUnavailable(unreadable_message(generation_dir, error)) from error
    except (OSError, ValueError, TypeError) as error:
        raise IndexUnavailable(f"The index in {generation_dir} is damaged ({error}); {REBUILD_HINT}") from error
    expected = embedding_model or settings.embedding_model
    if manifest.embedding_model != expected:
        raise IndexUnavailable(
            f"The index was built with the embedding model '{manifest.embedding_model}' but the settings ask for "
            f"'{expected}'. Embeddings from different models cannot be compared; {REBUILD_HINT}"
        )
    try:
        return PolicyIndex(settings, generation_dir, manifest)
    except IndexUnavailable:
        raise   # e.g. the Chroma server is unreachable: rebuilding would not help
    except Exception as error:  # any missing or unreadable part means the same thing to the user
        raise IndexUnavailable(diagnose_open_error(settings, generation_dir, error)) from error


def unreadable_message(generation_dir: Path, error: BaseException) -> str:
    return (f"Cannot read the index in {generation_dir}: permission denied ({error}). Run as the user who built it, "
            "or give this user read access to the data folder.")


def diagnose_open_error(settings: Settings, generation_dir: Path, error: BaseException) -> str:
    """One line telling a read-only, full, locked or unreadable store apart from a damaged one."""
    text = str(error)
    if _disk_full(error):   # Chroma's SQLite must write to open a store; a rebuild would fail too
        return (f"Cannot open the index in {generation_dir}: the disk is full ({error}). "
                "Free some space and try again; the index itself may well be intact.")
    if not settings.chroma_server_mode and (_read_only(generation_dir) or "readonly database" in text
                                            or getattr(error, "errno", None) == errno.EROFS):
        return (f"The index in {generation_dir} is read-only ({type(error).__name__}: {error}); Chroma needs write "
                "access to its folder even to answer. Make the data folder writable for this user "
                "(e.g. chmod -R u+w), or copy it somewhere writable and set POLICY_ASSISTANT_HOME to the copy; "
                "the index itself is not damaged.")
    if "database is locked" in text:
        return (f"The index store in {generation_dir} is locked by another process ({error}); "
                "try again in a moment.")
    if isinstance(error, PermissionError):
        return unreadable_message(generation_dir, error)
    return f"The index in {generation_dir} is damaged ({type(error).__name__}: {error}); {REBUILD_HINT}"


def _read_only(path: Path) -> bool:
    """True when this process may not write to ``path`` (a read-only mount, or missing permission)."""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    store = path / "chroma"
    return any(p.exists() and not os.access(p, os.W_OK) for p in (path, store, store / "chroma.sqlite3"))


def check_generation(settings: Settings, generation_dir: Path, manifest: IndexManifest) -> list[str]:
    """What is missing or inconsistent in a finished generation (empty when it is whole).

    Checked before ``ingest`` reports "up to date": every part present, a cleaned text per
    document, as many chunk lines and stored vectors as the manifest says, and the vector
    store opens.
    """
    problems = [f"{part} is missing" for part in GENERATION_PARTS if not (generation_dir / part).exists()]
    problems += [f"texts/{source}.txt is missing" for source in manifest.documents
                 if not (generation_dir / "texts" / f"{source}.txt").exists()]
    try:
        with open(generation_dir / "chunks.jsonl", "rb") as handle:
            lines = sum(1 for line in handle if line.strip())
        if lines != manifest.chunk_count:
            problems.append(f"chunks.jsonl holds {lines} chunks, the manifest {manifest.chunk_count}")
    except OSError:
        pass   # already reported as missing
    sqlite = generation_dir / "chroma" / "chroma.sqlite3"
    if not settings.chroma_server_mode and (not sqlite.exists() or sqlite.stat().st_size == 0):
        problems.append("the vector store (chroma/chroma.sqlite3) is missing or empty")
        return problems
    try:
        stored = chroma_client(settings, generation_dir).get_collection(manifest.collection).count()
        if stored != manifest.chunk_count:
            problems.append(f"the vector store holds {stored} vectors, the manifest {manifest.chunk_count}")
    except Exception as error:   # sqlite "file is not a database", a missing collection, …
        problems.append(f"the vector store does not open ({type(error).__name__}: {error})")
    return problems


# Parts every finished generation has (targets.json is optional: older generations lack it).
GENERATION_PARTS = ("chunks.jsonl", "documents.json", "records.json", "userdict.txt", "bm25", "texts", MANIFEST)
