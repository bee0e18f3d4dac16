"""Synthetic corpora for the scale benchmark: the five real documents plus distractors.

A distractor is made from real text only: the sections of one of the five documents
(its "base"), with the numbered actions (（一）… or 1. items) inside each top-level
section sampled from that section and its counterparts in the other documents of the
same kind, shuffled and renumbered. Every real place name (湖南省, 郴州市, 中方县, 湘江新区 …)
becomes an invented jurisdiction such as 虚构市017, and 我市/全县/本区… follow its level.
Each distractor has its own title, issuer and 文号, and a manifest entry, so metadata
does not depend on extraction heuristics. The five real documents (and their manifest
entries) are always included unchanged, so the evaluation set (evals/dev.jsonl) can be
run at every size.

Generation is deterministic for a given size and seed.
"""
from __future__ import annotations

import random
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ingest.clean import clean_text
from ingest.load import load_file
from ingest.structure import paragraphs_of

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REAL_CORPUS = PROJECT_ROOT / "corpus"
INVENTED = "虚构"

# Longest first, so 湖南湘江新区 is replaced before 湖南 or 湘江新区.
REAL_PLACES = ("湖南湘江新区", "湘江新区", "湖南省", "湖南", "郴州市", "郴州", "中方县", "中方")
PLACE_PATTERN = re.compile("|".join(REAL_PLACES))
LEVEL_WORDS = re.compile(r"(?<=[我全本])[省市县区]")
CHINESE_TOP = re.compile(r"^[一二三四五六七八九十]+、")
PAREN_CHINESE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
ARABIC_ITEM = re.compile(r"^\d{1,2}[.．](?!\d)")
NUMERALS = "一二三四五六七八九十"

# Base document → (level character of the invented place, family). Documents of one family
# share their top-level layout, so their actions can be exchanged section by section.
BASES = {
    "000_865b77f7f871afba.txt": ("省", "province-plan"),
    "001_e4d2fb849f351b8d.txt": ("区", "literacy"),
    "002_49ac75adaf9f7ba7.txt": ("省", "workplan"),
    "003_4b8c682228c4847d.txt": ("市", "literacy"),
    "004_aee5965023792939.txt": ("县", "literacy"),
}
TITLE_STEMS = {
    "province-plan": ["“十四五”科学技术普及发展规划", "科学技术普及发展规划（2021-2025年）"],
    "literacy": ["全民科学素质行动规划纲要实施方案（2021-2025年）", "全民科学素质提升行动实施方案",
                 "全民科学素质行动实施方案（2022-2025年）"],
    "workplan": ["科协{year}年科普工作要点", "{year}年科学技术普及工作要点"],
}
LEVEL_NAMES = {"省": "省", "市": "市", "县": "县", "区": "新区"}
ISSUERS = {"省": "{place}科学技术协会", "市": "{place}人民政府办公室", "县": "{place}人民政府办公室",
           "区": "{place}管理委员会"}


def chinese_numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + (NUMERALS[n - 11] if n > 10 else "")
    tens, units = divmod(n, 10)
    return NUMERALS[tens - 1] + "十" + (NUMERALS[units - 1] if units else "")


@dataclass
class TopSection:
    heading: str                 # the top-level heading paragraph without its 一、 marker
    intro: list[str]             # paragraphs before the first numbered action
    units: list[list[str]]       # numbered actions: each a list of paragraphs (heading first)
    unit_kind: str               # "paren" (（一）) or "arabic" (1.) or "" (no actions)


@dataclass
class BaseDocument:
    source: str
    level: str
    family: str
    preamble: list[str]          # body paragraphs between the title and the first top-level section
    sections: list[TopSection]


def _split_document(source: str, text: str) -> BaseDocument:
    paragraphs = [p.text for p in paragraphs_of(text)]
    first_top = next(i for i, p in enumerate(paragraphs) if CHINESE_TOP.match(p))
    # The preamble is the last prose paragraph before the first section (为…，制定本方案).
    preamble = [p for p in paragraphs[:first_top] if len(p) > 60 and "。" in p][-1:]
    sections: list[TopSection] = []
    for paragraph in paragraphs[first_top:]:
        if CHINESE_TOP.match(paragraph):
            sections.append(TopSection(CHINESE_TOP.sub("", paragraph), [], [], ""))
            continue
        section = sections[-1]
        if PAREN_CHINESE.match(paragraph) and section.unit_kind in ("", "paren"):
            section.unit_kind = "paren"
            section.units.append([paragraph])
        elif ARABIC_ITEM.match(paragraph) and section.unit_kind in ("", "arabic"):
            section.unit_kind = "arabic"
            section.units.append([paragraph])
        elif section.units:
            section.units[-1].append(paragraph)
        else:
            section.intro.append(paragraph)
    # Drop the signature/date lines that follow the last section of some documents.
    last = sections[-1]
    if last.units:
        while last.units[-1] and len(last.units[-1][-1]) < 40 and "。" not in last.units[-1][-1]:
            last.units[-1].pop()
    level, family = BASES[source]
    return BaseDocument(source, level, family, preamble, sections)


