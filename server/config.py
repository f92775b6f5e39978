"""Settings, read from the environment and `.env` (every one is documented in `.env.example`)."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tools.errors import ConfigError

SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
PREFIX = "PGARCHITECT_"
MIN_TOKEN_LENGTH = 16
_UNENCODED = re.compile(r"[\s/?#@]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})|%00")


class Settings(BaseSettings):
    """What the server needs to know; nothing here is ever printed unmasked."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    database_url: str | None = Field(
        None,
        validation_alias="DATABASE_URL",
        description="postgresql:// URL; unset = start an embedded PostgreSQL",
    )
    project_root: Path = Field(
        default_factory=Path.cwd,
        validation_alias="PGARCHITECT_PROJECT_ROOT",
        description="root of the project whose spec and models are read",
    )
    spec_path: Path = Field(
        Path("specs/database/schema.md"),
        validation_alias="PGARCHITECT_SPEC_PATH",
        description="the schema spec, relative to the project root",
    )
    statement_timeout_s: float = Field(
        15.0, gt=0, le=3600, validation_alias="PGARCHITECT_STATEMENT_TIMEOUT"
    )
    lock_timeout_s: float = Field(2.0, gt=0, le=600, validation_alias="PGARCHITECT_LOCK_TIMEOUT")
    connect_timeout_s: float = Field(
        10.0, gt=0, le=300, validation_alias="PGARCHITECT_CONNECT_TIMEOUT"
    )
    connect_retries: int = Field(3, ge=0, le=10, validation_alias="PGARCHITECT_CONNECT_RETRIES")
    pool_max_size: int = Field(4, ge=1, le=50, validation_alias="PGARCHITECT_POOL_MAX_SIZE")
    http_host: str = Field("127.0.0.1", validation_alias="PGARCHITECT_HTTP_HOST")
    http_port: int = Field(8765, ge=1, le=65535, validation_alias="PGARCHITECT_HTTP_PORT")
    embedded_data_dir: Path | None = Field(
        None,
        validation_alias="PGARCHITECT_EMBEDDED_DATA_DIR",
        description="data dir of the embedded server; default under the user's cache dir",
    )
    log_level: str = Field("INFO", validation_alias="PGARCHITECT_LOG_LEVEL")
    log_modules: str = Field(
        "",
        validation_alias="PGARCHITECT_LOG_MODULES",
        description="other loggers to show, e.g. 'mcp,httpx=DEBUG' (else they stay at WARNING)",
    )
    call_timeout_s: float = Field(
        60.0,
        gt=0,
        le=3600,
        validation_alias="PGARCHITECT_CALL_TIMEOUT",
        description="seconds one tool call may take, all its statements together",
    )
    answer_budget: int = Field(
        60_000,
        ge=5_000,
        le=10_000_000,
        validation_alias="PGARCHITECT_ANSWER_BUDGET",
        description="characters of compact JSON per tool answer; larger answers come in pages",
    )
    allow_analyze: bool = Field(
        False,
        validation_alias="PGARCHITECT_ALLOW_ANALYZE",
        description="explain_query(analyze=True) runs the query; its row counts reveal the data",
    )
    http_token: SecretStr | None = Field(
        None,
        validation_alias="PGARCHITECT_HTTP_TOKEN",
        description="bearer token every HTTP request must carry; required off loopback",
    )
    http_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias="PGARCHITECT_HTTP_ALLOWED_HOSTS",
        description="Host header values accepted over HTTP (comma-separated, host:* for any port)",
    )
    http_allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias="PGARCHITECT_HTTP_ALLOWED_ORIGINS",
        description="browser Origins accepted over HTTP (comma-separated)",
    )

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return check_database_url(value.strip())

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("http_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"the token is shorter than {MIN_TOKEN_LENGTH} characters; make one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @field_validator("http_allowed_hosts", "http_allowed_origins", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @property
    def resolved_spec_path(self) -> Path:
        """The spec path, under the project root unless given absolute."""
        return (
            self.spec_path if self.spec_path.is_absolute() else self.project_root / self.spec_path
        )


def check_database_url(value: str) -> str:
    """DATABASE_URL as given, if libpq reads it as written; no part of it is ever echoed.

    A character that must be percent-encoded in the user information makes libpq and a reader
    disagree on where the password ends (an unencoded `/` turns the password into a port), and
    libpq's own parse errors quote the password: both are refused with a message of our own.
    """
    if "://" in value:
        scheme = value.split("://", 1)[0].lower()
        if scheme not in ("postgresql", "postgres"):
            raise ValueError(
                f"DATABASE_URL must start with postgresql:// or postgres://, got {scheme[:20]!r}"
            )
        userinfo = value.split("://", 1)[1].rpartition("@")[0]
        if _UNENCODED.search(userinfo) or _BAD_PERCENT.search(value) or " " in value:
            raise ValueError(
                "DATABASE_URL holds a character that must be percent-encoded (in the password: "
                "space, %, /, ?, #, @ as %20, %25, %2F, %3F, %23, %40; %00 is never allowed); "
                'encode it with python -c "import urllib.parse, getpass; '
                "print(urllib.parse.quote(getpass.getpass(), safe=''))\" (the URL is not shown)"
            )
        _check_ports(value.split("://", 1)[1].rpartition("@")[2])
    try:
        options = conninfo_to_dict(value)
    except psycopg.Error as err:
        # libpq quotes the text it could not read, the password included: only an unknown
        # option's name (letters and underscores) is repeated.
        option = re.fullmatch(r'invalid URI query parameter: "([a-z_]{1,40})"', str(err).strip())
        reason = f"unknown option {option.group(1)!r}" if option else "libpq could not read it"
        raise ValueError(
            "DATABASE_URL is not a valid postgresql:// URL or key=value connection string "
            f"(host=… dbname=… user=…): {reason} (the value is not shown)"
        ) from None
    sslmode = options.get("sslmode")
    if sslmode is not None and sslmode not in SSLMODES:
        raise ValueError(f"sslmode={sslmode!r} in DATABASE_URL; use one of {SSLMODES}")
    return value


def _check_ports(hostpart: str) -> None:
    """Refuse a port that is not a number in `host:port[,host:port]` (after the '@')."""
    for host in re.split(r"[/?]", hostpart, maxsplit=1)[0].split(","):
        port = host.rpartition("]")[2] if host.startswith("[") else host
        port = port.rpartition(":")[2] if ":" in port else ""
        if port and not port.isdigit():
            raise ValueError(
                f"DATABASE_URL is not a valid PostgreSQL URL: its port {port[:20]!r} is not "
                "a number"
            )


def unknown_settings(names: Iterable[str]) -> list[str]:
    """A sentence for each PGARCHITECT_* name no setting has, naming the closest one."""
    known = sorted(
        str(field.validation_alias)
        for field in Settings.model_fields.values()
        if str(field.validation_alias).startswith(PREFIX)
    )
    problems = []
    for name in sorted({name.upper() for name in names}):
        if name.startswith(PREFIX) and name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else f"settings are {', '.join(known)}"
            problems.append(f"unknown setting {name} ({hint})")
    return problems


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a typo in a name or a malformed value into one ConfigError."""
    from dotenv import dotenv_values
    from pydantic import ValidationError

    names = list(os.environ)
    if Path(".env").is_file():
        names += [name for name in dotenv_values(".env") if name]
    problems = unknown_settings(names)
    if problems:
        raise ConfigError(
            f"invalid configuration: {'; '.join(problems)}; every setting is in .env.example"
        )
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        problems = [_problem(error) for error in err.errors()]
        raise ConfigError(
            f"invalid configuration: {'; '.join(problems)}; see .env.example"
        ) from None


SECRET_SETTINGS = ("DATABASE_URL", "PGARCHITECT_HTTP_TOKEN")


def _problem(error: Any) -> str:
    """'PGARCHITECT_X: what is wrong (got 'value')'; secret settings never show their value."""
    name = ".".join(str(part) for part in error["loc"]) or "settings"
    message = str(error["msg"]).removeprefix("Value error, ")
    if name in SECRET_SETTINGS or "input" not in error or isinstance(error["input"], dict):
        return f"{name}: {message}"
    return f"{name}: {message} (got {str(error['input'])[:60]!r})"
