"""The result models of `generate_model`: the module, and what each class holds."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class GeneratedField(BaseModel):
    """One column as a model field."""

    name: str = Field(description="the Python attribute")
    column: str = Field(description="the database column it maps to")
    annotation: str = Field(description="the Python type annotation")
    code: str = Field(description="the line(s) of the field in the module")
    uses_sa_column: bool = Field(False, description="written as Field(sa_column=Column(...))")
    default: str | None = Field(None, description="Python default literal, when there is one")
    server_set: bool = Field(False, description="the database fills it (identity, default, …)")
    nullable: bool = Field(True, description="the column accepts NULL")


class GeneratedRelationship(BaseModel):
    """One Relationship() attribute."""

    name: str = Field(description="the attribute name")
    target: str = Field(description="class on the other side")
    kind: Literal["many-to-one", "one-to-many", "many-to-many"] = Field(description="cardinality")
    back_populates: str = Field(description="the attribute on the other side")
    link_model: str | None = Field(None, description="link class of a many-to-many")
    cascade_delete: bool = Field(False, description="the database cascades deletes this way")


class GeneratedClass(BaseModel):
    """One table=True class."""

    table: str = Field(description="schema.table")
    class_name: str = Field(description="the SQLModel class")
    fields: list[GeneratedField] = Field(description="columns in table order")
    relationships: list[GeneratedRelationship] = Field(description="Relationship() attributes")
    migration_notes: list[str] = Field(description="what Alembic and reviewers should know")


class GeneratedModels(BaseModel):
    """A generated SQLModel module and what it holds."""

    schema_name: str = Field(description="the schema the models describe")
    source: Literal["database", "spec"] = Field(description="where the structure came from")
    code: str = Field(description="the Python module, ruff-formatted, imports sorted")
    classes: list[GeneratedClass] = Field(description="table classes in module order")
    enums: list[str] = Field(description="Python enum classes generated for Postgres enums")
    extensions: list[str] = Field(
        default_factory=list, description="extensions the module creates before its tables"
    )
    migration_notes: list[str] = Field(description="module-wide notes for Alembic")
    assumptions: list[str] = Field(description="choices made where the source said nothing")
    fields_total: int = Field(description="number of column fields")
    fields_with_sa_column: int = Field(description="fields that needed sa_column=Column(...)")
    path: str | None = Field(None, description="file written, when path= was given")
