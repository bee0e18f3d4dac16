"""Questions generated from the structure of the ingested corpus, for fitting the answer-type model.

Every responsibility record, section heading and metadata field of the documents gives
questions of a known answer type, in Chinese and in English, in many phrasings (an
official asks who is in charge in dozens of ways). The templates are about the kind of
question, never about particular documents: the slots are filled from whatever corpus
is indexed, so the model also learns the documents in front of it.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from assistant.naming import english_name

# {x}: an action, project, task or section heading; {doc}: a document title; {place}: a jurisdiction;
# {agency}: an agency named in the records; {other}: a second jurisdiction.
TEMPLATES: dict[str, list[str]] = {
    "organisation": [
        "{x}由谁牵头？", "{x}谁牵头？", "{x}谁来负责？", "{x}是哪个部门负责的？", "{x}由哪个单位牵头？",
        "{x}哪几家单位牵头？", "{x}哪些单位参加？", "{x}有哪些部门参与？", "{x}归哪个部门管？", "{x}的牵头单位是谁？",
        "{x}找谁？", "{x}这件事该找哪个单位？", "{x}是谁在抓？", "{x}哪家带头？", "{x}由哪些部门带头推进？",
        "{place}的{x}谁负责？", "{place}{x}由哪个单位主抓？", "{x}具体由哪个部门落实？", "{x}谁挑头？",
        "{x}哪个单位是主责单位？", "{x}责任单位有哪些？", "{x}配合单位是哪些？", "请问{x}是哪几个部门一起负责的？",
        "想了解{x}，应该联系哪个部门？", "{x}的工作由谁统筹？", "{x}谁管？", "{agency}牵头哪些工作？", "{agency}负责哪些行动？",
        "{agency}参加了哪些任务？", "{agency}在{place}承担什么职责？",
        "Who leads {x}?", "Which agency is in charge of {x}?", "Which departments take part in {x}?",
        "Who is responsible for {x}?", "Which bodies lead {x} in {place}?", "Who should I contact about {x}?",
        "Which organisation runs {x}?", "Who takes the lead on {x}?", "Which units participate in {x}?",
        "What does {agency} lead?", "Which agencies are involved in {x}?", "Who coordinates {x}?",
    ],
    "quantity": [
        "{x}要达到多少？", "{x}的目标是多少？", "{x}有多少个？", "{x}每年要搞多少场？", "{x}要覆盖多少人？",
        "{x}的比例是多少？", "{place}{x}的指标是多少？", "{x}要建几个？", "{x}投入多少资金？", "{x}每年培训多少人次？",
        "到2025年{x}要达到百分之多少？", "{x}数量是多少？", "{x}要达到什么水平，具体数字是多少？", "{x}几家？",
        "How many {x} will there be?", "What is the target for {x}?", "What percentage is set for {x}?",
        "How much funding goes to {x}?", "How many people should {x} reach each year?", "What is the figure for {x} in {place}?",
    ],
    "date": [
        "{doc}是什么时候印发的？", "{doc}的落款日期是哪天？", "{doc}哪一天发布的？", "{x}什么时候完成？", "{x}的截止时间是？",
        "{x}要在哪一年前完成？", "{x}何时启动？", "{doc}是哪年哪月出台的？", "{x}的期限是什么时候？", "{doc}成文日期？",
        "When was {doc} issued?", "What is the date of {doc}?", "By when must {x} be completed?", "When does {x} start?",
        "What is the deadline for {x}?",
    ],
    "doc_number": [
        "{doc}的文号是什么？", "{doc}的发文字号是多少？", "{doc}是谁印发的？", "{doc}是哪几家单位联合印发的？",
        "{doc}由哪个机关发布？", "{doc}的发文机关是？", "{doc}是哪个部门发的文？", "{doc}文号多少？",
        "{place}的方案是谁发的？", "{doc}是正式文件还是征求意见稿？",
        # a document's identity includes its status: in force, a draft, or replaced by a newer one
        "{doc}目前是什么状态？", "{doc}的状态是什么？", "{doc}现在还有效吗？", "{doc}是不是已经废止了？",
        "{place}的方案是定稿还是草案？", "这份方案现在是什么状态？", "{place}那份文件还在执行吗？",
        "What is the document number of {doc}?", "Who issued {doc}?", "Which bodies jointly issued {doc}?",
        "What is the reference number of the {place} plan?", "Who published {doc}?",
        "What is the status of {doc}?", "Is {doc} still in force?", "Is the {place} plan final or a draft?",
    ],
    "list": [
        "{x}包括哪些内容？", "{x}有哪几项？", "{x}分为哪几个方面？", "{x}有哪些？", "列出{x}的各项内容。",
        "{x}下面有哪些具体措施？", "{doc}有哪些重点工程？", "{doc}提出了哪几项重点任务？", "{x}包含哪些项目？",
        "{x}分别是什么？", "{place}有哪些{x}？", "{doc}一共有几大行动？分别是什么？",
        "What are the items under {x}?", "List the measures in {x}.", "Which projects does {doc} set out?",
        "What are the main tasks of {x}?", "Which actions are listed in {doc}?",
    ],
    "comparison": [
        "{place}和{other}在{x}上有什么不同？", "比较{place}与{other}的{x}。", "{place}和{other}的{x}有何异同？",
        "{place}与{other}相比，{x}有什么区别？", "{place}、{other}各自怎么安排{x}？", "{x}方面{place}和{other}分别是怎么规定的？",
        "Compare {x} in {place} and {other}.", "How does {place} differ from {other} on {x}?",
        "What do {place} and {other} each say about {x}?",
    ],
    "mention": [
        "文件里有没有提到{x}？", "{doc}是否提及{x}？", "{doc}有没有涉及{x}？", "{place}的方案提到{x}了吗？",
        "有没有关于{x}的内容？", "{doc}里讲没讲{x}？", "{x}在文件中出现过吗？",
        "Does {doc} mention {x}?", "Is {x} mentioned anywhere?", "Do the documents say anything about {x}?",
    ],
    "description": [
        "{x}是怎么安排的？", "{x}主要做什么？", "介绍一下{x}。", "{x}的主要内容是什么？", "{x}有什么要求？",
        "{x}怎么开展？", "{x}的总体思路是什么？", "关于{x}文件是怎么说的？", "{place}怎么推进{x}？", "{x}要怎么做？",
        "{x}的目的是什么？", "为什么要开展{x}？",
        "What does {x} involve?", "How will {x} be carried out?", "What does {doc} say about {x}?",
        "Describe {x}.", "What is the aim of {x}?", "How does {place} approach {x}?",
    ],
}
HEADING_NUMBER = re.compile(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]\s*")


@dataclass(frozen=True)
class Generated:
    question: str
    label: str


def bare(heading: str) -> str:
    """"（四）老年人科学素质提升行动" → "老年人科学素质提升行动"."""
    return HEADING_NUMBER.sub("", heading).strip("。；：: ")


def _english(chinese: str) -> str:
    return english_name(chinese) or chinese


def corpus_slots(index) -> dict[str, list[str]]:
    """The names to fill templates with, all read from the index."""
    from assistant.answers.listing import section_children

    actions = sorted({bare(r.action) for r in index.records if bare(r.action)})
    headings = sorted({bare(h) for s in index.documents for path in section_children(index, s) for h in path[1:]
                       if 2 <= len(bare(h)) <= 30})
    titles = sorted({info.title for info in index.documents.values() if info.title})
    places = sorted({info.jurisdiction for info in index.documents.values() if info.jurisdiction})
    agencies = sorted({a for r in index.records for a in (*r.lead_agencies, *r.participating_agencies)})
    return {"x": actions + headings, "action": actions, "doc": titles, "place": places, "agency": agencies}


def generate_questions(index, per_template: int = 12, seed: int = 0) -> list[Generated]:
    """About ``per_template`` questions per template, slots drawn from the corpus (reproducible)."""
    rng = random.Random(seed)
    slots = corpus_slots(index)
    if not slots["x"] or not slots["doc"]:
        return []
    out: list[Generated] = []
    for label, templates in TEMPLATES.items():
        for template in templates:
            english = not re.search(r"[\u4e00-\u9fff]", template)
            for _ in range(per_template):
                # Who-leads questions are about actions that have records; the rest about any heading.
                pool = slots["action"] if label == "organisation" and slots["action"] else slots["x"]
                place, other = (rng.sample(slots["place"], 2) if len(slots["place"]) >= 2 else (slots["place"] * 2 or ["", ""])[:2])
                values = {"x": rng.choice(pool), "doc": rng.choice(slots["doc"]), "place": place, "other": other,
                          "agency": rng.choice(slots["agency"]) if slots["agency"] else "科协"}
                if english:
                    values = {k: _english(v) for k, v in values.items()}
                out.append(Generated(template.format(**values), label))
    return list({g.question: g for g in out}.values())
