"""MOD001: a table class without a primary key."""

from sqlmodel import Field, SQLModel


class Tag(SQLModel, table=True):
    __tablename__ = "tags"

    name: str = Field(max_length=50)
