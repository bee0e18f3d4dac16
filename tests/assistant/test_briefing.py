"""Topic briefing over the real bundled corpus (real model, real Chroma): each topic finds the
right action in every document that has it, by meaning; every fact is cited; the three
renderings open and hold the same content, the chart included."""
from __future__ import annotations

import zipfile

import pytest

from assistant.briefing import UnknownDocument, build_briefing
from assistant.surfaces.export import briefing_to_docx, briefing_to_markdown, briefing_to_pptx

CHENZHOU, ZHONGFANG, XIANGJIANG = "003_4b8c682228c4847d.txt", "004_aee5965023792939.txt", "001_e4d2fb849f351b8d.txt"

# topic → the action (heading) that treats it in the 郴州 and 中方 plans, and its lead agencies there
EXPECTED = {
    "老年人科学素质": ("（四）老年人科学素质提升行动", ("市卫生健康委", "市民政局"), ("县卫生健康局", "县民政局")),
    "科技特派员": ("（二）农民科学素质提升行动", ("市农业农村局", "市乡村振兴局"), ("县农业农村局", "县乡村振兴局")),
    "青少年": ("（一）青少年科学素质提升行动", ("市教育局", "团市委", "市科协"), ("县教育局", "团县委", "县科协")),
}


@pytest.fixture(scope="module")
def briefings(policy_assistant):
    return {topic: build_briefing(policy_assistant, topic) for topic in EXPECTED}


def by_source(briefing, source):
    (document,) = [d for d in briefing.documents if d.source == source]
    return document


@pytest.mark.parametrize("topic", list(EXPECTED))
def test_each_topic_finds_its_action_and_agencies_in_both_plans_with_records(briefings, topic):
    action, chenzhou_lead, zhongfang_lead = EXPECTED[topic]
    for source, lead in ((CHENZHOU, chenzhou_lead), (ZHONGFANG, zhongfang_lead)):
        duty = by_source(briefings[topic], source).duties[0]
        assert (duty.action, duty.lead) == (action, lead), source
        assert duty.participating
        assert duty.citation.text.lstrip("（(").startswith("责任分工")


@pytest.mark.parametrize("topic", list(EXPECTED))
def test_quoted_measures_come_from_the_topic_in_every_plan_that_treats_it(briefings, topic):
    action = EXPECTED[topic][0]
    for source in (CHENZHOU, ZHONGFANG, XIANGJIANG):
        measures = by_source(briefings[topic], source).measures
        assert measures, source
        # the closest measure sits in the action (or, for 科技特派员, is the sentence that names them)
        assert action in measures[0].citation.section or "科技特派员" in measures[0].text, (source, measures[0])


def test_the_topic_is_matched_by_meaning_not_by_shared_words(policy_assistant):
    english = build_briefing(policy_assistant, "science literacy of older people", [CHENZHOU, ZHONGFANG])
    assert [d.duties[0].action for d in english.documents] == ["（四）老年人科学素质提升行动"] * 2


def test_a_document_that_does_not_treat_the_topic_is_listed_as_not_covering_it(briefings):
    elderly = briefings["老年人科学素质"]
    assert ("湖南省科协2023年科普工作要点", "湖南省") in elderly.not_covered
    assert all(d.title != "湖南省科协2023年科普工作要点" for d in elderly.documents)


def test_every_fact_is_cited_with_title_section_and_the_passage_it_quotes(briefings, policy_assistant):
    index = policy_assistant.index
    for briefing in briefings.values():
        numbers = [c.number for c in briefing.citations()]
        assert numbers == list(range(1, len(numbers) + 1))
        for document in briefing.documents:
            for item in (*document.duties, *document.targets, *document.measures):
                citation = item.citation
                chunk = index.chunk_by_id[citation.chunk_id]
                assert citation.title == document.title and citation.section == chunk.section
                assert citation.text in chunk.text
                assert citation.status == document.status
            for measure in document.measures:
                assert measure.text == measure.citation.text


def test_targets_are_stated_figures_of_the_topic(briefings):
    chenzhou = by_source(briefings["科技特派员"], CHENZHOU)
    (target,) = [t for t in chenzhou.targets if "科技特派员" in t.indicator]
    assert target.value == "100名以上" and target.number == 100
    assert "100名以上市派科技特派员" in target.citation.text


def test_the_draft_status_is_shown_for_the_zhongfang_plan(briefings):
    zhongfang = by_source(briefings["青少年"], ZHONGFANG)
    assert (zhongfang.status, zhongfang.status_text) == ("征求意见稿", "征求意见稿")
    assert by_source(briefings["青少年"], CHENZHOU).status_text == "正式"
    markdown = briefing_to_markdown(briefings["青少年"])
    assert "状态：**征求意见稿**" in markdown
    assert "《中方县全民科学素质行动规划纲要实施方案（2021-2025年）》（征求意见稿）" in markdown   # in its notes


