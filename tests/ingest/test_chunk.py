"""Chunk stage: passages a reader can cite — whole sentences, exact spans of the cleaned
text, each indexed under its title and heading path, and nothing of the body left out."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.chunk import PATH_SEPARATOR, chunk_document
from ingest.clean import clean_text
from ingest.load import load_file
from ingest.metadata import DocumentInfo
from ingest.pipeline import parse_document
from ingest.structure import _is_document_line, paragraphs_of, parse_sections

SEEDS = ("000", "001", "002", "003", "004")
MAX_CHARS = 400
SENTENCE_END = tuple("。；！？") + tuple("）)”’」》")
HEADING = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[.．](?!\d))")
SENTENCES = re.compile(r"[^。；！？]*[。；！？]+[”’」）)]*")


def is_heading_or_document_line(paragraph: str) -> bool:
    """A paragraph that is a heading alone ("三、重点工程") or an issuer/date/title line."""
    return bool(HEADING.match(paragraph)) and not re.search(r"[。；！？]", paragraph) or _is_document_line(paragraph)


def body_of(chunk_text: str) -> str:
    """The chunk without the heading lines carried in front of its first passage."""
    parts = chunk_text.split("\n\n")
    while len(parts) > 1 and is_heading_or_document_line(parts[0]):
        parts.pop(0)
    return "\n\n".join(parts)


@pytest.fixture(scope="module")
def chunks_003(parsed_seeds):
    return parsed_seeds["003"].chunks


# ---------------------------------------------------------------- size and sentence boundaries


@pytest.mark.parametrize("prefix", SEEDS)
def test_chunks_stay_under_the_limit_unless_one_sentence_is_longer(parsed_seeds, prefix):
    for chunk in parsed_seeds[prefix].chunks:
        body = body_of(chunk.text)
        if len(body) > MAX_CHARS:
            assert len([s for s in SENTENCES.findall(body) if s.strip()]) == 1, chunk.text[:80]
        # the carried heading lines are all that may come on top
        assert len(chunk.text) - len(body) <= 2 * 42, chunk.text[:80]


@pytest.mark.parametrize("prefix", SEEDS)
def test_no_chunk_ends_mid_sentence(parsed_seeds, prefix):
    for chunk in parsed_seeds[prefix].chunks:
        last_paragraph = chunk.text.split("\n\n")[-1]
        assert chunk.text.endswith(SENTENCE_END) or is_heading_or_document_line(last_paragraph), chunk.text[-60:]


@pytest.mark.parametrize("prefix", SEEDS)
def test_no_chunk_starts_mid_sentence(parsed_seeds, prefix):
    text = parsed_seeds[prefix].text
    for chunk in parsed_seeds[prefix].chunks:
        before = text[:chunk.start]
        assert before == "" or before.endswith("\n\n") or before.endswith(SENTENCE_END), text[chunk.start - 20:chunk.start + 20]


def test_a_long_paragraph_splits_at_sentence_ends_and_an_over_long_sentence_at_its_commas():
    sentence = "加强科普基础设施建设，提高科普服务能力" * 3 + "。"          # 58 characters
    giant = "，".join(["推动科技馆与博物馆融合共享"] * 40) + "。"            # one sentence of 560 characters
    text = "某方案\n\n一、任务\n\n" + sentence * 10 + "\n\n" + giant
    info = DocumentInfo(source="x.txt", doc_id="x", title="某方案")
    chunks = chunk_document(info, text, parse_sections(text, info.title), max_chars=200)
    passages = [c for c in chunks if sentence in c.text]
    assert [len(body_of(c.text)) for c in passages] == [174, 174, 174, 58]
    assert all(c.text.endswith("。") for c in passages)
    # the 560-character sentence is longer than the hard bound (250): cut after commas, nothing lost
    pieces = [c for c in chunks if "推动科技馆" in c.text]
    assert len(pieces) == 3 and all(len(c.text) <= 250 for c in pieces)
    assert "".join(c.text for c in pieces) == giant
    assert all(c.text.endswith(("，", "。")) for c in pieces)


# ---------------------------------------------------------------- spans, coverage, index text


@pytest.mark.parametrize("prefix", SEEDS)
def test_chunk_text_is_the_exact_span_of_the_cleaned_text(parsed_seeds, prefix):
    parsed = parsed_seeds[prefix]
    for chunk in parsed.chunks:
        assert chunk.text == parsed.text[chunk.start:chunk.end]
        assert chunk.text == chunk.text.strip()


@pytest.mark.parametrize("prefix", SEEDS)
def test_chunks_are_in_document_order_and_do_not_overlap(parsed_seeds, prefix):
    chunks = parsed_seeds[prefix].chunks
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    for previous, chunk in zip(chunks, chunks[1:]):
        assert previous.end <= chunk.start


@pytest.mark.parametrize("prefix", SEEDS)
def test_every_body_paragraph_is_covered_by_some_chunk(parsed_seeds, prefix):
    parsed = parsed_seeds[prefix]
    covered = set()
    for chunk in parsed.chunks:
        covered.update(range(chunk.start, chunk.end))
    headings = {heading for chunk in parsed.chunks for heading in chunk.section_path}
    for paragraph in paragraphs_of(parsed.text):
        missing = [i for i in range(paragraph.start, paragraph.end) if i not in covered]
        if missing:
            # only a heading alone on its line may be left out, and then it lives in the section paths
            shown = paragraph.text.replace("(", "（").replace(")", "）").replace(" ", "")
            assert HEADING.match(paragraph.text) and shown in headings, paragraph.text


@pytest.mark.parametrize("prefix", SEEDS)
def test_index_text_starts_with_the_title_and_heading_path(parsed_seeds, prefix):
    parsed = parsed_seeds[prefix]
    for chunk in parsed.chunks:
        assert chunk.section_path[0] == parsed.info.title
        assert chunk.index_text == PATH_SEPARATOR.join(chunk.section_path) + "\n" + chunk.text
        assert chunk.index_text.startswith(parsed.info.title)


def test_responsibility_line_is_indexed_under_its_action(chunks_003):
    (chunk,) = [c for c in chunks_003 if c.kind == "responsibility" and "由市卫生健康委、市民政局牵头" in c.text]
    assert chunk.index_text.startswith(
        "郴州市全民科学素质行动规划纲要实施方案（2021-2025年） › 二、提升行动 › （四）老年人科学素质提升行动\n(责任分工：")
    assert chunk.section == "二、提升行动 › （四）老年人科学素质提升行动"


def test_heading_alone_on_its_line_is_carried_into_the_next_passage(chunks_003):
    (chunk,) = [c for c in chunks_003 if c.text.startswith("三、重点工程")]
    assert chunk.text.startswith("三、重点工程\n\n(一) 科技资源科普化工程。")
    assert chunk.section_path[1:] == ("三、重点工程", "（一）科技资源科普化工程")


# ---------------------------------------------------------------- no junk, no footer, metadata


@pytest.mark.parametrize("prefix", SEEDS)
def test_no_junk_chunks(parsed_seeds, prefix):
    for chunk in parsed_seeds[prefix].chunks:
        assert not re.fullmatch(r"\s*([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[.．、]?)\s*", chunk.text)
        assert len(re.findall(r"[\u4e00-\u9fff]", chunk.text)) >= 4, repr(chunk.text)
        lines = chunk.text.split("\n\n")
        assert not all(HEADING.match(line) and not re.search("[。；！？]", line) for line in lines), chunk.text


def test_003_footer_never_appears_in_a_chunk(chunks_003):
    for chunk in chunks_003:
        for chrome in ("扫一扫", "打印", "分享：", "相关文章", "主办单位", "联系电话", "备案", "文档附件", "](#)"):
            assert chrome not in chunk.text


def test_003_header_fields_are_cited_from_the_front_matter_only(chunks_003):
    holding = [chunk for chunk in chunks_003 if "索引号" in chunk.text or "统一登记号" in chunk.text]
    assert len(holding) == 1 and holding[0].section_path == (holding[0].title,)


def test_bookmark_never_appears_in_a_chunk(parsed_seeds):
    assert all("bookmark" not in c.text for c in parsed_seeds["004"].chunks)


def test_kinds_and_metadata(chunks_003, parsed_seeds):
    assert {c.kind for c in chunks_003} == {"text", "responsibility"}
    metadata = chunks_003[0].metadata()
    assert metadata["source"] == "003_4b8c682228c4847d.txt"
    assert metadata["doc_id"] == "chenzhou-literacy-plan"
    assert metadata["doc_number"] == "郴政办发〔2022〕1号"
    assert metadata["section_path"].startswith("郴州市全民科学素质行动规划纲要实施方案（2021-2025年）")
    assert all(isinstance(v, (str, int)) for v in metadata.values())


# ---------------------------------------------------------------- ids


def test_chunk_ids_are_stable_across_runs(corpus_dir, corpus_manifest):
    path = next(corpus_dir.glob("003_*.txt"))
    first = parse_document(load_file(path), corpus_manifest.get(path.name), 400).chunks
    second = parse_document(load_file(path), corpus_manifest.get(path.name), 400).chunks
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert len({c.chunk_id for c in first}) == len(first)


def test_chunk_ids_are_unique_across_the_corpus(parsed_seeds):
    ids = [c.chunk_id for parsed in parsed_seeds.values() for c in parsed.chunks]
    assert len(ids) == len(set(ids))


def test_chunk_id_changes_when_its_text_changes(tmp_path: Path, raw_seeds, corpus_manifest, parsed_seeds):
    raw = raw_seeds["003"]
    edited = tmp_path / raw.source
    edited.write_text(raw.text.replace("每年培训100名科技辅导员", "每年培训200名科技辅导员"), encoding="utf-8")
    before = parsed_seeds["003"].chunks
    after = parse_document(load_file(edited), corpus_manifest.get(raw.source), 400).chunks
    assert len(before) == len(after)
    changed = [(b, a) for b, a in zip(before, after) if b.chunk_id != a.chunk_id]
    assert len(changed) == 1
    old, new = changed[0]
    assert "100名科技辅导员" in old.text and "200名科技辅导员" in new.text
    assert old.content_hash != new.content_hash


def test_chunk_id_changes_with_the_source_name():
    text = "某方案\n\n一、任务\n\n开展科普活动。"
    chunks = [chunk_document(DocumentInfo(source=name, doc_id="x", title="某方案"), text,
                             parse_sections(text, "某方案")) for name in ("a.txt", "b.txt")]
    assert chunks[0][0].text == chunks[1][0].text
    assert chunks[0][0].chunk_id != chunks[1][0].chunk_id


def test_cleaned_text_chunked_directly_gives_the_same_spans(raw_seeds, parsed_seeds):
    raw = raw_seeds["002"]
    cleaned = clean_text(raw.text).text
    info = parsed_seeds["002"].info
    chunks = chunk_document(info, cleaned, parse_sections(cleaned, info.title))
    assert [(c.start, c.end) for c in chunks] == [(c.start, c.end) for c in parsed_seeds["002"].chunks]
