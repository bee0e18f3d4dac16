"""Responsibility records: who leads and who takes part in each action or project."""
from __future__ import annotations

import pytest

from ingest.records import ResponsibilityRecord, parse_agencies, records_from_chunks

ACTIONS = [
    "（一）青少年科学素质提升行动", "（二）农民科学素质提升行动", "（三）产业工人科学素质提升行动",
    "（四）老年人科学素质提升行动", "（五）领导干部和公务员科学素质提升行动",
    "（一）科技资源科普化工程", "（二）科普信息化提升工程", "（三）科普基础设施工程", "（四）基础科普能力提升工程",
]


def by_action(records: list[ResponsibilityRecord], parent: str, action: str) -> ResponsibilityRecord:
    (record,) = [r for r in records if r.section_path[1] == parent and r.action == action]
    return record


@pytest.fixture(scope="module")
def records_003(parsed_seeds):
    return parsed_seeds["003"].records


@pytest.fixture(scope="module")
def records_004(parsed_seeds):
    return parsed_seeds["004"].records


def test_nine_records_in_003_and_004_none_elsewhere(parsed_seeds):
    assert len(parsed_seeds["003"].records) == 9
    assert len(parsed_seeds["004"].records) == 9
    for prefix in ("000", "001", "002"):
        assert parsed_seeds[prefix].records == [], prefix


@pytest.mark.parametrize("prefix", ["003", "004"])
def test_each_record_is_tied_to_an_action_or_project_heading(parsed_seeds, prefix):
    records = parsed_seeds[prefix].records
    assert [r.action for r in records] == ACTIONS
    assert [r.section_path[1] for r in records] == ["二、提升行动"] * 5 + ["三、重点工程"] * 4
    for record in records:
        assert record.section_path[-1] == record.action
        assert len(record.section_path) == 3          # title › 二、… › （一）…, never a "1." item
        assert record.action.startswith("（") and not record.action[1].isdigit()


@pytest.mark.parametrize("prefix", ["003", "004"])
def test_agency_lists_are_clean_names(parsed_seeds, prefix):
    level = {"003": "市", "004": "县"}[prefix]
    for record in parsed_seeds[prefix].records:
        assert record.lead_agencies, record.action
        assert record.participating_agencies, record.action
        for name in record.lead_agencies + record.participating_agencies:
            assert "牵头" not in name and "等单位" not in name and "参加" not in name, name
            assert "由" != name[0] and "责任分工" not in name, name
            assert name == name.strip() and 2 <= len(name) <= 20, name
            assert not name.endswith(("）", ")")) or "（" in name, name   # "县委党校（中方行政学院）" is fine
            assert level in name or name.startswith(("团", "各", "市")), name   # 004 has "市生态环境局中方分局"
        assert not set(record.lead_agencies) & set(record.participating_agencies)


def test_003_elderly_action_is_led_by_health_commission_and_civil_affairs(records_003):
    record = by_action(records_003, "二、提升行动", "（四）老年人科学素质提升行动")
    assert record.lead_agencies == ("市卫生健康委", "市民政局")
    assert record.participating_agencies == (
        "市委组织部", "市委宣传部", "市发改委", "市教育局", "市科技局", "市人社局", "市文旅广体局", "市市场监管局", "市科协")
    assert record.involves("市卫生健康委") == "lead"
    assert record.involves("市科协") == "participate"
    assert record.involves("市林业局") == ""


def test_003_farmers_action_is_led_by_rural_revitalisation_bureau(records_003):
    record = by_action(records_003, "二、提升行动", "（二）农民科学素质提升行动")
    assert record.lead_agencies == ("市农业农村局", "市乡村振兴局")
    assert len(record.participating_agencies) == 19


def test_record_broken_across_raw_lines_has_whole_names(raw_seeds, records_003):
    assert "市生态环境\n\n局、市文旅广体局" in raw_seeds["003"].text
    record = by_action(records_003, "二、提升行动", "（五）领导干部和公务员科学素质提升行动")
    assert record.lead_agencies == ("市委组织部", "市人社局")
    assert "市生态环境局" in record.participating_agencies
    assert "市生态环境" not in record.participating_agencies and "局" not in record.participating_agencies
    assert record.participating_agencies[-1] == "市气象局"


