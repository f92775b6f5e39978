"""Settings, read from the environment and `.env` (every one is documented in `.env.example`)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.db import error_line
from tools.errors import ConfigError

SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


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

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("postgresql", "postgres"):
            raise ValueError(
                f"DATABASE_URL must start with postgresql:// or postgres://, got scheme "
                f"{parts.scheme!r}"
            )
        try:
            _ = parts.port  # raises on a port that is not a number
            options = conninfo_to_dict(value)
        except (ValueError, psycopg.Error) as err:
            reason = error_line(err, "unreadable")
            raise ValueError(f"DATABASE_URL is not a valid PostgreSQL URL: {reason}") from None
        sslmode = options.get("sslmode")
        if sslmode is not None and sslmode not in SSLMODES:
            raise ValueError(f"sslmode={sslmode!r} in DATABASE_URL; use one of {SSLMODES}")
        return value

    @property
    def resolved_spec_path(self) -> Path:
        """The spec path, under the project root unless given absolute."""
        return (
            self.spec_path if self.spec_path.is_absolute() else self.project_root / self.spec_path
        )


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation problems into one clear ConfigError."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in err.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}; see .env.example") from None
