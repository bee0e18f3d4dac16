"""The slot an answer must fill: a number for a quantity, a date for a date, an
organisation for a who-question. General patterns of Chinese policy text, not of
particular documents."""
from __future__ import annotations

import re

# A figure: digits or Chinese numerals with a unit or a per cent sign.
NUMBER = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|万|亿|千|百|个|人|名|家|所|站|项|次|元|场|支|座|处|期|户|倍|册|部|件|种|门|篇|小时|天|"
                    r"平方米|公里|条|类|批|套|台|本|分|年)|百分之|[一二三四五六七八九十两百千万]+\s*(?:个|项|家|所|场|次|人|名|支|座|处|批|类|条)|"
                    r"全覆盖|翻一番")
DATE = re.compile(r"\d{4}\s*年|\d{1,2}\s*月|\d{4}-\d{2}-\d{2}|年底|年内|年前|年末|季度|上半年|下半年|之日起|起施行|起实施|起执行|"
                  r"每年|每季|每月|长期")
# An organisation: the endings Chinese bodies carry (厅, 局, 委, 科协, 学会 …).
ORGANISATION = re.compile(r"[\u4e00-\u9fff]{1,20}?(?:厅|局|委员会|委|部|办公室|办|科协|协会|学会|联合会|妇联|团委|工会|政府|中心|院|馆|所|站|公司|集团|单位|部门)")

SLOTS = {"quantity": NUMBER, "date": DATE, "organisation": ORGANISATION}
WHAT_IS_MISSING = {"quantity": ("具体数字", "a specific figure"), "date": ("具体时间", "a date or deadline"),
                   "organisation": ("牵头或负责单位", "which agency leads or is responsible")}


def fills_slot(answer_type: str, text: str, agency_names: list[str] | None = None) -> bool:
    """Does ``text`` hold what an answer of this type must state? (Other types have no slot.)"""
    pattern = SLOTS.get(answer_type)
    if pattern is None:
        return True
    if answer_type == "organisation" and agency_names and any(name in text for name in agency_names):
        return True
    return bool(pattern.search(text))
