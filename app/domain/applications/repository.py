"""SQL for applications and their history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select as core_select
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.db import rows_as_dicts
from app.domain.applications.models import Application, ApplicationTransition
from app.domain.columns import any_id
from app.domain.pagination import PageRequest, keyset
from app.domain.roles.models import Role
from app.domain.roles.repository import roles_managed_by


def _visible(organization_id: uuid.UUID, manager_id: uuid.UUID | None, *columns: Any) -> Any:
    stmt = (core_select(*columns) if columns else select(Application)).where(
        col(Application.organization_id) == organization_id
    )
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


async def application_rows(
    session: AsyncSession,
    organization_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    columns: Sequence[str],
    *,
    manager_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """`get_applications` as plain rows of the named columns: a read-only page (GraphQL) builds
    its answer from them without an ORM object, and its bookkeeping, per row."""
    if not ids:
        return []
    table = Application.__table__.c  # type: ignore[attr-defined]
    stmt = (
        _visible(organization_id, manager_id, *(table[c] for c in columns))
        .where(col(Application.id) == any_id(ids))
        .order_by(col(Application.id))
    )
    return rows_as_dicts(await session.execute(stmt))


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
    sortable = {"created_at": Application.created_at, "updated_at": Application.updated_at}
    stmt = keyset(stmt, Application.created_at, Application.id, page, sortable=sortable)
    return (await session.scalars(stmt)).all()


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


# --- many at once, for imports from another system (app/domain/integrations/batch.py) ----------


async def lock_states(
    session: AsyncSession,
    organization_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    pairs: Sequence[tuple[uuid.UUID, uuid.UUID]],
) -> list[tuple[Any, ...]]:
    """Lock (FOR UPDATE, in id order) the organization's applications with one of these ids or
    (candidate, role) pairs; (id, candidate_id, role_id, stage, outcome, stage_entered_at,
    version, updated_at) of each."""
    if not ids and not pairs:
        return []
    rows = await session.execute(
        text(
            """
            SELECT a.id, a.candidate_id, a.role_id, a.stage, a.outcome, a.stage_entered_at,
                   a.version, a.updated_at
            FROM applications a
            WHERE a.organization_id = :org AND a.id IN (
                -- two index look-ups (an OR of the two would scan the table)
                SELECT x.id FROM applications x WHERE x.id = ANY(CAST(:ids AS uuid[]))
                UNION ALL
                SELECT x.id
                FROM unnest(CAST(:candidates AS uuid[]), CAST(:roles AS uuid[])) AS p(c, r)
                JOIN applications x ON x.candidate_id = p.c AND x.role_id = p.r)
            ORDER BY a.id FOR UPDATE OF a
            """
        ),
        {
            "org": organization_id,
            "ids": list(ids),
            "candidates": [p[0] for p in pairs],
            "roles": [p[1] for p in pairs],
        },
    )
    return [tuple(r) for r in rows]


async def insert_imported(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert applications another system holds, each as it stands after its first moves, in
    one statement; how many went in. A (candidate, role) taken meanwhile is skipped (ON
    CONFLICT DO NOTHING), so the caller can tell and fall back."""
    if not rows:
        return 0
    result = await session.execute(
        text(
            """
            INSERT INTO applications (id, organization_id, candidate_id, role_id, stage, outcome,
                stage_entered_at, version, created_at, updated_at)
            SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:orgs AS uuid[]),
                CAST(:candidates AS uuid[]), CAST(:roles AS uuid[]), CAST(:stages AS text[]),
                CAST(:outcomes AS text[]), CAST(:entered AS timestamptz[]),
                CAST(:versions AS int[]), CAST(:created AS timestamptz[]),
                CAST(:updated AS timestamptz[]))
            ON CONFLICT (candidate_id, role_id) DO NOTHING
            """
        ),
        {
            "ids": [r["id"] for r in rows],
            "orgs": [r["organization_id"] for r in rows],
            "candidates": [r["candidate_id"] for r in rows],
            "roles": [r["role_id"] for r in rows],
            "stages": [r["stage"] for r in rows],
            "outcomes": [r["outcome"] for r in rows],
            "entered": [r["stage_entered_at"] for r in rows],
            "versions": [r["version"] for r in rows],
            "created": [r["created_at"] for r in rows],
            "updated": [r["updated_at"] for r in rows],
        },
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def update_states(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Write the stage and outcome of many locked applications in one statement."""
    if not rows:
        return
    await session.execute(
        text(
            """
            UPDATE applications a SET stage = r.stage, outcome = r.outcome,
                stage_entered_at = r.entered, version = r.version, updated_at = r.updated
            FROM unnest(CAST(:ids AS uuid[]), CAST(:stages AS text[]), CAST(:outcomes AS text[]),
                        CAST(:entered AS timestamptz[]), CAST(:versions AS int[]),
                        CAST(:updated AS timestamptz[]))
                 AS r(id, stage, outcome, entered, version, updated)
            WHERE a.id = r.id
            """
        ),
        {
            "ids": [r["id"] for r in rows],
            "stages": [r["stage"] for r in rows],
            "outcomes": [r["outcome"] for r in rows],
            "entered": [r["stage_entered_at"] for r in rows],
            "versions": [r["version"] for r in rows],
            "updated": [r["updated_at"] for r in rows],
        },
    )


async def insert_transitions(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Many lines of application history in one statement."""
    if not rows:
        return
    await session.execute(
        text(
            """
            INSERT INTO application_transitions (id, organization_id, application_id, action,
                from_stage, to_stage, from_outcome, to_outcome, reason, actor_member_id,
                created_at)
            SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:orgs AS uuid[]),
                CAST(:apps AS uuid[]), CAST(:actions AS text[]), CAST(:from_stages AS text[]),
                CAST(:to_stages AS text[]), CAST(:from_outcomes AS text[]),
                CAST(:to_outcomes AS text[]), CAST(:reasons AS text[]),
                CAST(:actors AS uuid[]), CAST(:created AS timestamptz[]))
            """
        ),
        {
            "ids": [r["id"] for r in rows],
            "orgs": [r["organization_id"] for r in rows],
            "apps": [r["application_id"] for r in rows],
            "actions": [r["action"] for r in rows],
            "from_stages": [r["from_stage"] for r in rows],
            "to_stages": [r["to_stage"] for r in rows],
            "from_outcomes": [r["from_outcome"] for r in rows],
            "to_outcomes": [r["to_outcome"] for r in rows],
            "reasons": [r["reason"] for r in rows],
            "actors": [r["actor_member_id"] for r in rows],
            "created": [r["created_at"] for r in rows],
        },
    )
