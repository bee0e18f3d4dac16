"""Ingest pipeline: files → cleaned, structured, chunked documents → a new index generation.

Incremental: a document whose fingerprint (file bytes, manifest entry, chunker
settings) is unchanged keeps its chunks and vectors; nothing at all is written when
no document changed. The index mirrors the paths given (by default the corpus folder):
a document no longer there is removed from it.
"""
from __future__ import annotations

import errno
import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from chromadb.errors import ChromaError
from tqdm import tqdm

from assistant import index as store
from assistant.embeddings import batched, load_embeddings
from assistant.generations import IndexBusy, ingest_lock
from assistant.glossary import glossary_chinese_terms
from assistant.segment import TOKENIZER_NAME, Segmenter, domain_terms, write_user_dictionary
from assistant.settings import Settings
from ingest.chunk import CHUNKER_VERSION, Chunk, chunk_document
from ingest.clean import clean_text
from ingest.load import LoadLimits, LoadProblem, RawDocument, load_paths
from ingest.metadata import DocumentInfo, apply_manifest, extract_info, load_manifest
from ingest.records import ResponsibilityRecord, records_from_chunks
from ingest.structure import parse_sections
from ingest.targets import extract_targets

CHROMA_BATCH = 1000


class IngestError(RuntimeError):
    """Ingest could not finish; the previous index is untouched. ``problems`` lists the files skipped."""

    def __init__(self, message: str, problems: list[LoadProblem] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


@dataclass
class ParsedDocument:
    info: DocumentInfo
    text: str
    chunks: list[Chunk]
    records: list[ResponsibilityRecord]
    fingerprint: str


@dataclass
class IngestSummary:
    documents: int = 0
    chunks: int = 0
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    seconds: float = 0.0
    generation: str = ""
    previous_generation: str = ""
    repaired: list[str] = field(default_factory=list)   # why the live generation could not be kept

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)

    @property
    def wrote(self) -> bool:
        """A new index generation was written (documents changed, or the keyword index was rebuilt)."""
        return bool(self.generation) and self.generation != self.previous_generation

    def describe(self) -> str:
        lines = [problem_line(problem) for problem in self.problems]
        if self.repaired:
            lines.append(f"The live index was damaged ({'; '.join(self.repaired)}); rebuilt it.")
        if not self.changed and not self.wrote:
            lines.append(f"No changes: the index is up to date ({self.documents} documents, {self.chunks} chunks).")
        elif not self.changed:
            lines.append(f"Documents unchanged; keyword index rebuilt for the new tokenizer ({self.chunks} chunks) "
                         f"in {self.seconds:.1f} s.")
        else:
            lines.append(
                f"Indexed {self.documents} documents, {self.chunks} chunks: {len(self.added)} added, "
                f"{len(self.replaced)} replaced, {len(self.removed)} removed, {len(self.unchanged)} unchanged "
                f"in {self.seconds:.1f} s."
            )
        return "\n".join(lines)


def problem_line(problem: LoadProblem) -> str:
    return f"{problem.source}: skipped — {problem.reason}"


def load_limits(settings: Settings) -> LoadLimits:
    return LoadLimits(max_unpacked_bytes=settings.max_unpacked_mb * 1024 * 1024,
                      max_pages=settings.max_pages_per_file, max_chars=settings.max_chars_per_file)


def parse_document(raw: RawDocument, manifest_entry: dict | None, max_chars: int) -> ParsedDocument:
    cleaned = clean_text(raw.text)
    info = apply_manifest(extract_info(raw.source, cleaned.text, cleaned.header_fields), manifest_entry)
    chunks = chunk_document(info, cleaned.text, parse_sections(cleaned.text, info.title), max_chars)
    identity = json.dumps([raw.sha256, manifest_entry, CHUNKER_VERSION, max_chars], ensure_ascii=False, sort_keys=True)
    return ParsedDocument(info, cleaned.text, chunks, records_from_chunks(chunks),
                          hashlib.sha256(identity.encode("utf-8")).hexdigest())


