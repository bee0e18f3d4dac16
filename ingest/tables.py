"""Tables as data: the rows of a .docx/.pdf/.html table, rendered one row per paragraph.

Each row becomes its own paragraph "【表题】表头：值；表头：值", so it is chunked, indexed
and cited on its own with the table's caption, and a row read alone still says what each
value means. The loaders build ``TableData`` from the file's own table structure; later
stages recognise a rendered row by ``TABLE_ROW`` and read its cells back from the
``TableData`` the loader kept (never by re-splitting the text).

Which columns name the lead and partner units is decided by the header's meaning: a
header that speaks of leading (牵头, 主办, 主责, 负责, 责任…) or of assisting (配合, 参与,
协办, 协助…) — not by one exact header string.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.lines import normalise_line   # a rendered row must survive cleaning unchanged

TABLE_ROW = re.compile(r"^【[^】\n]{1,80}】")
CAPTION_MAX_CHARS = 60

# Morphemes, not whole headers: "牵头单位", "牵头部门", "主办单位", "主责部门", "责任单位", "负责单位" …
PARTNER_HEADER = re.compile(r"配合|参与|参加|协办|协助|协同|协作|联办|支持单位|配合部门")
LEAD_HEADER = re.compile(r"牵头|主办|主责|主管|负责(?!人)|责任(?!分工|人)|主体")
DUTY_HEADER = re.compile(r"分工")                 # "责任分工" cell: "市科协牵头，市教育局配合"
TASK_HEADER = re.compile(r"任务|事项|工作|内容|项目|措施|名称|行动|举措|活动")
NUMBER_HEADER = re.compile(r"^(序号|编号|序|No\.?|#)$", re.I)
# A header cell names a column: short, no sentence, and not a bare number or percentage.
HEADER_CELL = re.compile(r"^[^。；]{1,15}$")
NUMBER_CELL = re.compile(r"^[\d.,，%％\s+-]+$")


@dataclass(frozen=True)
class TableData:
    caption: str                         # the paragraph just before the table, or <caption>; "表N" when none
    headers: tuple[str, ...]             # empty when the table has no header row
    rows: tuple[tuple[str, ...], ...]    # body rows, one value per column ("" for an empty cell)

    def row_texts(self) -> list[str]:
        return [render_row(self.caption, self.headers, row) for row in self.rows]


def render_row(caption: str, headers: tuple[str, ...], row: tuple[str, ...]) -> str:
    if headers:
        cells = [f"{header}：{value}" if header else value for header, value in zip(headers, row) if value]
    else:
        cells = [value for value in row if value]
    return normalise_line(f"【{caption}】" + "；".join(cells))


def layout_paragraphs(cells: list[list[str]]) -> list[str] | None:
    """The paragraphs of a table used for layout rather than data, else None.

    One row or one column (a masthead, a title block, a boxed note) is text set in a box;
    label/value cells ("文号：| 示科发〔2030〕1号 | 发布日期：| …", as web portals print
    their header) become "文号：示科发〔2030〕1号" lines, which cleaning reads as fields.
    """
    grid = [[" ".join((cell or "").split()) for cell in row] for row in cells]
    grid = [row for row in grid if any(row)]
    if not grid:
        return []
    if len(grid) == 1 or max(len(row) for row in grid) == 1:
        return list(dict.fromkeys(cell for row in grid for cell in row if cell))
    labels = [row[i] for row in grid for i in range(0, len(row) - 1, 2) if row[i]]
    if labels and all(label.endswith(("：", ":")) for label in labels):
        return [f"{row[i].rstrip('：:')}：{row[i + 1]}" for row in grid for i in range(0, len(row) - 1, 2) if row[i]]
    return None


def make_table(cells: list[list[str]], caption: str, ordinal: int) -> TableData | None:
    """A table from its cell grid; the first row is the header row when it looks like one."""
    grid = [[" ".join((cell or "").split()) for cell in row] for row in cells]
    grid = [row for row in grid if any(row)]
    if not grid:
        return None
    width = max(len(row) for row in grid)
    grid = [row + [""] * (width - len(row)) for row in grid]
    caption = " ".join(caption.split()).strip("：: ")
    if not caption or len(caption) > CAPTION_MAX_CHARS:
        caption = f"表{ordinal}"
    if len(grid) > 1 and is_header_row(grid[0]):
        headers, body = tuple(grid[0]), grid[1:]
    else:
        headers, body = (), grid
    return TableData(caption=caption, headers=headers, rows=tuple(tuple(row) for row in body))


def is_header_row(row: list[str]) -> bool:
    filled = [cell for cell in row if cell]
    return len(filled) >= max(1, len(row) - 1) and all(
        HEADER_CELL.match(cell) and not NUMBER_CELL.match(cell) for cell in filled)


def caption_candidate(paragraph: str) -> str:
    """The paragraph before a table is its caption when it is short (a title, not prose)."""
    text = " ".join(paragraph.split())
    return text if 0 < len(text) <= CAPTION_MAX_CHARS and not text.endswith(("。", ".", "！", "!", "？", "?", "；")) else ""


# ---------------------------------------------------------------- column roles


@dataclass(frozen=True)
class ColumnRoles:
    lead: tuple[int, ...]
    partner: tuple[int, ...]
    duty: tuple[int, ...]         # free-text 分工 columns ("A牵头，B配合")
    task: int | None
    number: int | None

    @property
    def names_units(self) -> bool:
        return bool(self.lead or self.duty)


def column_roles(headers: tuple[str, ...]) -> ColumnRoles:
    from ingest.variants import simplified_view   # 牽頭單位 names the same column as 牵头单位

    lead, partner, duty = [], [], []
    task = number = None
    for position, header in enumerate(simplified_view(h) for h in headers):
        if NUMBER_HEADER.match(header):
            number = position
        elif PARTNER_HEADER.search(header):
            partner.append(position)
        elif LEAD_HEADER.search(header):
            lead.append(position)
        elif DUTY_HEADER.search(header):
            duty.append(position)
        elif task is None and TASK_HEADER.search(header):
            task = position
    if task is None:   # else the longest free-text column names the task
        others = [i for i in range(len(headers)) if i not in (*lead, *partner, *duty, number)]
        task = others[0] if others else None
    return ColumnRoles(tuple(lead), tuple(partner), tuple(duty), task, number)


def task_label(headers: tuple[str, ...], row: tuple[str, ...], roles: ColumnRoles) -> str:
    """"3. 开展科技活动周" — the row's number and task, what a question names the task by."""
    task = row[roles.task] if roles.task is not None and roles.task < len(row) else ""
    number = row[roles.number] if roles.number is not None and roles.number < len(row) else ""
    first_sentence = re.split(r"[。；]", task, maxsplit=1)[0]
    if len(first_sentence) > 60:
        first_sentence = first_sentence[:60] + "…"
    return f"{number}. {first_sentence}" if number and first_sentence else first_sentence or number


