"""Warm answers for ``policy-assistant ask``: a process that keeps the index and model open
answers on a Unix socket in the data folder, and ``ask`` uses it when it is there.

A cold ``ask`` loads the embedding model, Chroma, jieba, the gazetteer and the answer code:
several seconds on 2 cores. ``policy-assistant answer-server`` (or ``serve``, once it starts
``start_in_thread``) pays that once; each ``ask`` then costs a Python start, one connect and
the answer itself (docs/benchmarks.md). The socket sits in the home (mode 0600 under the
CLI's umask 077), so only the user who owns the data folder can ask through it.

Protocol: one JSON request line (the ``ask`` arguments), one JSON reply line
{"status", "stdout", "stderr"}: exactly what the cold ``ask`` would have printed.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import socketserver
import threading
from pathlib import Path

SOCKET_NAME = "answers.sock"
CONNECT_TIMEOUT_SECONDS = 0.5
ANSWER_TIMEOUT_SECONDS = 120.0


def socket_path(home: Path) -> Path:
    return Path(home) / SOCKET_NAME


def ask_through_socket(home: Path, request: dict) -> dict | None:
    """The warm process's reply, or None when none is listening (the caller answers cold)."""
    path = socket_path(home)
    if not path.exists():
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(CONNECT_TIMEOUT_SECONDS)
            client.connect(str(path))
            client.settimeout(ANSWER_TIMEOUT_SECONDS)
            client.sendall(json.dumps(request, ensure_ascii=False).encode("utf-8") + b"\n")
            with client.makefile("rb") as replies:
                line = replies.readline()
    except OSError:     # stale socket file, server gone, refused: answer cold
        return None
    try:
        reply = json.loads(line)
    except ValueError:
        return None
    return reply if isinstance(reply, dict) and "status" in reply else None


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        try:
            request = json.loads(self.rfile.readline())
            reply = self.server.answer(request)        # type: ignore[attr-defined]
        except Exception as error:   # one clear line to the asker; the server keeps answering
            reply = {"status": 1, "stdout": "", "stderr": f"error: the answer server failed ({type(error).__name__}: {error})\n"}
        self.wfile.write(json.dumps(reply, ensure_ascii=False).encode("utf-8") + b"\n")


class AnswerServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, home: Path, assistant, ask) -> None:
        """``ask(assistant, question, docs, format, out, err) -> status`` prints one answer as the
        CLI does (``assistant.surfaces.cli.ask_with``)."""
        self.assistant = assistant
        self.ask = ask
        path = socket_path(home)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()          # a socket left by a killed server
        old_umask = os.umask(0o077)
        try:
            super().__init__(str(path), _Handler)
        finally:
            os.umask(old_umask)
        self.path = path

    def answer(self, request: dict) -> dict:
        if request.get("ping"):
            return {"status": 0, "stdout": "", "stderr": ""}
        out, err = io.StringIO(), io.StringIO()
        status = self.ask(self.assistant, request.get("question", ""), request.get("doc") or [],
                          request.get("format", "plain"), out, err)
        return {"status": status, "stdout": out.getvalue(), "stderr": err.getvalue()}

    def server_close(self) -> None:
        super().server_close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def start_in_thread(home: Path, assistant, ask) -> AnswerServer | None:
    """Answer ``ask`` from this (already warm) process, e.g. from ``serve``; None when the
    socket cannot be made (another server holds it, a read-only home): ``ask`` then answers cold."""
    try:
        if ask_through_socket(home, {"ping": True}) is not None:
            return None          # another process answers already
        server = AnswerServer(home, assistant, ask)
    except OSError:
        return None
    threading.Thread(target=server.serve_forever, name="answer-socket", daemon=True).start()
    return server
