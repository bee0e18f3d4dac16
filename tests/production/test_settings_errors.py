"""Settings errors name the setting, the bad value and the expected form, in one line, with exit
status 2; out-of-range values are rejected."""
from __future__ import annotations

import pytest

from assistant.settings import SettingsError, load_settings
from tests.production.support import run_cli


def one_error_line(result) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_a_non_numeric_environment_value(tmp_path):
    line = one_error_line(run_cli(["ask", "甲市目标是多少？"], tmp_path / "home", top_k="abc"))
    assert "top_k = 'abc'" in line and "POLICY_ASSISTANT_TOP_K" in line and "expected an integer ≥ 1" in line


def test_an_out_of_range_value_in_config_toml(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    config = home / "config.toml"
    config.write_text("top_k = 0\n", encoding="utf-8")
    line = one_error_line(run_cli(["ingest", "--no-wait"], home, config=str(config)))
    assert "top_k = 0" in line and str(config) in line and "greater than or equal to 1" in line


def test_a_broken_config_toml(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    config = home / "config.toml"
    config.write_text("top_k = \n[server\n", encoding="utf-8")
    line = one_error_line(run_cli(["serve"], home, config=str(config)))
    assert str(config) in line and "not valid TOML" in line and "line 1" in line and "top_k = 5" in line


@pytest.mark.parametrize("name, value, fragment", [
    ("top_k", 0, "≥ 1"), ("top_k", 500, "≤ 50"), ("chunk_max_chars", 10, "≥ 50"),
    ("server_port", 70000, "≤ 65535"), ("llm_timeout_seconds", 0, "> 0"), ("max_pages_per_file", 0, "≥ 1"),
    ("max_unpacked_mb", -1, "≥ 1"), ("login_max_failures", 0, "≥ 1"), ("embedding_batch_size", "many", "an integer"),
])
def test_out_of_range_values_are_rejected(name, value, fragment, tmp_path):
    with pytest.raises(SettingsError) as raised:
        load_settings(home=tmp_path, **{name: value})
    message = str(raised.value)
    assert f"{name} = {value!r}" in message and fragment in message and "\n" not in message


def test_valid_settings_load(tmp_path):
    settings = load_settings(home=tmp_path, top_k=8, chunk_max_chars=300)
    assert (settings.top_k, settings.chunk_max_chars) == (8, 300)
