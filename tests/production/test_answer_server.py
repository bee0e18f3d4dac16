"""``policy-assistant answer-server`` keeps the index open; ``ask`` answers through it with the
same output and exit codes as a cold ``ask``, and answers cold when no server listens."""
from __future__ import annotations

import subprocess
import time

from assistant.surfaces.answer_socket import ask_through_socket, socket_path
from tests.production.support import PROJECT_ROOT, cli_command, cli_env, run_cli

QUESTION = "科技馆免费开放由哪个单位负责？"


def test_ask_through_the_answer_server_prints_what_a_cold_ask_prints(tiny_home_copy):
    home = tiny_home_copy
    cold = run_cli(["ask", "--cold", QUESTION], home)
    assert cold.returncode == 0, cold.stderr
    server = subprocess.Popen([*cli_command(), "answer-server"], cwd=PROJECT_ROOT, env=cli_env(home),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while ask_through_socket(home, {"ping": True}) is None:
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "the answer server did not start"
            time.sleep(0.2)
        warm = run_cli(["ask", QUESTION], home)
        assert (warm.returncode, warm.stdout) == (0, cold.stdout)
        unknown = run_cli(["ask", "--doc", "no-such.txt", QUESTION], home)
        assert unknown.returncode == 2 and "no-such.txt" in unknown.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_stale_socket_file_means_a_cold_answer(tiny_home_copy):
    home = tiny_home_copy
    socket_path(home).write_text("")          # left behind by a killed server
    answered = run_cli(["ask", QUESTION], home)
    assert answered.returncode == 0 and answered.stdout.strip()
    assert "Traceback" not in answered.stderr
