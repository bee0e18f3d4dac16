"""Clean stage: raw document text → body text fit for structure parsing.

The seeds come from Word exports and a government web page, so cleaning removes what
the exporter or the web page added (editor bookmarks, page header fields, footers) and
repairs what they broke (sentences split across blank lines, spaced-out titles), while
keeping every character of the body, full-width punctuation included.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.lines import normalise_line
from ingest.tables import TABLE_ROW
from ingest.variants import simplified_view

SENTENCE_END = "。；！？：:；）)》”」』]"
TITLE_SUFFIXES = ("通知", "方案", "规划", "要点", "纲要", "意见", "办法", "决定", "征求意见稿）", "征求意见稿)")

# Fields a government portal prints above the document; they become metadata.
HEADER_FIELD = re.compile(
    r"^(索引号|文号|统一登记号|公开方式|公开范围|信息时效期|签署日期|登记日期|所属机构|所属主题|"
    r"发文日期|成文日期|发布日期|发布机构|公开责任部门|主题分类|有效性)[：:]\s*(.*)$"
)
# The first of these lines starts the portal footer: everything after it is page chrome.
FOOTER_START = re.compile(r"^(扫一扫在手机打开当前页|文档附件[：:]|相关文章|【打印本页】|【关闭窗口】)")
CHROME_LINE = re.compile(
    r"^(打印|分享[：:]?|关闭|相关文章|».*|\[[^\]]*\]\(#?\)|主办单位[：:].*|承办单位[：:].*|联系电话[：:].*|"
    r".*备案.*号|网站标识码[：:].*|\d{4}-\d{2}-\d{2})$"
)
EDITOR_ARTEFACT = re.compile(r"\[bookmark:[^\]]*\]")
HEADING_START = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[.．、](?!\d))")
DATE_LINE_END = re.compile(r"\d{1,2}日印?发?$")
PUNCTUATION_ONLY = re.compile(r"^[\s、，。；：,.;:·•\-—_]+$")
# A line of its own naming the units of the item above it: "牵头单位：…；配合单位：…", "（责任单位：…）".
UNIT_LINE = re.compile(r"^[（(]?(?:牵头|责任|主责|负责)(?:单位|部门)[：:]")
# "— 3 —", "- 12 -", "第3页 共10页": a page number printed into the text of an exported file.
PAGE_NUMBER_LINE = re.compile(r"^(?:[—–\-－―]+\s*\d{1,4}\s*[—–\-－―]+|第\s*\d{1,4}\s*页(?:\s*[，,]?\s*共\s*\d{1,4}\s*页)?)$")
# A title set over two lines: the second half ends like a title ("…实施方案", "…（2021—2025年）").
TITLE_TAIL = re.compile(r"(通知|方案|规划|要点|纲要|意见|办法|决定|计划|细则|规定|措施|清单)(（[^（）]{2,20}）|\([^()]{2,20}\))?$")
ATTACHMENT_LINE = re.compile(r"^附\s*件\s*\d{0,2}[：:]?$")
AGENCY_END = re.compile(r"(政府|办公室|办公厅|委员会|厅|局|委|部|协会|科协|文件)$")
TITLE_ZONE_LINES = 15   # the head of a document, or of an attachment after its 附件 line
MIN_WRAPPED_LINE = 40  # lines broken by a page-width wrap are long; headings and titles are short
PROSE_MARK = re.compile(r"[，。；、]")


@dataclass(frozen=True)
class CleanResult:
    text: str                                    # paragraphs separated by a blank line
    header_fields: dict[str, str] = field(default_factory=dict)   # 索引号, 文号, 发文日期 … of a web page copy
    removed_lines: tuple[str, ...] = ()          # chrome that was dropped, for auditing


def clean_text(raw: str) -> CleanResult:
    lines = [normalise_line(line) for line in EDITOR_ARTEFACT.sub("", raw).split("\n")]
    lines = [line for line in lines if line]
    header = _header_fields(lines)
    lines, removed = _drop_page_chrome(lines)
    lines = _join_wrapped_titles(lines)
    paragraphs = _rejoin_wrapped_lines(lines)
    return CleanResult("\n\n".join(paragraphs), header, tuple(removed))



def _header_fields(lines: list[str]) -> dict[str, str]:
    """Portal fields become metadata; the lines stay in the text so that they can be cited."""
    header: dict[str, str] = {}
    for line in lines:
        match = HEADER_FIELD.match(simplified_view(line))
        if match:   # the value as written, cut from the original line at the same place
            header.setdefault(match.group(1), line[match.start(2):match.end(2)].strip())
    return header


def _drop_page_chrome(lines: list[str]) -> tuple[list[str], list[str]]:
    kept, removed = [], []
    for index, line in enumerate(lines):
        if FOOTER_START.match(line) and all(len(rest) < 80 for rest in lines[index:]):
            removed.extend(lines[index:])
            break
        if PUNCTUATION_ONLY.match(line) or PAGE_NUMBER_LINE.match(line):
            removed.append(line)
        else:
            kept.append(line)
    return kept, removed


def _join_wrapped_titles(lines: list[str]) -> list[str]:
    """A title wrapped over two lines is one title: "XX县全民科学素质行动" + "实施方案（2021—2025年）".

    Only in the head of the document or just after a 附件 line, and only when the first half
    reads as the start of a title (short, no punctuation, not an agency or a 文号) and the
    second half ends as a title does."""
    out: list[str] = []
    zone = TITLE_ZONE_LINES
    for line in lines:
        zone -= 1
        if ATTACHMENT_LINE.match(line):
            zone = 4
        previous = out[-1] if out else ""
        if (zone >= 0 and previous and _title_start(previous) and len(line) <= MIN_WRAPPED_LINE
                and TITLE_TAIL.search(line) and not HEADING_START.match(line) and not PROSE_MARK.search(line)):
            out[-1] = previous + line
            continue
        out.append(line)
    return out


def _title_start(line: str) -> bool:
    return (4 <= len(line) <= MIN_WRAPPED_LINE and not PROSE_MARK.search(line) and not re.search(r"[：:。〔〕\[\]]", line)
            and not TITLE_TAIL.search(line) and not AGENCY_END.search(line) and not HEADING_START.match(line)
            and not ATTACHMENT_LINE.match(line) and not DATE_LINE_END.search(line) and not line.endswith(TITLE_SUFFIXES)
            and " " not in line and not line.startswith(("（", "(", "【", "《")))


def _rejoin_wrapped_lines(lines: list[str]) -> list[str]:
    paragraphs: list[str] = []
    for line in lines:
        if paragraphs and _is_wrapped(paragraphs[-1], line):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
    return paragraphs


def _is_wrapped(previous: str, line: str) -> bool:
    """True when ``previous`` stops mid-sentence and ``line`` is its continuation."""
    if TABLE_ROW.match(previous) or TABLE_ROW.match(line):
        return False   # a table row is a paragraph of its own
    if UNIT_LINE.match(simplified_view(previous[:10])) or UNIT_LINE.match(simplified_view(line[:10])):
        return False   # so is a line naming the units of an item
    if previous[-1] in SENTENCE_END or previous.endswith(TITLE_SUFFIXES) or DATE_LINE_END.search(previous):
        return False
    if previous.count("《") > previous.count("》") or previous.count("（") > previous.count("）"):
        return True    # an unclosed 《 or （ cannot end a line of its own (a wrapped PDF title)
    # Titles, issuers and 文号 lines are short and have no prose punctuation.
    if len(previous) < MIN_WRAPPED_LINE and not PROSE_MARK.search(previous):
        return False
    if _is_heading_only(previous):
        return False
    return not (HEADING_START.match(line) or HEADER_FIELD.match(line))


def _is_heading_only(line: str) -> bool:
    # A long numbered line without a full stop is an item whose first sentence wrapped.
    return bool(HEADING_START.match(line)) and "。" not in line and len(line) < MIN_WRAPPED_LINE
