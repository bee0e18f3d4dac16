"""Jurisdictions from jionlp's gazetteer: aliases, place mentions in questions, and the
jurisdiction a document covers — on the five corpus documents and on heads of made-up
documents from other provinces that no code or data file names."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from assistant.gazetteer import (document_jurisdiction, find_places, make_place, place_by_full_name,
                                 province_abbreviations, resolve_place, same_or_within)

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _full_names(text, **kwargs):
    return [m.place.full_name for m in find_places(text, **kwargs)]


# ---------------------------------------------------------------------------------------------
# Places and aliases.

def test_autonomous_county_has_its_everyday_short_names():
    county = place_by_full_name("湖南省怀化市新晃侗族自治县")
    assert county.name == "新晃侗族自治县"
    assert county.level == "county"
    assert county.parents == ("湖南省", "怀化市")
    assert {"新晃县", "新晃", "新晃侗族自治县"} <= county.aliases


def test_autonomous_prefecture_short_names_drop_every_ethnic_group():
    prefecture = place_by_full_name("湖南省湘西土家族苗族自治州")
    assert {"湘西", "湘西州"} <= prefecture.aliases
    assert "湘西土家族" not in prefecture.aliases
    assert {"伊犁", "伊犁州"} <= place_by_full_name("新疆维吾尔自治区伊犁哈萨克自治州").aliases


def test_aliases_are_at_least_two_characters():
    district = place_by_full_name("山西省阳泉市城区")
    assert district is not None
    assert all(len(alias) >= 2 for alias in district.aliases)
    assert "城" not in district.aliases


# 20 question-style mentions, the way officials write them.
QUESTION_MENTIONS = [
    ("新晃县老年人科学素质提升行动由哪些单位牵头？", ["湖南省怀化市新晃侗族自治县"]),
    ("怀化的科普经费有多少？", ["湖南省怀化市"]),
    ("郴州和新晃比较一下农民科学素质", ["湖南省郴州市", "湖南省怀化市新晃侗族自治县"]),
    ("湖南的中方县有什么目标", ["湖南省", "湖南省怀化市中方县"]),
    ("湖南…中方的科普基地", ["湖南省", "湖南省怀化市中方县"]),
    ("湘西州青少年科技教育怎么安排", ["湖南省湘西土家族苗族自治州"]),
    ("长沙的科技馆", ["湖南省长沙市"]),
    ("长沙县和长沙市谁牵头", ["湖南省长沙市长沙县", "湖南省长沙市"]),
    ("通道县的科普大篷车", ["湖南省怀化市通道侗族自治县"]),
    ("福建鼓楼区的社区科普", ["福建省", "福建省福州市鼓楼区"]),
    ("北京朝阳区的科普日活动", ["北京市", "北京市朝阳区"]),
    ("吉林的目标是多少", ["吉林省"]),
    ("海南的科普经费", ["海南省"]),
    ("三都水族自治县的科协", ["贵州省黔南布依族苗族自治州三都水族自治县"]),
    ("恩施州的老年人", ["湖北省恩施土家族苗族自治州"]),
    ("义乌市科普示范基地", ["浙江省金华市义乌市"]),
    ("浦东新区的科创活动", ["上海市浦东新区"]),
    ("延边州和黔东南州比较", ["吉林省延边朝鲜族自治州", "贵州省黔东南苗族侗族自治州"]),
    ("湖南省怀化市中方县的方案", ["湖南省怀化市中方县"]),
    ("资兴的农民培训", ["湖南省郴州市资兴市"]),
]


@pytest.mark.parametrize("question,expected", QUESTION_MENTIONS, ids=[q for q, _ in QUESTION_MENTIONS])
def test_question_mentions_resolve_to_full_names(question, expected):
    assert _full_names(question) == expected


@pytest.mark.parametrize("text", [
    "中方的目标是什么",          # 中方 is also "the Chinese side": needs its province or city as context
    "鼓楼区的社区科普",          # several 鼓楼区 in the country
    "全市中小学科学教育",        # 市中 (市中区) inside 全市中小学
    "全国科普示范县（市、区）",   # 范县 inside 示范县
    "通道建设和会同单位",        # everyday words that are also county names
])
def test_ambiguous_or_everyday_aliases_are_not_guessed(text):
    assert find_places(text) == []


def test_context_settles_an_ambiguous_alias():
    assert _full_names("鼓楼区的社区科普", within=place_by_full_name("江苏省南京市")) == ["江苏省南京市鼓楼区"]
    assert _full_names("中方的目标", within=place_by_full_name("湖南省")) == ["湖南省怀化市中方县"]
    assert _full_names("南京市鼓楼区与福州市鼓楼区") == [
        "江苏省南京市", "江苏省南京市鼓楼区", "福建省福州市", "福建省福州市鼓楼区"]


def test_mentions_carry_spans_and_do_not_overlap():
    text = "请比较湖南省郴州市与怀化市中方县"
    mentions = find_places(text)
    assert [m.text for m in mentions] == ["湖南省郴州市", "怀化市", "中方县"]
    for mention in mentions:
        assert text[mention.start:mention.end] == mention.text
    ends = [m.end for m in mentions]
    starts = [m.start for m in mentions]
    assert all(end <= start for end, start in zip(ends, starts[1:]))


def test_known_places_the_gazetteer_lacks_are_found():
    new_area = make_place("湖南湘江新区", "new_area", ("湖南省",))
    assert new_area.full_name == "湖南湘江新区"
    assert "湘江新区" in new_area.aliases
    assert [m.place for m in find_places("湘江新区的科普经费", known=[new_area])] == [new_area]
    assert find_places("湘江新区的科普经费") == []


def test_same_or_within_is_containment_not_equality_of_names():
    hunan = place_by_full_name("湖南省")
    huaihua = place_by_full_name("湖南省怀化市")
    county = place_by_full_name("湖南省怀化市中方县")
    assert same_or_within(county, hunan) and same_or_within(county, huaihua) and same_or_within(county, county)
    assert not same_or_within(hunan, county)
    assert not same_or_within(place_by_full_name("福建省福州市鼓楼区"), place_by_full_name("江苏省南京市"))


def test_resolve_place_maps_a_short_name_to_its_full_name():
    assert resolve_place("郴州").full_name == "湖南省郴州市"
    assert resolve_place("新晃县").full_name == "湖南省怀化市新晃侗族自治县"
    assert resolve_place("科学素质") is None


def test_province_abbreviations_come_from_jionlp():
    table = province_abbreviations()
    assert len(table) == 34
    assert (table["湘"], table["粤"], table["贵"], table["蒙"]) == ("湖南", "广东", "贵州", "内蒙古")


# ---------------------------------------------------------------------------------------------
# The jurisdiction of a document.

def _manifest():
    return {entry["source"]: entry for entry in tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["document"]}


CORPUS_JURISDICTIONS = {
    "000_865b77f7f871afba.txt": "湖南省",
    "001_e4d2fb849f351b8d.txt": "湖南湘江新区",
    "002_49ac75adaf9f7ba7.txt": "湖南省",
    "003_4b8c682228c4847d.txt": "湖南省郴州市",
    "004_aee5965023792939.txt": "湖南省怀化市中方县",
}


@pytest.mark.parametrize("source,expected", CORPUS_JURISDICTIONS.items())
def test_corpus_document_jurisdiction_from_its_text_alone(source, expected):
    body = (CORPUS / source).read_text(encoding="utf-8")
    place = document_jurisdiction("", [], "", body)
    assert place is not None and place.full_name == expected


@pytest.mark.parametrize("source,expected", CORPUS_JURISDICTIONS.items())
def test_corpus_document_jurisdiction_with_its_metadata(source, expected):
    entry = _manifest()[source]
    body = (CORPUS / source).read_text(encoding="utf-8")
    place = document_jurisdiction(entry.get("title", ""), entry.get("issuers", []), entry.get("doc_number", ""), body)
    assert place is not None and place.full_name == expected


def test_new_area_is_a_new_area_under_its_province():
    body = (CORPUS / "001_e4d2fb849f351b8d.txt").read_text(encoding="utf-8")
    place = document_jurisdiction("", [], "", body)
    assert place.level == "new_area" and place.parents == ("湖南省",)
    assert same_or_within(place, place_by_full_name("湖南省"))


# Heads of made-up documents from other provinces (title, issuers, 文号, body opening).
SYNTHETIC_HEADS = [
    pytest.param("三都水族自治县2024年科普工作要点", ["三都水族自治县科学技术协会"], "三科协发〔2024〕3号",
                 "为提升我县公民科学素质，全县各乡镇要……", "贵州省黔南布依族苗族自治州三都水族自治县", id="autonomous-county"),
    pytest.param("恩施州全民科学素质行动实施方案（2021—2025年）", ["恩施土家族苗族自治州人民政府办公室"], "恩施州政办发〔2022〕5号",
                 "全州各县市人民政府……", "湖北省恩施土家族苗族自治州", id="autonomous-prefecture"),
    pytest.param("西湖区2023年科普工作要点", ["杭州市西湖区科学技术协会"], "西科协〔2023〕2号",
                 "我区将围绕……", "浙江省杭州市西湖区", id="district"),
    pytest.param("义乌市全民科学素质行动规划纲要实施方案", ["义乌市人民政府办公室"], "义政办发〔2022〕12号",
                 "我市……", "浙江省金华市义乌市", id="county-level-city"),
    pytest.param("重庆两江新区全民科学素质行动实施方案", ["重庆两江新区管理委员会"], "渝两江管发〔2022〕3号",
                 "新区各部门……", "重庆两江新区", id="new-area-not-in-gazetteer"),
    pytest.param("长沙经济技术开发区科普工作方案", ["长沙经济技术开发区管理委员会"], "",
                 "园区各企业……", "湖南省长沙经济技术开发区", id="development-zone"),
    pytest.param("广东省科协2023年科普工作要点", ["广东省科学技术协会"], "粤科协发〔2023〕1号",
                 "全省各级科协……", "广东省", id="province"),
    pytest.param("2023年科普工作要点", ["县科协"], "",
                 "为提升我县公民科学素质，紫云苗族布依族自治县将……我县……安顺市", "贵州省安顺市紫云苗族布依族自治县",
                 id="county-from-body"),
    pytest.param("关于开展全国科普日活动的通知", ["延边朝鲜族自治州科学技术协会"], "延科协发〔2023〕9号",
                 "全州各县市科协……", "吉林省延边朝鲜族自治州", id="prefecture-from-issuer"),
    pytest.param("鼓楼区科普工作要点", [], "", "福州市……我区……", "福建省福州市鼓楼区", id="ambiguous-district-body-context"),
    pytest.param("", [], "", "宁夏回族自治区科学技术协会\n宁科协发〔2023〕5号\n关于印发《2023年全区科普工作要点》的通知\n全区……",
                 "宁夏回族自治区", id="autonomous-region-text-only"),
    pytest.param("四川天府新区科普实施方案", ["四川天府新区党工委"], "", "新区……", "四川省成都市天府新区", id="new-area-in-gazetteer"),
]


@pytest.mark.parametrize("title,issuers,doc_number,body,expected", SYNTHETIC_HEADS)
def test_synthetic_document_jurisdictions(title, issuers, doc_number, body, expected):
    place = document_jurisdiction(title, issuers, doc_number, body)
    assert place is not None and place.full_name == expected


def test_document_without_any_place_has_no_jurisdiction():
    assert document_jurisdiction("关于做好科普工作的通知", ["办公室"], "", "各单位：请认真落实。") is None


def test_doc_number_prefix_decides_between_body_places():
    body = "为提升全市公民科学素质……郴州市……怀化市……怀化市……"
    assert document_jurisdiction("科普工作方案", [], "郴政办发〔2022〕1号", body).full_name == "湖南省郴州市"


def test_notice_title_uses_the_plan_it_issues():
    place = document_jurisdiction("关于印发《义乌市科普工作方案》的通知", [], "", "各镇街：现将方案印发给你们。")
    assert place is not None and place.full_name == "浙江省金华市义乌市"


def test_one_character_county_names_need_their_city_or_province():
    assert find_places("各省、市和县科协要加强协作") == []
    assert _full_names("马鞍山市和县科协") == ["安徽省马鞍山市", "安徽省马鞍山市和县"]
