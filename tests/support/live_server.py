"""Start a real `policy-assistant serve` in a subprocess on a free loopback port."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log_path.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"the server did not answer at {url}:\n{log_path.read_text(errors='replace')[-4000:]}")


@contextmanager
def live_server(home: Path, log_path: Path, **settings: str):
    """Yield the base URL of a running server over ``home``; extra settings become env vars."""
    port = free_port()
    env = {**os.environ, "POLICY_ASSISTANT_HOME": str(home), "POLICY_ASSISTANT_SERVER_PORT": str(port),
           "POLICY_ASSISTANT_SERVER_HOST": "127.0.0.1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1",
           **{f"POLICY_ASSISTANT_{key.upper()}": value for key, value in settings.items()}}
    command = [str(Path(sys.executable).with_name("policy-assistant")), "serve"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