def test_unknown_documents_are_named_with_the_list(policy_assistant):
    with pytest.raises(UnknownDocument, match="003_4b8c682228c4847d.txt"):
        build_briefing(policy_assistant, "青少年", ["no-such-plan.docx"])
    scoped = build_briefing(policy_assistant, "青少年", ["《郴州市全民科学素质行动规划纲要实施方案（2021-2025年）》"])
    assert [d.source for d in scoped.documents] == [CHENZHOU]


# ---------------------------------------------------------------- renderings

def test_markdown_has_a_section_per_jurisdiction_and_every_note(briefings):
    briefing = briefings["科技特派员"]
    markdown = briefing_to_markdown(briefing)
    for place in briefing.by_jurisdiction():
        assert f"\n## {place}\n" in markdown
    for citation in briefing.citations():
        assert f"\n[{citation.number}] 《{citation.title}" in markdown
    assert "## 可比指标（单位：" in markdown


def test_docx_is_a4_with_the_chart_and_the_same_facts(briefings, tmp_path):
    from docx import Document
    from docx.shared import Mm

    briefing = briefings["科技特派员"]
    path = briefing_to_docx(briefing, tmp_path / "brief.docx")
    document = Document(str(path))
    section = document.sections[0]
    assert (round(section.page_width / Mm(1)), round(section.page_height / Mm(1))) == (210, 297)
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells)
    for document_briefing in briefing.documents:
        for duty in document_briefing.duties:
            assert "、".join(duty.lead) in text
        for measure in document_briefing.measures:
            assert measure.text in text
    assert len(document.inline_shapes) == 1          # the chart
    with zipfile.ZipFile(path) as archive:
        assert any(name.startswith("word/media/") and name.endswith(".png") for name in archive.namelist())


def test_pptx_has_one_slide_per_jurisdiction_then_the_chart_and_the_sources(briefings, tmp_path):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    briefing = briefings["老年人科学素质"]
    deck = Presentation(str(briefing_to_pptx(briefing, tmp_path / "brief.pptx")))
    titles = [slide.shapes.title.text for slide in deck.slides]
    places = list(briefing.by_jurisdiction())
    assert titles[1:1 + len(places)] == [f"{place}：老年人科学素质" for place in places]
    chart_slides = [slide for slide in deck.slides
                    if any(shape.shape_type == MSO_SHAPE_TYPE.PICTURE for shape in slide.shapes)]
    unit, rows = briefing.comparable_targets()
    assert len(chart_slides) == (1 if rows else 0)
    assert titles[-1].startswith("注释")
    zhongfang_slide = deck.slides[1 + places.index("中方县")]
    body = "\n".join(shape.text_frame.text for shape in zhongfang_slide.shapes if shape.has_text_frame)
    assert "征求意见稿" in body and "县卫生健康局、县民政局" in body


def test_the_chart_uses_a_chinese_font_when_the_machine_has_one(briefings, tmp_path):
    from assistant.surfaces.chart import cjk_font, comparable_chart

    if cjk_font() is None:
        pytest.skip("no CJK font on this machine (fc-list :lang=zh is empty)")
    path = comparable_chart(briefings["科技特派员"], tmp_path / "chart.png")
    assert path is not None and path.stat().st_size > 10_000


# ---------------------------------------------------------------- the CLI (a real process)

def brief(indexed_settings, tmp_path, *args: str):
    import os
    import subprocess
    import sys

    env = {**os.environ, "POLICY_ASSISTANT_HOME": str(indexed_settings.home)}
    return subprocess.run([sys.executable, "-m", "assistant.surfaces.cli", "brief", *args], capture_output=True,
                          text=True, env=env, timeout=600, cwd=tmp_path)


def test_cli_writes_a_pptx_and_prints_markdown(indexed_settings, tmp_path):
    from pptx import Presentation

    written = brief(indexed_settings, tmp_path, "科技特派员", "--format", "pptx", "--out", "deck.pptx")
    assert written.returncode == 0, written.stderr
    assert "deck.pptx" in written.stdout
    titles = [slide.shapes.title.text for slide in Presentation(str(tmp_path / "deck.pptx")).slides]
    assert "郴州市：科技特派员" in titles and "中方县：科技特派员" in titles
    printed = brief(indexed_settings, tmp_path, "青少年", "--docs", CHENZHOU, "--format", "md")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("# 专题简报：青少年") and "市教育局、团市委、市科协" in printed.stdout


def test_cli_unknown_document_is_a_usage_error_listing_the_documents(indexed_settings, tmp_path):
    result = brief(indexed_settings, tmp_path, "青少年", "--docs", "nosuch.txt")
    assert result.returncode == 2
    assert "nosuch.txt" in result.stderr and CHENZHOU in result.stderr and "Traceback" not in result.stderr