def test_004_records(records_004):
    elderly = by_action(records_004, "二、提升行动", "（四）老年人科学素质提升行动")
    assert elderly.lead_agencies == ("县卫生健康局", "县民政局")
    officials = by_action(records_004, "二、提升行动", "（五）领导干部和公务员科学素质提升行动")
    assert "县委党校（中方行政学院）" in officials.participating_agencies
    basic = by_action(records_004, "三、重点工程", "（四）基础科普能力提升工程")
    assert basic.lead_agencies == ("县商科工信局", "县应急管理局", "县卫生健康局")


@pytest.mark.parametrize("prefix", ["003", "004"])
def test_record_points_at_the_chunk_that_cites_it(parsed_seeds, prefix):
    chunks = {c.chunk_id: c for c in parsed_seeds[prefix].chunks}
    for record in parsed_seeds[prefix].records:
        chunk = chunks[record.chunk_id]
        assert chunk.kind == "responsibility"
        assert chunk.text == record.text
        assert record.text.lstrip("（(").startswith("责任分工")
        assert record.source == chunk.source and record.title == chunk.title


def test_records_survive_a_json_round_trip(records_003):
    for record in records_003:
        assert ResponsibilityRecord.from_json(record.to_json()) == record


@pytest.mark.parametrize(("text", "lead", "participating"), [
    ("（责任分工：由市科协牵头，市教育局、市科技局等单位参加）", ("市科协",), ("市教育局", "市科技局")),
    ("(责任分工：由市科协、团市委牵头，市教育局参加)", ("市科协", "团市委"), ("市教育局",)),
    ("（责任分工：由县科协牵头）", ("县科协",), ()),
    ("（责任分工：由县科协牵头，县直各有关单位配合）", ("县科协",), ("县直各有关单位",)),
])
def test_parse_agencies_variants(text, lead, participating):
    assert parse_agencies(text) == (lead, participating)


def test_parse_agencies_without_a_lead_clause_gives_nothing():
    assert parse_agencies("加强组织领导，各部门密切配合。") == ((), ())


def test_only_responsibility_chunks_become_records(parsed_seeds):
    chunks = parsed_seeds["003"].chunks
    assert len(records_from_chunks(chunks)) == sum(c.kind == "responsibility" for c in chunks) == 9
    assert records_from_chunks([c for c in chunks if c.kind == "text"]) == []


# ---------------------------------------------------------------- inline role marks, as a family
# Every way a plan marks roles inside one agency list, crossed with names (some with their
# own brackets), separators, bracket widths, labels and closing punctuation.

import itertools
import random

NAMES = ["县教育局", "县科协", "团县委", "县妇联", "市文旅广体局", "县委党校（中方行政学院）", "区卫生健康局",
         "市生态环境局中方分局", "县商科工信局", "州民宗委"]
LEAD_MARKS = ["牵头", "牵头单位", "牵头部门", "负责", "主责"]
PARTNER_MARKS = ["配合", "配合单位", "参与", "协助", "参加"]
SEPARATORS = ["、", "，", " "]   # "；" closes a label's list; see the named cases below
BRACKETS = [("（", "）"), ("(", ")")]
LABELS = ["责任单位：", "责任部门：", "", "负责单位："]
ENDS = ["", "。", "；"]


def _mark(name: str, role: str, brackets: tuple[str, str]) -> str:
    return f"{name}{brackets[0]}{role}{brackets[1]}"


