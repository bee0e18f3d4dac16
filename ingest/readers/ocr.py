"""Scans: text read from page images by OCR (RapidOCR, PP-OCRv4 models run by onnxruntime).

``rapidocr-onnxruntime`` ships its three ONNX models (detection, direction, recognition;
16 MB) inside the wheel and has no download code, so ``pip install -e .`` is the whole
set-up and nothing is fetched at run time. Accuracy and speed on rendered policy pages are
in docs/benchmarks.md (``benchmarks/ocr.py``).

Recognised boxes are put back into reading order — lines top to bottom, boxes left to
right — and each line becomes a line of text; cleaning rejoins lines wrapped mid-sentence.
A 文号 whose brackets OCR misreads ("湘政办发[2022]7号", "（2022）") is written with
〔〕 again, as the document does.
"""
from __future__ import annotations

import contextvars
import io
import re
import threading
from collections.abc import Callable, Iterator

from ingest.readers.base import Loaded, LoadError, short

RENDER_DPI = 200            # a scan's usual resolution; text at 10.5 pt is ~30 px high
MIN_CONFIDENCE = 0.5
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
DOC_NUMBER_BRACKETS = re.compile(
    r"(?<=[\u4e00-\u9fff])\s?[\[［(（【〔{lI|]\s?(?P<year>(?:19|20)\d{2})\s?[\]］)）】〕}lI|]\s?(?P<n>\d{1,4})\s?号")

# Told about every page OCR finishes: (file name, pages done, pages in the file).
PageProgress = Callable[[str, int, int], None]
_progress: contextvars.ContextVar[tuple[str, PageProgress] | None] = contextvars.ContextVar("ocr_progress", default=None)
_engine = None
_engine_lock = threading.Lock()


def report_pages_to(source: str, callback: PageProgress | None) -> contextvars.Token:
    """Route this file's page progress to ``callback`` (ingest's progress bar); reset with the token."""
    return _progress.set((source, callback) if callback else None)


def reset_page_progress(token: contextvars.Token) -> None:
    _progress.reset(token)


def mark_ocr_chunks(chunks: list, ocr_text: str, text: str) -> list:
    """Chunks whose passage was read by OCR, marked ``ocr=True`` (compared without whitespace,
    which cleaning changes); every chunk when the whole document was OCR."""
    if not ocr_text.strip():
        return chunks
    from dataclasses import replace

    squeeze = re.compile(r"\s+")
    read = squeeze.sub("", ocr_text)
    whole = read == squeeze.sub("", text)

    def from_ocr(passage: str) -> bool:
        plain = squeeze.sub("", passage)
        return bool(plain) and (plain[:12] in read or plain[-12:] in read)
    return [replace(chunk, ocr=True) if whole or (chunk.kind != "table_row" and from_ocr(chunk.text)) else chunk
            for chunk in chunks]


def _tell(done: int, total: int) -> None:
    target = _progress.get()
    if target is not None:
        target[1](target[0], done, total)


