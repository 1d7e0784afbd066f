"""SQL for interviews and their participants."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, Uuid, bindparam, exists, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select

from app.domain.columns import UUID_ARRAY
from app.domain.interviews.models import Interview, InterviewParticipant
from app.domain.organizations.models import Member
from app.domain.pagination import PageRequest, keyset
from app.domain.roles.models import Role
from app.domain.roles.repository import roles_managed_by

ACTIVE = ("scheduled", "proposed")
COUNTED = ("scheduled", "proposed", "completed")


async def lock_members(
    session: AsyncSession, organization_id: uuid.UUID, member_ids: Sequence[uuid.UUID]
) -> Sequence[Member]:
    """Lock the interviewers' rows (in id order, so two schedulers never deadlock): whoever
    schedules them next waits for this transaction and then sees its interviews."""
    stmt = (
        select(Member)
        .where(Member.organization_id == organization_id, col(Member.id).in_(member_ids))
        .order_by(col(Member.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).all()


async def overlapping(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
    exclude: uuid.UUID | None = None,
) -> Sequence[tuple[uuid.UUID, Interview]]:
    stmt = (
        select(InterviewParticipant.member_id, Interview)
        .join(Interview, col(Interview.id) == col(InterviewParticipant.interview_id))
        .where(
            col(InterviewParticipant.organization_id) == organization_id,
            col(InterviewParticipant.member_id).in_(member_ids),
            col(Interview.status).in_(ACTIVE),
            col(Interview.start_at) < end,
            col(Interview.end_at) > start,
        )
    )
    if exclude is not None:
        stmt = stmt.where(col(Interview.id) != exclude)
    return [(m, i) for m, i in (await session.execute(stmt)).all()]


async def member_interviews(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
) -> Sequence[tuple[uuid.UUID, datetime, datetime, uuid.UUID]]:
    """(member, start, end, interview) of interviews that count toward load caps or block time."""
    if not member_ids:
        return []
    stmt = (
        select(InterviewParticipant.member_id, Interview.start_at, Interview.end_at, Interview.id)
        .join(Interview, col(Interview.id) == col(InterviewParticipant.interview_id))
        .where(
            col(InterviewParticipant.organization_id) == organization_id,
            col(InterviewParticipant.member_id).in_(member_ids),
            col(Interview.status).in_(COUNTED),
            col(Interview.start_at) < end,
            col(Interview.end_at) > start,
        )
    )
    return [(m, s, e, i) for m, s, e, i in (await session.execute(stmt)).all()]


def _visible(organization_id: uuid.UUID, actor_member: uuid.UUID, scope: str) -> Any:
    stmt = select(Interview).where(Interview.organization_id == organization_id)
    if scope == "manager":
        stmt = stmt.join(Role, col(Role.id) == col(Interview.role_id)).where(
            roles_managed_by(organization_id, actor_member)
        )
    elif scope == "participant":
        stmt = stmt.where(
            exists(
                select(InterviewParticipant.id).where(
                    col(InterviewParticipant.interview_id) == col(Interview.id),
                    col(InterviewParticipant.member_id) == actor_member,
                )
            )
        )
    return stmt


async def get_interview(
    session: AsyncSession,
    organization_id: uuid.UUID,
    interview_id: uuid.UUID,
    *,
    actor_member: uuid.UUID,
    scope: str,
    for_update: bool = False,
) -> Interview | None:
    stmt = _visible(organization_id, actor_member, scope).where(Interview.id == interview_id)
    if for_update:
        stmt = stmt.with_for_update(of=Interview).execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def list_interviews(
    session: AsyncSession,
    organization_id: uuid.UUID,
    page: PageRequest,
    *,
    actor_member: uuid.UUID,
    scope: str,
    application_id: uuid.UUID | None,
    member_id: uuid.UUID | None,
    status: str | None,
    starts_after: datetime | None,
    starts_before: datetime | None,
) -> Sequence[Interview]:
    stmt = _visible(organization_id, actor_member, scope)
    if application_id:
        stmt = stmt.where(Interview.application_id == application_id)
    if member_id:
        stmt = stmt.where(
            exists(
                select(InterviewParticipant.id).where(
                    col(InterviewParticipant.interview_id) == col(Interview.id),
                    col(InterviewParticipant.member_id) == member_id,
                )
            )
        )
    if status:
        stmt = stmt.where(Interview.status == status)
    if starts_after:
        stmt = stmt.where(Interview.start_at >= starts_after)
    if starts_before:
        stmt = stmt.where(Interview.start_at < starts_before)
    sortable = {"created_at": Interview.created_at, "start_at": Interview.start_at}
    stmt = keyset(stmt, Interview.created_at, Interview.id, page, sortable=sortable)
    return (await session.scalars(stmt)).all()


async def by_ids(
    session: AsyncSession, organization_id: uuid.UUID, interview_ids: Sequence[uuid.UUID]
) -> Sequence[Interview]:
    if not interview_ids:
        return []
    stmt = select(Interview).where(
        Interview.organization_id == organization_id, col(Interview.id).in_(interview_ids)
    )
    return (await session.scalars(stmt)).all()


async def for_applications(
    session: AsyncSession, organization_id: uuid.UUID, application_ids: Sequence[uuid.UUID]
) -> Sequence[Interview]:
    if not application_ids:
        return []
    stmt = (
        select(Interview)
        .where(
            Interview.organization_id == organization_id,
            col(Interview.application_id).in_(application_ids),
        )
        .order_by(col(Interview.start_at), col(Interview.id))
    )
    return (await session.scalars(stmt)).all()


async def participants(
    session: AsyncSession, organization_id: uuid.UUID, interview_ids: Sequence[uuid.UUID]
) -> Sequence[InterviewParticipant]:
    if not interview_ids:
        return []
    stmt = (
        select(InterviewParticipant)
        .where(
            InterviewParticipant.organization_id == organization_id,
            col(InterviewParticipant.interview_id).in_(interview_ids),
        )
        .order_by(
            col(InterviewParticipant.interview_id),
            col(InterviewParticipant.created_at),
            col(InterviewParticipant.id),
        )
    )
    return (await session.scalars(stmt)).all()


async def is_participant_of_application(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    application_id: uuid.UUID,
) -> bool:
    stmt = select(
        exists(
            select(InterviewParticipant.id)
            .join(Interview, col(Interview.id) == col(InterviewParticipant.interview_id))
            .where(
                col(InterviewParticipant.organization_id) == organization_id,
                col(InterviewParticipant.member_id) == member_id,
                col(Interview.application_id) == application_id,
                col(Interview.status) != "cancelled",
            )
        )
    )
    return bool(await session.scalar(stmt))


async def remove_participants_except(
    session: AsyncSession, interview_id: uuid.UUID, keep: Sequence[uuid.UUID]
) -> None:
    await session.execute(
        delete(InterviewParticipant).where(
            col(InterviewParticipant.interview_id) == interview_id,
            col(InterviewParticipant.member_id).not_in(keep),
        )
    )


async def reset_responses(session: AsyncSession, interview_id: uuid.UUID) -> None:
    await session.execute(
        update(InterviewParticipant)
        .where(col(InterviewParticipant.interview_id) == interview_id)
        .values(response="needs_action", responded_at=None)
    )


_COMPLETE_PAST = text(
    """
    UPDATE interviews SET status = 'completed', updated_at = now(), version = version + 1
    WHERE status = 'scheduled' AND end_at < :now
    RETURNING id, organization_id, application_id
    """
)


async def backdate(
    session: AsyncSession, interview_ids: Sequence[uuid.UUID], end: datetime
) -> None:
    """Demo data only: move interviews into the past, as if they had taken place."""
    await session.execute(
        text(
            "UPDATE interviews SET start_at = CAST(:end AS timestamptz) - (end_at - start_at), end_at = :end, "
            "status = 'completed' WHERE id = ANY(:ids)"
        ),
        {"end": end, "ids": list(interview_ids)},
    )


async def complete_past(
    session: AsyncSession, now: datetime
) -> Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    """Mark every scheduled interview that has ended as completed; each row changes once."""
    return [(i, o, a) for i, o, a in (await session.execute(_COMPLETE_PAST, {"now": now})).all()]


async def get_by_ical_uid(
    session: AsyncSession, organization_id: uuid.UUID, ical_uid: str
) -> Interview | None:
    """An interview found by the UID it carries in people's calendars (for answers made there)."""
    stmt = select(Interview).where(
        Interview.organization_id == organization_id, Interview.ical_uid == ical_uid
    )
    return (await session.scalars(stmt)).first()


