"""MOD010 clean twin: annotations and nullable= agree."""

from sqlmodel import Field, SQLModel


class Note(SQLModel, table=True):
    __tablename__ = "notes"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(nullable=False)
    body: str | None = Field(default=None, nullable=True)
