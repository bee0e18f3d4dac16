"""Ingest pipeline: files → cleaned, structured, chunked documents → a new index generation.

Incremental: a document whose fingerprint (file bytes, manifest entry, chunker
settings) is unchanged keeps its chunks and vectors; nothing at all is written when
no document changed.

What the new generation holds (docs/decisions.md, "Adding, replacing and removing"):

* ``ingest(paths)`` ADDS or updates the documents under ``paths``; every other indexed
  document is carried over from the live generation (chunks, records, vectors). A folder
  given is mirrored: a document indexed from inside it whose file is gone is removed.
* ``ingest(paths, replace=True)`` makes ``paths`` the whole corpus.
* ``remove_documents(sources)`` drops documents by file name.
* No paths: the configured corpus folder, added/updated and mirrored.

Each publishes a new generation atomically, and writes ``report.json`` (ingest.report).
"""
from __future__ import annotations

import errno
import hashlib
import json
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from chromadb.errors import ChromaError

from assistant import index as store
from assistant.embedding_cache import cached_embeddings
from assistant.embeddings import batched
from assistant.generations import IndexBusy, ingest_lock
from assistant.glossary import glossary_chinese_terms
from assistant.segment import TOKENIZER_NAME, Segmenter, domain_terms, write_user_dictionary
from assistant.settings import Settings
from ingest.chunk import CHUNKER_VERSION, Chunk, chunk_document
from ingest.clean import clean_text
from ingest.load import LoadLimits, LoadProblem, RawDocument, load_paths
from ingest.metadata import FIELD_NAMES, DocumentInfo, apply_manifest, extract_info, load_manifest
from ingest.readers.ocr import mark_ocr_chunks, report_pages_to
from ingest.records import ResponsibilityRecord, records_from_chunks
from ingest.report import REPORT_FILE, DocumentReport, build_report, read_reports
from ingest.progress import ProgressCallback, StageTracker, terminal_progress
from ingest.sentences import (chunk_vectors_from_sentences, embed_sentences, reusable_sentence_vectors,
                              sentence_collection_name, sentence_records, store_sentence_vectors)
from ingest.sources import MissingCopies, keep_copy, load_copies, read_catalogue, write_catalogue
from ingest.structure import parse_sections
from ingest.targets import extract_targets
from ingest.versions import link_versions

CHROMA_BATCH = 1000


class IngestError(RuntimeError):
    """Ingest could not finish; the previous index is untouched. ``problems`` lists the files skipped."""

    def __init__(self, message: str, problems: list[LoadProblem] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class UnknownDocuments(IngestError):
    """``remove`` was asked for documents the index does not hold (a usage error, not a failure)."""


@dataclass
class ParsedDocument:
    info: DocumentInfo
    text: str
    chunks: list[Chunk]
    records: list[ResponsibilityRecord]
    fingerprint: str
    targets: list[dict] = field(default_factory=list)   # asdict(ingest.targets.Target)
    report: DocumentReport | None = None
    origin: str = ""                                   # resolved path of the file it was read from


@dataclass
class IngestSummary:
    documents: int = 0
    chunks: int = 0
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)      # indexed before, not read in this run, carried over
    problems: list[LoadProblem] = field(default_factory=list)
    reports: list[DocumentReport] = field(default_factory=list)   # documents read in this run
    replace: bool = False
    seconds: float = 0.0
    generation: str = ""
    previous_generation: str = ""
    repaired: list[str] = field(default_factory=list)   # why the live generation could not be kept
    renamed: list[str] = field(default_factory=list)    # "original: indexed as safe — why"

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)

    @property
    def wrote(self) -> bool:
        """A new index generation was written (documents changed, or the keyword index was rebuilt)."""
        return bool(self.generation) and self.generation != self.previous_generation

    def removal_notice(self) -> str:
        """What ``--replace`` or ``remove`` takes out of the index; printed before anything else."""
        if not self.removed:
            return "Removing 0 documents from the index."
        return f"Removing {len(self.removed)} documents from the index: {', '.join(self.removed)}"

    def describe(self, reports: bool = True) -> str:
        lines = [report.describe() for report in self.reports] if reports else []
        lines += [problem_line(problem) for problem in self.problems]
        lines += self.renamed
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
                f"{len(self.replaced)} replaced, {len(self.removed)} removed, {len(self.unchanged)} unchanged"
                + (f", {len(self.kept)} kept" if self.kept else "") + f" in {self.seconds:.1f} s."
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
    root = parse_sections(cleaned.text, info.title)
    chunks = mark_ocr_chunks(chunk_document(info, cleaned.text, root, max_chars), raw.ocr_text, raw.text)
    records = records_from_chunks(chunks, raw.tables)
    targets = [asdict(target) for target in extract_targets(info, chunks, raw.tables)]
    identity = json.dumps([raw.sha256, manifest_entry, CHUNKER_VERSION, max_chars], ensure_ascii=False, sort_keys=True)
    return ParsedDocument(info, cleaned.text, chunks, records, hashlib.sha256(identity.encode("utf-8")).hexdigest(),
                          targets=targets, report=build_report(raw, info, cleaned.text, root, chunks, records, len(targets)),
                          origin=_printable(str(raw.path.resolve())))


