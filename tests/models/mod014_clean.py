"""MOD014 clean twin: NaiveDatetime, what the column stores."""

from pydantic import NaiveDatetime
from sqlmodel import Field, SQLModel


class Event(SQLModel, table=True):
    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    due_at: NaiveDatetime | None = None
