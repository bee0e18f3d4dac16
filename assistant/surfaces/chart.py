"""The briefing's chart: the comparable figures of a topic, one bar per jurisdiction and indicator.

Chinese labels need a Chinese font, and matplotlib's default (DejaVu Sans) has none: the
labels would come out as empty boxes. ``cjk_font`` asks fontconfig for a font that covers
Chinese (``fc-list :lang=zh``, as the PDF tests do), else looks through matplotlib's own
font list; the chart is drawn with it, or with Latin labels only when the machine has none.
"""
from __future__ import annotations

import shutil
import subprocess
import textwrap
from functools import lru_cache
from pathlib import Path

from assistant.briefing import Briefing

CJK_FAMILY_HINTS = ("CJK", "Hei", "Song", "Kai", "Ming", "WenQuanYi", "SimSun", "YaHei", "PingFang", "Droid Sans Fallback")
MAX_BARS = 14


@lru_cache(maxsize=1)
def cjk_font() -> Path | None:
    """A font file that covers Chinese, or None when this machine has none."""
    if shutil.which("fc-list"):
        listing = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False).stdout
        files = sorted({line.split(":")[0].strip() for line in listing.splitlines() if line.strip()})
        # Sans (黑体) reads best on a chart; a regular weight before bold ones.
        files.sort(key=lambda f: ("Sans" not in f and "Hei" not in f, "Bold" in f, f))
        for candidate in files:
            if candidate.lower().endswith((".ttf", ".otf", ".ttc")):
                return Path(candidate)
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if any(hint.lower() in entry.name.lower() for hint in CJK_FAMILY_HINTS):
            return Path(entry.fname)
    return None


def _font_properties():
    from matplotlib import font_manager

    font = cjk_font()
    if font is None:
        return None
    font_manager.fontManager.addfont(str(font))
    return font_manager.FontProperties(fname=str(font))


def comparable_chart(briefing: Briefing, path: Path, width_inches: float = 10.0, height_inches: float = 5.0) -> Path | None:
    """A horizontal bar chart of the briefing's comparable figures (one unit), or None when it has
    no figures to compare. Each bar is labelled "jurisdiction · indicator" and carries its value."""
    import matplotlib

    matplotlib.use("Agg")   # no display on servers and CI
    import matplotlib.pyplot as plt

    unit, rows = briefing.comparable_targets()
    rows = rows[:MAX_BARS]
    if not rows:
        return None
    font = _font_properties()
    labels = ["\n".join(textwrap.wrap(f"{place} · {target.indicator}", 22)) for place, target in rows]
    values = [target.number for _, target in rows]
    figure, axes = plt.subplots(figsize=(width_inches, max(height_inches, 0.55 * len(rows) + 1.2)))
    positions = list(range(len(rows)))[::-1]
    bars = axes.barh(positions, values, color="#2f6f9f")
    axes.set_yticks(positions, labels, fontproperties=font, fontsize=9)
    for bar, (_, target) in zip(bars, rows):
        axes.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {target.value} [{target.citation.number}]",
                  va="center", fontsize=9, fontproperties=font)
    axes.set_xlim(0, max(values) * 1.3)
    axes.set_title(f"“{briefing.topic}” 可比指标（单位：{unit}）", fontproperties=font, fontsize=12)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=150)
    plt.close(figure)
    return path
