"""The answer type of a dev question, read from its fields — never from the question's words.

* ``lead_agency`` items want an organisation, ``compare`` a comparison, ``list`` a list;
* the rest are labelled by their key facts: a 文号 or the issuing bodies of a document →
  doc_number; only dates → date; only agency names → organisation; a number with a unit
  → quantity; three or more facts → list; otherwise a description;
* an unanswerable item has no reference answer to read a type from, and is left out.
"""
from __future__ import annotations

import re

DOC_NUMBER = re.compile(r"[〔\[［(（]\d{4}[〕\]］)）]\s*\d+\s*号")
# The endings Chinese bodies' names carry (省卫健委, 新区管委会, 市人社局, 省网信办).
ORGANISATION_NAME = re.compile(r"^[\u4e00-\u9fff]{1,20}(厅|局|委|管委会|办|科协|协会|学会|部|中心|委员会|政府|联合会|妇联|团[省市县]?委|工会)$")
DATE = re.compile(r"^\s*(\d{4}\s*年(\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?)?|\d{4}-\d{2}-\d{2}|\d{1,2}\s*月(\s*\d{1,2}\s*日)?|\d{4}年底)\s*$")
NUMBER_WITH_UNIT = re.compile(r"\d+(\.\d+)?\s*(%|％|万|亿|千|百|个|人|名|家|所|站|项|次|元|场|支|座|处|期|户|倍|册|部|件|种|门|篇|小时|天|平方米|公里)|"
                              r"[一二三四五六七八九十两百千万]+\s*(个|项|家|类|条|支|场|所)")


def dev_answer_type(item, agency_names: set[str], issuer_names: set[str]) -> str | None:
    kind = item.type
    if kind == "unanswerable":
        return None
    if kind == "lead_agency":
        return "organisation"
    if kind == "compare":
        return "comparison"
    if kind == "list":
        return "list"
    facts = [fact.strip() for fact in item.key_facts if fact.strip()]
    if not facts:
        return "description"
    if any(DOC_NUMBER.search(fact) for fact in facts) or all(fact in issuer_names for fact in facts):
        return "doc_number"
    if all(DATE.match(fact) for fact in facts):
        return "date"
    if all(fact in agency_names or any(fact in name for name in agency_names) or ORGANISATION_NAME.search(fact)
           for fact in facts):
        return "organisation"
    if any(NUMBER_WITH_UNIT.search(fact) for fact in facts):
        return "quantity"
    if len(facts) >= 3:
        return "list"
    return "description"
