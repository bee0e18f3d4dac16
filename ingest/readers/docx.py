"""Word .docx: body paragraphs and tables in document order (headers and footers are page furniture).

Automatic numbering is rendered into the paragraph text and merged cells are filled
(ingest.readers.docx_numbering); each table row becomes a "【表题】表头：值；…" paragraph
(ingest.tables). Also reads what LibreOffice converts an old .doc/.wps into.
"""
from __future__ import annotations

import io

from ingest.readers.base import Loaded, LoadError, short
from ingest.readers.docx_numbering import ParagraphNumbering, table_grid
from ingest.readers.spreadsheet import OLE_MAGIC
from ingest.tables import TableData, caption_candidate, layout_paragraphs, make_filled_table


def read_docx(data: bytes) -> Loaded:
    """Body paragraphs and tables in document order; headers/footers are boilerplate.

    Each table row becomes its own paragraph "【表题】表头：值；…" (ingest.tables), the
    caption being the paragraph just before the table (or the table's own title row).
    Word's automatic numbering is rendered into the text ("一、", "（四）", "1.") and merged
    cells are filled (ingest.readers.docx_numbering), so structure and records see what
    the reader of the page sees.
    """
    import docx
    from docx.table import Table

    if data.startswith(OLE_MAGIC):
        raise LoadError("docx document is encrypted (password required); save it without a password")
    try:
        document = docx.Document(io.BytesIO(data))
        numbering = ParagraphNumbering(document)
        blocks: list[str] = []
        tables: list[TableData] = []
        previous = ""
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                grid = table_grid(item._tbl)
                layout = layout_paragraphs(grid)
                if layout is not None:   # a box around text, not data
                    blocks.extend(layout)
                    previous = layout[-1] if layout else previous
                    continue
                table, titles = make_filled_table(grid, caption_candidate(previous), len(tables) + 1)
                blocks.extend(titles)
                if table is not None:
                    tables.append(table)
                    blocks.extend(table.row_texts())
            else:
                label = numbering.label(item._p)
                if item.text.strip():
                    text = f"{label}{item.text.lstrip()}" if label else item.text
                    blocks.append(text)
                    previous = text
    except Exception as err:  # python-docx raises many types for damaged files
        raise LoadError(f"corrupt .docx: {short(err)}") from err
    text = "\n\n".join(block.strip() for block in blocks if block.strip())
    if not text:
        raise LoadError("document has no text")
    return Loaded(text, "docx", tuple(tables))
