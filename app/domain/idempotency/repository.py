"""Claiming, completing and releasing Idempotency-Key records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select, update

from app.clock import utcnow
from app.domain.idempotency.models import IdempotencyRecord
from app.ids import new_id


@dataclass(frozen=True)
class Claim:
    outcome: Literal["new", "replay", "mismatch", "in_flight"]
    record_id: uuid.UUID
    status: int | None = None
    headers: list[Any] | None = None
    body: bytes | None = None


async def claim(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    key: str,
    method: str,
    path: str,
    request_hash: str,
    ttl_hours: int,
    lock_seconds: int,
) -> Claim:
    now = utcnow()
    inserted = (
        await session.execute(
            insert(IdempotencyRecord)
            .values(
                id=new_id(),
                organization_id=organization_id,
                member_id=member_id,
                key=key,
                method=method,
                path=path,
                request_hash=request_hash,
                locked_at=now,
                response_headers=[],
                created_at=now,
                expires_at=now + timedelta(hours=ttl_hours),
            )
            .on_conflict_do_nothing(index_elements=["organization_id", "member_id", "key"])
            .returning(col(IdempotencyRecord.id))
        )
    ).scalar()
    if inserted is not None:
        return Claim("new", inserted)
    record = (
        await session.scalars(
            select(IdempotencyRecord)
            .where(
                IdempotencyRecord.organization_id == organization_id,
                IdempotencyRecord.member_id == member_id,
                IdempotencyRecord.key == key,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()
    if record.expires_at <= now:
        _restart(record, path, request_hash, now, ttl_hours)
        return Claim("new", record.id)
    if record.request_hash != request_hash:
        return Claim("mismatch", record.id)
    if record.response_status is not None:
        return Claim(
            "replay",
            record.id,
            record.response_status,
            record.response_headers,
            record.response_body,
        )
    if record.locked_at is not None and now - record.locked_at < timedelta(seconds=lock_seconds):
        return Claim("in_flight", record.id)
    # The first attempt died without an answer; this retry takes over.
    record.locked_at = now
    return Claim("new", record.id)


def _restart(
    record: IdempotencyRecord, path: str, request_hash: str, now: Any, ttl_hours: int
) -> None:
    record.path = path
    record.request_hash = request_hash
    record.locked_at = now
    record.response_status = None
    record.response_headers = []
    record.response_body = None
    record.created_at = now
    record.expires_at = now + timedelta(hours=ttl_hours)


async def complete(
    session: AsyncSession, record_id: uuid.UUID, status: int, headers: list[Any], body: bytes
) -> None:
    await session.execute(
        update(IdempotencyRecord)
        .where(col(IdempotencyRecord.id) == record_id)
        .values(
            response_status=status, response_headers=headers, response_body=body, locked_at=None
        )
    )


async def release(session: AsyncSession, record_id: uuid.UUID) -> None:
    await session.execute(delete(IdempotencyRecord).where(col(IdempotencyRecord.id) == record_id))


async def purge_expired(session: AsyncSession) -> int:
    result = await session.execute(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.expires_at) < utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
