"""The live server with a login: nothing is served before logging in, and the file
routes never hand out files outside what the app itself offers (path traversal)."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.support.live_server import live_server

pytestmark = pytest.mark.slow
USER, PASSWORD = "trainer", "correct horse"


@pytest.fixture(scope="module")
def server_url(indexed_settings, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("secure-server") / "server.log"
    with live_server(Path(indexed_settings.home), log_path, auth_username=USER, auth_password=PASSWORD) as url:
        yield url


def fetch(opener, url: str, data: dict | None = None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def logged_in_opener(server_url: str):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    status, body = fetch(opener, server_url + "login", {"username": USER, "password": PASSWORD})
    assert status == 200 and json.loads(body)["success"] is True
    return opener


def test_nothing_is_served_without_logging_in(server_url):
    anonymous = urllib.request.build_opener()
    for path in ("config", "gradio_api/info", "gradio_api/file=/etc/passwd"):
        status, _ = fetch(anonymous, server_url + path)
        assert status == 401, path


def test_wrong_password_is_refused_and_right_one_admitted(server_url):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    status, _ = fetch(opener, server_url + "login", {"username": USER, "password": "guess"})
    assert status in (400, 401)
    status, _ = fetch(logged_in_opener(server_url), server_url + "config")
    assert status == 200


@pytest.mark.parametrize("path", [
    "gradio_api/file=/etc/passwd",
    "gradio_api/file=../../../../etc/passwd",
    "gradio_api/file=%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "gradio_api/file=pyproject.toml",
])
def test_file_routes_refuse_paths_outside_the_app(server_url, path):
    status, body = fetch(logged_in_opener(server_url), server_url + path)
    assert status in (403, 404)
    assert "root:" not in body and "[project]" not in body


def test_index_files_in_the_data_directory_are_not_downloadable(server_url, indexed_settings):
    current = Path(indexed_settings.home) / "index" / "CURRENT"
    status, body = fetch(logged_in_opener(server_url), server_url + f"gradio_api/file={current}")
    assert status in (403, 404)
    assert "gen-" not in body
