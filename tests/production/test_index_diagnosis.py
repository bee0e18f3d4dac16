"""Diagnose, do not guess: read-only, missing, damaged and locked indexes each get their own
one-line message and fix; ``ingest`` checks the live generation before saying "up to date"."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.index import IndexUnavailable, current_generation, open_index
from assistant.settings import Settings
from ingest.pipeline import ingest
from tests.production.support import TINY_DOCS, TINY_QUESTION, run_cli, write_tiny_corpus


@pytest.fixture
def read_only_home(tmp_path, tiny_index_home):
    """A copy of the tiny index on a real read-only mount (root only; skipped elsewhere)."""
    mount_point = tmp_path / "ro"
    mount_point.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        shutil.copytree(tiny_index_home, mount_point / "home")
        subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True, capture_output=True)
        yield mount_point / "home"
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def test_read_only_index_is_told_apart_from_a_damaged_one(read_only_home, tmp_path):
    with pytest.raises(IndexUnavailable) as raised:
        open_index(Settings(home=read_only_home))
    message = str(raised.value)
    assert "read-only" in message and "not damaged" in message and "--rebuild" not in message

    asked = run_cli(["ask", TINY_QUESTION], read_only_home)
    ingested = run_cli(["ingest", str(write_tiny_corpus(tmp_path / "corpus"))], read_only_home)
    for result in (asked, ingested):
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "read-only" in lines[0], result.stderr
        assert "Traceback" not in result.stdout + result.stderr and "--rebuild" not in lines[0]
    assert "POLICY_ASSISTANT_HOME" in ingested.stderr and "previous index is unchanged" in ingested.stderr


def _delete_store(generation: Path) -> None:
    (generation / "chroma" / "chroma.sqlite3").unlink()


def _truncate_store(generation: Path) -> None:
    path = generation / "chroma" / "chroma.sqlite3"
    path.write_bytes(path.read_bytes()[:4096])


def _drop_vectors(generation: Path) -> None:
    import chromadb

    client = chromadb.PersistentClient(path=str(generation / "chroma"),
                                       settings=chromadb.Settings(anonymized_telemetry=False))
    collection = next(c for c in client.list_collections() if not c.name.endswith("-sentences"))   # the chunk vectors
    collection.delete(ids=collection.get(limit=3)["ids"])


def _delete_text(generation: Path) -> None:
    (generation / "texts" / f"{next(iter(TINY_DOCS))}.txt").unlink()


DAMAGE = {
    "chroma.sqlite3 deleted": (_delete_store, "missing or empty"),
    "chroma.sqlite3 truncated": (_truncate_store, "does not open"),
    "three vectors deleted from the store": (_drop_vectors, "holds 6 vectors, the manifest 9"),
    "a cleaned text deleted": (_delete_text, "is missing"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_plain_ingest_repairs_a_damaged_live_generation_instead_of_saying_up_to_date(damage, tiny_home_copy,
                                                                                      tmp_path, embeddings):
    damage_fn, reason = DAMAGE[damage]
    settings = Settings(home=tiny_home_copy)
    damage_fn(current_generation(settings.index_dir))
    summary = ingest(settings, [write_tiny_corpus(tmp_path / "corpus")], progress=False, embeddings=embeddings)
    text = summary.describe()
    assert "up to date" not in text
    assert "The live index was damaged" in text and reason in text and "rebuilt it" in text
    index = open_index(settings)
    assert index.generation == summary.generation
    assert index.collection.count() == len(index.chunks) == index.manifest.chunk_count
    # And now it really is up to date.
    again = ingest(settings, [write_tiny_corpus(tmp_path / "corpus")], progress=False, embeddings=embeddings)
    assert "No changes: the index is up to date" in again.describe()


def test_damaged_store_through_the_cli_is_repaired_by_a_plain_ingest(tiny_home_copy, tmp_path):
    _truncate_store(current_generation(tiny_home_copy / "index"))
    asked = run_cli(["ask", TINY_QUESTION], tiny_home_copy)
    assert asked.returncode == 1 and asked.stderr.startswith("error: ") and "damaged" in asked.stderr
    assert "Traceback" not in asked.stderr
    ingested = run_cli(["ingest", str(write_tiny_corpus(tmp_path / "corpus"))], tiny_home_copy)
    assert ingested.returncode == 0, ingested.stderr
    assert "The live index was damaged" in ingested.stdout and "up to date" not in ingested.stdout
    assert run_cli(["ask", TINY_QUESTION], tiny_home_copy).returncode == 0