async def participant(
    session: AsyncSession, interview_id: uuid.UUID, member_id: uuid.UUID
) -> InterviewParticipant | None:
    stmt = select(InterviewParticipant).where(
        InterviewParticipant.interview_id == interview_id,
        InterviewParticipant.member_id == member_id,
    )
    return (await session.scalars(stmt)).first()


# The branches of the scheduling reads below, each of eight columns: (kind, member, number,
# number, flag, text, numbers, numbers); which are set depends on the kind. Epoch seconds come
# from date_part, a float8 already: extract returns numeric (PostgreSQL 14 on), and its
# arithmetic and cast are a good part of the read's time with thousands of blocks.
_LOAD_TIME = """
    SELECT 'b', member_id, NULL::float8, NULL::float8, tentative, NULL::text,
           array_agg(date_part('epoch', lower(r))),
           array_agg(date_part('epoch', upper(r)))
    FROM (
        SELECT member_id, tentative, unnest(range_agg(tstzrange(start_at, end_at))) AS r
        FROM busy_blocks
        WHERE organization_id = :org AND member_id = ANY(:ids)
          AND end_at > :start AND start_at < :end
          AND NOT (source = 'hold' AND external_id = ANY(:ignore))
        GROUP BY member_id, tentative
    ) AS merged
    GROUP BY member_id, tentative
    UNION ALL
    SELECT 'i', p.member_id, date_part('epoch', i.start_at),
           date_part('epoch', i.end_at), false, NULL, NULL, NULL
    FROM interview_participants p JOIN interviews i ON i.id = p.interview_id
    WHERE p.organization_id = :org AND p.member_id = ANY(:ids)
      AND i.status IN ('scheduled', 'proposed', 'completed')
      AND i.start_at < :wide_end AND i.end_at > :wide_start
    UNION ALL
    SELECT 'l', p.member_id, date_part('epoch', max(i.start_at)), NULL, false, NULL,
           NULL, NULL
    FROM interview_participants p JOIN interviews i ON i.id = p.interview_id
    WHERE p.organization_id = :org AND p.member_id = ANY(:ids)
      AND i.status IN ('scheduled', 'proposed', 'completed') AND i.start_at < :now
    GROUP BY p.member_id
    UNION ALL
    SELECT 'o', member_id, (day - DATE '1970-01-01')::float8, NULL, false, hours::text, NULL, NULL
    FROM availability_overrides
    WHERE organization_id = :org AND member_id = ANY(:ids)
      AND day >= :first_day AND day <= :last_day
    UNION ALL
    SELECT 'u', mc.member_id, date_part('epoch', mc.last_synced_at), mc.failures::float8,
           false, json_build_array(cc.status, mc.name)::text, NULL, NULL
    FROM member_calendars mc JOIN calendar_connections cc ON cc.id = mc.connection_id
    WHERE mc.organization_id = :org AND mc.member_id = ANY(:ids) AND mc.busy
      AND (mc.last_synced_at IS NULL OR mc.failures > 0 OR cc.status <> 'active')
    UNION ALL
    SELECT 'w', NULL, date_part('epoch', start_at), date_part('epoch', end_at),
           false, time_zone, NULL, NULL
    FROM candidate_windows
    WHERE organization_id = :org AND application_id = :application
"""
# The candidate's zone; for a suggestion, its row is also the proof that the actor may see the
# application (the scope of applications.repository._visible, with roles_managed_by's clause).
_LOAD_CANDIDATE = """
    UNION ALL
    SELECT 'c', NULL, NULL, NULL, false, c.time_zone, NULL, NULL
    FROM applications a LEFT JOIN candidates c ON c.id = a.candidate_id
    WHERE a.organization_id = :org AND a.id = :application
"""
_LOAD_MANAGED = """
      AND EXISTS (
          SELECT FROM roles r
          WHERE r.id = a.role_id AND (
              r.hiring_manager_id = :manager OR r.hiring_manager_id IN (
                  SELECT id FROM members WHERE organization_id = :org AND delegate_id = :manager
              )
          )
      )
"""
_LOAD_MEMBERS = """
    UNION ALL
    SELECT 'm', id, max_interviews_per_day::float8, max_interviews_per_week::float8, is_active,
           json_build_array(name, time_zone, working_hours)::text, NULL, NULL
    FROM members
    WHERE organization_id = :org AND id = ANY(:ids)
"""


