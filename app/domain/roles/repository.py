"""SQL for roles and intake revisions. Every query is scoped by organization, and for a hiring
manager by the roles they manage or stand in for as delegate."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select, update

from app.domain.organizations.models import Member
from app.domain.organizations.repository import escape_like
from app.domain.pagination import PageRequest, keyset
from app.domain.roles.models import IntakeRevision, Role


def roles_managed_by(organization_id: uuid.UUID, member_id: uuid.UUID) -> ColumnElement[bool]:
    delegators = select(Member.id).where(
        Member.organization_id == organization_id, Member.delegate_id == member_id
    )
    return or_(
        col(Role.hiring_manager_id) == member_id, col(Role.hiring_manager_id).in_(delegators)
    )


def _roles(organization_id: uuid.UUID, managed_by: uuid.UUID | None) -> Any:
    stmt = select(Role).where(Role.organization_id == organization_id)
    if managed_by is not None:
        stmt = stmt.where(roles_managed_by(organization_id, managed_by))
    return stmt


async def get_role(
    session: AsyncSession,
    organization_id: uuid.UUID,
    role_id: uuid.UUID,
    *,
    managed_by: uuid.UUID | None = None,
    for_update: bool = False,
) -> Role | None:
    stmt = _roles(organization_id, managed_by).where(Role.id == role_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def get_roles(
    session: AsyncSession,
    organization_id: uuid.UUID,
    role_ids: Sequence[uuid.UUID],
    *,
    managed_by: uuid.UUID | None = None,
) -> Sequence[Role]:
    stmt = _roles(organization_id, managed_by).where(col(Role.id).in_(role_ids))
    return (await session.scalars(stmt)).all()


async def list_roles(
    session: AsyncSession,
    organization_id: uuid.UUID,
    page: PageRequest,
    *,
    managed_by: uuid.UUID | None,
    status: str | None,
    hiring_manager_id: uuid.UUID | None,
    recruiter_id: uuid.UUID | None,
    q: str | None,
) -> Sequence[Role]:
    stmt = _roles(organization_id, managed_by)
    if status:
        stmt = stmt.where(Role.status == status)
    if hiring_manager_id:
        stmt = stmt.where(Role.hiring_manager_id == hiring_manager_id)
    if recruiter_id:
        stmt = stmt.where(Role.recruiter_id == recruiter_id)
    if q:
        stmt = stmt.where(col(Role.title).ilike(f"%{escape_like(q)}%", escape="\\"))
    return (await session.scalars(keyset(stmt, Role.created_at, Role.id, page))).all()


async def current_intake(
    session: AsyncSession, organization_id: uuid.UUID, role_id: uuid.UUID
) -> IntakeRevision | None:
    stmt = (
        select(IntakeRevision)
        .where(
            IntakeRevision.organization_id == organization_id,
            IntakeRevision.role_id == role_id,
            IntakeRevision.status == "agreed",
        )
        .order_by(col(IntakeRevision.number).desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def current_intakes(
    session: AsyncSession, organization_id: uuid.UUID, role_ids: Sequence[uuid.UUID]
) -> Sequence[IntakeRevision]:
    """The agreed revision of many roles in one statement (GraphQL loaders)."""
    if not role_ids:
        return []
    stmt = (
        select(IntakeRevision)
        .where(
            IntakeRevision.organization_id == organization_id,
            col(IntakeRevision.role_id).in_(role_ids),
            IntakeRevision.status == "agreed",
        )
        .ext(distinct_on(col(IntakeRevision.role_id)))
        .order_by(col(IntakeRevision.role_id), col(IntakeRevision.number).desc())
    )
    return (await session.scalars(stmt)).all()


async def list_revisions(
    session: AsyncSession, organization_id: uuid.UUID, role_id: uuid.UUID, page: PageRequest
) -> Sequence[IntakeRevision]:
    stmt = select(IntakeRevision).where(
        IntakeRevision.organization_id == organization_id, IntakeRevision.role_id == role_id
    )
    return (
        await session.scalars(
            keyset(stmt, IntakeRevision.created_at, IntakeRevision.id, page, descending=False)
        )
    ).all()


async def revisions_for_roles(
    session: AsyncSession, organization_id: uuid.UUID, role_ids: Sequence[uuid.UUID]
) -> Sequence[IntakeRevision]:
    if not role_ids:
        return []
    stmt = (
        select(IntakeRevision)
        .where(
            IntakeRevision.organization_id == organization_id,
            col(IntakeRevision.role_id).in_(role_ids),
        )
        .order_by(col(IntakeRevision.role_id), col(IntakeRevision.number))
    )
    return (await session.scalars(stmt)).all()


async def get_revision(
    session: AsyncSession,
    organization_id: uuid.UUID,
    role_id: uuid.UUID,
    number: int,
    *,
    for_update: bool = False,
) -> IntakeRevision | None:
    stmt = select(IntakeRevision).where(
        IntakeRevision.organization_id == organization_id,
        IntakeRevision.role_id == role_id,
        IntakeRevision.number == number,
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def get_revision_by_id(
    session: AsyncSession, organization_id: uuid.UUID, revision_id: uuid.UUID
) -> IntakeRevision | None:
    stmt = select(IntakeRevision).where(
        IntakeRevision.organization_id == organization_id, IntakeRevision.id == revision_id
    )
    return (await session.scalars(stmt)).first()


async def last_revision_number(
    session: AsyncSession, organization_id: uuid.UUID, role_id: uuid.UUID
) -> int:
    stmt = select(func.max(IntakeRevision.number)).where(
        IntakeRevision.organization_id == organization_id, IntakeRevision.role_id == role_id
    )
    return int(await session.scalar(stmt) or 0)


async def supersede_others(
    session: AsyncSession,
    organization_id: uuid.UUID,
    role_id: uuid.UUID,
    keep_number: int,
    statuses: Sequence[str],
    *,
    only_older: bool,
) -> None:
    stmt = update(IntakeRevision).where(
        col(IntakeRevision.organization_id) == organization_id,
        col(IntakeRevision.role_id) == role_id,
        col(IntakeRevision.number) != keep_number,
        col(IntakeRevision.status).in_(statuses),
    )
    if only_older:
        stmt = stmt.where(col(IntakeRevision.number) < keep_number)
    await session.execute(
        stmt.values(status="superseded").execution_options(synchronize_session=False)
    )
