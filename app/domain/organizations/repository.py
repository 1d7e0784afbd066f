"""SQL for organizations, members and API keys. Every query is scoped by organization."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from sqlalchemy import any_, bindparam, func, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select, update

from app.domain.columns import UUID_ARRAY
from app.domain.organizations.models import ApiKey, Member, Organization
from app.domain.pagination import PageRequest, keyset


class KeyOwner(NamedTuple):
    api_key_id: uuid.UUID
    member_id: uuid.UUID
    organization_id: uuid.UUID
    permission_set: str
    email: str
    name: str


_TOUCH_KEY = text(
    """
    UPDATE api_keys AS k SET last_used_at = now()
    FROM members AS m
    WHERE k.key_hash = :key_hash AND k.revoked_at IS NULL
      AND (k.expires_at IS NULL OR k.expires_at > now())
      AND m.id = k.member_id AND m.is_active
    RETURNING k.id, m.id, m.organization_id, m.permission_set, m.email, m.name
    """
)


async def touch_api_key(session: AsyncSession, key_hash: str) -> KeyOwner | None:
    """Validate a key and stamp its last use in one round trip."""
    row = (await session.execute(_TOUCH_KEY, {"key_hash": key_hash})).first()
    return KeyOwner(*row) if row else None


async def active_members_by_email(
    session: AsyncSession, email: str, organization_id: uuid.UUID | None
) -> Sequence[Member]:
    stmt = select(Member).where(func.lower(Member.email) == email, Member.is_active)
    if organization_id is not None:
        stmt = stmt.where(Member.organization_id == organization_id)
    return (await session.scalars(stmt.limit(2))).all()


async def get_organization(
    session: AsyncSession, organization_id: uuid.UUID, *, for_update: bool = False
) -> Organization | None:
    if for_update:
        return await session.get(
            Organization, organization_id, with_for_update=True, populate_existing=True
        )
    return await session.get(Organization, organization_id)


async def link_templates_of(
    session: AsyncSession, organization_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, dict[str, str]]:
    """Each organization's link templates (app/domain/organizations/link_templates.py)."""
    wanted = list(set(organization_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Organization.id, Organization.link_templates).where(col(Organization.id).in_(wanted))
    )
    return {org_id: dict(templates or {}) for org_id, templates in rows}


async def get_member(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Member | None:
    stmt = select(Member).where(Member.organization_id == organization_id, Member.id == member_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def get_members(
    session: AsyncSession, organization_id: uuid.UUID, member_ids: Sequence[uuid.UUID]
) -> Sequence[Member]:
    if not member_ids:
        return []
    stmt = select(Member).where(
        Member.organization_id == organization_id,
        col(Member.id).in_(member_ids),
    )
    return (await session.scalars(stmt)).all()


_MEMBERS = Member.metadata.tables["members"]
_READ_MEMBERS = select(*_MEMBERS.columns).where(
    _MEMBERS.c.organization_id == bindparam("org"),
    _MEMBERS.c.id == any_(bindparam("ids", type_=UUID_ARRAY)),
)


async def read_members(
    session: AsyncSession, organization_id: uuid.UUID, member_ids: Sequence[uuid.UUID]
) -> Sequence[RowMapping]:
    """Plain rows for answers (GraphQL edges): one prebuilt statement for any number of ids."""
    if not member_ids:
        return []
    return (
        (await session.execute(_READ_MEMBERS, {"org": organization_id, "ids": list(member_ids)}))
        .mappings()
        .all()
    )


async def member_email_taken(
    session: AsyncSession, organization_id: uuid.UUID, email: str
) -> Member | None:
    stmt = select(Member).where(
        Member.organization_id == organization_id, func.lower(Member.email) == email.lower()
    )
    return (await session.scalars(stmt)).first()


async def list_members(
    session: AsyncSession,
    organization_id: uuid.UUID,
    page: PageRequest,
    *,
    permission_set: str | None,
    q: str | None,
    include_inactive: bool,
) -> Sequence[Member]:
    stmt = select(Member).where(Member.organization_id == organization_id)
    if permission_set:
        stmt = stmt.where(Member.permission_set == permission_set)
    if q:
        pattern = f"%{_escape_like(q)}%"
        stmt = stmt.where(
            col(Member.name).ilike(pattern, escape="\\")
            | col(Member.email).ilike(pattern, escape="\\")
        )
    if not include_inactive:
        stmt = stmt.where(Member.is_active)
    return (await session.scalars(keyset(stmt, Member.created_at, Member.id, page))).all()


async def delegators_of(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> list[uuid.UUID]:
    stmt = select(Member.id).where(
        Member.organization_id == organization_id, Member.delegate_id == member_id
    )
    return list((await session.scalars(stmt)).all())


async def get_api_key(
    session: AsyncSession,
    organization_id: uuid.UUID,
    key_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> ApiKey | None:
    stmt = select(ApiKey).where(ApiKey.organization_id == organization_id, ApiKey.id == key_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def list_api_keys(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_id: uuid.UUID | None,
    page: PageRequest,
) -> Sequence[ApiKey]:
    stmt = select(ApiKey).where(ApiKey.organization_id == organization_id)
    if member_id is not None:
        stmt = stmt.where(ApiKey.member_id == member_id)
    return (await session.scalars(keyset(stmt, ApiKey.created_at, ApiKey.id, page))).all()


async def revoke_member_keys(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> list[uuid.UUID]:
    """Revoke every live key of a member; answer the ids revoked."""
    result = await session.execute(
        update(ApiKey)
        .where(
            col(ApiKey.organization_id) == organization_id,
            col(ApiKey.member_id) == member_id,
            col(ApiKey.revoked_at).is_(None),
        )
        .values(revoked_at=func.now())
        .returning(col(ApiKey.id))
    )
    return list(result.scalars().all())


async def count_organizations(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Organization)) or 0)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


escape_like = _escape_like