def ingest(settings: Settings, paths: list[Path] | None = None, rebuild: bool = False,
           progress: bool | ProgressCallback = True, embeddings=None, replace: bool = False, announce=None, wait: bool = True,
           on_wait: Callable[[str], None] | None = None) -> IngestSummary:
    """Add or update the documents under ``paths`` (default: the corpus folder); ``replace`` makes
    them the whole corpus. ``announce(summary)`` is called once the documents to remove are
    known, before anything is embedded or written (the CLI prints the removal count there).

    Only one ingest writes a data directory at a time: a second one waits (``on_wait`` is told
    once) or, with ``wait=False``, raises ``IngestError`` at once.

    ``progress``: a callable receives an ``ingest.progress.IngestProgress`` per step of each
    stage (reading, chunking, embedding with texts/s, publishing) with an estimate of the time
    left; ``True`` draws a bar on stderr; ``False`` is silent."""
    with _writer(settings, wait, on_wait):
        return _ingest_locked(settings, paths, rebuild, _progress_callback(progress), embeddings, replace, announce)


def _progress_callback(progress: bool | ProgressCallback | None) -> ProgressCallback | None:
    if callable(progress):
        return progress
    return terminal_progress() if progress else None


@contextmanager
def _writer(settings: Settings, wait: bool, on_wait: Callable[[str], None] | None):
    """The one-writer lock on the data directory, its failures as one-line ``IngestError``s."""
    try:
        with ingest_lock(settings.home, wait=wait, on_wait=on_wait):
            yield
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


def _ingest_locked(settings: Settings, paths: list[Path] | None, rebuild: bool, progress: ProgressCallback | None,
                   embeddings, replace: bool, announce) -> IngestSummary:
    started = time.perf_counter()
    paths = [Path(p) for p in (paths or [settings.corpus_dir])]
    reading = StageTracker(progress, "reading", len(paths))
    raws, problems = load_paths(paths, load_limits(settings), on_ocr_page=_ocr_progress(progress))
    reading.advance(len(paths))
    raws, renamed = _safe_names(raws)
    problems = [_shown(problem) for problem in problems]
    raws, duplicates = _unique_sources(raws)
    raws, same_content = _unique_contents(raws, _live_sources(settings))
    problems = problems + duplicates + same_content
    manifest = _manifest_entries(paths)
    documents, unparsed = _parse_each(raws, manifest, settings.chunk_max_chars, progress)
    problems += unparsed
    copies = {raw.source: _copy_entry(settings, raw, manifest.get(raw.source)) for raw in raws}
    live = _live_generation(settings)
    catalogue = read_catalogue(settings.home)
    # What is indexed: the live generation's manifest, or — when that is torn — the catalogue of copies.
    indexed = live[1].documents if live is not None else catalogue
    removed = _removed_sources(indexed, documents, problems, paths, replace)
    keep = _carried_sources(indexed, documents, removed)
    carried = _carried(settings, live, catalogue, keep, rebuild)
    _link_versions([*documents, *carried])
    summary = _publish(settings, documents, carried, removed, problems, rebuild, progress, embeddings, started,
                       replace=replace, announce=announce)
    summary.renamed = renamed
    _record_copies(settings, catalogue, copies, keep_sources=[d.info.source for d in (*documents, *carried)])
    return summary


