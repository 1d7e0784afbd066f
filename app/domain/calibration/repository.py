"""SQL for slates and decisions; the insights aggregate in PostgreSQL, never row by row in Python."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select as core_select
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.db import rows_as_dicts
from app.domain.calibration.models import Slate, SlateDecision, SlateItem
from app.domain.columns import any_id
from app.domain.pagination import PageRequest, keyset


async def get_slate(
    session: AsyncSession,
    organization_id: uuid.UUID,
    slate_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Slate | None:
    stmt = select(Slate).where(Slate.organization_id == organization_id, Slate.id == slate_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def slate_of_item(
    session: AsyncSession, organization_id: uuid.UUID, item_id: uuid.UUID
) -> uuid.UUID | None:
    stmt = select(SlateItem.slate_id).where(
        SlateItem.organization_id == organization_id, SlateItem.id == item_id
    )
    found: uuid.UUID | None = (await session.scalars(stmt)).first()
    return found


async def get_decision(
    session: AsyncSession, organization_id: uuid.UUID, decision_id: uuid.UUID
) -> SlateDecision | None:
    stmt = select(SlateDecision).where(
        SlateDecision.organization_id == organization_id, SlateDecision.id == decision_id
    )
    return (await session.scalars(stmt)).first()


async def list_slates(
    session: AsyncSession,
    organization_id: uuid.UUID,
    role_id: uuid.UUID,
    page: PageRequest,
    *,
    include_drafts: bool,
) -> Sequence[Slate]:
    stmt = select(Slate).where(Slate.organization_id == organization_id, Slate.role_id == role_id)
    if not include_drafts:
        stmt = stmt.where(Slate.status != "draft")
    return (await session.scalars(keyset(stmt, Slate.created_at, Slate.id, page))).all()


async def items_for_slates(
    session: AsyncSession, organization_id: uuid.UUID, slate_ids: Sequence[uuid.UUID]
) -> Sequence[SlateItem]:
    if not slate_ids:
        return []
    stmt = (
        select(SlateItem)
        .where(SlateItem.organization_id == organization_id, col(SlateItem.slate_id).in_(slate_ids))
        .order_by(col(SlateItem.slate_id), col(SlateItem.position))
    )
    return (await session.scalars(stmt)).all()


def _columns(model: Any, names: Sequence[str]) -> list[Any]:
    table = model.__table__.c
    return [table[n] for n in names]


async def slate_rows_for_roles(
    session: AsyncSession,
    organization_id: uuid.UUID,
    role_ids: Sequence[uuid.UUID],
    columns: Sequence[str],
    *,
    include_drafts: bool,
) -> list[dict[str, Any]]:
    """The roles' slates, newest first, as plain rows of the named columns, for read-only
    pages: no ORM object, and its bookkeeping, per row."""
    if not role_ids:
        return []
    stmt = core_select(*_columns(Slate, columns)).where(
        col(Slate.organization_id) == organization_id, col(Slate.role_id).in_(role_ids)
    )
    if not include_drafts:
        stmt = stmt.where(col(Slate.status) != "draft")
    stmt = stmt.order_by(col(Slate.created_at).desc(), col(Slate.id).desc())
    return rows_as_dicts(await session.execute(stmt))


async def item_rows_for_slates(
    session: AsyncSession,
    organization_id: uuid.UUID,
    slate_ids: Sequence[uuid.UUID],
    columns: Sequence[str],
) -> list[dict[str, Any]]:
    """`items_for_slates` as plain rows of the named columns (see slate_rows_for_roles)."""
    if not slate_ids:
        return []
    stmt = (
        core_select(*_columns(SlateItem, columns))
        .where(
            col(SlateItem.organization_id) == organization_id,
            col(SlateItem.slate_id) == any_id(slate_ids),
        )
        .order_by(col(SlateItem.slate_id), col(SlateItem.position))
    )
    return rows_as_dicts(await session.execute(stmt))


async def current_decision_rows(
    session: AsyncSession,
    organization_id: uuid.UUID,
    item_ids: Sequence[uuid.UUID],
    columns: Sequence[str],
) -> list[dict[str, Any]]:
    """`current_decisions` as plain rows of the named columns (see slate_rows_for_roles)."""
    if not item_ids:
        return []
    stmt = core_select(*_columns(SlateDecision, columns)).where(
        col(SlateDecision.organization_id) == organization_id,
        col(SlateDecision.slate_item_id) == any_id(item_ids),
        col(SlateDecision.is_current),
    )
    return rows_as_dicts(await session.execute(stmt))


async def get_item(
    session: AsyncSession, organization_id: uuid.UUID, slate_id: uuid.UUID, item_id: uuid.UUID
) -> SlateItem | None:
    stmt = select(SlateItem).where(
        SlateItem.organization_id == organization_id,
        SlateItem.slate_id == slate_id,
        SlateItem.id == item_id,
    )
    return (await session.scalars(stmt)).first()


async def delete_items(
    session: AsyncSession, organization_id: uuid.UUID, slate_id: uuid.UUID
) -> None:
    from sqlmodel import delete

    await session.execute(
        delete(SlateItem).where(
            col(SlateItem.organization_id) == organization_id, col(SlateItem.slate_id) == slate_id
        )
    )


async def current_decisions(
    session: AsyncSession, organization_id: uuid.UUID, item_ids: Sequence[uuid.UUID]
) -> Sequence[SlateDecision]:
    if not item_ids:
        return []
    stmt = select(SlateDecision).where(
        SlateDecision.organization_id == organization_id,
        col(SlateDecision.slate_item_id).in_(item_ids),
        col(SlateDecision.is_current),
    )
    return (await session.scalars(stmt)).all()


async def retire_decision(session: AsyncSession, decision_id: uuid.UUID) -> None:
    await session.execute(
        update(SlateDecision).where(col(SlateDecision.id) == decision_id).values(is_current=False)
    )


async def open_slate_items(
    session: AsyncSession,
    organization_id: uuid.UUID,
    application_ids: Sequence[uuid.UUID],
    exclude_slate: uuid.UUID | None,
) -> Sequence[tuple[uuid.UUID, uuid.UUID]]:
    """(application id, slate id) for applications already waiting on another undecided slate."""
    if not application_ids:
        return []
    stmt = (
        select(SlateItem.application_id, SlateItem.slate_id)
        .join(Slate, col(Slate.id) == col(SlateItem.slate_id))
        .where(
            col(SlateItem.organization_id) == organization_id,
            col(SlateItem.application_id).in_(application_ids),
            col(Slate.status).in_(["draft", "sent"]),
            ~select(SlateDecision.id)
            .where(
                col(SlateDecision.slate_item_id) == col(SlateItem.id), col(SlateDecision.is_current)
            )
            .exists(),
        )
    )
    if exclude_slate is not None:
        stmt = stmt.where(col(SlateItem.slate_id) != exclude_slate)
    return [(a, s) for a, s in (await session.execute(stmt)).all()]


# Each statement takes an array of role ids (`:roles`) and answers for all of them, so insights
# for a page of roles cost as many statements as insights for one.
_APPROVAL_BY_SLATE = text(
    """
    SELECT s.role_id, s.id, s.sent_at,
           count(d.id) AS decided,
           count(d.id) FILTER (WHERE d.decision = 'approve') AS approved
    FROM slates s
    LEFT JOIN slate_decisions d ON d.slate_id = s.id AND d.is_current
    WHERE s.organization_id = :org AND s.role_id = ANY(:roles) AND s.status <> 'draft'
    GROUP BY s.role_id, s.id, s.sent_at
    ORDER BY s.sent_at, s.id
    """
)

_TOTALS = text(
    """
    SELECT role_id,
           count(*) AS decisions,
           count(*) FILTER (WHERE decision = 'approve') AS approvals,
           count(*) FILTER (WHERE decision = 'reject') AS rejections,
           count(*) FILTER (WHERE decision = 'waitlist') AS waitlisted
    FROM slate_decisions
    WHERE organization_id = :org AND role_id = ANY(:roles) AND is_current
    GROUP BY role_id
    """
)

# Tags of current rejections, counted case-insensitively: categories, missing skills, red flags.
_REJECTION_TAGS = text(
    """
    SELECT role_id, kind, min(value) AS value, count(*) AS n
    FROM (
        SELECT d.role_id, 'category' AS kind, c.value FROM slate_decisions d, jsonb_array_elements_text(d.categories) AS c(value)
        WHERE d.organization_id = :org AND d.role_id = ANY(:roles) AND d.is_current AND d.decision = 'reject'
        UNION ALL
        SELECT d.role_id, 'skill', s.value FROM slate_decisions d, jsonb_array_elements_text(d.missing_skills) AS s(value)
        WHERE d.organization_id = :org AND d.role_id = ANY(:roles) AND d.is_current AND d.decision = 'reject'
        UNION ALL
        SELECT d.role_id, 'red_flag', f.value FROM slate_decisions d, jsonb_array_elements_text(d.red_flags) AS f(value)
        WHERE d.organization_id = :org AND d.role_id = ANY(:roles) AND d.is_current AND d.decision = 'reject'
    ) tags
    GROUP BY role_id, kind, lower(value)
    ORDER BY n DESC, lower(value)
    """
)

_MEDIAN_REVIEW = text(
    """
    SELECT d.role_id,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.created_at - s.sent_at)) / 3600.0
    FROM slate_decisions d JOIN slates s ON s.id = d.slate_id
    WHERE d.organization_id = :org AND d.role_id = ANY(:roles) AND d.revision = 1 AND s.sent_at IS NOT NULL
    GROUP BY d.role_id
    """
)

# Each waitlisted application with its latest follow-up, if one was sent.
_WAITLIST = text(
    """
    SELECT w.role_id, w.application_id, w.slate_id, w.waitlist_question,
           f.id, f.question, f.state, f.answer_text, f.answer_link, f.answer_document_id,
           f.answered_at
    FROM (
        SELECT d.role_id, d.application_id, d.slate_id, d.waitlist_question, d.created_at, d.id,
               row_number() OVER (PARTITION BY d.role_id ORDER BY d.created_at, d.id) AS n
        FROM slate_decisions d
        WHERE d.organization_id = :org AND d.role_id = ANY(:roles) AND d.is_current
          AND d.decision = 'waitlist'
    ) w
    LEFT JOIN LATERAL (
        SELECT f.id, f.question, f.state, f.answer_text, f.answer_link, f.answer_document_id,
               f.answered_at
        FROM follow_ups f
        WHERE f.organization_id = :org AND f.application_id = w.application_id
        ORDER BY f.created_at DESC, f.id DESC LIMIT 1
    ) f ON true
    WHERE w.n <= 100
    ORDER BY w.created_at, w.id
    """
)

# Follow-ups of the role: how many were answered and how fast, and the current decisions
# taken on an answer (a waitlist settled by it), by outcome.
_FOLLOW_UPS = text(
    """
    SELECT r.role_id,
           coalesce(f.sent, 0), coalesce(f.answered, 0), f.median_hours,
           coalesce(s.settled, 0), coalesce(s.approved, 0), coalesce(s.rejected, 0)
    FROM unnest(CAST(:roles AS uuid[])) AS r(role_id)
    LEFT JOIN (
        SELECT role_id, count(*) AS sent, count(answered_at) AS answered,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM answered_at - sent_at)
               ) FILTER (WHERE answered_at IS NOT NULL) / 3600.0 AS median_hours
        FROM follow_ups
        WHERE organization_id = :org AND role_id = ANY(:roles)
        GROUP BY role_id
    ) f ON f.role_id = r.role_id
    LEFT JOIN (
        SELECT role_id, count(*) AS settled,
               count(*) FILTER (WHERE decision = 'approve') AS approved,
               count(*) FILTER (WHERE decision = 'reject') AS rejected
        FROM slate_decisions
        WHERE organization_id = :org AND role_id = ANY(:roles) AND is_current
          AND settled_by_follow_up_id IS NOT NULL
        GROUP BY role_id
    ) s ON s.role_id = r.role_id
    """
)


@dataclass(frozen=True)
class _Totals:
    decisions: int = 0
    approvals: int = 0
    rejections: int = 0
    waitlisted: int = 0


async def insight_rows(
    session: AsyncSession, organization_id: uuid.UUID, role_id: uuid.UUID
) -> dict[str, Any]:
    return (await insight_rows_for_roles(session, organization_id, [role_id]))[role_id]


async def insight_rows_for_roles(
    session: AsyncSession, organization_id: uuid.UUID, role_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    """The aggregated rows insights are built from, for each role: six statements in all."""
    params = {"org": organization_id, "roles": list(role_ids)}
    found: dict[uuid.UUID, dict[str, Any]] = {
        r: {
            "by_slate": [],
            "totals": _Totals(),
            "tags": [],
            "median_hours": None,
            "waitlist": [],
            "follow_ups": (0, 0, None, 0, 0, 0),
        }
        for r in role_ids
    }
    for row in (await session.execute(_APPROVAL_BY_SLATE, params)).all():
        found[row.role_id]["by_slate"].append(row)
    for row in (await session.execute(_TOTALS, params)).all():
        found[row.role_id]["totals"] = row
    for role_id, kind, value, n in (await session.execute(_REJECTION_TAGS, params)).all():
        found[role_id]["tags"].append((kind, value, n))
    for role_id, hours in (await session.execute(_MEDIAN_REVIEW, params)).all():
        found[role_id]["median_hours"] = hours
    for role_id, *waitlisted in (await session.execute(_WAITLIST, params)).all():
        found[role_id]["waitlist"].append(tuple(waitlisted))
    for role_id, *counts in (await session.execute(_FOLLOW_UPS, params)).all():
        found[role_id]["follow_ups"] = tuple(counts)
    return found


# Past rejections for the role ranked by likeness to a candidate: Jaccard of skills (70%) and
# closeness in years of experience (30%), ties broken by application id so answers are stable.
_RESEMBLANCE = text(
    """
    WITH rejected AS (
        SELECT DISTINCT ON (a.id) a.id AS application_id, c.name, c.skill_keys, c.years_experience,
               d.missing_skills, d.red_flags, d.categories
        FROM slate_decisions d
        JOIN applications a ON a.id = d.application_id
        JOIN candidates c ON c.id = a.candidate_id
        WHERE d.organization_id = :org AND d.role_id = :role AND d.is_current AND d.decision = 'reject'
          AND a.candidate_id <> :candidate
        ORDER BY a.id, d.created_at DESC
    ), scored AS (
        SELECT r.*,
               ARRAY(SELECT unnest(r.skill_keys) INTERSECT SELECT unnest(CAST(:skills AS varchar[]))) AS shared,
               (SELECT count(*) FROM (SELECT unnest(r.skill_keys) UNION SELECT unnest(CAST(:skills AS varchar[]))) u) AS union_n
        FROM rejected r
    )
    SELECT application_id, name, shared, missing_skills, red_flags, categories,
           round(CAST(
             0.7 * CASE WHEN union_n = 0 THEN 0 ELSE cardinality(shared)::float / union_n END
           + 0.3 * CASE WHEN years_experience IS NULL OR CAST(:years AS int) IS NULL THEN 0
                        ELSE 1 - least(abs(years_experience - CAST(:years AS int)), 10) / 10.0 END
           AS numeric), 3) AS similarity
    FROM scored
    ORDER BY similarity DESC, application_id
    LIMIT :limit
    """
)


async def resembling_rejections(
    session: AsyncSession,
    organization_id: uuid.UUID,
    role_id: uuid.UUID,
    candidate_id: uuid.UUID,
    skill_keys: list[str],
    years: int | None,
    limit: int = 3,
) -> Sequence[Any]:
    params = {
        "org": organization_id,
        "role": role_id,
        "candidate": candidate_id,
        "skills": skill_keys,
        "years": years,
        "limit": limit,
    }
    return (await session.execute(_RESEMBLANCE, params)).all()


async def current_waitlist_decision(
    session: AsyncSession, organization_id: uuid.UUID, application_id: uuid.UUID
) -> SlateDecision | None:
    """The application's newest current waitlist decision: what a follow-up starts from."""
    stmt = (
        select(SlateDecision)
        .where(
            col(SlateDecision.organization_id) == organization_id,
            col(SlateDecision.application_id) == application_id,
            col(SlateDecision.is_current),
            col(SlateDecision.decision) == "waitlist",
        )
        .order_by(col(SlateDecision.created_at).desc(), col(SlateDecision.id).desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()