def ingest(settings: Settings, paths: list[Path] | None = None, rebuild: bool = False,
           progress: bool = True, embeddings=None, wait: bool = True,
           on_wait: Callable[[str], None] | None = None) -> IngestSummary:
    """Build (or update) the index. Only one ingest writes a data directory at a time: a second
    one waits (``on_wait`` is told once) or, with ``wait=False``, raises ``IngestError`` at once."""
    try:
        with ingest_lock(settings.home, wait=wait, on_wait=on_wait):
            return _ingest_locked(settings, paths, rebuild, progress, embeddings)
    except IndexBusy as error:
        raise IngestError(str(error)[:1].upper() + str(error)[1:]) from error
    except OSError as error:   # the lock file or the index folder cannot be created
        raise IngestError(_write_failure(settings, error)) from error


def _write_failure(settings: Settings, error: OSError) -> str:
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (f"Cannot write to {settings.home} ({error.strerror or error}): the data folder is read-only for "
                "this user. Make it writable, or set POLICY_ASSISTANT_HOME to a writable folder; "
                "the previous index is unchanged.")
    return f"Could not write the index ({type(error).__name__}: {error}); the previous index is unchanged."


def _ingest_locked(settings: Settings, paths: list[Path] | None, rebuild: bool, progress: bool,
                   embeddings) -> IngestSummary:
    started = time.perf_counter()
    paths = [Path(p) for p in (paths or [settings.corpus_dir])]
    raws, problems = load_paths(paths, load_limits(settings))
    raws, duplicates = _unique_sources(raws)
    raws, same_content = _unique_contents(raws, _live_sources(settings))
    problems = problems + duplicates + same_content
    manifest = _manifest_entries(paths)
    documents = [parse_document(raw, manifest.get(raw.source), settings.chunk_max_chars) for raw in raws]
    repaired: list[str] = []
    previous = None if rebuild else _compatible_previous(settings, repaired)
    summary = _diff(documents, previous)
    summary.problems = problems
    summary.repaired = repaired
    # A new tokenizer only needs the keyword index rebuilt; vectors are reused.
    keyword_index_stale = previous is not None and previous.tokenizer != TOKENIZER_NAME
    summary.previous_generation = previous.generation if previous else ""
    if previous is not None and not summary.changed and not keyword_index_stale:
        summary.seconds = time.perf_counter() - started
        summary.generation = previous.generation
        return summary
    if not documents:
        raise IngestError("No readable documents to index; the previous index (if any) is unchanged.", problems)
    embeddings = embeddings or load_embeddings(settings)
    summary.generation = _build_generation(settings, documents, previous, embeddings, progress)
    summary.seconds = time.perf_counter() - started
    return summary


def _unique_contents(raws: list[RawDocument], indexed: set[str]) -> tuple[list[RawDocument], list[LoadProblem]]:
    """The same bytes under two names would cite every fact twice: index one, warn naming both.

    The one kept is the name already in the index, if any (a new copy never displaces a
    document users already cite), else the first in path order."""
    groups: dict[str, list[RawDocument]] = {}
    for raw in raws:
        groups.setdefault(raw.sha256, []).append(raw)
    keepers = {sha: next((raw for raw in group if raw.source in indexed), group[0]) for sha, group in groups.items()}
    kept, duplicates = [], []
    for raw in raws:
        first = keepers[raw.sha256]
        if first is raw:
            kept.append(raw)
        else:
            duplicates.append(LoadProblem(raw.source, f"same content as {first.source} (identical bytes: {first.path} "
                                                       f"and {raw.path}); indexed once, as {first.source}"))
    return kept, duplicates


def _live_sources(settings: Settings) -> set[str]:
    generation_dir = store.current_generation(settings.index_dir)
    try:
        return set(store.read_manifest(generation_dir).documents) if generation_dir else set()
    except (OSError, ValueError, TypeError):
        return set()


