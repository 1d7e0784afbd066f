"""Connections to other systems and the links from our records to their ids there.

Any record an ATS also holds can carry external ids, so that the ATS adapters sync without
reshaping the schema: one row per (connection, resource), unique per (connection, external id).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, fk, id_field, org_field


class Connection(SQLModel, table=True):
    __tablename__ = "integration_connections"

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    provider: str = Field(max_length=32)
    name: str = Field(max_length=200)
    status: str = Field(default="active", max_length=16)
    created_at: datetime = created_field()


class ExternalRef(SQLModel, table=True):
    __tablename__ = "external_refs"
    __table_args__ = (
        UniqueConstraint("connection_id", "resource_type", "external_id"),
        UniqueConstraint("connection_id", "resource_type", "resource_id"),
        Index("ix_external_refs_resource", "organization_id", "resource_type", "resource_id"),
    )

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID = org_field()
    connection_id: uuid.UUID = fk(
        "integration_connections.id", nullable=False, ondelete="CASCADE", index=False
    )
    resource_type: str = Field(max_length=32)
    resource_id: uuid.UUID
    external_id: str = Field(max_length=200)
    created_at: datetime = created_field()
