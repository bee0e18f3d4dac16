"""Old Word files (.doc, Word 97–2003) and WPS Office files (.wps): converted by a tool the user has.

No maintained pure-Python library reads the binary Word format. In order of preference:

1. LibreOffice (``soffice --headless --convert-to docx``): keeps tables, merged cells and
   automatic numbering, so the .docx reader does the rest; reads .wps too.
2. ``antiword`` or ``catdoc`` (Debian packages): plain text of a .doc, no tables.

When none is on PATH the file is skipped with one line saying what to install
(``INSTALL_HINT``). A private LibreOffice profile per conversion lets two ingests, or a
running LibreOffice, coexist.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ingest.readers.base import LoadError

INSTALL_HINT = ("no converter for old Word files found; install LibreOffice "
                "(Debian/Ubuntu: apt-get install libreoffice-writer; or antiword for .doc text only) and ingest again")
CONVERT_TIMEOUT_SECONDS = 180


def converter_available(suffix: str) -> str:
    """The tool that would read a file of this suffix, or "" when none is installed."""
    if shutil.which("soffice") or shutil.which("libreoffice"):
        return "soffice"
    if suffix == ".doc":
        for tool in ("antiword", "catdoc"):
            if shutil.which(tool):
                return tool
    return ""


def convert_legacy_word(data: bytes, suffix: str) -> tuple[str, bytes | str]:
    """("docx", bytes of the converted file) or ("text", plain text); LoadError with what to install."""
    tool = converter_available(suffix)
    if not tool:
        raise LoadError(f"{suffix} file: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="policy-legacy-") as folder:
        source = Path(folder) / f"input{suffix}"
        source.write_bytes(data)
        if tool == "soffice":
            return "docx", _soffice(source, Path(folder))
        return "text", _run([tool, *(["-m", "UTF-8.txt"] if tool == "antiword" else ["-d", "utf-8"]), str(source)],
                            tool).decode("utf-8", errors="replace")


def _soffice(source: Path, folder: Path) -> bytes:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    profile = (folder / "profile").as_uri()
    _run([binary, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "docx",
          "--outdir", str(folder / "out"), str(source)], "LibreOffice")
    converted = folder / "out" / f"{source.stem}.docx"
    if not converted.exists():
        raise LoadError(f"LibreOffice could not convert the {source.suffix} file (damaged or encrypted?)")
    return converted.read_bytes()


def _run(command: list[str], name: str) -> bytes:
    try:
        done = subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as err:
        raise LoadError(f"{name} took longer than {CONVERT_TIMEOUT_SECONDS} s to convert the file") from err
    except OSError as err:
        raise LoadError(f"{name} could not be started: {err.strerror or err}") from err
    if done.returncode != 0:
        reason = (done.stderr or b"").decode("utf-8", errors="replace").strip().splitlines()
        raise LoadError(f"{name} could not read the file: {reason[0][:160] if reason else f'exit {done.returncode}'}")
    return done.stdout