def _unique_sources(raws: list[RawDocument]) -> tuple[list[RawDocument], list[LoadProblem]]:
    """A file name is a document's identity in citations and evaluation sets: keep the first."""
    seen: dict[str, RawDocument] = {}
    duplicates = []
    for raw in raws:
        if raw.source in seen:
            duplicates.append(LoadProblem(raw.source, f"same file name as {seen[raw.source].path}, which is indexed; "
                                                      f"rename one of them ({raw.path})"))
        else:
            seen[raw.source] = raw
    return list(seen.values()), duplicates


def _manifest_entries(paths: list[Path]) -> dict[str, dict]:
    entries: dict[str, dict] = {}
    for path in paths:
        folder = path if path.is_dir() else path.parent
        entries.update(load_manifest(folder / "manifest.toml"))
    return entries


def _compatible_previous(settings: Settings, repaired: list[str]) -> store.IndexManifest | None:
    """The live generation's manifest when it can be built upon; None means build from scratch.

    A live generation that is damaged (a part missing, the vector store unreadable or short
    of vectors) is rebuilt rather than reported "up to date"; ``repaired`` says why."""
    generation_dir = store.current_generation(settings.index_dir)
    if generation_dir is None:
        return None
    try:
        manifest = store.read_manifest(generation_dir)
    except (OSError, ValueError, TypeError) as error:
        repaired.append(f"manifest.json unreadable: {error}")
        return None
    same_setup = (manifest.embedding_model, manifest.chunker_version, manifest.chunk_max_chars, manifest.store) == (
        settings.embedding_model, CHUNKER_VERSION, settings.chunk_max_chars, store.store_label(settings))
    if not same_setup:
        return None
    problems = store.check_generation(settings, generation_dir, manifest)
    if problems:
        repaired.extend(problems)
        return None
    return manifest


def _diff(documents: list[ParsedDocument], previous: store.IndexManifest | None) -> IngestSummary:
    before = previous.documents if previous else {}
    summary = IngestSummary(documents=len(documents), chunks=sum(len(d.chunks) for d in documents))
    for document in documents:
        source = document.info.source
        if source not in before:
            summary.added.append(source)
        elif before[source]["fingerprint"] != document.fingerprint:
            summary.replaced.append(source)
        else:
            summary.unchanged.append(source)
    current = {d.info.source for d in documents}
    summary.removed = sorted(source for source in before if source not in current)
    return summary


def _build_generation(settings: Settings, documents: list[ParsedDocument], previous: store.IndexManifest | None,
                      embeddings, progress: bool) -> str:
    generation_dir = store.new_generation_dir(settings.index_dir)
    name = store.collection_name(settings, generation_dir.name)
    client = None
    published = False
    try:
        # Inside the try: a full disk or an unreachable server fails here already, and the
        # half-made generation folder must still be removed.
        client = store.chroma_client(settings, generation_dir)
        collection = client.create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
        chunks = [chunk for document in documents for chunk in document.chunks]
        vectors = _vectors(settings, chunks, documents, previous, embeddings, progress)
        for batch in batched(list(range(len(chunks))), CHROMA_BATCH):
            collection.add(ids=[chunks[i].chunk_id for i in batch], embeddings=[vectors[chunks[i].chunk_id] for i in batch],
                           documents=[chunks[i].text for i in batch], metadatas=[chunks[i].metadata() for i in batch])
        _write_side_files(settings, generation_dir, documents, chunks, name, embeddings)
        removed = store.publish_generation(settings.index_dir, generation_dir)
        published = True
        if settings.chroma_server_mode:
            # The server holds one collection per generation; drop those whose folders were just removed.
            for stale in removed:
                _drop_collection(client, store.collection_name(settings, stale))
        return generation_dir.name
    except store.IndexUnavailable as error:   # the Chroma server cannot be reached
        raise IngestError(f"{error} The previous index is unchanged.") from error
    except (OSError, ChromaError) as error:    # e.g. a full disk: sqlite reports it as a ChromaError
        raise IngestError(f"Could not write the index ({type(error).__name__}: {error}); "
                          "the previous index is unchanged.") from error
    finally:
        if not published:
            shutil.rmtree(generation_dir, ignore_errors=True)
            if settings.chroma_server_mode and client is not None:
                _drop_collection(client, name)


