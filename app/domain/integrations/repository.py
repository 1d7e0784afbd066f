from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.domain.integrations.models import Connection, ExternalRef
from app.domain.pagination import PageRequest, keyset


async def get_connection(
    session: AsyncSession, organization_id: uuid.UUID, connection_id: uuid.UUID
) -> Connection | None:
    stmt = select(Connection).where(
        Connection.organization_id == organization_id, Connection.id == connection_id
    )
    return (await session.scalars(stmt)).first()


async def list_connections(
    session: AsyncSession, organization_id: uuid.UUID, page: PageRequest
) -> Sequence[Connection]:
    stmt = select(Connection).where(Connection.organization_id == organization_id)
    return (await session.scalars(keyset(stmt, Connection.created_at, Connection.id, page))).all()


async def refs_for(
    session: AsyncSession,
    organization_id: uuid.UUID,
    resource_type: str,
    resource_ids: Sequence[uuid.UUID],
) -> Sequence[ExternalRef]:
    if not resource_ids:
        return []
    stmt = (
        select(ExternalRef)
        .where(
            ExternalRef.organization_id == organization_id,
            ExternalRef.resource_type == resource_type,
            col(ExternalRef.resource_id).in_(resource_ids),
        )
        .order_by(col(ExternalRef.created_at))
    )
    return (await session.scalars(stmt)).all()


async def find_by_external_id(
    session: AsyncSession,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    resource_type: str,
    external_id: str,
) -> ExternalRef | None:
    stmt = select(ExternalRef).where(
        ExternalRef.organization_id == organization_id,
        ExternalRef.connection_id == connection_id,
        ExternalRef.resource_type == resource_type,
        ExternalRef.external_id == external_id,
    )
    return (await session.scalars(stmt)).first()


async def upsert_ref(session: AsyncSession, ref: ExternalRef) -> ExternalRef | None:
    """Link or re-point a resource's id for a connection. None when the external id is taken."""
    stmt = (
        insert(ExternalRef)
        .values(
            id=ref.id,
            organization_id=ref.organization_id,
            connection_id=ref.connection_id,
            resource_type=ref.resource_type,
            resource_id=ref.resource_id,
            external_id=ref.external_id,
            created_at=ref.created_at,
        )
        .on_conflict_do_update(
            index_elements=["connection_id", "resource_type", "resource_id"],
            set_={"external_id": ref.external_id},
        )
        .returning(ExternalRef)
    )
    return (await session.scalars(stmt)).first()