def _copy_entry(settings: Settings, raw: RawDocument, manifest_entry: dict | None) -> dict:
    """Keep the file's bytes in the home (ingest.sources); the catalogue entry that finds them again."""
    try:
        copy = keep_copy(settings.home, raw)
    except OSError as error:
        raise IngestError(_write_failure(settings, error)) from error
    return {"copy": copy, "sha256": raw.sha256, "origin": _printable(str(raw.path.resolve())),
            "manifest": manifest_entry}


def _carried(settings: Settings, live, catalogue: dict[str, dict], keep: list[str], rebuild: bool) -> list[ParsedDocument]:
    """Documents not read in this run: from the live generation when it is whole, else (a rebuild,
    a torn generation) re-read from the home's copies of their files — never dropped silently: a
    document without a copy stops the repair, named."""
    if not keep:
        return []
    if live is not None and not rebuild:
        try:
            return _carried_documents(settings, live, keep=keep)
        except IngestError:
            pass      # a damaged part of the live generation: repair from the copies below
    try:
        raws, problems = load_copies(settings.home, keep, load_limits(settings))
    except MissingCopies as missing:
        raise IngestError(f"Refusing to rebuild: it would drop {', '.join(missing.sources)}, whose source file "
                          f"is not kept in {settings.home / 'sources'}. Ingest those files again (policy-assistant "
                          "ingest PATH…); the previous index is unchanged.") from None
    if problems:
        raise IngestError(f"Refusing to rebuild: {'; '.join(problem_line(p) for p in problems)}; "
                          "the previous index is unchanged.", problems)
    documents, unparsed = _parse_each(raws, {raw.source: catalogue[raw.source].get("manifest") for raw in raws},
                                      settings.chunk_max_chars)
    if unparsed:
        raise IngestError(f"Refusing to rebuild: {'; '.join(problem_line(p) for p in unparsed)}; "
                          "the previous index is unchanged.", unparsed)
    for document in documents:
        document.origin = catalogue[document.info.source].get("origin", "")
    return documents


def _record_copies(settings: Settings, catalogue: dict[str, dict], copies: dict[str, dict],
                   keep_sources: list[str]) -> None:
    entries = {source: copies.get(source) or catalogue.get(source) for source in keep_sources}
    try:
        write_catalogue(settings.home, {source: entry for source, entry in entries.items() if entry})
    except OSError as error:   # the index is published; only the repair copies could not be recorded
        raise IngestError(_write_failure(settings, error)) from error


def _safe_names(raws: list[RawDocument]) -> tuple[list[RawDocument], list[str]]:
    """Each document under a stored name derived from its file name (valid UTF-8, bounded length);
    the report says which were renamed and why (issue 20: a 249-byte or GBK-bytes name)."""
    from dataclasses import replace as with_field

    from assistant.files import safe_source_name

    kept, renamed = [], []
    for raw in raws:
        name, reason = safe_source_name(raw.source)
        if reason:
            renamed.append(f"{_printable(raw.source)}: indexed as {name} — {reason}")
            raw = with_field(raw, source=name)
        kept.append(raw)
    return kept, renamed


