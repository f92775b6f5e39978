"""MOD012: a fixed set of values kept as free text."""

from sqlmodel import Field, SQLModel


class Task(SQLModel, table=True):
    __tablename__ = "tasks"

    id: int | None = Field(default=None, primary_key=True)
    priority: str = Field(default="medium", max_length=10)  # low, medium, high
