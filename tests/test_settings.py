"""Settings: a typo in a PGARCHITECT_* name or a malformed value stops the server at start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.config import Settings, load_settings
from tools.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
EXECUTABLE = Path(sys.executable).parent / "pgarchitect"


@pytest.mark.parametrize(
    ("name", "closest"),
    [
        pytest.param("PGARCHITECT_ALOW_ANALYZE", "PGARCHITECT_ALLOW_ANALYZE", id="missing-letter"),
        pytest.param("PGARCHITECT_READONLY", None, id="no-close-one"),
        pytest.param(
            "PGARCHITECT_STATEMENT_TIMEOUT_S", "PGARCHITECT_STATEMENT_TIMEOUT", id="suffix"
        ),
        pytest.param("pgarchitect_http_tokn", "PGARCHITECT_HTTP_TOKEN", id="lower-case"),
    ],
)
def test_an_unknown_setting_stops_the_server_naming_the_closest(monkeypatch, name, closest):
    monkeypatch.setenv(name, "on")
    with pytest.raises(ConfigError, match=f"unknown setting {name.upper()}") as caught:
        load_settings()
    if closest:
        assert f"did you mean {closest}?" in str(caught.value)
    else:
        assert "PGARCHITECT_ALLOW_ANALYZE" in str(caught.value)  # lists them


def test_an_unknown_setting_in_dotenv_is_refused_too(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("PGARCHITECT_CALL_TIMEOUTS=5\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="did you mean PGARCHITECT_CALL_TIMEOUT"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        pytest.param("PGARCHITECT_ALLOW_ANALYZE", "maybe", "valid boolean", id="bool"),
        pytest.param("PGARCHITECT_CALL_TIMEOUT", "0", "greater than 0", id="zero-timeout"),
        pytest.param("PGARCHITECT_CALL_TIMEOUT", "1m", "valid number", id="unit"),
        pytest.param("PGARCHITECT_POOL_MAX_SIZE", "500", "less than or equal", id="pool"),
        pytest.param("PGARCHITECT_LOG_LEVEL", "LOUD", "not a log level", id="log-level"),
        pytest.param("PGARCHITECT_HTTP_TOKEN", "abc123xyz", "shorter than 16", id="token"),
        pytest.param("PGARCHITECT_HTTP_PORT", "http", "valid integer", id="port"),
    ],
)
def test_a_malformed_value_is_one_clear_error(monkeypatch, name, value, fragment):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=fragment) as caught:
        load_settings()
    assert name in str(caught.value)
    if name == "PGARCHITECT_HTTP_TOKEN":
        assert value not in str(caught.value)  # a secret is never shown, even a bad one


def test_every_setting_is_documented_in_env_example():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for field in Settings.model_fields.values():
        assert f"{field.validation_alias}=" in example, field.validation_alias


def test_lists_read_comma_separated(monkeypatch):
    monkeypatch.setenv("PGARCHITECT_HTTP_ALLOWED_HOSTS", "db.example.com:*, 10.0.0.5:8765")
    monkeypatch.setenv("PGARCHITECT_HTTP_ALLOWED_ORIGINS", "https://app.example.com")
    settings = load_settings()
    assert settings.http_allowed_hosts == ["db.example.com:*", "10.0.0.5:8765"]
    assert settings.http_allowed_origins == ["https://app.example.com"]
    assert settings.allow_analyze is False and settings.call_timeout_s == 60


def test_serve_with_a_typo_exits_2_before_serving(pg_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGARCHITECT_")}
    env.update(DATABASE_URL=pg_url, PGARCHITECT_ALLOW_ANALISE="on")
    done = subprocess.run(
        [str(EXECUTABLE), "serve"], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "did you mean PGARCHITECT_ALLOW_ANALYZE?" in done.stderr
