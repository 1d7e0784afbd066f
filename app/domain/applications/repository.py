"""SQL for applications and their history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.domain.applications.models import Application, ApplicationTransition
from app.domain.pagination import PageRequest, keyset
from app.domain.roles.models import Role
from app.domain.roles.repository import roles_managed_by


def _visible(organization_id: uuid.UUID, manager_id: uuid.UUID | None) -> Any:
    stmt = select(Application).where(Application.organization_id == organization_id)
    if manager_id is not None:
        stmt = stmt.join(Role, col(Role.id) == col(Application.role_id)).where(
            roles_managed_by(organization_id, manager_id)
        )
    return stmt


async def get_application(
    session: AsyncSession,
    organization_id: uuid.UUID,
    application_id: uuid.UUID,
    *,
    manager_id: uuid.UUID | None = None,
    for_update: bool = False,
) -> Application | None:
    stmt = _visible(organization_id, manager_id).where(Application.id == application_id)
    if for_update:
        stmt = stmt.with_for_update(of=Application).execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def get_applications(
    session: AsyncSession,
    organization_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    *,
    manager_id: uuid.UUID | None = None,
    for_update: bool = False,
) -> Sequence[Application]:
    if not ids:
        return []
    stmt = (
        _visible(organization_id, manager_id)
        .where(col(Application.id).in_(ids))
        .order_by(col(Application.id))
    )
    if for_update:
        stmt = stmt.with_for_update(of=Application).execution_options(populate_existing=True)
    return (await session.scalars(stmt)).all()


async def find(
    session: AsyncSession, organization_id: uuid.UUID, candidate_id: uuid.UUID, role_id: uuid.UUID
) -> Application | None:
    stmt = select(Application).where(
        Application.organization_id == organization_id,
        Application.candidate_id == candidate_id,
        Application.role_id == role_id,
    )
    return (await session.scalars(stmt)).first()


async def list_applications(
    session: AsyncSession,
    organization_id: uuid.UUID,
    page: PageRequest,
    *,
    manager_id: uuid.UUID | None,
    role_id: uuid.UUID | None = None,
    candidate_id: uuid.UUID | None = None,
    stage: str | None = None,
    outcome: str | None = None,
) -> Sequence[Application]:
    stmt = _visible(organization_id, manager_id)
    if role_id is not None:
        stmt = stmt.where(Application.role_id == role_id)
    if candidate_id is not None:
        stmt = stmt.where(Application.candidate_id == candidate_id)
    if stage:
        stmt = stmt.where(Application.stage == stage)
    if outcome:
        stmt = stmt.where(Application.outcome == outcome)
    return (await session.scalars(keyset(stmt, Application.created_at, Application.id, page))).all()


async def applications_by_parent(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    role_ids: Sequence[uuid.UUID] = (),
    candidate_ids: Sequence[uuid.UUID] = (),
    manager_id: uuid.UUID | None,
) -> Sequence[Application]:
    stmt = _visible(organization_id, manager_id)
    if role_ids:
        stmt = stmt.where(col(Application.role_id).in_(role_ids))
    if candidate_ids:
        stmt = stmt.where(col(Application.candidate_id).in_(candidate_ids))
    return (
        await session.scalars(
            stmt.order_by(col(Application.created_at).desc(), col(Application.id).desc())
        )
    ).all()


async def history(
    session: AsyncSession, organization_id: uuid.UUID, application_ids: Sequence[uuid.UUID]
) -> Sequence[ApplicationTransition]:
    if not application_ids:
        return []
    stmt = (
        select(ApplicationTransition)
        .where(
            ApplicationTransition.organization_id == organization_id,
            col(ApplicationTransition.application_id).in_(application_ids),
        )
        .order_by(col(ApplicationTransition.created_at), col(ApplicationTransition.id))
    )
    return (await session.scalars(stmt)).all()