def _load(sql: str) -> Any:
    return text(sql).bindparams(
        bindparam("ids", type_=UUID_ARRAY),
        bindparam("ignore", type_=ARRAY(String())),
        bindparam("application", type_=Uuid()),
    )


_SCHEDULING_LOAD = _load(_LOAD_TIME + _LOAD_CANDIDATE)
_SUGGESTION_LOAD = _load(_LOAD_TIME + _LOAD_CANDIDATE + _LOAD_MEMBERS)
_SUGGESTION_LOAD_MANAGED = _load(
    _LOAD_TIME + _LOAD_CANDIDATE + _LOAD_MANAGED + _LOAD_MEMBERS
).bindparams(bindparam("manager", type_=Uuid()))

# (kind, member, number, number, flag, text, numbers, numbers): see scheduling_load.
LoadRow = tuple[str, Any, Any, Any, bool, Any, Any, Any]


def _load_params(
    organization_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    busy_range: tuple[datetime, datetime],
    interview_range: tuple[datetime, datetime],
    now: datetime,
    ignore_hold_ids: Sequence[uuid.UUID],
    override_days: tuple[date, date],
    application_id: uuid.UUID | None,
) -> dict[str, Any]:
    return {
        "org": organization_id,
        "ids": list(member_ids),
        "start": busy_range[0],
        "end": busy_range[1],
        "wide_start": interview_range[0],
        "wide_end": interview_range[1],
        "now": now,
        "ignore": [str(h) for h in ignore_hold_ids],
        "first_day": override_days[0],
        "last_day": override_days[1],
        "application": application_id,
    }


