"""Gazetteer and naming figures: load time, place matching latency, corpus jurisdictions.

    .venv/bin/python benchmarks/gazetteer.py

Prints one line per figure. Place matching must stay well under 5 ms for a 100-character
question once the gazetteer is loaded (it is loaded once per process and cached).
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

QUESTIONS = [
    "新晃县老年人科学素质提升行动由哪些单位牵头？请与郴州市比较，并说明怀化市和湖南全省的目标分别是多少，各自的经费如何保障？",
    "湘西州青少年科技教育怎么安排？与长沙县、长沙市相比有什么不同？福建鼓楼区和北京朝阳区的社区科普又是怎样组织实施的呢？",
    "全市中小学科学教育和全国科普示范县（市、区）创建工作中，通道建设和会同单位的责任分工是什么，由哪个部门牵头负责？请列出。",
]
ENGLISH = "Compare Zhongfang County with Chenzhou, the Xiangjiang New Area and Xinhuang County in Huaihua."


def _timed(function, *args, repeats: int = 200) -> tuple[float, float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    start = time.perf_counter()
    from assistant import gazetteer
    from assistant.naming import find_places_english

    gazetteer.find_places("湖南")
    print(f"gazetteer load (jionlp divisions + jieba dictionary): {time.perf_counter() - start:.2f} s, "
          f"{len(gazetteer.all_places())} places")
    for question in QUESTIONS:
        p50, p95 = _timed(gazetteer.find_places, question)
        found = [m.place.full_name for m in gazetteer.find_places(question)]
        print(f"find_places {len(question)} chars: p50 {p50:.3f} ms, p95 {p95:.3f} ms -> {found}")
    documents = [gazetteer.place_by_full_name(name) for name in ("湖南省", "湖南省郴州市", "湖南省怀化市中方县")]
    documents.append(gazetteer.make_place("湖南湘江新区", "new_area", ("湖南省",)))
    start = time.perf_counter()
    find_places_english(ENGLISH, documents)
    print(f"find_places_english first call (builds Hunan pinyin index): {(time.perf_counter() - start) * 1000:.0f} ms")
    p50, p95 = _timed(find_places_english, ENGLISH, documents)
    found = [(m.text, m.place.full_name) for m in find_places_english(ENGLISH, documents)]
    print(f"find_places_english: p50 {p50:.3f} ms, p95 {p95:.3f} ms -> {found}")
    for path in sorted((PROJECT_ROOT / "corpus").glob("*.txt")):
        body = path.read_text(encoding="utf-8")
        start = time.perf_counter()
        place = gazetteer.document_jurisdiction("", [], "", body)
        elapsed = (time.perf_counter() - start) * 1000
        print(f"document_jurisdiction {path.name} (text only): {place.full_name if place else None} "
              f"[{place.level if place else '-'}] in {elapsed:.0f} ms")


if __name__ == "__main__":
    main()
