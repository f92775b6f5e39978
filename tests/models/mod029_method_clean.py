"""MOD029 clean twin: the GIN index with its operator class, as the database has it."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class Doc(SQLModel, table=True):
    __tablename__ = "docs"
    __table_args__ = (
        Index(
            "ix_docs_meta_gin",
            "meta",
            postgresql_using="gin",
            postgresql_ops={"meta": "jsonb_path_ops"},
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    meta: dict[str, Any] = Field(sa_type=JSONB)
    created_at: datetime | None = Field(
        default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
    )
    updated_at: datetime | None = Field(
        default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
    )