async def scheduling_load(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    busy_range: tuple[datetime, datetime],
    interview_range: tuple[datetime, datetime],
    now: datetime,
    ignore_hold_ids: Sequence[uuid.UUID] = (),
    *,
    override_days: tuple[date, date],
    application_id: uuid.UUID | None = None,
) -> Sequence[LoadRow]:
    """Everything slot finding reads about people's and the candidate's time, in one round
    trip, as epoch seconds: ('b', member, _, _, tentative, _, starts, ends) busy time, one row
    per member (and tentative or not) with overlapping blocks merged by the database (a meeting
    synced as ten pieces is one interval) and handed over as two arrays, not a row per block;
    ('i', member, start, end, ...) interviews that block time and count toward caps; ('l',
    member, start, ...) their latest interview before now (fairness); ('o', member, days since
    1970-01-01, _, _, hours JSON) their availability overrides within `override_days`; ('u',
    member, last read or None, failures, _, [connection status, calendar name] JSON) their busy
    calendars whose time is unknown (never read, failing, or on a connection not active); and
    for `application_id`, ('w', _, start, end, _, zone) the candidate's windows and ('c', ...,
    zone) the candidate's own zone. Busy time mirroring the holds in `ignore_hold_ids` is left
    out, so a booking link can re-offer its own held times. One statement instead of five: at
    ~0.5 ms a round trip, they were a quarter of a suggestion's time."""
    if not member_ids:
        return []
    params = _load_params(
        organization_id,
        member_ids,
        busy_range,
        interview_range,
        now,
        ignore_hold_ids,
        override_days,
        application_id,
    )
    return [tuple(row) for row in (await session.execute(_SCHEDULING_LOAD, params)).all()]


async def suggestion_load(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    busy_range: tuple[datetime, datetime],
    interview_range: tuple[datetime, datetime],
    now: datetime,
    ignore_hold_ids: Sequence[uuid.UUID] = (),
    *,
    override_days: tuple[date, date],
    application_id: uuid.UUID,
    managed_by: uuid.UUID | None,
) -> Sequence[LoadRow]:
    """scheduling_load's rows for a suggestion, with the members themselves as ('m', id,
    daily cap, weekly cap, active, [name, zone, working hours] JSON) and the ('c', ...) row only
    when the application is one the actor may see (`managed_by`: a hiring manager's scope, as
    applications.repository.get_application applies it): no 'c' row means a 404. Everything a
    suggestion reads, in one statement."""
    params = _load_params(
        organization_id,
        member_ids,
        busy_range,
        interview_range,
        now,
        ignore_hold_ids,
        override_days,
        application_id,
    )
    if managed_by is None:
        statement = _SUGGESTION_LOAD
    else:
        statement, params["manager"] = _SUGGESTION_LOAD_MANAGED, managed_by
    return [tuple(row) for row in (await session.execute(statement, params)).all()]


async def remove_participant(
    session: AsyncSession, interview_id: uuid.UUID, member_id: uuid.UUID
) -> None:
    await session.execute(
        delete(InterviewParticipant).where(
            col(InterviewParticipant.interview_id) == interview_id,
            col(InterviewParticipant.member_id) == member_id,
        )
    )


async def lock_interview(session: AsyncSession, interview_id: uuid.UUID) -> Interview | None:
    stmt = (
        select(Interview)
        .where(Interview.id == interview_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()
