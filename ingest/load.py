"""Load stage: files on disk -> raw text.

Every supported file becomes a ``RawDocument`` (plain text with "\\n" line
endings) or a ``LoadProblem`` that tells the user, in one sentence, why the file
was skipped. One bad file never stops the others from loading.

Decisions worth knowing:

* Files over ``MAX_FILE_BYTES`` (20 MB) are refused before being read, so a
  stray video or database dump cannot exhaust memory.  Real policy documents
  are far smaller.  ``LoadLimits`` bounds the rest of what one file may cost:
  the uncompressed size of a zip-based file (.docx, .xlsx: a 400 KB "zip bomb"
  can unpack to gigabytes of XML), a PDF's page count (checked before any page
  is extracted) and the characters of text one file yields.
* Symbolic-link loops and unreadable folders are skipped with a reason, never
  a traceback.
* Plain text is decoded as UTF-8 (with or without BOM), then GB18030 (a
  superset of GBK and GB2312, the usual encodings of Chinese government
  files), and only then guessed with charset-normalizer.  A guess is accepted
  only when it is unambiguous; otherwise the file is refused rather than
  loaded as mojibake, because wrong characters would silently poison search
  and citations.
* Directory walks skip hidden entries and ``manifest.toml``; every other file
  is either loaded or named with the reason it was not (unsupported type, no
  text, too large, encrypted): nothing under an ingested folder is left out
  silently.
* The .docx and .pdf readers, and those for spreadsheets, scans (OCR) and old
  Word files, live in ``ingest/readers/``; this module keeps file access,
  limits, text decoding (plain text, Markdown, HTML) and the dispatch.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.readers.base import Loaded, LoadError
from ingest.readers.docx import read_docx
from ingest.readers.legacy_word import convert_legacy_word
from ingest.readers.ocr import IMAGE_SUFFIXES, PageProgress, read_image, report_pages_to
from ingest.readers.ocr import reset_page_progress as _reset_page_progress
from ingest.readers.pdf import read_pdf
from ingest.readers.spreadsheet import read_spreadsheet
from ingest.tables import TableData, caption_candidate, layout_paragraphs, make_table

SPREADSHEET_SUFFIXES: frozenset[str] = frozenset({".xlsx", ".xls", ".ods"})
LEGACY_WORD_SUFFIXES: frozenset[str] = frozenset({".doc", ".wps"})
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".docx", ".pdf", ".html", ".htm"} | SPREADSHEET_SUFFIXES | LEGACY_WORD_SUFFIXES | IMAGE_SUFFIXES)
MAX_FILE_BYTES: int = 20 * 1024 * 1024

_MB = 1024 * 1024
_MANIFEST_NAME = "manifest.toml"
_ZIP_SUFFIXES = frozenset({".docx", ".xlsx", ".ods"})


@dataclass(frozen=True)
class LoadLimits:
    """What one file may cost; the pipeline fills these from the settings."""

    max_unpacked_bytes: int = 50 * _MB
    max_pages: int = 2000
    max_chars: int = 3_000_000


@dataclass(frozen=True)
class RawDocument:
    source: str  # file name, the id used in citations
    path: Path
    text: str  # decoded text, "\n" line endings, no BOM, NUL-free
    encoding: str  # "utf-8", "utf-8-sig", "gb18030", "docx", "pdf", "html:utf-8" ...
    sha256: str  # hex digest of the file's bytes (used for incremental ingest)
    tables: tuple[TableData, ...] = ()  # tables read as tables (.docx, .pdf, .html); their rows are in ``text``
    ocr_text: str = ""                  # the part of ``text`` read from page images by OCR ("" when none)
    ocr_pages: int = 0                  # how many pages or images were read by OCR


@dataclass(frozen=True)
class LoadProblem:
    source: str  # file name
    reason: str  # one human sentence in English


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def load_file(path: Path, limits: LoadLimits = LoadLimits()) -> RawDocument:
    """Read one file and return its text; raise LoadError with a reason otherwise."""
    path = Path(path)
    data = _read_bytes(path)
    suffix = path.suffix.lower()
    if suffix in _ZIP_SUFFIXES:
        _check_unpacked_size(data, limits.max_unpacked_bytes)
    if suffix == ".pdf":
        _check_page_count(data, limits.max_pages)
    loaded = _read(suffix, data, limits)
    text = _normalise(loaded.text)
    if not text.strip():
        raise LoadError("no text content")
    if len(text) > limits.max_chars:
        raise LoadError(f"too much text ({len(text):,} characters > {limits.max_chars:,}, max_chars_per_file); "
                        "split the document or raise the limit")
    return RawDocument(
        source=path.name,
        path=path,
        text=text,
        encoding=loaded.encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        tables=tuple(loaded.tables),
        ocr_text=_normalise(loaded.ocr_text),
        ocr_pages=loaded.pages,
    )


def _read(suffix: str, data: bytes, limits: LoadLimits) -> Loaded:
    if suffix in SPREADSHEET_SUFFIXES:
        return read_spreadsheet(data, suffix.lstrip("."))
    if suffix in IMAGE_SUFFIXES:
        return read_image(data, limits.max_pages)
    if suffix in LEGACY_WORD_SUFFIXES:
        kind, converted = convert_legacy_word(data, suffix)
        if kind == "docx":
            loaded = read_docx(converted)
            return Loaded(loaded.text, f"{suffix.lstrip('.')}:soffice", loaded.tables)
        return Loaded(converted, f"{suffix.lstrip('.')}:text")
    result = _READERS[suffix](data)
    return result if isinstance(result, Loaded) else Loaded(*result)


def discover(paths: Iterable[Path]) -> list[Path]:
    """Expand files and directories into a sorted, de-duplicated list of files.

    Directories are walked recursively, keeping only supported file types and
    skipping hidden entries (``.git``, editor files) and ``manifest.toml``.
    Explicitly named files are kept even if unsupported, so that loading them
    reports why they were skipped instead of ignoring them silently.
    A path that does not exist raises LoadError: it is almost always a typo.
    """
    return discover_with_problems(paths)[0]


def discover_with_problems(paths: Iterable[Path]) -> tuple[list[Path], list[LoadProblem]]:
    """``discover``, also returning what could not be walked (symlink loops, unreadable folders)."""
    found: dict[Path, Path] = {}
    problems: list[LoadProblem] = []
    unsupported: list[tuple[Path, LoadProblem]] = []
    for path in map(Path, paths):
        if not path.exists() and not path.is_symlink():
            raise LoadError(f"path does not exist: {path}")
        candidates = _walk(path, problems) if path.is_dir() else [path]
        if path.is_dir():
            unsupported.extend(_unsupported_in(path))
        for candidate in candidates:
            if candidate.name == _MANIFEST_NAME:
                continue
            try:
                found.setdefault(candidate.resolve(strict=True), candidate)
            except RuntimeError:       # Python 3.11 reports a symlink loop this way
                problems.append(LoadProblem(candidate.name, f"symbolic link loop ({candidate})"))
            except OSError as err:     # a dangling link, or a loop reported as ELOOP
                reason = "symbolic link loop" if err.errno == errno.ELOOP else \
                    ("broken symbolic link" if candidate.is_symlink() else f"cannot read: {err.strerror or err}")
                problems.append(LoadProblem(candidate.name, f"{reason} ({candidate})"))
    named = set(found)   # a file also named explicitly gets its reason from loading, once
    problems.extend(dict.fromkeys(problem for path, problem in unsupported if _resolved(path) not in named))
    return sorted(found.values()), problems


def load_paths(paths: Iterable[Path], limits: LoadLimits = LoadLimits(),
               on_ocr_page: PageProgress | None = None) -> tuple[list[RawDocument], list[LoadProblem]]:
    """Load everything under ``paths``; each unreadable file becomes a LoadProblem.

    ``on_ocr_page(file name, pages done, pages)`` is told as each scanned page is read.
    Only a nonexistent input path raises (LoadError from ``discover``).
    """
    documents: list[RawDocument] = []
    files, problems = discover_with_problems(paths)
    for path in files:
        token = report_pages_to(path.name, on_ocr_page)
        try:
            documents.append(load_file(path, limits))
        except LoadError as err:
            problems.append(LoadProblem(source=path.name, reason=str(err)))
        finally:
            _reset_page_progress(token)
    return documents, problems


# --------------------------------------------------------------------------
# File access
# --------------------------------------------------------------------------


def _walk(directory: Path, problems: list[LoadProblem]) -> list[Path]:
    """Supported, non-hidden files below ``directory`` (hidden dirs are pruned early).

    Symbolic links to folders are not followed (no loops); a folder that cannot be
    listed becomes a problem instead of being skipped silently."""
    def unreadable(err: OSError) -> None:
        where = Path(err.filename) if err.filename else directory
        problems.append(LoadProblem(where.name or str(where), f"cannot read folder: {err.strerror or err} ({where})"))

    files = []
    for root, dirnames, filenames in os.walk(directory, onerror=unreadable):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(Path(root) / name)
    return files


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError):   # a symbolic link loop
        return None


def _unsupported_in(directory: Path) -> list[tuple[Path, LoadProblem]]:
    """Every non-hidden file of a type no reader handles, named with the reason (nothing is silent)."""
    problems = []
    for root, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in sorted(filenames):
            suffix = Path(name).suffix.lower()
            if name.startswith(".") or name == _MANIFEST_NAME or suffix in SUPPORTED_SUFFIXES:
                continue
            problems.append((Path(root) / name, LoadProblem(name, f"unsupported file type {suffix}" if suffix
                                                            else "unsupported file type (no extension)")))
    return problems


def _read_bytes(path: Path) -> bytes:
    """Check type and size before reading, so huge or unsupported files are never loaded."""
    suffix = path.suffix.lower()
    try:
        if not path.is_file():
            raise LoadError("not a regular file" if path.exists() else "file not found")
        if suffix not in SUPPORTED_SUFFIXES:
            raise LoadError(f"unsupported file type {suffix}" if suffix else "unsupported file type (no extension)")
        size = path.stat().st_size
        if size == 0:
            raise LoadError("empty file (0 bytes)")
        if size > MAX_FILE_BYTES:
            raise LoadError(f"file too large ({size / _MB:.1f} MB > {MAX_FILE_BYTES // _MB} MB)")
        return path.read_bytes()
    except OSError as err:
        raise LoadError(f"cannot read file: {err.strerror or err}") from err


def _check_unpacked_size(data: bytes, limit: int) -> None:
    """Refuse a zip whose members unpack to more than ``limit`` bytes, before anything is unpacked.

    The sizes come from the zip's directory; a member that lies about its size is cut
    at the stated size by ``zipfile`` when read, so the stated total bounds the work."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return   # not a zip at all: the reader reports the file as corrupt
    if total > limit:
        raise LoadError(f"unpacks to {total / _MB:,.0f} MB of XML (> {limit // _MB} MB, max_unpacked_mb); "
                        "probably not a normal document")


