"""Who may write the index, and who still reads which generation.

* One writer: ``ingest_lock`` is an inter-process lock (``filelock``) on the data
  directory. A second ingest waits for the first (saying so) or, with ``wait=False``,
  fails at once with ``IndexBusy``.
* Readers are never broken: every process that opens a generation records a *lease*
  (``index/holders/<generation>@<pid>``). ``prune_generations`` removes a generation
  only when it is neither current, nor being written (the writer holds the lock), nor
  leased by a live process. Leases of dead processes are ignored and cleared.
* Taking a lease and pruning are serialised by a second, short-lived lock, so a reader
  can never lease a generation in the instant between the pruner's check and its removal.

Where the index folder is read-only, leases cannot be written; nothing can be pruned
there either, so readers simply go on without one.
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

log = logging.getLogger(__name__)

LOCK_NAME = "ingest.lock"
OWNER_NAME = "ingest.owner.json"
HOLDERS = "holders"
LEASE_LOCK = ".leases.lock"
TRASH_PREFIX = ".trash-"


class IndexBusy(RuntimeError):
    """Another ingest holds the write lock (and we were asked not to wait)."""


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by its owner only (700); existing folders are left as they are."""
    path = Path(path)
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)
    return path


# ---------------------------------------------------------------- the writer lock

def ingest_owner(home: Path) -> dict | None:
    """Who holds the ingest lock, as recorded by the holder (pid, started), or None when nobody does."""
    lock = FileLock(Path(home) / LOCK_NAME)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        try:
            return json.loads((Path(home) / OWNER_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"pid": "?", "started": "?"}
    except OSError:
        return None      # cannot even create the lock file (read-only home): nobody is writing here
    lock.release()
    return None


def describe_owner(owner: dict) -> str:
    return f"pid {owner.get('pid', '?')}, started {owner.get('started', '?')}"


@contextmanager
def ingest_lock(home: Path, wait: bool = True, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the one-writer lock of ``home`` for the duration of the block."""
    home = make_private_dir(home)
    lock = FileLock(home / LOCK_NAME)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        owner = ingest_owner(home) or {}
        if not wait:
            raise IndexBusy(f"another ingest ({describe_owner(owner)}) is writing the index in {home}; "
                            "run again when it has finished, or without --no-wait to wait for it.") from None
        if on_wait is not None:
            on_wait(f"Another ingest ({describe_owner(owner)}) is writing the index in {home}; "
                    "waiting for it to finish… (Ctrl-C to stop; --no-wait fails at once instead)")
        lock.acquire()
    owner_path = home / OWNER_NAME
    try:
        owner_path.write_text(json.dumps({"pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}),
                              encoding="utf-8")
        yield
    finally:
        owner_path.unlink(missing_ok=True)
        lock.release()


# ---------------------------------------------------------------- readers' leases

_held: Counter[tuple[str, str]] = Counter()        # (index_dir, generation) -> open handles in this process
_held_lock = threading.Lock()


def _lease_path(index_dir: Path, generation: str, pid: int | None = None) -> Path:
    return Path(index_dir) / HOLDERS / f"{generation}@{pid or os.getpid()}"


@contextmanager
def lease_guard(index_dir: Path) -> Iterator[None]:
    """Serialise 'read CURRENT + lease it' against 'decide what to prune' (held for milliseconds)."""
    try:
        lock = FileLock(Path(index_dir) / LEASE_LOCK, timeout=60)
        lock.acquire()
    except (OSError, Timeout):   # a read-only or missing index folder: nobody can prune there
        yield
        return
    try:
        yield
    finally:
        lock.release()


def hold(index_dir: Path, generation: str) -> None:
    """Record that this process reads ``generation`` (call inside ``lease_guard``)."""
    key = (str(index_dir), generation)
    with _held_lock:
        _held[key] += 1
        if _held[key] > 1:
            return
    path = _lease_path(index_dir, generation)
    try:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"pid": os.getpid(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}),
                        encoding="utf-8")
    except OSError as error:   # read-only index: nothing can prune it either
        log.debug("no lease for %s: %s", path, error)


def release(index_dir: Path, generation: str) -> None:
    key = (str(index_dir), generation)
    with _held_lock:
        if _held[key] <= 0:
            return
        _held[key] -= 1
        if _held[key] > 0:
            return
        del _held[key]
    try:
        _lease_path(index_dir, generation).unlink(missing_ok=True)
    except OSError:
        pass


@atexit.register
def _release_all() -> None:
    with _held_lock:
        keys = list(_held)
        _held.clear()
    for index_dir, generation in keys:
        try:
            _lease_path(Path(index_dir), generation).unlink(missing_ok=True)
        except OSError:
            pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True      # exists, owned by someone else
    return True


def live_holders(index_dir: Path) -> dict[str, list[int]]:
    """generation -> pids of live processes holding it; leases of dead processes are deleted."""
    held: dict[str, list[int]] = {}
    folder = Path(index_dir) / HOLDERS
    if not folder.is_dir():
        return held
    for path in folder.iterdir():
        generation, _, pid_text = path.name.rpartition("@")
        if not pid_text.isdigit() or not generation:
            continue
        if _alive(int(pid_text)):
            held.setdefault(generation, []).append(int(pid_text))
        else:
            path.unlink(missing_ok=True)
    return held


def prune_generations(index_dir: Path, keep: set[str]) -> list[str]:
    """Remove every ``gen-*`` folder not in ``keep`` and not leased by a live process; returns the names removed.

    Call only while holding ``ingest_lock``: then no other generation is being written.
    """
    index_dir = Path(index_dir)
    doomed = []
    with lease_guard(index_dir):
        held = live_holders(index_dir)
        for path in sorted(index_dir.glob("gen-*")):
            if path.name in keep or path.name in held:
                continue
            try:
                path.rename(index_dir / f"{TRASH_PREFIX}{path.name}")   # atomic: no reader can open it from now on
                doomed.append(path.name)
            except OSError as error:
                log.warning("could not remove the old index generation %s: %s", path, error)
    for trash in index_dir.glob(f"{TRASH_PREFIX}*"):   # also leftovers of an earlier, interrupted prune
        shutil.rmtree(trash, ignore_errors=True)
    return doomed
