"""Numeric targets: "到2025年，我市公民具备科学素质的比例超过15%" becomes a row of data."""
from __future__ import annotations

import pytest

from ingest.chunk import chunk_document
from ingest.metadata import DocumentInfo
from ingest.structure import parse_sections
from ingest.targets import extract_targets

LITERACY = "公民具备科学素质的比例"


def literacy_targets(parsed, year: str = "2025"):
    return [t for t in extract_targets(parsed.info, parsed.chunks) if t.indicator.endswith(LITERACY) and t.year == year]


@pytest.mark.parametrize(("prefix", "value", "place"), [
    ("003", "15", "郴州市"),
    ("001", "18", "湖南湘江新区"),
    ("004", "15", "中方县"),
])
def test_literacy_target_for_2025(parsed_seeds, prefix, value, place):
    (target,) = literacy_targets(parsed_seeds[prefix])
    assert (target.value, target.unit, target.year) == (value, "%", "2025")
    assert target.comparator == "超过"
    assert target.jurisdiction == place
    assert target.source == parsed_seeds[prefix].info.source
    assert f"{value}%" in target.sentence and "2025年" in target.sentence


def test_003_target_is_tied_to_its_section_and_chunk(parsed_seeds):
    (target,) = literacy_targets(parsed_seeds["003"])
    assert target.indicator == LITERACY
    assert target.section == "一、工作目标"
    chunk = {c.chunk_id: c for c in parsed_seeds["003"].chunks}[target.chunk_id]
    assert target.sentence in chunk.text
    assert "到2025年，我市公民具备科学素质的比例超过15%，力争超过全省平均水平。" in target.sentence


def test_003_target_sentence_is_only_the_sentence(parsed_seeds):
    (target,) = literacy_targets(parsed_seeds["003"])
    assert target.sentence == "到2025年，我市公民具备科学素质的比例超过15%，力争超过全省平均水平。"


def test_001_indicator_keeps_the_area_it_applies_to(parsed_seeds):
    (target,) = literacy_targets(parsed_seeds["001"])
    assert "直管区" in target.indicator


def test_000_states_its_2020_baseline(parsed_seeds):
    targets = [t for t in extract_targets(parsed_seeds["000"].info, parsed_seeds["000"].chunks)
               if t.indicator.endswith(LITERACY)]
    assert ("10.14", "%", "2020") in {(t.value, t.unit, t.year) for t in targets}
    assert "15" in {t.value for t in targets}


def test_counted_things_and_dates():
    text = ("某市方案\n\n一、目标\n\n到2025年，在全市范围内建设30个各级劳模和工匠人才创新工作室。"
            "每年培训5万人次以上技能劳动者。2022年1月28日印发的文件（郴政办发〔2022〕1号）继续有效。")
    info = DocumentInfo(source="x.txt", doc_id="x", title="某市方案", jurisdiction="某市")
    targets = extract_targets(info, chunk_document(info, text, parse_sections(text, info.title)))
    rows = {(t.value, t.unit) for t in targets}
    assert ("30", "个") in rows
    assert ("5", "万人次") in rows
    assert not any(t.value in ("2022", "1", "28") for t in targets)   # dates and 文号 are not targets
    studio = [t for t in targets if t.value == "30"][0]
    assert "创新工作室" in studio.indicator and studio.year == "2025"