def _check_page_count(data: bytes, limit: int) -> None:
    """Refuse a PDF with more than ``limit`` pages before extracting any (counting pages is cheap)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = len(reader.pages)
    except Exception:  # damaged or password-protected: the reader reports it
        return
    if pages > limit:
        raise LoadError(f"too many pages ({pages:,} > {limit:,}, max_pages_per_file); split the document")


def _normalise(text: str) -> str:
    """One text convention for every later stage: "\\n" line ends, no BOM, no NUL."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _short(err: Exception) -> str:
    """A parser exception as a short one-line reason fragment."""
    message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return message if len(message) <= 120 else message[:117] + "..."


# --------------------------------------------------------------------------
# Plain text decoding (also used for HTML without a usable declared charset)
# --------------------------------------------------------------------------

_BOMS = (  # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters never found in real text; \t \n \v \f \r and ESC are allowed.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_MAX_CONTROL_RATIO = 0.05  # tolerate a few strays (e.g. a DOS ^Z) but not binary data
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_MIN_GB2312_RATIO = 0.9
_HALFWIDTH_KATAKANA = re.compile(r"[\uff61-\uff9f]")


def _decode_text(data: bytes) -> tuple[str, str]:
    """Decode text bytes: BOM, UTF-8, GB18030, then a cautious guess; never mojibake."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(_strict_decode(data, encoding), encoding)
    _reject_binary(data.decode("latin-1"))  # latin-1 maps each byte to one char
    for decode in (_decode_utf8, _decode_gb18030, _decode_guess):
        decoded = decode(data)
        if decoded is not None:
            return _checked(*decoded)
    raise LoadError("cannot decode as UTF-8 or GB18030")


def _strict_decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise LoadError(f"invalid {encoding} text despite its byte-order mark") from err


def _checked(text: str, encoding: str) -> tuple[str, str]:
    """Refuse decoded text that is binary, blank or already damaged (U+FFFD)."""
    _reject_binary(text)
    if "\ufffd" in text:
        raise LoadError("text contains replacement characters (\ufffd); it was damaged by an earlier conversion")
    if not text.strip():
        raise LoadError("empty file (only whitespace)")
    return text, encoding


def _reject_binary(text: str) -> None:
    if "\x00" in text or len(_CONTROL.findall(text)) > _MAX_CONTROL_RATIO * len(text):
        raise LoadError("binary content, not text")


def _decode_utf8(data: bytes) -> tuple[str, str] | None:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return None


def _decode_gb18030(data: bytes) -> tuple[str, str] | None:
    """GB18030 decodes many non-Chinese byte streams too, so also check plausibility.

    Real Simplified Chinese text is overwhelmingly made of GB2312 characters;
    bytes from other encodings (Big5, Shift-JIS, Latin-1 ...) mostly land in the
    rarer GBK/GB18030 extension areas. (Limitation: EUC-KR shares the GB2312
    byte layout and is not told apart.)
    """
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    wide = "".join(_NON_ASCII.findall(text))
    in_gb2312 = len(wide.encode("gb2312", errors="ignore")) // 2  # 2 bytes per character
    if in_gb2312 < _MIN_GB2312_RATIO * len(wide):
        return None
    return text, "gb18030"


def _decode_guess(data: bytes) -> tuple[str, str] | None:
    """Last resort: accept charset-normalizer only if all close candidates agree.

    On short single-byte texts it often ranks cp1250 and cp1252 equally; when the
    plausible candidates decode to different text we cannot know which is right.
    Half-width katakana are rejected too: they are what single-byte text (e.g.
    KOI8-R) looks like when misread as Shift-JIS, and are rare in real documents.
    """
    from charset_normalizer import from_bytes  # imported lazily: rarely needed

    results = from_bytes(data)
    best = results.best()
    if best is None or best.chaos > 0.1:
        return None
    plausible = {str(match) for match in results if match.chaos <= best.chaos + 0.1}
    if len(plausible) != 1:
        return None
    text = str(best)
    if len(_HALFWIDTH_KATAKANA.findall(text)) > 0.1 * len("".join(_NON_ASCII.findall(text))):
        return None
    return text, best.encoding


# --------------------------------------------------------------------------
# Readers, one per file type: bytes -> (text, encoding label)
# --------------------------------------------------------------------------


ReadResult = tuple[str, str, tuple[TableData, ...]] | Loaded   # text, encoding label, tables (or a Loaded)


def _read_plain(data: bytes) -> ReadResult:
    text, encoding = _decode_text(data)
    return text, encoding, ()


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def _read_markdown(data: bytes) -> ReadResult:
    """Markdown as the plain text it mostly is: heading marks and bold marks dropped, pipe
    tables read as tables. Lists are left alone, so the document's own numbering (1. / （一）)
    stays exactly as written — a Markdown renderer would turn "1." into an unnumbered item."""
    text, encoding = _decode_text(data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    tables: list[TableData] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if "|" in line and index + 1 < len(lines) and _MD_TABLE_SEPARATOR.match(lines[index + 1]):
            end = index + 2
            while end < len(lines) and "|" in lines[end] and lines[end].strip():
                end += 1
            previous = next((l for l in reversed(out) if l.strip()), "")
            grid = [_md_cells(row) for row in [line, *lines[index + 2:end]]]
            table = make_table(grid, caption_candidate(previous), len(tables) + 1)
            if table is not None:
                tables.append(table)
                out.append("\n\n".join(["", *table.row_texts(), ""]))
            index = end
            continue
        out.append(_MD_EMPHASIS.sub(r"\2", _MD_HEADING.sub("", line)))
        index += 1
    return "\n".join(out), encoding, tuple(tables)


def _md_cells(row: str) -> list[str]:
    cells = row.strip()
    cells = cells[1:] if cells.startswith("|") else cells
    cells = cells[:-1] if cells.endswith("|") else cells
    return [_MD_EMPHASIS.sub(r"\2", cell.strip()) for cell in cells.split("|")]


def _read_html(data: bytes) -> ReadResult:
    markup, encoding = _decode_html(data)
    tables: list[TableData] = []
    try:
        text = _html_to_text(markup, tables)
    except Exception as err:  # bs4 may reject pathological markup
        raise LoadError(f"cannot parse HTML: {_short(err)}") from err
    if not text:
        raise LoadError("HTML has no visible text")
    return text, f"html:{encoding}", tuple(tables)


_READERS: dict[str, Callable[[bytes], ReadResult]] = {
    ".txt": _read_plain,
    ".md": _read_markdown,
    ".docx": read_docx,
    ".pdf": read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
}


# --------------------------------------------------------------------------
# HTML helpers
# --------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Declared labels that browsers treat as a wider encoding (WHATWG Encoding spec).
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "ascii": "cp1252", "iso8859-1": "cp1252"}
_DROP_TAGS = ["script", "style", "nav", "header", "footer", "noscript", "template", "head"]
_BLOCK_TAGS = frozenset(
    "address article aside blockquote caption dd div dl dt fieldset figcaption figure form "
    "h1 h2 h3 h4 h5 h6 hr li main ol p pre section table ul".split()
)


def _decode_html(data: bytes) -> tuple[str, str]:
    """Use the declared charset when it decodes cleanly, else plain-text detection."""
    declared = _declared_charset(data)
    if declared and not data.startswith(tuple(bom for bom, _ in _BOMS)):
        try:
            return _checked(data.decode(declared), declared)
        except UnicodeDecodeError:
            pass  # the declaration is wrong (common on old sites); detect instead
    return _decode_text(data)


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    return _CHARSET_ALIASES.get(name, name)


def _html_to_text(markup: str, tables: list[TableData]) -> str:
    """Visible text with block elements as paragraphs and table rows as paragraphs of their own."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    parts: list[str] = []
    _collect_html(soup, parts, in_pre=False, tables=tables)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _collect_html(node, parts: list[str], in_pre: bool, tables: list[TableData]) -> None:
    from bs4 import CData, NavigableString, Tag

    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) in (NavigableString, CData):  # skip comments, doctype ...
                parts.append(str(child) if in_pre else re.sub(r"\s+", " ", child))
        elif not isinstance(child, Tag):
            continue
        elif child.name == "br":
            parts.append("\n")
        elif child.name == "table":
            _collect_html_table(child, parts, tables)
        elif child.name in _BLOCK_TAGS:
            parts.append("\n\n")
            _collect_html(child, parts, in_pre or child.name == "pre", tables)
            parts.append("\n\n")
        else:
            _collect_html(child, parts, in_pre, tables)


def _collect_html_table(table, parts: list[str], tables: list[TableData]) -> None:
    """A <table> as data: its <caption> (else the paragraph before it) and one paragraph per row."""
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    grid = [[cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"], recursive=False)] for row in rows]
    layout = layout_paragraphs(grid)
    if layout is not None:   # a box around text or a label/value header, not data
        parts.append("".join(f"\n\n{paragraph}" for paragraph in layout) + "\n\n")
        return
    caption_tag = table.find("caption")
    before = [p for p in "".join(parts).split("\n\n") if p.strip()]
    if caption_tag is not None:
        caption = caption_tag.get_text(" ", strip=True)
        parts.append("\n\n" + caption)
    else:
        caption = caption_candidate(" ".join(before[-1].split())) if before else ""
    parsed = make_table(grid, caption, len(tables) + 1)
    if parsed is None:
        return
    tables.append(parsed)
    for row_text in parsed.row_texts():
        parts.append("\n\n" + row_text)
    parts.append("\n\n")
