"""Spreadsheets (.xlsx, .xls, .ods): every sheet a table, rows as "【表题】表头：值" paragraphs.

python-calamine reads all three formats and reports merged ranges (.xlsx, .xls); merged
cells are filled down and across, so a 牵头单位 merged over three task rows names the lead
of each. Title rows above the header become the caption, two-row headers are joined
(ingest.tables.make_filled_table). A sheet whose title row is missing is captioned by its
sheet name. Every non-empty sheet is read: a second sheet of county targets matters.
"""
from __future__ import annotations

import datetime as dt
import io

from ingest.readers.base import Loaded, LoadError, short
from ingest.tables import TableData, caption_candidate, fill_merged, make_filled_table

# Excel and Word write a password-protected .xlsx/.docx as an OLE compound file, not a zip.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_spreadsheet(data: bytes, kind: str) -> Loaded:
    from python_calamine import CalamineWorkbook

    if kind in ("xlsx", "ods") and data.startswith(OLE_MAGIC):
        raise LoadError(f"{kind} workbook is encrypted (password required); save it without a password")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [(name, workbook.get_sheet_by_name(name)) for name in workbook.sheet_names]
        grids = [(name, _sheet_grid(sheet)) for name, sheet in sheets]
    except Exception as err:   # calamine raises its own error types for damaged or protected files
        message = short(err)
        if "password" in message.lower() or "encrypt" in message.lower():
            raise LoadError(f"{kind} workbook is encrypted (password required)") from err
        raise LoadError(f"corrupt .{kind}: {message}") from err
    blocks: list[str] = []
    tables: list[TableData] = []
    for name, grid in grids:
        if not any(any(row) for row in grid):
            continue
        table, titles = make_filled_table(grid, "", len(tables) + 1)
        if table is not None and table.caption.startswith("表") and table.caption[1:].isdigit():
            table = TableData(caption_candidate(name) or table.caption, table.headers, table.rows)
        blocks.extend(titles)
        if table is not None:
            tables.append(table)
            blocks.extend(table.row_texts())
    text = "\n\n".join(block for block in blocks if block.strip())
    if not text:
        raise LoadError("workbook has no text (every sheet is empty)")
    return Loaded(text, kind, tuple(tables))


def _sheet_grid(sheet) -> list[list[str]]:
    rows = [[_cell_text(value) for value in row] for row in sheet.to_python(skip_empty_area=False)]
    merges = sheet.merged_cell_ranges or []
    return fill_merged(rows, [(top, left, bottom, right) for (top, left), (bottom, right) in merges])


def _cell_text(value) -> str:
    """A cell as a person reads it: 3.0 is "3", a date is 2025-06-30."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.6g}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return " ".join(str(value).split())
