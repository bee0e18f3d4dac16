"""PDF: the text layer of every page, tables read as tables, scanned pages read by OCR.

pypdf extracts the text; pdfplumber finds ruled tables and re-reads the pages that hold
them; a page without a text layer is rendered and read by OCR (ingest.readers.ocr), in
page order; page furniture is removed page by page (ingest.pages).
"""
from __future__ import annotations

import io

from ingest.pages import strip_running_lines
from ingest.readers.base import Loaded, LoadError, short
from ingest.readers.ocr import ocr_pdf_pages
from ingest.tables import TableData, caption_candidate, layout_paragraphs, make_table

MIN_TEXT_LAYER_CHARS = 5   # a page with less text than this is a scanned image (a stray page number at most)


def read_pdf(data: bytes) -> Loaded:
    """Text layer of every page; tables read as tables; pages without a text layer (scans) read
    by OCR, in page order. Running headers, footers and page numbers are removed
    (ingest.pages), so a sentence that runs over a page break joins up again in cleaning.
    An owner-only password (empty user password) is fine."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("PDF is encrypted (password required)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except DependencyError as err:
        raise LoadError(f"encrypted PDF needs an extra package: {short(err)}") from err
    except Exception as err:  # pypdf raises many types for damaged files
        raise LoadError(f"corrupt .pdf: {short(err)}") from err
    tables = _pdf_tables_into_pages(data, pages)
    scanned = [number for number, page in enumerate(pages) if len(page.strip()) < MIN_TEXT_LAYER_CHARS]
    ocr: dict[int, str] = {}
    if scanned:
        try:
            ocr = ocr_pdf_pages(data, scanned)
        except Exception as err:   # pdfium/onnxruntime errors on a damaged page image
            raise LoadError(f"PDF has no text layer and OCR failed: {short(err)}") from err
        pages = [ocr.get(number, page) for number, page in enumerate(pages)]
    pages = strip_running_lines(pages)
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise LoadError("PDF has no text layer and OCR found no text in its page images")
    ocr_text = "\n\n".join(pages[number].strip() for number in scanned if pages[number].strip())
    return Loaded(text, "pdf+ocr" if ocr_text else "pdf", tables, ocr_text=ocr_text, pages=len(scanned))


def _pdf_tables_into_pages(data: bytes, pages: list[str]) -> tuple[TableData, ...]:
    """Replace the text of each page that holds ruled tables with pdfplumber's reading of it:
    the text above, between and below the tables, and each table row as its own paragraph.
    Pages without tables keep pypdf's text; if pdfplumber cannot read the file, all do."""
    import pdfplumber

    tables: list[TableData] = []
    try:
        with pdfplumber.open(io.BytesIO(data), password="") as pdf:
            for number, page in enumerate(pdf.pages):
                found = sorted(page.find_tables(), key=lambda t: t.bbox[1])
                if not found or number >= len(pages):
                    continue
                blocks: list[str] = []
                top = 0.0
                for table in found:
                    above = _pdf_band_text(page, top, table.bbox[1])
                    blocks.append(above)
                    lines = [line for line in "\n".join([*pages[:number], *blocks]).split("\n") if line.strip()]
                    caption = caption_candidate(lines[-1]) if lines else ""
                    grid = table.extract()
                    layout = layout_paragraphs(grid)
                    parsed = None if layout is not None else make_table(grid, caption, len(tables) + 1)
                    if layout:
                        blocks.append("\n".join(layout))
                    if parsed is not None:
                        tables.append(parsed)
                        blocks.append("\n".join(parsed.row_texts()))
                    top = table.bbox[3]
                blocks.append(_pdf_band_text(page, top, page.height))
                pages[number] = "\n".join(block for block in blocks if block.strip())
    except Exception:  # pdfplumber fails on some files pypdf reads: keep the flat text then
        return ()
    return tuple(tables)


def _pdf_band_text(page, top: float, bottom: float) -> str:
    if bottom - top < 1:
        return ""
    return page.crop((0, max(0.0, top), page.width, min(bottom, page.height))).extract_text() or ""
