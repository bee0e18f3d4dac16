"""Secure by default: no login-less server beyond loopback, no half-configured auth, failed
logins rate-limited, private files, temporary exports cleaned up."""
from __future__ import annotations

import asyncio
import stat
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from assistant.access import LoginThrottle, ServeRefused, check_serving
from assistant.settings import Settings
from tests.production.support import PROJECT_ROOT, cli_env, run_cli
from tests.support.live_server import live_server


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------- refusing to start

@pytest.mark.parametrize("args, settings, fragment", [
    (["--host", "0.0.0.0"], {}, "without a login"),
    (["--host", "192.168.1.20"], {}, "without a login"),
    ([], {"auth_username": "admin"}, "auth_username is set but auth_password is empty"),
    (["--host", "0.0.0.0"], {"auth_password": "s3cret-pass"}, "auth_password is set but auth_username is empty"),
])
def test_unsafe_serving_refuses_to_start(args, settings, fragment, tmp_path):
    result = run_cli(["serve", *args], tmp_path / "home", timeout=120, **settings)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0]
    assert "Traceback" not in result.stderr and "s3cret-pass" not in result.stderr


def test_what_may_start():
    check_serving(Settings(), "127.0.0.1")
    check_serving(Settings(), "localhost")
    check_serving(Settings(), "::1")
    check_serving(Settings(), "0.0.0.0", insecure=True)                       # spelled out
    check_serving(Settings(auth_username="admin", auth_password="pw"), "0.0.0.0")
    with pytest.raises(ServeRefused):
        check_serving(Settings(auth_username="admin", auth_password=""), "127.0.0.1")


# ---------------------------------------------------------------- login rate limit

def _login(app, client: str, ok: bool) -> int:
    """One POST /login through the middleware; the inner app answers 200 or 400 like Gradio's."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/login", "client": (client, 5000), "headers": []}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"]


def test_login_throttle_locks_a_client_out_then_lets_it_back():
    now = [1000.0]

    async def gradio_login(scope, receive, send):
        status = 200 if scope["client"][0].endswith("ok") else 400
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    throttle = LoginThrottle(gradio_login, max_failures=3, lockout_seconds=300, clock=lambda: now[0])
    assert [_login(throttle, "10.0.0.1", ok=False) for _ in range(3)] == [400, 400, 400]
    assert _login(throttle, "10.0.0.1", ok=False) == 429          # locked out
    assert _login(throttle, "10.0.0.2", ok=False) == 400          # another client is not
    now[0] += 301
    assert _login(throttle, "10.0.0.1", ok=False) == 400          # the lockout ends


@pytest.mark.slow
def test_a_live_server_rate_limits_failed_logins(tiny_index_home, tmp_path):
    user, password = "trainer", "correct-horse-battery"
    with live_server(tiny_index_home, tmp_path / "server.log", auth_username=user, auth_password=password,
                     login_max_failures="3", login_lockout_seconds="600") as url:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

        def login(secret: str) -> int:
            data = urllib.parse.urlencode({"username": user, "password": secret}).encode()
            try:
                with opener.open(urllib.request.Request(url + "login", data=data), timeout=30) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        assert [login("wrong") for _ in range(3)] == [400, 400, 400]
        assert login(password) == 429        # locked out, even with the right password


# ---------------------------------------------------------------- private files

def test_home_index_and_feedback_are_private(tmp_path, tiny_index_home):
    from assistant.types import Answer
    from assistant.feedback import feedback_entry, record_feedback

    home = tmp_path / "new-home"
    result = run_cli(["ingest", str(PROJECT_ROOT / "tests" / "no-such-dir")], home)   # fails, but creates the home
    assert result.returncode == 1
    assert mode(home) == 0o700

    feedback_home = tmp_path / "feedback-home"
    path = Settings(home=feedback_home).feedback_path
    record_feedback(path, feedback_entry(Answer("q", "a", [], [], False), "up"))
    assert mode(feedback_home) == 0o700 and mode(path) == 0o600


def test_exports_are_private_and_temporary_files_go_at_exit(tmp_path):
    script = r"""
import sys
from assistant.surfaces import ui
folder = ui.export_folder()
path = folder / "briefing.md"
path.write_text("x", encoding="utf-8")
ui.private_file(path)
import os, stat
print(ui.process_temp_dir(), oct(stat.S_IMODE(os.stat(ui.process_temp_dir()).st_mode)),
      oct(stat.S_IMODE(os.stat(folder).st_mode)), oct(stat.S_IMODE(os.stat(path).st_mode)), flush=True)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=cli_env(tmp_path / "home"),
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    root, root_mode, folder_mode, file_mode = result.stdout.split()
    assert (root_mode, folder_mode, file_mode) == ("0o700", "0o700", "0o600")
    assert not Path(root).exists(), "the process's temporary folder is removed at exit"


def test_the_same_records_csv_reuses_one_file(indexed_settings, policy_assistant):
    from assistant.surfaces.ui import Handlers, process_temp_dir

    handlers = Handlers(policy_assistant, indexed_settings)
    before = set((process_temp_dir() / "csv").glob("*")) if (process_temp_dir() / "csv").exists() else set()
    paths = {handlers.filter_records("", "")[1]["value"] for _ in range(3)}
    assert len(paths) == 1
    path = Path(paths.pop())
    assert mode(path) == 0o600 and process_temp_dir() in path.parents
    assert len(set((process_temp_dir() / "csv").glob("*")) - before) <= 1
