"""Corrected classes keep their bases: a mixin's field stays in the mixin unless the fix changes
it. Item inherits owner_id without ondelete (MOD002 on an inherited field) and declares
parent_id without ondelete or index (MOD002, MOD003 on its own field)."""

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Field, SQLModel


class Timestamped(SQLModel):
    created_at: datetime | None = Field(
        default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
    )
    updated_at: datetime | None = Field(
        default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
    )


class OwnerOwned(Timestamped):
    owner_id: int = Field(foreign_key="owners.id", index=True)


class Owner(Timestamped, table=True):
    __tablename__ = "owners"

    id: int | None = Field(default=None, primary_key=True)


class Item(OwnerOwned, table=True):
    __tablename__ = "items"

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="items.id")
