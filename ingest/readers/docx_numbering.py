"""Word's automatic numbering and merged table cells, read from a .docx's XML.

A heading typed as "（四）老年人科学素质提升行动" carries its number in the text; one made
with Word's numbering carries only ``w:numPr`` (a list id and a level), and the number is
drawn from ``numbering.xml`` when the page is rendered. python-docx returns the text
without it, so the structure stage would see no 一、/（一）/1. at all. ``ParagraphNumbering``
renders the label as Word does:

* ``w:num`` → ``w:abstractNum``; each level has ``w:start``, ``w:numFmt`` (decimal,
  chineseCounting, ideographTraditional, upperLetter, lowerRoman, decimalEnclosedCircle…)
  and ``w:lvlText`` ("%1、", "（%2）", "%1.%2");
* counters are kept per abstract list, so two ``w:num`` of one list continue each other,
  unless a ``w:lvlOverride/w:startOverride`` restarts it;
* a level restarts when a higher level advances (``w:lvlRestart`` can stop that);
* ``w:isLgl`` shows every level in Arabic figures; bullets render as nothing;
* numbering may come from the paragraph's style (and the style it is based on).

``table_grid`` reads a table cell by cell from ``w:tr/w:tc``: a cell spanning columns
(``w:gridSpan``) is repeated across them, a vertically merged cell (``w:vMerge``) is filled
down, so a 牵头单位 merged over three rows names the lead of each.
"""
from __future__ import annotations

from docx.oxml.ns import qn

