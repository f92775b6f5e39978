"""MOD011: sa_type=JSON on a column the database keeps as jsonb."""

from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel


class Event(SQLModel, table=True):
    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSON)
