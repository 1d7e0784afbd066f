"""Column helpers shared by every table model, so tenancy and timestamps look the same everywhere."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Uuid, any_, literal
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field

from app.clock import utcnow
from app.ids import new_id

# An array of ids as one bind parameter (`= ANY(:ids)`): unlike an expanding IN, the statement
# text does not change with the number of ids, so it is compiled once and reused.
UUID_ARRAY = ARRAY(Uuid())


def any_id(ids: Sequence[uuid.UUID]) -> Any:
    """`column == any_id(ids)`: `column = ANY(:ids)`, the ids sent as one array value."""
    return any_(literal(list(ids), UUID_ARRAY))


def id_field() -> Any:
    return Field(default_factory=new_id, primary_key=True)


def org_field() -> Any:
    """Every row belongs to an organization; deleting the organization deletes its rows."""
    return Field(
        sa_column_args=[ForeignKey("organizations.id", ondelete="CASCADE")],
        index=True,
        nullable=False,
    )


def created_field() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


def timestamp_field(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=DateTime(timezone=True), nullable=nullable)


def json_field(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_type=JSONB, nullable=False)


def fk(
    target: str, *, nullable: bool = True, ondelete: str = "RESTRICT", index: bool = True
) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column_args=[ForeignKey(target, ondelete=ondelete)],
        nullable=nullable,
        index=index,
    )


__all__ = [
    "any_id",
    "created_field",
    "datetime",
    "fk",
    "id_field",
    "json_field",
    "org_field",
    "timestamp_field",
    "uuid",
]
