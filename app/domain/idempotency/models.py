"""Stored answers to POSTs that carried an Idempotency-Key, kept for a day."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, id_field, json_field, org_field, timestamp_field


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("organization_id", "member_id", "key"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    member_id: uuid.UUID
    key: str = Field(max_length=255)
    method: str = Field(max_length=8)
    path: str = Field(max_length=2000)
    request_hash: str = Field(max_length=64)
    locked_at: datetime | None = timestamp_field()
    response_status: int | None = None
    response_headers: list[Any] = json_field(list)
    response_body: bytes | None = Field(default=None, sa_type=LargeBinary())
    created_at: datetime = created_field()
    expires_at: datetime = timestamp_field(nullable=False)
