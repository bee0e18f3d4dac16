"""One line of text as cleaning leaves it — shared by cleaning and by the loaders that
render table rows, so a rendered row survives cleaning unchanged."""
from __future__ import annotations

import re

CJK = r"\u4e00-\u9fff"
SPACED_CJK_RUN = re.compile(rf"(?:[{CJK}][ \u3000]+){{2,}}[{CJK}]")


def normalise_line(line: str) -> str:
    line = re.sub(r" {2,}", " ", line.strip(" \t\u3000\ufeff\r"))
    line = SPACED_CJK_RUN.sub(lambda m: re.sub(r"[ \u3000]+", "", m.group(0)), line)
    # Exported PDFs/Word files put spaces around numbers ("2023 年"); Chinese never does.
    line = re.sub(rf"(?<=[{CJK}])[ \u3000]+(?=[\d])|(?<=[\d%])[ \u3000]+(?=[{CJK}])", "", line)
    line = re.sub(r"《[^》]*》", lambda m: re.sub(rf"(?<=[{CJK}])[ \u3000]+(?=[{CJK}])", "", m.group(0)), line)
    return line
