"""MOD012 clean twin: the values as an enum."""

import enum

from sqlmodel import Field, SQLModel


class Priority(enum.StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class Task(SQLModel, table=True):
    __tablename__ = "tasks"

    id: int | None = Field(default=None, primary_key=True)
    priority: Priority = Field(default=Priority.medium)