CHINESE_DIGITS = "零一二三四五六七八九"
HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
         (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def chinese_number(n: int) -> str:
    """一 … 十, 十一, 二十, 二十一, 一百 — the 小写 counting of 一、/（一）."""
    if n <= 0:
        return str(n)
    if n < 10:
        return CHINESE_DIGITS[n]
    if n < 20:
        return "十" + (CHINESE_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CHINESE_DIGITS[n // 10] + "十" + (CHINESE_DIGITS[n % 10] if n % 10 else "")
    hundreds, rest = divmod(n, 100)
    tail = "" if rest == 0 else ("零" if rest < 10 else "") + (chinese_number(rest) if rest >= 20 or rest < 10
                                                              else "一" + chinese_number(rest))
    return CHINESE_DIGITS[hundreds] + "百" + tail if n < 1000 else str(n)


def _letters(n: int) -> str:
    # Word repeats the letter past Z: 27 → AA, 28 → BB
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ROMAN:
        while n >= value:
            out, n = out + numeral, n - value
    return out


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "taiwaneseCounting",
               "taiwaneseCountingThousand", "japaneseCounting", "ideographDigital"):
        return chinese_number(n)
    if fmt in ("ideographTraditional",) and 0 < n <= 10:
        return HEAVENLY_STEMS[n - 1]
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 0 < n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen" and 0 < n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


def _val(element, tag: str, default: str | None = None) -> str | None:
    child = element.find(qn(tag)) if element is not None else None
    return child.get(qn("w:val"), default) if child is not None else default


class _Level:
    def __init__(self, element) -> None:
        self.start = int(_val(element, "w:start", "1") or 1)
        self.fmt = _val(element, "w:numFmt", "decimal") or "decimal"
        self.text = _val(element, "w:lvlText", "") or ""
        restart = _val(element, "w:lvlRestart")
        self.restart_after = None if restart is None else int(restart)   # 0: never restart
        self.legal = element.find(qn("w:isLgl")) is not None and _val(element, "w:isLgl", "1") not in ("0", "false")


class ParagraphNumbering:
    """Renders the automatic number of each paragraph, called in document order."""

    def __init__(self, document) -> None:
        self._abstract: dict[str, dict[int, _Level]] = {}
        self._nums: dict[str, tuple[str, dict[int, int], dict[int, _Level]]] = {}
        self._counters: dict[str, dict[int, int]] = {}
        self._started_overrides: set[str] = set()
        self._styles = document.styles.element if document is not None else None
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return   # no numbering.xml: nothing is numbered automatically
        for abstract in root.findall(qn("w:abstractNum")):
            levels = {int(lvl.get(qn("w:ilvl"), "0")): _Level(lvl) for lvl in abstract.findall(qn("w:lvl"))}
            self._abstract[abstract.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            overrides, override_levels = {}, {}
            for override in num.findall(qn("w:lvlOverride")):
                ilvl = int(override.get(qn("w:ilvl"), "0"))
                start = _val(override, "w:startOverride")
                if start is not None:
                    overrides[ilvl] = int(start)
                if (lvl := override.find(qn("w:lvl"))) is not None:
                    override_levels[ilvl] = _Level(lvl)
            self._nums[num.get(qn("w:numId"))] = (_val(num, "w:abstractNumId", ""), overrides, override_levels)

    def label(self, paragraph_element) -> str:
        """The rendered number of a ``w:p`` ("一、", "（四）", "1."), "" when it has none."""
        num_id, ilvl = self._num_pr(paragraph_element)
        if not num_id or num_id == "0" or num_id not in self._nums:
            return ""
        abstract_id, overrides, override_levels = self._nums[num_id]
        levels = {**self._abstract.get(abstract_id, {}), **override_levels}
        if ilvl not in levels:
            return ""
        # A list restarted by an override counts on its own; otherwise every num of the list shares counters.
        key = f"num:{num_id}" if overrides else f"abstract:{abstract_id}"
        counters = self._counters.setdefault(key, {})
        if overrides and key not in self._started_overrides:
            self._started_overrides.add(key)
            for level, start in overrides.items():
                counters[level] = start - 1
        level = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper, deeper_level in levels.items():
            if deeper > ilvl and (deeper_level.restart_after is None or 0 < deeper_level.restart_after <= ilvl + 1):
                counters.pop(deeper, None)
        text = level.text
        if level.fmt == "bullet":
            return ""
        for shown in range(ilvl + 1):
            if f"%{shown + 1}" in text:
                shown_level = levels.get(shown, level)
                value = counters.get(shown, shown_level.start)
                fmt = "decimal" if level.legal and shown < ilvl else shown_level.fmt
                text = text.replace(f"%{shown + 1}", format_number(value, fmt))
        return text

    def _num_pr(self, paragraph_element) -> tuple[str | None, int]:
        ppr = paragraph_element.find(qn("w:pPr"))
        num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
        if num_pr is not None:
            return _val(num_pr, "w:numId"), int(_val(num_pr, "w:ilvl", "0") or 0)
        style_id = _val(ppr, "w:pStyle") if ppr is not None else None
        return self._style_num_pr(style_id, depth=0)

    def _style_num_pr(self, style_id: str | None, depth: int) -> tuple[str | None, int]:
        if not style_id or self._styles is None or depth > 10:
            return None, 0
        for style in self._styles.findall(qn("w:style")):
            if style.get(qn("w:styleId")) != style_id:
                continue
            ppr = style.find(qn("w:pPr"))
            num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
            if num_pr is not None:
                return _val(num_pr, "w:numId"), int(_val(num_pr, "w:ilvl", "0") or 0)
            return self._style_num_pr(_val(style, "w:basedOn"), depth + 1)
        return None, 0


def table_grid(table_element) -> list[list[str]]:
    """A ``w:tbl`` as a grid of cell texts, merged cells filled across (gridSpan) and down (vMerge)."""
    grid: list[list[str]] = []
    for row in table_element.findall(qn("w:tr")):
        cells: list[str] = []
        properties = row.find(qn("w:trPr"))
        before = int(_val(properties, "w:gridBefore", "0") or 0) if properties is not None else 0
        cells.extend([""] * before)
        for cell in row.findall(qn("w:tc")):
            tcpr = cell.find(qn("w:tcPr"))
            span = int(_val(tcpr, "w:gridSpan", "1") or 1) if tcpr is not None else 1
            merge = tcpr.find(qn("w:vMerge")) if tcpr is not None else None
            continues = merge is not None and merge.get(qn("w:val"), "continue") == "continue"
            column = len(cells)
            if continues and grid and column < len(grid[-1]):
                text = grid[-1][column]
            else:
                text = "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in cell.findall(qn("w:p")))
            cells.extend([text] * span)
        grid.append(cells)
    return grid