def _variants(seed: int, n: int = 400):
    """(text, lead, partners) triples, drawn reproducibly from the family."""
    rng = random.Random(seed)
    for _ in range(n):
        names = rng.sample(NAMES, rng.randint(2, 5))
        lead_count = rng.randint(1, len(names) - 1)
        lead, partners = names[:lead_count], names[lead_count:]
        brackets, sep, label, end = rng.choice(BRACKETS), rng.choice(SEPARATORS), rng.choice(LABELS), rng.choice(ENDS)
        form = rng.randrange(6)
        if form == 0:       # A（牵头）、B（牵头）、C、D — marked leads, the rest take part
            items = [_mark(n, rng.choice(LEAD_MARKS), brackets) for n in lead] + partners
            text = label + sep.join(items)
        elif form == 1:     # A、B、C（配合）、D（配合） — marked partners, the rest lead
            items = lead + [_mark(n, rng.choice(PARTNER_MARKS), brackets) for n in partners]
            text = label + sep.join(items)
        elif form == 2:     # every unit marked, in any order
            items = [_mark(n, rng.choice(LEAD_MARKS), brackets) for n in lead] + \
                    [_mark(n, rng.choice(PARTNER_MARKS), brackets) for n in partners]
            rng.shuffle(items)
            position = {name: next(k for k, i in enumerate(items) if i.startswith(name + brackets[0])) for name in names}
            lead, partners = sorted(lead, key=position.get), sorted(partners, key=position.get)
            text = label + sep.join(items)
        elif form == 3:     # A、B牵头，C、D配合 — clause verbs
            text = f"{'、'.join(lead)}{rng.choice(['牵头', '负责', '牵头负责'])}，{'、'.join(partners)}{rng.choice(['配合', '参与', '等单位参与'])}"
        elif form == 4:     # 责任单位：A牵头，B、C配合 — verbs after a label
            text = f"{label or '责任单位：'}{'、'.join(lead)}{rng.choice(['牵头', '负责'])}，{'、'.join(partners)}配合"
        else:               # （A牵头，B配合） wrapped as a closing note
            text = f"{brackets[0]}{'、'.join(lead)}{rng.choice(['牵头', '负责'])}，{'、'.join(partners)}配合{brackets[1]}"
        yield text + end, tuple(lead), tuple(partners)


@pytest.mark.parametrize("seed", range(5))
def test_inline_role_marks_family(seed):
    failures = [(text, parse_agencies(text), (lead, partners)) for text, lead, partners in _variants(seed)
                if parse_agencies(text) != (lead, partners)]
    assert not failures, failures[:5]


@pytest.mark.parametrize(("text", "lead", "participating"), [
    ("责任单位：县教育局（牵头）、县科协、团县委、县妇联", ("县教育局",), ("县科协", "团县委", "县妇联")),
    ("县教育局（牵头单位）", ("县教育局",), ()),
    ("县教育局、县科协（配合）", ("县教育局",), ("县科协",)),
    ("县教育局牵头，县科协、团县委配合", ("县教育局",), ("县科协", "团县委")),
    ("（县教育局负责）", ("县教育局",), ()),
    ("责任单位：县教育局（牵头单位）；县科协（配合单位）", ("县教育局",), ("县科协",)),
    ("责任单位：县委党校（中方行政学院）（牵头）、县科协", ("县委党校（中方行政学院）",), ("县科协",)),
    ("责任单位：县教育局、县科协；完成时限：2025年底", ("县教育局",), ("县科协",)),
    ("责任单位：厅农村科技处牵头，省民族宗教委、省科协、有关州（市）科技局配合。", ("厅农村科技处",),
     ("省民族宗教委", "省科协", "有关州（市）科技局")),
])
def test_named_members_of_the_family(text, lead, participating):
    assert parse_agencies(text) == (lead, participating)


@pytest.mark.parametrize("prose", [
    "今年开展了很多活动，县科协牵头", "加强组织领导（各地负责）", "（2021—2025年）", "（试行）",
    "县教育局、县科协", "强化宣传，营造氛围",
])
def test_prose_and_bare_lists_assign_nobody(prose):
    assert parse_agencies(prose) == ((), ())


def test_a_marked_unit_line_in_a_document_becomes_one_record(tmp_path):
    from ingest.load import load_file
    from ingest.pipeline import parse_document

    path = tmp_path / "plan.txt"
    path.write_text("石梁县青少年科技教育实施方案\n\n一、主要任务\n\n（一）开展青少年科技教育\n\n"
                    "组织中小学生参加科技竞赛。\n\n责任单位：县教育局（牵头）、县科协、团县委、县妇联\n", encoding="utf-8")
    (record,) = parse_document(load_file(path), None, 400).records
    assert record.lead_agencies == ("县教育局",)
    assert record.participating_agencies == ("县科协", "团县委", "县妇联")
    assert record.action == "（一）开展青少年科技教育"