# ---------------------------------------------------------------- merged cells, title rows, two-row headers


def fill_merged(grid: list[list[str]], merges: list[tuple[int, int, int, int]]) -> list[list[str]]:
    """Copy each merged range's top-left value into every cell it covers (down and across).

    ``merges`` are (first_row, first_col, last_row, last_col), inclusive, in grid coordinates.
    A merged 牵头单位 cell spanning three task rows names the lead of all three."""
    filled = [list(row) for row in grid]
    for top, left, bottom, right in merges:
        if top >= len(filled) or left >= len(filled[top]):
            continue
        value = filled[top][left]
        for r in range(top, min(bottom, len(filled) - 1) + 1):
            row = filled[r]
            if len(row) <= right:
                row.extend([""] * (right + 1 - len(row)))
            for c in range(left, right + 1):
                row[c] = value
    return filled


def make_filled_table(cells: list[list[str]], caption: str, ordinal: int) -> tuple[TableData | None, list[str]]:
    """A table whose merged cells were filled (spreadsheets, Word tables), and its title rows.

    Rows above the header holding one value across the row are titles ("XX任务分解表"): the
    last becomes the caption when there is none. A header spread over two rows — a merged
    "责任单位" above "牵头 | 配合" — becomes one header per column ("责任单位·牵头"), so
    ``column_roles`` still finds the lead and partner columns by meaning."""
    grid = [[" ".join((cell or "").split()) for cell in row] for row in cells]
    grid = [row for row in grid if any(row)]
    titles: list[str] = []
    while len(grid) > 2 and len(grid[0]) > 1 and len({cell for cell in grid[0] if cell}) == 1:
        titles.append(next(cell for cell in grid[0] if cell))
        grid = grid[1:]
    if titles and not caption_candidate(caption):
        caption = caption_candidate(titles[-1]) or caption
    if len(grid) > 2 and is_header_row(grid[0]) and _spans_columns(grid[0]) and _sub_header(grid[1], grid[0]):
        width = max(len(row) for row in grid)
        top, sub = (row + [""] * (width - len(row)) for row in grid[:2])
        headers = tuple(t if s in ("", t) else (s if not t else f"{t}·{s}") for t, s in zip(top, sub))
        table = make_table([list(headers), *map(_once_across, grid[2:])], caption, ordinal)
        if table is not None and not table.headers:   # the joined header is a header, whatever its length
            table = TableData(table.caption, headers, table.rows[1:])
        return table, titles
    if len(grid) > 1 and is_header_row(grid[0]):
        grid = [grid[0], *map(_once_across, grid[1:])]
    return make_table(grid, caption, ordinal), titles


def _once_across(row: list[str]) -> list[str]:
    """A body cell merged across columns is said once: "一、基础工程" spanning the row, or one
    text over 任务 and 内容, would otherwise repeat under every header (and name itself as the
    lead). Figures are kept: two columns may really hold the same number."""
    return [cell if i == 0 or cell != row[i - 1] or not cell or NUMBER_CELL.match(cell) else ""
            for i, cell in enumerate(row)]


def _spans_columns(row: list[str]) -> bool:
    """A header cell merged across columns shows as the same value in neighbouring cells."""
    return any(a and a == b for a, b in zip(row, row[1:]))


def _sub_header(row: list[str], above: list[str]) -> bool:
    filled = [cell for cell in row if cell]
    return bool(filled) and row != above and all(
        HEADER_CELL.match(cell) and not NUMBER_CELL.match(cell) for cell in filled)
