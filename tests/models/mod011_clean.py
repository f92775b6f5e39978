"""MOD011 clean twin: JSONB, as the database has it."""

from typing import Any

from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class Event(SQLModel, table=True):
    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