def _printable(text: str) -> str:
    """Text that can be printed and stored: undecodable bytes of a file name shown as \\xNN."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _shown(problem: LoadProblem) -> LoadProblem:
    return LoadProblem(_printable(problem.source), _printable(problem.reason))


def _parse_each(raws: list[RawDocument], manifest: dict[str, dict], max_chars: int,
                progress: ProgressCallback | None = None) -> tuple[list[ParsedDocument], list[LoadProblem]]:
    """One document that cannot be parsed is named with its reason; it never stops the others."""
    chunking = StageTracker(progress, "chunking", len(raws))
    documents, problems = [], []
    for raw in raws:
        try:
            documents.append(parse_document(raw, manifest.get(raw.source), max_chars))
        except Exception as error:  # noqa: BLE001 — a bug or a pathological file: skip it, say so
            problems.append(LoadProblem(raw.source, f"could not be parsed ({type(error).__name__}: "
                                                    f"{_printable(str(error))[:200]})"))
        chunking.advance()
    return documents, problems


def _ocr_progress(progress: ProgressCallback | None):
    """OCR pages as their own progress stage ("OCR 3/12 pages"), one count per scanned file."""
    if progress is None:
        return None
    trackers: dict[str, StageTracker] = {}

    def page_done(source: str, done: int, total: int) -> None:
        tracker = trackers.get(source) or trackers.setdefault(source, StageTracker(progress, "ocr", total))
        tracker.advance(done - tracker.done)
    return page_done


def _link_versions(documents: list[ParsedDocument]) -> None:
    """Mark documents repealed or finalised by another indexed one (ingest.versions); the report says so."""
    linked = link_versions([(document.info, document.text) for document in documents])
    for document, info in zip(documents, linked):
        document.info = info
        if document.report is not None and info.superseded_by:
            document.report.found[FIELD_NAMES["status"]] = f"superseded by {info.superseded_by}"
        if document.report is not None and info.supersedes:
            document.report.found["取代"] = "、".join(info.supersedes)


def embedding_texts(chunks: list[Chunk], dense_vectors: str = "sentences") -> list[str]:
    """Every text an index of ``chunks`` embeds (the shipped cache covers these)."""
    whole = [chunk.index_text for chunk in chunks] if dense_vectors == "chunks" else []
    return whole + [record.text for record in sentence_records(chunks)]


def corpus_embedding_texts(settings: Settings) -> list[str]:
    """The texts an ingest of the configured corpus folder embeds, read and chunked as ingest does."""
    paths = [settings.corpus_dir]
    raws, _ = load_paths(paths, load_limits(settings))
    manifest = _manifest_entries(paths)
    documents = [parse_document(raw, manifest.get(raw.source), settings.chunk_max_chars) for raw in raws]
    return embedding_texts([chunk for document in documents for chunk in document.chunks], settings.dense_vectors)


def remove_documents(settings: Settings, sources: list[str], progress: bool | ProgressCallback = False, embeddings=None,
                     wait: bool = True, on_wait: Callable[[str], None] | None = None) -> IngestSummary:
    """Drop documents (by file name) from the index; the others keep their chunks and vectors."""
    with _writer(settings, wait, on_wait):
        started = time.perf_counter()
        live = _live_generation(settings)
        if live is None:
            raise IngestError("There is no index to remove documents from. Build it with: policy-assistant ingest")
        unknown = [source for source in sources if source not in live[1].documents]
        if unknown:
            raise UnknownDocuments(f"Not in the index: {', '.join(unknown)}. Indexed documents: "
                              f"{', '.join(sorted(live[1].documents))}")
        keep = [source for source in live[1].documents if source not in sources]
        if not keep:
            raise IngestError("Removing every document would leave an empty index; use "
                              "'policy-assistant ingest --replace PATH' to replace the corpus instead.")
        carried = _carried_documents(settings, live, keep=keep)
        embeddings = _cached(settings, embeddings, dimension=live[1].embedding_dimension)
        summary = _publish(settings, [], carried, sorted(sources), [], False, _progress_callback(progress), embeddings,
                           started, replace=False, announce=None)
        _record_copies(settings, read_catalogue(settings.home), {}, keep_sources=keep)   # the removed files' copies go
        return summary


def _publish(settings: Settings, documents: list[ParsedDocument], carried: list[ParsedDocument], removed: list[str],
             problems: list[LoadProblem], rebuild: bool, progress: ProgressCallback | None, embeddings, started: float,
             replace: bool, announce) -> IngestSummary:
    repaired: list[str] = []
    previous = None if rebuild else _compatible_previous(settings, repaired)
    summary = _diff(documents, previous)
    summary.documents = len(documents) + len(carried)
    summary.chunks = sum(len(d.chunks) for d in (*documents, *carried))
    summary.removed = removed
    summary.kept = sorted(d.info.source for d in carried)
    summary.problems = problems
    summary.replace = replace
    summary.repaired = repaired
    summary.reports = [d.report for d in documents if d.report is not None]
    for report in summary.reports:
        report.change = next(kind for kind, names in (("added", summary.added), ("replaced", summary.replaced),
                                                      ("unchanged", summary.unchanged)) if report.source in names)
    if not documents and not carried:
        raise IngestError("No readable documents to index; the previous index (if any) is unchanged.", problems)
    if announce is not None:
        announce(summary)
    # A new tokenizer only needs the keyword index rebuilt; vectors are reused.
    keyword_index_stale = previous is not None and previous.tokenizer != TOKENIZER_NAME
    summary.previous_generation = previous.generation if previous else ""
    if previous is not None and not summary.changed and not keyword_index_stale:
        summary.seconds = time.perf_counter() - started
        summary.generation = previous.generation
        return summary
    # The previous generation's dimension: an ingest that reuses every vector never loads the model.
    embeddings = _cached(settings, embeddings, dimension=previous.embedding_dimension if previous else 0)
    everything = sorted([*documents, *carried], key=lambda d: d.info.source)
    summary.generation = _build_generation(settings, everything, previous, embeddings, progress)
    summary.seconds = time.perf_counter() - started
    return summary


def _cached(settings: Settings, embeddings, dimension: int = 0):
    """The embeddings behind the embedding cache (assistant.embedding_cache): a text embedded once
    by this model, in any generation or home build, is not embedded again. The model itself is
    loaded only when a text misses every cache."""
    from assistant.embedding_cache import CachedEmbeddings

    if isinstance(embeddings, CachedEmbeddings):
        return embeddings
    cached = cached_embeddings(settings, embeddings)
    cached._dimension = cached._dimension or dimension
    return cached


def _live_generation(settings: Settings) -> tuple[Path, store.IndexManifest] | None:
    """The published generation, whatever setup built it (its documents are carried over)."""
    generation_dir = store.current_generation(settings.index_dir)
    if generation_dir is None:
        return None
    try:
        return generation_dir, store.read_manifest(generation_dir)
    except (OSError, ValueError, TypeError):
        return None


def _removed_sources(indexed: dict[str, dict], documents: list[ParsedDocument], problems: list[LoadProblem],
                     paths: list[Path], replace: bool) -> list[str]:
    if not indexed:
        return []
    loaded = {d.info.source for d in documents}
    if replace:
        return sorted(source for source in indexed if source not in loaded)
    # A folder given is mirrored: what was indexed from inside it and is gone from it goes.
    # A file that is still there but could not be read keeps its previous version.
    unreadable = {problem.source for problem in problems}
    folders = [path.resolve() for path in paths if path.is_dir()]
    return sorted(source for source, entry in indexed.items()
                  if source not in loaded and source not in unreadable and entry.get("origin")
                  and any(Path(entry["origin"]).is_relative_to(folder) for folder in folders))


def _carried_sources(indexed: dict[str, dict], documents: list[ParsedDocument], removed: list[str]) -> list[str]:
    loaded = {d.info.source for d in documents}
    return [source for source in indexed if source not in loaded and source not in removed]


def _carried_documents(settings: Settings, live, keep: list[str]) -> list[ParsedDocument]:
    """Documents not read in this run, as the live generation holds them (no source file needed)."""
    if not keep:
        return []
    generation_dir, manifest = live
    wanted = set(keep)
    try:
        infos = json.loads((generation_dir / "documents.json").read_text(encoding="utf-8"))
        chunks: dict[str, list[Chunk]] = {}
        for line in (generation_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines():
            if line:
                chunk = store.chunk_from_json(json.loads(line))
                if chunk.source in wanted:
                    chunks.setdefault(chunk.source, []).append(chunk)
        records = [ResponsibilityRecord.from_json(r)
                   for r in json.loads((generation_dir / "records.json").read_text(encoding="utf-8"))]
        targets_path = generation_dir / "targets.json"
        targets = json.loads(targets_path.read_text(encoding="utf-8")) if targets_path.exists() else []
        reports = read_reports(generation_dir)
        carried = []
        for source in keep:
            entry = manifest.documents[source]
            report = reports.get(source)
            if report is not None:
                report.change = "kept"
            carried.append(ParsedDocument(
                info=store.info_from_json(infos[source]),
                text=(generation_dir / "texts" / f"{source}.txt").read_text(encoding="utf-8"),
                chunks=chunks.get(source, []), records=[r for r in records if r.source == source],
                fingerprint=entry["fingerprint"], targets=[t for t in targets if t.get("source") == source],
                report=report, origin=entry.get("origin", "")))
        return carried
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise IngestError(f"Cannot read the documents already indexed in {generation_dir} ({error}); "
                          "re-ingest them with: policy-assistant ingest --replace PATH…") from error
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
    same_setup = (manifest.embedding_model, manifest.chunker_version, manifest.chunk_max_chars, manifest.store,
                  manifest.dense) == (settings.embedding_model, CHUNKER_VERSION, settings.chunk_max_chars,
                                      store.store_label(settings), settings.dense_vectors)
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
    return summary


def _build_generation(settings: Settings, documents: list[ParsedDocument], previous: store.IndexManifest | None,
                      embeddings, progress: ProgressCallback | None) -> str:
    generation_dir = store.new_generation_dir(settings.index_dir)
    name = store.collection_name(settings, generation_dir.name)
    client = None
    published = False
    try:
        # Inside the try: a full disk or an unreachable server fails here already, and the
        # half-made generation folder must still be removed.
        client = store.chroma_client(settings, generation_dir)
        chunks = [chunk for document in documents for chunk in document.chunks]
        records = sentence_records(chunks)
        reusable_sentences = _reusable_sentence_vectors(settings, previous, documents)
        reusable_chunks = _reusable_vectors(settings, previous, documents) if settings.dense_vectors == "chunks" else {}
        todo_chunks = [chunk for chunk in chunks if chunk.chunk_id not in reusable_chunks]
        if settings.dense_vectors == "sentences":
            todo_chunks = []
        todo_sentences = [r for r in records if r.sentence_id not in reusable_sentences]
        embedding = _EmbeddingProgress(progress, embeddings, [c.index_text for c in todo_chunks] + [r.text for r in todo_sentences])
        sentence_vectors = embed_sentences(records, reusable_sentences, embeddings, settings.embedding_batch_size,
                                           on_batch=embedding.advance)
        if settings.dense_vectors == "sentences":
            vectors = chunk_vectors_from_sentences(records, sentence_vectors)
        else:
            vectors = _vectors(settings, todo_chunks, reusable_chunks, embeddings, embedding.advance)
        embedding.tracker.done = embedding.tracker.total   # repeated texts were embedded once
        embedding.tracker.advance(0)
        publishing = StageTracker(progress, "publishing", 3)
        collection = client.create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
        for batch in batched(list(range(len(chunks))), CHROMA_BATCH):
            collection.add(ids=[chunks[i].chunk_id for i in batch], embeddings=[vectors[chunks[i].chunk_id] for i in batch],
                           documents=[chunks[i].text for i in batch], metadatas=[chunks[i].metadata() for i in batch])
        store_sentence_vectors(client, name, records, sentence_vectors, CHROMA_BATCH)
        publishing.advance()
        _write_side_files(settings, generation_dir, documents, chunks, name, embeddings)
        publishing.advance()
        removed = store.publish_generation(settings.index_dir, generation_dir)
        published = True
        if settings.chroma_server_mode:
            # The server holds one collection per generation; drop those whose folders were just removed.
            for stale in removed:
                _drop_collection(client, store.collection_name(settings, stale))
        publishing.advance()
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


class _EmbeddingProgress:
    """The embedding stage's tracker: texts the cache already holds count as done at once,
    so the rate and the estimate are about the texts the model really embeds."""

    def __init__(self, progress: ProgressCallback | None, embeddings, texts: list[str]) -> None:
        self.embeddings = embeddings
        self.start = getattr(embeddings, "embedded", 0)
        cached = embeddings.cached_count(texts) if progress is not None and hasattr(embeddings, "cached_count") else 0
        self.tracker = StageTracker(progress, "embedding", len(texts), cached=cached)

    def advance(self, count: int) -> None:
        embedded = getattr(self.embeddings, "embedded", None)
        if embedded is None:
            self.tracker.advance(count)
            return
        self.tracker.done = min(self.tracker.total, self.tracker.cached + embedded - self.start)
        self.tracker.advance(0)


def _vectors(settings: Settings, todo: list[Chunk], reusable: dict[str, list[float]], embeddings,
             on_batch) -> dict[str, list[float]]:
    """Chunk vectors (the "chunks" design only): reused, or the chunk's indexed text embedded."""
    vectors = dict(reusable)
    for batch in batched(todo, max(1, settings.embedding_batch_size)):
        for chunk, vector in zip(batch, embeddings.embed_documents([c.index_text for c in batch])):
            vectors[chunk.chunk_id] = vector
        on_batch(len(batch))
    return vectors


