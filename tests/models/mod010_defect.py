"""MOD010: Optional annotations that contradict nullable=."""

from sqlmodel import Field, SQLModel


class Note(SQLModel, table=True):
    __tablename__ = "notes"

    id: int | None = Field(default=None, primary_key=True)
    title: str | None = Field(default=None, nullable=False)
    body: str = Field(nullable=True)
