"""MOD029: an index the model declares as a B-tree where the database has GIN (jsonb_path_ops)."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class Doc(SQLModel, table=True):
    __tablename__ = "docs"
    __table_args__ = (Index("ix_docs_meta_gin", "meta"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    meta: dict[str, Any] = Field(sa_type=JSONB)
    created_at: datetime | None = Field(
        default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
    )
    updated_at: datetime | None = Field(
        default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
    )
