"""MOD014: a datetime field on a timestamp without time zone."""

from datetime import datetime

from sqlmodel import Field, SQLModel


class Event(SQLModel, table=True):
    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    due_at: datetime | None = None
