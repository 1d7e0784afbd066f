"""SQL for calendar connections, member calendars, the busy mirror and interview writes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col, delete, select

from app.db import driver_connection
from app.domain.availability.models import BusyBlock
from app.domain.calendars.models import (
    CalendarChannelStop,
    CalendarConnection,
    CalendarEventWrite,
    CalendarOAuthState,
    MemberCalendar,
)
from app.domain.organizations.models import Member
from app.domain.pagination import PageRequest, keyset

# --- connections -------------------------------------------------------------------------


async def get_connection(
    session: AsyncSession, organization_id: uuid.UUID, connection_id: uuid.UUID
) -> CalendarConnection | None:
    row = await session.get(CalendarConnection, connection_id)
    return row if row is not None and row.organization_id == organization_id else None


async def get_connection_for_update(
    session: AsyncSession, organization_id: uuid.UUID, connection_id: uuid.UUID
) -> CalendarConnection | None:
    stmt = (
        select(CalendarConnection)
        .where(
            col(CalendarConnection.organization_id) == organization_id,
            col(CalendarConnection.id) == connection_id,
        )
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_connection_by_id(
    session: AsyncSession, connection_id: uuid.UUID
) -> CalendarConnection | None:
    """For the worker, which acts for every organization."""
    return await session.get(CalendarConnection, connection_id)


async def list_connections(
    session: AsyncSession,
    organization_id: uuid.UUID,
    page: PageRequest,
    member_id: uuid.UUID | None = None,
) -> Sequence[CalendarConnection]:
    stmt = select(CalendarConnection).where(CalendarConnection.organization_id == organization_id)
    if member_id is not None:
        # A member sees their own connections and the organization-wide ones.
        stmt = stmt.where(
            or_(
                col(CalendarConnection.member_id) == member_id,
                col(CalendarConnection.scope) == "organization",
            )
        )
    stmt = keyset(stmt, CalendarConnection.created_at, CalendarConnection.id, page)
    return (await session.execute(stmt)).scalars().all()


async def members_by_email(
    session: AsyncSession, organization_id: uuid.UUID
) -> Sequence[tuple[uuid.UUID, str]]:
    stmt = select(Member.id, Member.email).where(
        col(Member.organization_id) == organization_id, Member.is_active
    )
    return [(m, e) for m, e in (await session.execute(stmt)).all()]


# --- member calendars --------------------------------------------------------------------


async def calendars_of_connections(
    session: AsyncSession, connection_ids: Sequence[uuid.UUID]
) -> Sequence[MemberCalendar]:
    if not connection_ids:
        return []
    stmt = (
        select(MemberCalendar)
        .where(col(MemberCalendar.connection_id).in_(connection_ids))
        .order_by(col(MemberCalendar.member_id), col(MemberCalendar.name))
    )
    return (await session.execute(stmt)).scalars().all()


async def calendars_of_member(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> Sequence[tuple[MemberCalendar, str]]:
    """The member's calendars with their connection's provider."""
    stmt = (
        select(MemberCalendar, CalendarConnection.provider)
        .join(CalendarConnection, col(CalendarConnection.id) == MemberCalendar.connection_id)
        .where(
            col(MemberCalendar.organization_id) == organization_id,
            col(MemberCalendar.member_id) == member_id,
        )
        .order_by(
            col(MemberCalendar.primary).desc(), col(MemberCalendar.name), col(MemberCalendar.id)
        )
    )
    return [(c, p) for c, p in (await session.execute(stmt)).all()]


async def calendars_of_members(
    session: AsyncSession, organization_id: uuid.UUID, member_ids: Sequence[uuid.UUID]
) -> Sequence[tuple[MemberCalendar, str]]:
    if not member_ids:
        return []
    stmt = (
        select(MemberCalendar, CalendarConnection.provider)
        .join(CalendarConnection, col(CalendarConnection.id) == MemberCalendar.connection_id)
        .where(
            col(MemberCalendar.organization_id) == organization_id,
            col(MemberCalendar.member_id).in_(member_ids),
        )
        .order_by(
            col(MemberCalendar.member_id),
            col(MemberCalendar.primary).desc(),
            col(MemberCalendar.name),
            col(MemberCalendar.id),
        )
    )
    return [(c, p) for c, p in (await session.execute(stmt)).all()]


async def get_calendar_for_update(
    session: AsyncSession, organization_id: uuid.UUID, calendar_id: uuid.UUID
) -> MemberCalendar | None:
    stmt = (
        select(MemberCalendar)
        .where(
            col(MemberCalendar.organization_id) == organization_id,
            col(MemberCalendar.id) == calendar_id,
        )
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_calendar(session: AsyncSession, calendar_id: uuid.UUID) -> MemberCalendar | None:
    return await session.get(MemberCalendar, calendar_id)


async def upsert_calendars(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """New calendars are added as the provider lists them; known ones keep the member's
    choices (busy, receives_interviews) and their sync state."""
    if not rows:
        return
    stmt = insert(MemberCalendar).values(list(rows))
    stmt = stmt.on_conflict_do_update(
        index_elements=["connection_id", "member_id", "remote_id"],
        set_={
            "name": stmt.excluded.name,
            "primary": stmt.excluded.primary,
            "can_write": stmt.excluded.can_write,
            "time_zone": stmt.excluded.time_zone,
            "subject": stmt.excluded.subject,
        },
    )
    await session.execute(stmt)


async def clear_interview_calendar(
    session: AsyncSession, member_id: uuid.UUID, keep: uuid.UUID
) -> None:
    await session.execute(
        update(MemberCalendar)
        .where(
            col(MemberCalendar.member_id) == member_id,
            col(MemberCalendar.id) != keep,
            col(MemberCalendar.receives_interviews),
        )
        .values(receives_interviews=False)
    )


async def sync_all_due(session: AsyncSession, connection_id: uuid.UUID | None = None) -> int:
    """Make busy calendars due now (a reconciliation, or a connection that resumed)."""
    stmt = update(MemberCalendar).where(col(MemberCalendar.busy)).values(next_sync_at=func.now())
    if connection_id is not None:
        stmt = stmt.where(col(MemberCalendar.connection_id) == connection_id)
    result = await session.execute(stmt)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def reconcile_stale(session: AsyncSession, older_than: datetime, *, pushed: bool) -> int:
    """Calendars not read since `older_than` become due: with `pushed`, those a channel keeps
    current (repairing what a lost push left behind); without, those nothing pushes for
    (CalDAV, or a calendar whose channel could not be opened), which are polled."""
    pushing = select(CalendarConnection.id).where(
        col(CalendarConnection.provider).in_(["google", "microsoft"])
    )
    kept_by_channel = col(MemberCalendar.connection_id).in_(pushing) & col(
        MemberCalendar.channel_id
    ).is_not(None)
    stmt = (
        update(MemberCalendar)
        .where(
            kept_by_channel if pushed else ~kept_by_channel,
            col(MemberCalendar.busy),
            col(MemberCalendar.next_sync_at).is_(None),
            or_(
                col(MemberCalendar.last_synced_at).is_(None),
                col(MemberCalendar.last_synced_at) < older_than,
            ),
        )
        .values(next_sync_at=func.now())
    )
    result = await session.execute(stmt)
    return int(result.rowcount)  # type: ignore[attr-defined]


_CLAIM_CALENDARS = text(
    """
    UPDATE member_calendars AS c
       SET claimed_until = now() + make_interval(secs => :lease),
           claimed_by = :worker,
           full_read_started_at = CASE
               WHEN c.sync_token IS NULL AND c.page_token IS NULL THEN now()
               ELSE c.full_read_started_at END
      FROM (
        SELECT m.id
          FROM member_calendars m
          JOIN calendar_connections k ON k.id = m.connection_id AND k.status = 'active'
         WHERE m.busy AND m.next_sync_at IS NOT NULL AND m.next_sync_at <= now()
           AND (m.claimed_until IS NULL OR m.claimed_until < now())
         ORDER BY m.next_sync_at
         LIMIT :limit
         FOR UPDATE OF m SKIP LOCKED
      ) AS due
     WHERE c.id = due.id
    RETURNING c.id
    """
)


async def claim_due_calendars(
    session: AsyncSession, worker: str, lease_seconds: float, limit: int
) -> list[uuid.UUID]:
    rows = await session.execute(
        _CLAIM_CALENDARS, {"lease": lease_seconds, "worker": worker, "limit": limit}
    )
    return [r[0] for r in rows.all()]


async def calendar_with_connection(
    session: AsyncSession, calendar_id: uuid.UUID
) -> tuple[MemberCalendar, CalendarConnection] | None:
    stmt = (
        select(MemberCalendar, CalendarConnection)
        .join(CalendarConnection, col(CalendarConnection.id) == MemberCalendar.connection_id)
        .where(col(MemberCalendar.id) == calendar_id)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row is not None else None


async def calendars_needing_channels(
    session: AsyncSession, renew_before: datetime, limit: int
) -> Sequence[uuid.UUID]:
    """Busy calendars of pushing providers whose channel is missing or expires soon. A
    free/busy-only grant opens none (Google's freebusy scope cannot watch): it is polled."""
    stmt = (
        select(MemberCalendar.id)
        .join(CalendarConnection, col(CalendarConnection.id) == MemberCalendar.connection_id)
        .where(
            col(MemberCalendar.busy),
            col(CalendarConnection.status) == "active",
            col(CalendarConnection.provider).in_(["google", "microsoft"]),
            col(CalendarConnection.access) == "read_write",
            or_(
                col(MemberCalendar.channel_expires_at).is_(None),
                col(MemberCalendar.channel_expires_at) < renew_before,
            ),
        )
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


# --- the busy mirror ---------------------------------------------------------------------


async def remove_blocks(
    session: AsyncSession,
    calendar_id: uuid.UUID,
    uid: str | None,
    recurrence_id: str | None,
    remote_id: str | None,
) -> None:
    stmt = delete(BusyBlock).where(col(BusyBlock.calendar_id) == calendar_id)
    if uid is not None:
        stmt = stmt.where(col(BusyBlock.uid) == uid)
        if recurrence_id is not None:
            stmt = stmt.where(col(BusyBlock.recurrence_id) == recurrence_id)
    elif remote_id is not None:
        stmt = stmt.where(col(BusyBlock.remote_id) == remote_id)
    else:
        return
    await session.execute(stmt)


def _upsert_blocks_statement() -> Any:
    stmt = insert(BusyBlock)
    return stmt.on_conflict_do_update(
        index_elements=["calendar_id", "uid", "recurrence_id"],
        set_={
            "start_at": stmt.excluded.start_at,
            "end_at": stmt.excluded.end_at,
            "remote_id": stmt.excluded.remote_id,
            "tentative": stmt.excluded.tentative,
            "synced_at": func.now(),
        },
    )


# Built once and sent with a page of rows as executemany parameters: SQLAlchemy compiles it
# once per process (a multi-row VALUES would be compiled anew for every page, ~180 ms of CPU
# per 250 events), and asyncpg sends the rows in batches.
_UPSERT_BLOCKS = _upsert_blocks_statement()


async def upsert_blocks(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """A page of events, keyed by (calendar, UID, occurrence)."""
    if rows:
        connection = await session.connection()
        await connection.execute(_UPSERT_BLOCKS, list(rows))


async def drop_unseen_blocks(
    session: AsyncSession, calendar_id: uuid.UUID, since: datetime
) -> None:
    """After a full read: what the read did not name is gone at the provider."""
    await session.execute(
        delete(BusyBlock).where(
            col(BusyBlock.calendar_id) == calendar_id,
            or_(col(BusyBlock.synced_at).is_(None), col(BusyBlock.synced_at) < since),
        )
    )


async def drop_blocks_of_calendar(session: AsyncSession, calendar_id: uuid.UUID) -> None:
    await session.execute(delete(BusyBlock).where(col(BusyBlock.calendar_id) == calendar_id))


# --- interview writes --------------------------------------------------------------------


async def interview_calendars(
    session: AsyncSession, organization_id: uuid.UUID, member_ids: Sequence[uuid.UUID]
) -> Sequence[MemberCalendar]:
    """Each member's interview calendar on an active connection."""
    if not member_ids:
        return []
    stmt = (
        select(MemberCalendar)
        .join(CalendarConnection, col(CalendarConnection.id) == MemberCalendar.connection_id)
        .where(
            col(MemberCalendar.organization_id) == organization_id,
            col(MemberCalendar.member_id).in_(member_ids),
            col(MemberCalendar.receives_interviews),
            col(CalendarConnection.status) != "paused",
        )
    )
    return (await session.execute(stmt)).scalars().all()


async def writes_of_interview(
    session: AsyncSession, interview_id: uuid.UUID
) -> Sequence[CalendarEventWrite]:
    stmt = select(CalendarEventWrite).where(CalendarEventWrite.interview_id == interview_id)
    return (await session.execute(stmt)).scalars().all()


async def upsert_write(session: AsyncSession, row: dict[str, Any]) -> None:
    stmt = insert(CalendarEventWrite).values(row)
    stmt = stmt.on_conflict_do_update(
        index_elements=["interview_id", "member_id"],
        set_={
            "action": stmt.excluded.action,
            "sequence": func.greatest(CalendarEventWrite.sequence, stmt.excluded.sequence),
            "calendar_id": stmt.excluded.calendar_id,
            "pending": True,
            "failed": False,
            "attempts": 0,
            "next_attempt_at": func.now(),
            "updated_at": func.now(),
        },
    )
    await session.execute(stmt)


_CLAIM_WRITES = text(
    """
    UPDATE calendar_event_writes AS w
       SET claimed_until = now() + make_interval(secs => :lease), claimed_by = :worker
      FROM (
        SELECT id FROM calendar_event_writes
         WHERE pending AND next_attempt_at <= now()
           AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY next_attempt_at
         LIMIT :limit
         FOR UPDATE SKIP LOCKED
      ) AS due
     WHERE w.id = due.id
    RETURNING w.id
    """
)


async def claim_due_writes(
    session: AsyncSession, worker: str, lease_seconds: float, limit: int
) -> list[uuid.UUID]:
    rows = await session.execute(
        _CLAIM_WRITES, {"lease": lease_seconds, "worker": worker, "limit": limit}
    )
    return [r[0] for r in rows.all()]


async def get_write(session: AsyncSession, write_id: uuid.UUID) -> CalendarEventWrite | None:
    return await session.get(CalendarEventWrite, write_id)


async def get_write_for_update(
    session: AsyncSession, write_id: uuid.UUID
) -> CalendarEventWrite | None:
    stmt = select(CalendarEventWrite).where(CalendarEventWrite.id == write_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def write_figures(
    session: AsyncSession, connection_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """(pending, failed) interview writes per connection."""
    if not connection_ids:
        return {}
    stmt = (
        select(
            MemberCalendar.connection_id,
            func.count().filter(col(CalendarEventWrite.pending)),
            func.count().filter(col(CalendarEventWrite.failed)),
        )
        .join(MemberCalendar, col(MemberCalendar.id) == CalendarEventWrite.calendar_id)
        .where(col(MemberCalendar.connection_id).in_(connection_ids))
        .group_by(col(MemberCalendar.connection_id))
    )
    return {c: (int(p), int(f)) for c, p, f in (await session.execute(stmt)).all()}


# --- OAuth states ------------------------------------------------------------------------


async def take_oauth_state(session: AsyncSession, state_hash: str) -> CalendarOAuthState | None:
    """The unused state with this hash, marked used in the same statement: a replayed callback
    finds nothing."""
    stmt = (
        update(CalendarOAuthState)
        .where(
            col(CalendarOAuthState.state_hash) == state_hash,
            col(CalendarOAuthState.used_at).is_(None),
        )
        .values(used_at=func.now())
        .returning(CalendarOAuthState)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def note_error(
    session: AsyncSession, connection_id: uuid.UUID, source: str, reason: str
) -> None:
    """Keep the five newest errors on the connection, for its health."""
    await session.execute(
        text(
            """
            UPDATE calendar_connections
               SET recent_errors = (
                   SELECT coalesce(jsonb_agg(e), '[]'::jsonb) FROM (
                     SELECT e FROM jsonb_array_elements(
                       jsonb_build_array(jsonb_build_object(
                         'at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                         'source', CAST(:source AS text), 'reason', CAST(:reason AS text)))
                       || recent_errors) AS e
                     LIMIT 5) AS newest)
             WHERE id = :id
            """
        ),
        {"id": connection_id, "source": source, "reason": reason[:500]},
    )


async def set_channel(
    session: AsyncSession,
    calendar_id: uuid.UUID,
    channel_id: str | None,
    resource_id: str | None,
    token_hash: str | None,
    expires_at: datetime | None,
) -> None:
    await session.execute(
        update(MemberCalendar)
        .where(col(MemberCalendar.id) == calendar_id)
        .values(
            channel_id=channel_id,
            channel_resource_id=resource_id,
            channel_token_hash=token_hash,
            channel_expires_at=expires_at,
        )
    )


async def invited_by_provider(
    session: AsyncSession, member_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Members whose interview calendar's provider sends the invitations itself."""
    if not member_ids:
        return set()
    stmt = (
        select(MemberCalendar.member_id)
        .join(CalendarConnection, col(CalendarConnection.id) == col(MemberCalendar.connection_id))
        .where(
            col(MemberCalendar.member_id).in_(member_ids),
            col(MemberCalendar.receives_interviews),
            col(CalendarConnection.invitations) == "provider",
            col(CalendarConnection.status) == "active",
        )
    )
    return set((await session.execute(stmt)).scalars().all())


# --- pushes: the hottest path, on a plain autocommit connection ---------------------------

# One statement per push, all or nothing: every notice must name a channel of this provider and
# present the token it was opened with (compared as HMACs: a presented token's HMAC cannot be
# steered by whoever sends it, so equality in SQL reveals nothing a constant-time compare would
# hide). Only then do the calendars become due, those told "reauthorize"/"removed" get their
# channel expired so the worker opens a new one, and the workers are woken at commit. Data
# modifying CTEs run once, to completion, whether or not the outer SELECT reads them.
_RECEIVE_PUSH_SQL = """
    WITH presented AS (
        SELECT p.channel_id, p.token_hash, p.resubscribe, p.n
          FROM unnest($2::text[], $3::text[], $4::bool[])
               WITH ORDINALITY AS p(channel_id, token_hash, resubscribe, n)
    ),
    matched AS (
        SELECT p.n, m.id, p.resubscribe
          FROM presented p
          JOIN member_calendars m
            ON m.channel_id = p.channel_id AND m.channel_token_hash = p.token_hash
          JOIN calendar_connections k ON k.id = m.connection_id AND k.provider = $1
    ),
    verdict AS (
        SELECT count(DISTINCT n) = cardinality($2::text[]) AS genuine FROM matched
    ),
    due AS (
        UPDATE member_calendars c
           SET next_sync_at = now(),
               channel_expires_at = CASE WHEN r.resubscribe THEN now()
                                         ELSE c.channel_expires_at END
          FROM (SELECT id, bool_or(resubscribe) AS resubscribe FROM matched GROUP BY id) r,
               verdict v
         WHERE c.id = r.id AND v.genuine
        RETURNING c.id
    )
    SELECT v.genuine,
           CASE WHEN (SELECT count(*) FROM due) > 0
                THEN pg_notify('hireloop_outbox', 'calendar') END
      FROM verdict v
"""


async def receive_push(
    rows: AsyncConnection,
    provider: str,
    notices: Sequence[tuple[str, str, bool]],
) -> bool:
    """Make the calendars of `notices` ((channel id, HMAC of the presented token, whether the
    channel must be reopened)) due, if and only if every one is genuine; False changes nothing.
    On the driver's connection directly: pushes are the hottest write path."""
    driver = await driver_connection(rows)
    record = await driver.fetchrow(
        _RECEIVE_PUSH_SQL,
        provider,
        [n[0] for n in notices],
        [n[1] for n in notices],
        [n[2] for n in notices],
    )
    return bool(record is not None and record[0])


# --- channels to close -------------------------------------------------------------------


def channel_stop_row(
    connection: CalendarConnection, calendar: MemberCalendar
) -> CalendarChannelStop | None:
    if calendar.channel_id is None or calendar.channel_expires_at is None:
        return None
    return CalendarChannelStop(
        organization_id=calendar.organization_id,
        provider=connection.provider,
        scope=connection.scope,
        base_url=connection.base_url,
        credentials_encrypted=connection.credentials_encrypted,
        subject=calendar.subject,
        channel_id=calendar.channel_id,
        resource_id=calendar.channel_resource_id,
        expires_at=calendar.channel_expires_at,
    )


_CLAIM_CHANNEL_STOPS = text(
    """
    UPDATE calendar_channel_stops AS s
       SET claimed_until = now() + make_interval(secs => :lease), claimed_by = :worker
      FROM (
        SELECT id FROM calendar_channel_stops
         WHERE next_attempt_at <= now()
           AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY next_attempt_at
         LIMIT :limit
         FOR UPDATE SKIP LOCKED
      ) AS due
     WHERE s.id = due.id
    RETURNING s.id
    """
)


async def claim_channel_stops(
    session: AsyncSession, worker: str, lease_seconds: float, limit: int
) -> list[CalendarChannelStop]:
    rows = await session.execute(
        _CLAIM_CHANNEL_STOPS, {"lease": lease_seconds, "worker": worker, "limit": limit}
    )
    ids = [r[0] for r in rows.all()]
    if not ids:
        return []
    stmt = select(CalendarChannelStop).where(col(CalendarChannelStop.id).in_(ids))
    return list((await session.execute(stmt)).scalars().all())


async def get_channel_stop(session: AsyncSession, stop_id: uuid.UUID) -> CalendarChannelStop | None:
    return await session.get(CalendarChannelStop, stop_id)


_CLAIM_DISCOVERY = text(
    """
    UPDATE calendar_connections AS c
       SET claimed_until = now() + make_interval(secs => :lease), claimed_by = :worker
      FROM (
        SELECT id FROM calendar_connections
         WHERE status = 'active' AND discover_at IS NOT NULL AND discover_at <= now()
           AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY discover_at LIMIT 1
         FOR UPDATE SKIP LOCKED
      ) AS due
     WHERE c.id = due.id
    RETURNING c.id
    """
)


async def claim_discovery(
    session: AsyncSession, worker: str, lease_seconds: float
) -> uuid.UUID | None:
    """An organization-wide connection whose mailboxes are due to be matched, leased."""
    row = (
        await session.execute(_CLAIM_DISCOVERY, {"lease": lease_seconds, "worker": worker})
    ).first()
    return row[0] if row is not None else None