def _unchanged_sources(previous: store.IndexManifest | None, documents: list[ParsedDocument]) -> list[str]:
    if previous is None:
        return []
    return [d.info.source for d in documents
            if previous.documents.get(d.info.source, {}).get("fingerprint") == d.fingerprint]


def _reusable_sentence_vectors(settings: Settings, previous: store.IndexManifest | None,
                               documents: list[ParsedDocument]) -> dict[str, list[float]]:
    unchanged = _unchanged_sources(previous, documents)
    if not unchanged:
        return {}
    client = store.chroma_client(settings, settings.index_dir / previous.generation)
    return reusable_sentence_vectors(client, previous.collection, unchanged)


def _reusable_vectors(settings: Settings, previous: store.IndexManifest | None,
                      documents: list[ParsedDocument]) -> dict[str, list[float]]:
    """Vectors of unchanged documents, read back from the live generation."""
    unchanged = _unchanged_sources(previous, documents)
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
    store.write_json(generation_dir / "targets.json", [t for d in documents for t in d.targets])
    store.write_json(generation_dir / REPORT_FILE, {
        "generation": generation_dir.name,
        "documents": [d.report.to_json() for d in documents if d.report is not None]})
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
        chunk_count=len(chunks), dense=settings.dense_vectors,
        documents={d.info.source: {"fingerprint": d.fingerprint, "chunks": len(d.chunks), "doc_id": d.info.doc_id,
                                   "origin": d.origin} for d in documents},
    )
    # Written last: a generation without its manifest is never published.
    (generation_dir / store.MANIFEST).write_text(manifest.to_json(), encoding="utf-8")


def _drop_collection(client, name: str) -> None:
    """Drop a generation's chunk collection and its sentence collection."""
    for collection in (name, sentence_collection_name(name)):
        try:
            client.delete_collection(collection)
        except Exception:
            pass
