"""OCR accuracy and speed on rendered Chinese policy pages (docs/benchmarks.md).

Renders paragraphs of the bundled corpus as A4 pages at 200 dpi (Noto Serif CJK, 16 pt,
the 仿宋-like size of a 红头文件 body; a 文号 line with 〔〕 on every page), reads them back
with the ingest OCR reader and prints the character error rate (edit distance / source
characters, whitespace ignored) and pages per second.

    nice python -m benchmarks.ocr [--pages 4] [--font PATH]
"""
from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FONT_CANDIDATES = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
                   "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
PAGE = (1654, 2339)          # A4 at 200 dpi
MARGIN = 180
FONT_PX = 44                 # 16 pt at 200 dpi


def page_texts(pages: int, chars_per_line: int) -> list[list[str]]:
    text = "".join((ROOT / "corpus").glob("*.txt").__next__().read_text(encoding="utf-8").split())
    paragraphs = [p for p in re.split(r"(?<=。)", text) if len(p) > 8][10:]
    lines_per_page = (PAGE[1] - 2 * MARGIN) // int(FONT_PX * 1.6) - 1
    out, cursor = [], 0
    for number in range(pages):
        lines = [f"湘政办发〔2022〕{number + 3}号"]
        while len(lines) < lines_per_page and cursor < len(paragraphs):
            sentence = paragraphs[cursor]
            cursor += 1
            lines += [sentence[i:i + chars_per_line] for i in range(0, len(sentence), chars_per_line)]
        out.append(lines[:lines_per_page])
    return out


def render(lines: list[str], font_path: str):
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(font_path, FONT_PX)
    for row, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + row * int(FONT_PX * 1.6)), line, fill=0, font=font)
    return image


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--font", default=next((f for f in FONT_CANDIDATES if Path(f).exists()), ""))
    args = parser.parse_args()
    from ingest.readers.ocr import engine, ocr_image

    chars_per_line = (PAGE[0] - 2 * MARGIN) // FONT_PX
    pages = page_texts(args.pages, chars_per_line)
    images = [render(lines, args.font) for lines in pages]
    engine()   # model loading is not OCR time
    errors = total = kept_brackets = 0
    confusions: dict[tuple[str, str], int] = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    for lines, image in zip(pages, images):
        truth = "".join("".join(lines).split())
        read = "".join(ocr_image(image).split())
        errors += edit_distance(truth, read)
        import difflib
        for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, truth, read, autojunk=False).get_opcodes():
            if op != "equal":
                key = (truth[a1:a2], read[b1:b2])
                confusions[key] = confusions.get(key, 0) + 1
        total += len(truth)
        kept_brackets += read.startswith(lines[0])
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(f"pages {len(pages)}  characters {total}  CER {errors / total:.4f}  "
          f"文号 with 〔〕 intact {kept_brackets}/{len(pages)}  {len(pages) / seconds:.2f} pages/s "
          f"({seconds / len(pages):.1f} s/page wall, {cpu / len(pages):.1f} CPU s/page)  font {Path(args.font).name}")
    worst = sorted(confusions.items(), key=lambda item: -item[1])[:15]
    print("most frequent differences (source → OCR):", "  ".join(f"{a or '∅'}→{b or '∅'}×{n}" for (a, b), n in worst))


if __name__ == "__main__":
    main()