def load_bases(corpus: Path = REAL_CORPUS) -> list[BaseDocument]:
    bases = []
    for source in BASES:
        raw = load_file(corpus / source)
        bases.append(_split_document(source, clean_text(raw.text).text))
    return bases


def substitute(text: str, place: str, level: str) -> str:
    """Real place names → the invented one; 我市/全县/本区… → the invented level."""
    return LEVEL_WORDS.sub(level, PLACE_PATTERN.sub(place, text))


def _renumber_unit(unit: list[str], kind: str, number: int) -> list[str]:
    first = unit[0]
    if kind == "paren":
        first = PAREN_CHINESE.sub(f"（{chinese_numeral(number)}）", first, count=1)
    elif kind == "arabic":
        first = ARABIC_ITEM.sub(f"{number}.", first, count=1)
    return [first, *unit[1:]]


@dataclass
class SyntheticDocument:
    source: str
    text: str
    manifest: dict


def make_document(index: int, bases: list[BaseDocument], rng: random.Random) -> SyntheticDocument:
    base = bases[index % len(bases)]
    family = [b for b in bases if b.family == base.family]
    level = base.level
    place = f"{INVENTED}{LEVEL_NAMES[level]}{index:03d}"
    year = 2021 + rng.randrange(4)
    title = place + rng.choice(TITLE_STEMS[base.family]).format(year=year)
    issuer = ISSUERS[level].format(place=place)
    doc_number = f"虚{rng.choice('政科府办协')}发〔{year}〕{index + 1}号"

    body: list[str] = []
    for number, section in enumerate(base.sections, start=1):
        body.append(f"{chinese_numeral(number)}、{section.heading}")
        body.extend(section.intro)
        # Counterparts: the section at the same position in the other documents of the family.
        pool = [unit for other in family if number <= len(other.sections)
                and other.sections[number - 1].unit_kind == section.unit_kind
                for unit in other.sections[number - 1].units]
        if pool:
            wanted = max(1, round(len(section.units) * rng.uniform(0.4, 0.8)))
            chosen = rng.sample(pool, min(wanted, len(pool)))
            for n, unit in enumerate(chosen, start=1):
                body.extend(_renumber_unit(unit, section.unit_kind, n))
    head = [
        issuer,
        doc_number,
        f"{issuer}关于印发《{title}》的通知",
        "各有关单位：",
        f"《{title}》已经研究同意，现印发给你们，请认真组织实施。",
        issuer,
        f"{year}年{rng.randrange(1, 13)}月{rng.randrange(1, 29)}日",
        title,
        *base.preamble,
    ]
    text = "\n\n".join(substitute(p, place, level) for p in [*head, *body]) + "\n"
    source = f"syn_{index:04d}.txt"
    manifest = {
        "source": source, "id": f"synthetic-{index:04d}", "title": title, "issuers": [issuer],
        "doc_number": doc_number, "jurisdiction": place,
        "level": {"省": "省级", "市": "市级", "县": "县级", "区": "国家级新区"}[level], "status": "正式印发",
    }
    return SyntheticDocument(source, text, manifest)


def _toml_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_corpus(target: Path, size: int, seed: int = 7) -> Path:
    """Write a corpus of ``size`` documents (the five real ones + ``size - 5`` distractors) to ``target``."""
    if size < len(BASES):
        raise ValueError(f"a corpus holds at least the {len(BASES)} real documents")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for source in BASES:
        shutil.copy2(REAL_CORPUS / source, target / source)
    manifest_text = (REAL_CORPUS / "manifest.toml").read_text(encoding="utf-8")
    rng = random.Random(seed)
    bases = load_bases()
    entries = []
    for index in range(1, size - len(BASES) + 1):
        document = make_document(index, bases, rng)
        (target / document.source).write_text(document.text, encoding="utf-8")
        entries.append(document.manifest)
    lines = [manifest_text.rstrip(), ""]
    for entry in entries:
        lines.append("[[document]]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in entry.items())
        lines.append("")
    (target / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")
    tomllib.loads((target / "manifest.toml").read_text(encoding="utf-8"))   # fail early on a bad manifest
    return target


if __name__ == "__main__":
    import sys

    out = write_corpus(Path(sys.argv[1]), int(sys.argv[2]))
    print(f"wrote {len(list(out.glob('*.txt')))} documents to {out}")