def engine():
    """One RapidOCR engine per process (loading the models takes about a second)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as err:   # OpenCV needs the system's libGL on a server without a desktop
                raise LoadError(f"the OCR engine cannot start ({short(err)}); on Debian/Ubuntu: "
                                "apt-get install libgl1 libglib2.0-0") from err
            _engine = RapidOCR()
        return _engine


def ocr_image(image) -> str:
    """The text of one page image (PIL image), lines in reading order."""
    import numpy as np

    array = np.asarray(image.convert("RGB"))[:, :, ::-1]   # RapidOCR expects OpenCV's BGR order
    result, _ = engine()(array)
    boxes = [(box, text) for box, text, score in (result or []) if text.strip() and float(score) >= MIN_CONFIDENCE]
    return fix_doc_numbers(full_width_punctuation("\n".join(_reading_order(boxes))))


_CJK = r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]"
_HALF_WIDTH = re.compile(rf"(?<={_CJK})\s?([,;:?!()])|([,;:?!()])\s?(?={_CJK})")
_FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"})


def full_width_punctuation(text: str) -> str:
    """OCR models often return ASCII punctuation; next to Chinese it is the full-width mark the
    document printed (，；：（）“”), which later stages and quotes expect. Quotes alternate
    over the whole page, since a quotation may wrap onto the next line."""
    text = _HALF_WIDTH.sub(lambda m: (m[1] or m[2]).translate(_FULL_WIDTH), text)
    # The recognition model often returns “ for both quotes, or a straight one: quotes come in
    # pairs in running text, so they alternate “ ” in reading order.
    if re.search(_CJK, text) and re.search('["“”]', text):
        quotes = iter("“”" * len(re.findall('["“”]', text)))
        text = re.sub('["“”]', lambda _: next(quotes), text)
    return text


def fix_doc_numbers(text: str) -> str:
    return DOC_NUMBER_BRACKETS.sub(lambda m: f"〔{m['year']}〕{m['n']}号", text)


def _reading_order(boxes: list) -> list[str]:
    """Group boxes into lines by vertical overlap, then read each line left to right."""
    items = []
    for box, text in boxes:
        ys = [point[1] for point in box]
        xs = [point[0] for point in box]
        items.append((min(ys), max(ys), min(xs), text.strip()))
    items.sort(key=lambda item: (item[0] + item[1]) / 2)
    lines: list[list[tuple]] = []
    for item in items:
        top, bottom = item[0], item[1]
        if lines:
            last = lines[-1]
            line_top = min(i[0] for i in last)
            line_bottom = max(i[1] for i in last)
            overlap = min(bottom, line_bottom) - max(top, line_top)
            if overlap > 0.5 * min(bottom - top, line_bottom - line_top):
                last.append(item)
                continue
        lines.append([item])
    return [_join(sorted(line, key=lambda i: i[2])) for line in lines]


def _join(line: list[tuple]) -> str:
    out = ""
    for item in line:
        text = item[3]
        if out and re.match(r"[A-Za-z0-9]", out[-1]) and re.match(r"[A-Za-z0-9]", text[0]):
            out += " "
        out += text
    return out


def ocr_pages(images: list, total: int | None = None) -> list[str]:
    texts = []
    for number, image in enumerate(images, start=1):
        texts.append(ocr_image(image))
        _tell(number, total or len(images))
    return texts


def read_image(data: bytes, max_pages: int) -> Loaded:
    """A scanned page saved as an image (a multi-page TIFF is read page by page, in order)."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        frames = [frame.copy() for frame, _ in zip(ImageSequence.Iterator(image), range(max_pages + 1))]
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise LoadError(f"cannot read the image: {short(err)}") from err
    if len(frames) > max_pages:
        raise LoadError(f"too many pages (more than {max_pages}, max_pages_per_file)")
    try:
        pages = ocr_pages(frames)
    except Exception as err:   # onnxruntime/OpenCV errors on a pathological image
        raise LoadError(f"OCR failed: {short(err)}") from err
    text = "\n\n".join(page for page in pages if page.strip())
    if not text.strip():
        raise LoadError("no text found in the image (OCR read nothing)")
    return Loaded(text, "image+ocr", (), ocr_text=text, pages=len(frames))


def render_pdf_pages(data: bytes, numbers: list[int]) -> Iterator:
    """Page images of the given (0-based) pages of a PDF, at RENDER_DPI."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        for number in numbers:
            yield document[number].render(scale=RENDER_DPI / 72).to_pil()
    finally:
        document.close()


def ocr_pdf_pages(data: bytes, numbers: list[int]) -> dict[int, str]:
    """OCR text of the given PDF pages (those without a text layer), by page number."""
    texts: dict[int, str] = {}
    for done, (number, image) in enumerate(zip(numbers, render_pdf_pages(data, numbers)), start=1):
        texts[number] = ocr_image(image)
        _tell(done, len(numbers))
    return texts
