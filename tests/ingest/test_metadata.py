"""Metadata stage: what a citation needs (文号, title, dates, status), extracted from the
text, overridden field by field by the corpus manifest."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import clean_text
from ingest.metadata import DocumentInfo, apply_manifest, extract_info, load_manifest, missing_fields


@pytest.fixture(scope="module")
def extracted(raw_seeds, cleaned_seeds) -> dict[str, DocumentInfo]:
    """What the text alone says, no manifest."""
    return {prefix: extract_info(raw_seeds[prefix].source, cleaned.text, cleaned.header_fields)
            for prefix, cleaned in cleaned_seeds.items()}


def undashed(title: str) -> str:
    return title.replace("—", "-")


@pytest.mark.parametrize(("prefix", "doc_number"), [
    ("000", "湘科发〔2022〕132号"),
    ("001", "湘新管发〔2022〕20号"),
    ("002", "湘科协通〔2023〕10号"),
    ("003", "郴政办发〔2022〕1号"),
])
def test_doc_number_is_extracted(extracted, prefix, doc_number):
    assert extracted[prefix].doc_number == doc_number


def test_draft_without_doc_number_gets_none_although_it_cites_others(raw_seeds, extracted):
    assert "国发〔2021〕9号" in raw_seeds["004"].text
    assert extracted["004"].doc_number == ""


def test_doc_number_of_003_comes_from_the_portal_header_field(cleaned_seeds, raw_seeds):
    cleaned = cleaned_seeds["003"]
    info = extract_info(raw_seeds["003"].source, cleaned.text, {**cleaned.header_fields, "文号": "郴政办发〔2099〕7号"})
    assert info.doc_number == "郴政办发〔2099〕7号"


@pytest.mark.parametrize(("prefix", "title"), [
    ("000", "湖南省“十四五”科学技术普及发展规划"),
    ("001", "湖南湘江新区全民科学素质行动规划纲要实施方案"),
    ("002", "湖南省科协2023年科普工作要点"),
    ("003", "郴州市全民科学素质行动规划纲要实施方案（2021-2025年）"),
    ("004", "中方县全民科学素质行动规划纲要实施方案（2021-2025年）"),
])
def test_title_is_extracted(extracted, prefix, title):
    # 003's notice quotes its title with an em dash (2021—2025), the title line uses a hyphen; both are the title.
    assert undashed(extracted[prefix].title) == title


def test_title_is_not_taken_from_a_preamble_quoting_other_notices(extracted):
    # 001's preamble cites 《国务院关于印发〈全民科学素质行动规划纲要…〉的通知》 etc.
    assert "国务院" not in extracted["001"].title
    assert "国务院" not in extracted["004"].title


def test_dates_of_003_come_from_the_header(extracted):
    assert extracted["003"].dates["issued"] == "2022-01-28"
    assert extracted["003"].dates["signed"] == "2022-01-28"


def test_signing_and_printing_dates_of_000(extracted):
    assert extracted["000"].dates == {"signed": "2022-08-30", "printed": "2022-10-08"}


def test_printing_date_of_002(extracted):
    assert extracted["002"].dates == {"printed": "2023-03-10"}


def test_dates_the_text_does_not_give_are_left_out(extracted):
    assert extracted["001"].dates == {}
    assert extracted["004"].dates == {}


def test_status(extracted):
    assert extracted["004"].status == "征求意见稿"
    for prefix in ("000", "001", "002", "003"):
        assert extracted[prefix].status == "正式印发", prefix


@pytest.mark.parametrize(("prefix", "place", "level"), [
    ("000", "湖南省", "省级"), ("001", "湖南湘江新区", "国家级新区"), ("002", "湖南省", "省级"),
    ("003", "郴州市", "市级"), ("004", "中方县", "县级"),
])
def test_jurisdiction_and_level(extracted, prefix, place, level):
    assert (extracted[prefix].jurisdiction, extracted[prefix].level) == (place, level)


def test_extraction_agrees_with_the_corpus_manifest(extracted, corpus_manifest, raw_seeds):
    """The manifest mostly confirms what the text says; it must not be needed for these fields."""
    for prefix, info in extracted.items():
        entry = corpus_manifest[raw_seeds[prefix].source]
        assert info.doc_number == entry["doc_number"], prefix
        assert info.title == entry["title"], prefix
        assert list(info.issuers) == entry["issuers"], prefix
        assert info.status == entry["status"], prefix
        assert info.jurisdiction == entry["jurisdiction"], prefix
        for kind, value in entry["dates"].items():
            assert info.dates.get(kind) == str(value), (prefix, kind)


def test_other_stated_header_fields_are_kept_when_not_empty(extracted):
    fields = extracted["003"].fields
    assert fields["索引号"] == "763261399/2022-3414145"
    assert fields["信息时效期"] == "2027-01-28"
    assert "所属机构" not in fields            # empty on the page
    assert extracted["001"].fields == {}


def test_doc_id_and_source(extracted, raw_seeds):
    assert extracted["003"].source == raw_seeds["003"].source == "003_4b8c682228c4847d.txt"
    assert extracted["003"].doc_id == "003_4b8c682228c4847d"


# ---------------------------------------------------------------- manifest


def test_manifest_overrides_a_field_and_keeps_the_rest(extracted):
    info = apply_manifest(extracted["003"], {"source": extracted["003"].source, "title": "郴州市科学素质实施方案"})
    assert info.title == "郴州市科学素质实施方案"
    assert info.doc_number == "郴政办发〔2022〕1号"
    assert info.dates == extracted["003"].dates
    assert info.doc_id == extracted["003"].doc_id


def test_manifest_id_issuers_and_dates(extracted):
    info = apply_manifest(extracted["000"], {
        "source": extracted["000"].source, "id": "plan", "issuers": ["湖南省科学技术厅", "湖南省科学技术协会"],
        "dates": {"issued": "2022-09-01"},
    })
    assert info.doc_id == "plan"
    assert info.issuers == ("湖南省科学技术厅", "湖南省科学技术协会")
    # dates merge: the manifest adds or overrides one kind, the extracted ones stay
    assert info.dates == {"signed": "2022-08-30", "printed": "2022-10-08", "issued": "2022-09-01"}


def test_manifest_can_set_a_field_to_empty(extracted):
    info = apply_manifest(extracted["001"], {"source": extracted["001"].source, "doc_number": ""})
    assert info.doc_number == ""


def test_no_manifest_entry_keeps_extracted_info(extracted):
    assert apply_manifest(extracted["002"], None) == extracted["002"]
    assert apply_manifest(extracted["002"], {}) == extracted["002"]


def test_corpus_manifest_has_an_entry_per_seed(corpus_manifest, raw_seeds):
    assert set(corpus_manifest) == {raw.source for raw in raw_seeds.values()}
    assert corpus_manifest["003_4b8c682228c4847d.txt"]["title"] == "郴州市全民科学素质行动规划纲要实施方案（2021-2025年）"


def test_missing_manifest_file_is_empty(tmp_path):
    assert load_manifest(tmp_path / "manifest.toml") == {}


def test_document_without_manifest_entry_still_gets_extracted_info():
    raw = (
        "长沙市科学技术协会关于印发《长沙市2024年科普工作要点》的通知\n\n"
        "长科协发〔2024〕5号\n\n"
        "各区县（市）科协：\n\n"
        "现将《长沙市2024年科普工作要点》印发给你们，请认真贯彻落实。\n\n"
        "长沙市科学技术协会\n\n"
        "2024年2月20日\n\n"
        "长沙市2024年科普工作要点\n\n"
        "一、加强科普阵地建设\n\n"
        "1.建设社区科普e站。到2024年底，全市建成社区科普e站50个。"
    )
    cleaned = clean_text(raw)
    info = apply_manifest(extract_info("changsha.txt", cleaned.text, cleaned.header_fields),
                          load_manifest(Path("/nonexistent/manifest.toml")).get("changsha.txt"))
    assert info.title == "长沙市2024年科普工作要点"
    assert info.doc_number == "长科协发〔2024〕5号"
    assert info.doc_id == "changsha"
    assert (info.jurisdiction, info.level) == ("长沙市", "市级")
    assert info.status == "正式印发"
    assert info.dates == {"signed": "2024-02-20"}


def test_as_metadata_is_flat_strings(extracted):
    metadata = extracted["003"].as_metadata()
    assert metadata["doc_number"] == "郴政办发〔2022〕1号"
    assert all(isinstance(value, str) for value in metadata.values())


# ---------------------------------------------------------------- synthetic documents, no manifest


def info_of(raw: str, source: str = "doc.txt") -> DocumentInfo:
    cleaned = clean_text(raw)
    return extract_info(source, cleaned.text, cleaned.header_fields)


def test_masthead_issuer_trial_status_and_printing_office_is_not_an_issuer():
    info = info_of(
        "示例市科学技术局文件\n\n示科发〔2031〕3号\n\n"
        "示例市科学技术局关于印发《示例市科普基地管理办法（试行）》的通知\n\n各区县科技局：\n\n"
        "现将《示例市科普基地管理办法（试行）》印发给你们。\n\n"
        "示例市科普基地管理办法（试行）\n\n一、总则\n\n1.为规范科普基地管理，制定本办法。\n\n"
        "示例市科学技术局办公室\n\n2031年4月2日印发")
    assert info.title == "示例市科普基地管理办法（试行）"
    assert info.doc_number == "示科发〔2031〕3号"
    assert info.issuers == ("示例市科学技术局",)
    assert info.status == "试行"
    assert info.dates == {"printed": "2031-04-02"}
    # A place the gazetteer has no division for is still named by its own issuer (issue 18).
    assert (info.jurisdiction, info.level, missing_fields(info)) == ("示例市", "市级", [])


def test_joint_signature_above_the_date_names_every_issuer():
    info = info_of(
        "某某县全民科学素质行动实施方案\n\n一、目标\n\n到2030年，全县公民具备科学素质的比例超过16%。\n\n"
        "某某县科学技术协会　某某县教育局　某某县农业农村局\n\n2030年1月5日")
    assert info.title == "某某县全民科学素质行动实施方案"
    assert info.issuers == ("某某县科学技术协会", "某某县教育局", "某某县农业农村局")
    assert info.dates == {"signed": "2030-01-05"}
    # no 文号, no notice, no draft mark: the status is not stated, and is not invented
    assert info.doc_number == "" and info.status == ""
    assert missing_fields(info) == ["doc_number", "status", "jurisdiction"]   # a fictitious place: the gazetteer has no such division


def test_a_draft_plan_without_header_reports_what_it_lacks():
    info = info_of("示例县科普工作三年行动计划（草案）\n\n一、主要任务\n\n1.建设科普场馆。")
    assert info.title == "示例县科普工作三年行动计划（草案）"
    assert info.status == "草案"
    assert info.issuers == () and info.dates == {} and info.doc_number == ""
    assert missing_fields(info) == ["doc_number", "issuers", "dates", "jurisdiction"]   # a fictitious place: the gazetteer has no such division


def test_a_draft_mark_on_its_own_line():
    info = info_of("示例县科普工作要点\n\n（征求意见稿）\n\n一、工作目标\n\n全年开展科普活动。")
    assert (info.title, info.status) == ("示例县科普工作要点", "征求意见稿")


@pytest.mark.parametrize("head, number", [
    ("示例市科学技术协会文件  示科协发〔2030〕 2号\n\n示例市科普工作要点", "示科协发〔2030〕2号"),
    ("示科协字[2030]第7号\n\n示例市科普工作要点", "示科协字[2030]第7号"),
    ("示例市科普工作要点\n\n为贯彻《示例省科普条例》（示政发〔2029〕3号），制定本要点。", ""),
])
def test_doc_number_layouts(head, number):
    assert info_of(head).doc_number == number


# ---------------------------------------------------------------- a place the gazetteer lacks

@pytest.mark.parametrize(("issuer", "place", "level"), [
    ("石梁县人民政府办公室", "石梁县", "县级"),
    ("中共石梁县委办公室", "石梁县", "县级"),
    ("石梁县科学技术协会", "石梁县", "县级"),
    ("青禾区教育局", "青禾区", "区级"),
    ("云岫市人民政府", "云岫市", "市级"),
])
def test_jurisdiction_from_an_issuer_the_gazetteer_lacks(issuer, place, level):
    from ingest.metadata import extract_info

    text = f"{place}全民科学素质行动实施方案\n\n一、总体要求\n\n全面提升公民科学素质。\n\n{issuer}\n\n2024年3月1日"
    info = extract_info("plan.txt", text, {})
    assert (info.jurisdiction, info.level) == (place, level)


def test_title_alone_names_an_unlisted_county_when_the_body_speaks_for_a_county():
    from ingest.metadata import extract_info

    county = extract_info("a.txt", "石梁县科普工作要点\n\n全县各乡镇要加强科普工作。", {})
    assert county.jurisdiction == "石梁县"
    prose = extract_info("b.txt", "石梁县科普工作要点\n\n全省各地要加强科普工作。", {})
    assert prose.jurisdiction == ""          # the body speaks for a province: no guess


def test_questions_about_an_unlisted_county_go_to_it():
    from assistant.query import find_jurisdictions
    from ingest.metadata import DocumentInfo

    documents = {"shiliang.txt": DocumentInfo("shiliang.txt", "shiliang", "石梁县科普方案", jurisdiction="石梁县"),
                 "chenzhou.txt": DocumentInfo("chenzhou.txt", "chenzhou", "郴州市科普方案", jurisdiction="郴州市")}
    assert find_jurisdictions("石梁县的老年人行动由谁牵头？", documents)[0] == ["石梁县"]
    assert find_jurisdictions("石梁的青少年行动呢", documents)[0] == ["石梁县"]