def _vectors(settings: Settings, chunks: list[Chunk], documents: list[ParsedDocument],
             previous: store.IndexManifest | None, embeddings, progress: bool) -> dict[str, list[float]]:
    vectors = _reusable_vectors(settings, previous, documents)
    todo = [chunk for chunk in chunks if chunk.chunk_id not in vectors]
    size = max(1, settings.embedding_batch_size)
    with tqdm(total=len(todo), desc="Embedding chunks", unit="chunk", disable=not progress or not todo) as bar:
        for batch in batched(todo, size):
            for chunk, vector in zip(batch, embeddings.embed_documents([c.index_text for c in batch])):
                vectors[chunk.chunk_id] = vector
            bar.update(len(batch))
    return vectors


def _reusable_vectors(settings: Settings, previous: store.IndexManifest | None,
                      documents: list[ParsedDocument]) -> dict[str, list[float]]:
    """Vectors of unchanged documents, read back from the live generation."""
    if previous is None:
        return {}
    unchanged = [d.info.source for d in documents
                 if previous.documents.get(d.info.source, {}).get("fingerprint") == d.fingerprint]
    if not unchanged:
        return {}
    generation_dir = settings.index_dir / previous.generation
    try:
        collection = store.chroma_client(settings, generation_dir).get_collection(previous.collection)
        stored = collection.get(where={"source": {"$in": unchanged}}, include=["embeddings"])
    except Exception:  # an unreadable previous store only costs re-embedding
        return {}
    return {chunk_id: list(vector) for chunk_id, vector in zip(stored["ids"], stored["embeddings"])}


def _write_side_files(settings: Settings, generation_dir: Path, documents: list[ParsedDocument],
                      chunks: list[Chunk], collection: str, embeddings) -> None:
    texts_dir = generation_dir / "texts"
    texts_dir.mkdir()
    for document in documents:
        (texts_dir / f"{document.info.source}.txt").write_text(document.text, encoding="utf-8")
    records = [record for document in documents for record in document.records]
    store.write_json(generation_dir / "documents.json", {d.info.source: asdict(d.info) for d in documents})
    store.write_json(generation_dir / "records.json", [record.to_json() for record in records])
    store.write_json(generation_dir / "targets.json",
                     [asdict(t) for d in documents for t in extract_targets(d.info, d.chunks)])
    (generation_dir / "chunks.jsonl").write_text(
        "".join(json.dumps(asdict(chunk), ensure_ascii=False) + "\n" for chunk in chunks), encoding="utf-8")

    terms = domain_terms([d.text for d in documents],
                         agencies=[a for r in records for a in (*r.lead_agencies, *r.participating_agencies)],
                         places=[d.info.jurisdiction for d in documents if d.info.jurisdiction],
                         extra=glossary_chinese_terms())
    write_user_dictionary(generation_dir / "userdict.txt", terms)
    segmenter = Segmenter(generation_dir / "userdict.txt")
    store.save_keyword_index(generation_dir, chunks, segmenter)

    manifest = store.IndexManifest(
        generation=generation_dir.name, embedding_model=settings.embedding_model,
        embedding_dimension=int(getattr(embeddings, "dimension", 0)), chunker_version=CHUNKER_VERSION,
        chunk_max_chars=settings.chunk_max_chars, tokenizer=TOKENIZER_NAME, dictionary_sha256=segmenter.dictionary_sha256,
        store=store.store_label(settings), collection=collection, created_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        chunk_count=len(chunks),
        documents={d.info.source: {"fingerprint": d.fingerprint, "chunks": len(d.chunks), "doc_id": d.info.doc_id}
                   for d in documents},
    )
    # Written last: a generation without its manifest is never published.
    (generation_dir / store.MANIFEST).write_text(manifest.to_json(), encoding="utf-8")


def _drop_collection(client, name: str) -> None:
    try:
        client.delete_collection(name)
    except Exception:
        pass
