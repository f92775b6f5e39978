"""The clean twin of the drift rules (MOD020 to MOD030): the database of DRIFT_DDL, exactly."""

from datetime import datetime

from sqlalchemy import BigInteger, Text, func, text
from sqlmodel import Field, SQLModel


class Owner(SQLModel, table=True):
    __tablename__ = "owners"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=Text)
    created_at: datetime | None = Field(
        default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
    )
    updated_at: datetime | None = Field(
        default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
    )


class Item(SQLModel, table=True):
    __tablename__ = "items"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    owner_id: int = Field(
        foreign_key="owners.id", ondelete="CASCADE", index=True, sa_type=BigInteger
    )
    title: str = Field(max_length=200, unique=True)
    status: str = Field(
        default="todo",
        index=True,
        sa_type=Text,
        sa_column_kwargs={"server_default": text("'todo'")},
    )
    created_at: datetime | None = Field(
        default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
    )
    updated_at: datetime | None = Field(
        default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
    )
