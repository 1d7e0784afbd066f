"""SQL for notifications and digest runs: planning, the worker's queue, listing, and the reads
that gather what a message or a digest says."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.domain.columns import UUID_ARRAY
from app.domain.notifications.models import DigestRun, Notification
from app.domain.pagination import PageRequest, keyset
from app.ids import new_id

_NOTIFICATIONS = Notification.metadata.tables["notifications"]
_DIGEST_RUNS = DigestRun.metadata.tables["digest_runs"]


def _uuids(name: str, values: Sequence[uuid.UUID]) -> Any:
    return bindparam(name, list(values), type_=UUID_ARRAY)


@dataclass(frozen=True)
class Draft:
    """A rendered message waiting to be stored (the row is made once per dedupe key)."""

    organization_id: uuid.UUID
    kind: str
    channel: str
    recipient: str
    dedupe_key: str
    subject: str
    body_text: str
    body_html: str | None = None
    slack_blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    member_id: uuid.UUID | None = None
    candidate_id: uuid.UUID | None = None
    outcome_message_id: uuid.UUID | None = None


async def add_notifications(session: AsyncSession, drafts: Sequence[Draft]) -> list[uuid.UUID]:
    """Store the drafts whose dedupe key is new; returns the ids of those stored now."""
    if not drafts:
        return []
    unique = {(d.organization_id, d.dedupe_key): d for d in drafts}
    stmt = (
        insert(_NOTIFICATIONS)
        .values(
            [
                {
                    "id": new_id(),
                    "organization_id": d.organization_id,
                    "kind": d.kind,
                    "channel": d.channel,
                    "recipient": d.recipient[:320],
                    "member_id": d.member_id,
                    "candidate_id": d.candidate_id,
                    "outcome_message_id": d.outcome_message_id,
                    "dedupe_key": d.dedupe_key[:200],
                    "subject": d.subject[:300],
                    "body_text": d.body_text,
                    "body_html": d.body_html,
                    "slack_blocks": d.slack_blocks,
                    "attachments": d.attachments or [],
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": text("now()"),
                    "created_at": text("now()"),
                }
                for d in unique.values()
            ]
        )
        .on_conflict_do_nothing(index_elements=["organization_id", "dedupe_key"])
        .returning(_NOTIFICATIONS.c.id)
    )
    return [r[0] for r in await session.execute(stmt)]


async def existing_keys(
    session: AsyncSession, organization_id: uuid.UUID, keys: Sequence[str]
) -> set[str]:
    if not keys:
        return set()
    rows = await session.execute(
        text(
            "SELECT dedupe_key FROM notifications WHERE organization_id = :org "
            "AND dedupe_key = ANY(CAST(:keys AS text[]))"
        ),
        {"org": organization_id, "keys": list(keys)},
    )
    return {r[0] for r in rows}


async def list_notifications(
    session: AsyncSession,
    organization_id: uuid.UUID,
    page: PageRequest,
    *,
    member_id: uuid.UUID | None,
    status: str | None,
    kind: str | None,
) -> Sequence[Notification]:
    stmt = select(Notification).where(Notification.organization_id == organization_id)
    if member_id is not None:
        stmt = stmt.where(Notification.member_id == member_id)
    if status:
        stmt = stmt.where(Notification.status == status)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    stmt = keyset(stmt, Notification.created_at, Notification.id, page)
    return (await session.scalars(stmt)).all()


async def get_notification(
    session: AsyncSession, organization_id: uuid.UUID, notification_id: uuid.UUID
) -> Notification | None:
    stmt = select(Notification).where(
        Notification.organization_id == organization_id, Notification.id == notification_id
    )
    return (await session.scalars(stmt)).first()


# --- the worker's queue ------------------------------------------------------------------


@dataclass(frozen=True)
class DueNotification:
    id: uuid.UUID
    organization_id: uuid.UUID
    kind: str
    channel: str
    recipient: str
    member_id: uuid.UUID | None
    outcome_message_id: uuid.UUID | None
    subject: str
    body_text: str
    body_html: str | None
    slack_blocks: list[dict[str, Any]] | None
    attachments: list[dict[str, Any]]
    attempts: int
    # The outcome message's status now: one rescinded or reopened since planning is not sent.
    outcome_status: str | None
    slack_url: str | None


_CLAIM_DUE = text(
    """
    WITH due AS (
        SELECT n.id FROM notifications n
        WHERE n.status = 'pending' AND n.next_attempt_at <= now()
          AND (n.claimed_until IS NULL OR n.claimed_until < now())
        ORDER BY n.next_attempt_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE notifications n
    SET claimed_until = now() + make_interval(secs => :lease), claimed_by = :worker
    FROM due
    WHERE n.id = due.id
    RETURNING n.id, n.organization_id, n.kind, n.channel, n.recipient, n.member_id,
              n.outcome_message_id, n.subject, n.body_text, n.body_html, n.slack_blocks,
              n.attachments, n.attempts,
              (SELECT om.status FROM outcome_messages om WHERE om.id = n.outcome_message_id),
              CASE WHEN n.channel = 'slack' THEN coalesce(
                  (SELECT m.slack_webhook_url FROM members m WHERE m.id = n.member_id),
                  (SELECT o.slack_webhook_url FROM organizations o WHERE o.id = n.organization_id)
              ) END
    """
)


async def claim_due(
    session: AsyncSession, worker: str, limit: int, lease_seconds: float
) -> list[DueNotification]:
    """Lease due notifications to this worker; SKIP LOCKED keeps workers off each other's rows."""
    rows = await session.execute(
        _CLAIM_DUE, {"limit": limit, "lease": float(lease_seconds), "worker": worker}
    )
    return [DueNotification(*row) for row in rows]


async def cancel(session: AsyncSession, worker: str, ids: Sequence[uuid.UUID], reason: str) -> None:
    if ids:
        await session.execute(
            text(
                "UPDATE notifications SET status = 'cancelled', claimed_until = NULL, "
                "claimed_by = NULL, last_error = :reason "
                "WHERE id = ANY(:ids) AND claimed_by = :worker AND status = 'pending'"
            ).bindparams(_uuids("ids", ids)),
            {"reason": reason, "worker": worker},
        )


async def release(session: AsyncSession, worker: str, ids: Sequence[uuid.UUID]) -> None:
    """Hand back claimed notifications this worker never started sending (it is stopping):
    due again at once for any other worker, with no attempt counted."""
    if ids:
        await session.execute(
            text(
                "UPDATE notifications SET claimed_until = NULL, claimed_by = NULL "
                "WHERE id = ANY(:ids) AND claimed_by = :worker AND status = 'pending'"
            ).bindparams(_uuids("ids", ids)),
            {"worker": worker},
        )


async def finish(
    session: AsyncSession,
    worker: str,
    notification_id: uuid.UUID,
    *,
    status: str,
    attempts: int,
    next_attempt_at: datetime | None,
    error: str | None,
) -> bool:
    """Move one notification on while this worker still holds it; False if it lost the claim
    (another worker took over and decides)."""
    result = await session.execute(
        text(
            "UPDATE notifications SET status = CAST(:status AS varchar), attempts = :attempts, "
            "next_attempt_at = coalesce(CAST(:next_at AS timestamptz), next_attempt_at), "
            "last_error = CAST(:error AS varchar), claimed_until = NULL, claimed_by = NULL, "
            "sent_at = CASE WHEN CAST(:status AS varchar) = 'sent' THEN now() ELSE sent_at END "
            "WHERE id = :id AND claimed_by = :worker AND status = 'pending'"
        ),
        {
            "status": status,
            "attempts": attempts,
            "next_at": next_attempt_at,
            "error": error[:500] if error else None,
            "id": notification_id,
            "worker": worker,
        },
    )
    return bool(getattr(result, "rowcount", 0))


# --- what messages say ---------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    name: str
    update_channel: str
    update_cadence: str
    slack_webhook_url: str | None
    org_slack_webhook_url: str | None
    delegate_id: uuid.UUID | None
    time_zone: str
    is_active: bool
    # Read where digests are planned; elsewhere unknown (None: no restriction).
    digest_from: datetime | None = None


_RECIPIENTS = text(
    """
    SELECT m.id, m.organization_id, m.email, m.name, m.update_channel, m.update_cadence,
           m.slack_webhook_url, o.slack_webhook_url, m.delegate_id, m.time_zone, m.is_active
    FROM members m JOIN organizations o ON o.id = m.organization_id
    WHERE m.id = ANY(:ids)
    """
)


async def recipients(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Recipient]:
    if not ids:
        return {}
    rows = await session.execute(_RECIPIENTS.bindparams(_uuids("ids", list(set(ids)))))
    return {r[0]: Recipient(*r) for r in rows}


async def organization_names(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(
        text("SELECT id, name FROM organizations WHERE id = ANY(:ids)").bindparams(
            _uuids("ids", list(set(ids)))
        )
    )
    return {r[0]: r[1] for r in rows}


@dataclass(frozen=True)
class InterviewFacts:
    id: uuid.UUID
    organization_id: uuid.UUID
    kind: str
    start_at: datetime
    end_at: datetime
    time_zone: str
    status: str
    ical_sequence: int
    application_id: uuid.UUID
    candidate_id: uuid.UUID
    candidate_name: str
    candidate_email: str
    role_id: uuid.UUID
    role_title: str
    organization_name: str
    feedback_due_hours: int


_INTERVIEWS = text(
    """
    SELECT i.id, i.organization_id, i.kind, i.start_at, i.end_at, i.time_zone, i.status,
           i.ical_sequence, a.id, c.id, c.name, c.email, r.id, r.title, o.name,
           o.feedback_due_hours
    FROM interviews i
    JOIN applications a ON a.id = i.application_id
    JOIN candidates c ON c.id = a.candidate_id
    JOIN roles r ON r.id = i.role_id
    JOIN organizations o ON o.id = i.organization_id
    WHERE i.id = ANY(:ids)
    """
)


async def interview_facts(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InterviewFacts]:
    if not ids:
        return {}
    rows = await session.execute(_INTERVIEWS.bindparams(_uuids("ids", list(set(ids)))))
    return {r[0]: InterviewFacts(*r) for r in rows}


async def participants(
    session: AsyncSession, interview_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    if not interview_ids:
        return {}
    rows = await session.execute(
        text(
            "SELECT interview_id, member_id FROM interview_participants "
            "WHERE interview_id = ANY(:ids) ORDER BY member_id"
        ).bindparams(_uuids("ids", list(set(interview_ids))))
    )
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    for interview_id, member_id in rows:
        found.setdefault(interview_id, []).append(member_id)
    return found


@dataclass(frozen=True)
class SlateFacts:
    id: uuid.UUID
    organization_id: uuid.UUID
    status: str
    due_at: datetime | None
    note: str | None
    role_id: uuid.UUID
    role_title: str
    hiring_manager_id: uuid.UUID | None
    sender_name: str | None
    candidates: int
    questions: int
    # Who is on it, in the slate's order: enough for a hiring manager to pick whom to open first.
    lines: tuple[SlateLine, ...] = ()


@dataclass(frozen=True)
class SlateLine:
    position: int
    candidate_name: str
    current_title: str | None
    current_company: str | None
    years_experience: int | None
    question: str | None
    decided: bool

    @property
    def headline(self) -> str:
        where = " at ".join(p for p in (self.current_title, self.current_company) if p)
        years = f"{self.years_experience} years" if self.years_experience is not None else ""
        return ", ".join(p for p in (where, years) if p)


_SLATE_LINES = """
    SELECT si.slate_id, si.position, c.name, c.current_title, c.current_company,
           c.years_experience, si.question,
           EXISTS (SELECT 1 FROM slate_decisions d WHERE d.slate_item_id = si.id AND d.is_current)
    FROM slate_items si
    JOIN applications a ON a.id = si.application_id
    JOIN candidates c ON c.id = a.candidate_id
    WHERE si.slate_id = ANY(:ids)
    ORDER BY si.slate_id, si.position
"""


async def _with_lines(session: AsyncSession, slates: list[SlateFacts]) -> list[SlateFacts]:
    """The slates with their lines, read in one statement for all of them."""
    if not slates:
        return slates
    rows = await session.execute(
        text(_SLATE_LINES).bindparams(_uuids("ids", [s.id for s in slates]))
    )
    lines: dict[uuid.UUID, list[SlateLine]] = {}
    for r in rows:
        lines.setdefault(r[0], []).append(SlateLine(*r[1:]))
    return [replace(s, lines=tuple(lines.get(s.id, []))) for s in slates]


_SLATES = """
    SELECT s.id, s.organization_id, s.status, s.due_at, s.note, r.id, r.title,
           r.hiring_manager_id, sender.name,
           (SELECT count(*) FROM slate_items si WHERE si.slate_id = s.id),
           (SELECT count(*) FROM slate_items si WHERE si.slate_id = s.id AND si.question IS NOT NULL)
    FROM slates s
    JOIN roles r ON r.id = s.role_id
    LEFT JOIN members sender ON sender.id = s.sent_by_id
"""


async def slate_facts(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, SlateFacts]:
    if not ids:
        return {}
    rows = await session.execute(
        text(_SLATES + " WHERE s.id = ANY(:ids)").bindparams(_uuids("ids", list(set(ids))))
    )
    return {s.id: s for s in await _with_lines(session, [SlateFacts(*r) for r in rows])}


async def overdue_slates(session: AsyncSession, now: datetime) -> list[SlateFacts]:
    """Slates still waiting for a decision after their due time, with no reminder planned yet."""
    rows = await session.execute(
        text(
            _SLATES
            + """
            WHERE s.status = 'sent' AND s.due_at IS NOT NULL AND s.due_at <= :now
              AND r.hiring_manager_id IS NOT NULL
              AND NOT EXISTS (
                  SELECT 1 FROM notifications n
                  WHERE n.organization_id = s.organization_id
                    AND n.dedupe_key = 'slate.reminder:' || s.id || ':' || r.hiring_manager_id
              )
            ORDER BY s.due_at LIMIT 500
            """
        ),
        {"now": now},
    )
    return await _with_lines(session, [SlateFacts(*r) for r in rows])


@dataclass(frozen=True)
class OutcomeFacts:
    id: uuid.UUID
    organization_id: uuid.UUID
    kind: str
    personal_note: str | None
    candidate_id: uuid.UUID
    candidate_name: str
    candidate_email: str
    role_title: str
    organization_name: str
    offer_start_date: Any
    offer_expires_at: datetime | None


async def due_outcomes(
    session: AsyncSession, now: datetime, limit: int = 500
) -> list[OutcomeFacts]:
    """Outcome messages due and still owed, not yet made into a notification."""
    rows = await session.execute(
        text(
            """
            SELECT om.id, om.organization_id, om.kind, om.personal_note, c.id, c.name, c.email,
                   r.title, o.name, f.start_date, f.expires_at
            FROM outcome_messages om
            JOIN applications a ON a.id = om.application_id
            JOIN candidates c ON c.id = a.candidate_id
            JOIN roles r ON r.id = a.role_id
            JOIN organizations o ON o.id = om.organization_id
            LEFT JOIN offers f ON f.id = om.offer_id
            WHERE om.status = 'scheduled' AND om.send_at <= :now
              AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.outcome_message_id = om.id)
            ORDER BY om.send_at LIMIT :limit
            """
        ),
        {"now": now, "limit": limit},
    )
    return [OutcomeFacts(*r) for r in rows]


# --- digests -------------------------------------------------------------------------------


async def digest_members(session: AsyncSession) -> list[Recipient]:
    """Active members who are the hiring manager of an open role and want a digest."""
    rows = await session.execute(
        text(
            """
            SELECT m.id, m.organization_id, m.email, m.name, m.update_channel, m.update_cadence,
                   m.slack_webhook_url, o.slack_webhook_url, m.delegate_id, m.time_zone,
                   m.is_active, m.digest_from
            FROM members m JOIN organizations o ON o.id = m.organization_id
            WHERE m.is_active AND m.update_channel <> 'none'
              AND EXISTS (SELECT 1 FROM roles r WHERE r.hiring_manager_id = m.id AND r.status = 'open')
            """
        )
    )
    return [Recipient(*r) for r in rows]


async def member_preferences(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> tuple[Recipient, Any] | None:
    """The member as a recipient, and their preferred local time."""
    row = (
        await session.execute(
            text(
                """
                SELECT m.id, m.organization_id, m.email, m.name, m.update_channel,
                       m.update_cadence, m.slack_webhook_url, o.slack_webhook_url, m.delegate_id,
                       m.time_zone, m.is_active, m.digest_from, m.update_local_time
                FROM members m JOIN organizations o ON o.id = m.organization_id
                WHERE m.organization_id = :org AND m.id = :id
                """
            ),
            {"org": organization_id, "id": member_id},
        )
    ).first()
    if row is None:
        return None
    return Recipient(*row[:12]), row[12]


async def local_times(
    session: AsyncSession, member_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    if not member_ids:
        return {}
    rows = await session.execute(
        text("SELECT id, update_local_time FROM members WHERE id = ANY(:ids)").bindparams(
            _uuids("ids", member_ids)
        )
    )
    return {r[0]: r[1] for r in rows}


async def runs_for(
    session: AsyncSession, pairs: Sequence[tuple[uuid.UUID, str]]
) -> set[tuple[uuid.UUID, str]]:
    """Which (member, period) digests were already decided."""
    if not pairs:
        return set()
    rows = await session.execute(
        text(
            "SELECT member_id, period_key FROM digest_runs "
            "WHERE (member_id, period_key) IN "
            "(SELECT * FROM unnest(:members, CAST(:periods AS text[])))"
        ).bindparams(_uuids("members", [p[0] for p in pairs])),
        {"periods": [p[1] for p in pairs]},
    )
    return {(r[0], r[1]) for r in rows}


async def last_sent_keys(session: AsyncSession, member_id: uuid.UUID) -> set[str] | None:
    """What the member's last digest listed (None if they never had one)."""
    stmt = (
        select(DigestRun.item_keys)
        .where(DigestRun.member_id == member_id, col(DigestRun.sent))
        .order_by(col(DigestRun.created_at).desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else set(row[0])


async def claim_run(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    period_key: str,
    sent: bool,
    item_keys: list[str],
) -> uuid.UUID | None:
    """Record this period's digest; None when another worker already did (it is theirs)."""
    stmt = (
        insert(_DIGEST_RUNS)
        .values(
            id=new_id(),
            organization_id=organization_id,
            member_id=member_id,
            period_key=period_key,
            sent=sent,
            item_keys=item_keys,
            created_at=text("now()"),
        )
        .on_conflict_do_nothing(index_elements=["member_id", "period_key"])
        .returning(_DIGEST_RUNS.c.id)
    )
    run_id: uuid.UUID | None = (await session.execute(stmt)).scalar()
    return run_id


async def link_run(session: AsyncSession, run_id: uuid.UUID, notification_id: uuid.UUID) -> None:
    await session.execute(
        text("UPDATE digest_runs SET notification_id = :n WHERE id = :id"),
        {"n": notification_id, "id": run_id},
    )


async def open_roles_of(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> list[tuple[uuid.UUID, str]]:
    rows = await session.execute(
        text(
            "SELECT id, title FROM roles WHERE organization_id = :org "
            "AND hiring_manager_id = :m AND status = 'open' ORDER BY title, id"
        ),
        {"org": organization_id, "m": member_id},
    )
    return [(r[0], r[1]) for r in rows]


async def digest_rows(
    session: AsyncSession, organization_id: uuid.UUID, role_ids: Sequence[uuid.UUID], now: datetime
) -> dict[str, list[Any]]:
    """Everything a digest lists for these roles, one query per section."""
    params: dict[str, Any] = {"org": organization_id, "now": now}
    roles = _uuids("roles", role_ids)

    async def run(sql: str) -> list[Any]:
        return list(await session.execute(text(sql).bindparams(roles), params))

    return {
        "slates": await run(
            """
            SELECT s.role_id, s.id, s.due_at, s.sent_at,
                   (SELECT count(*) FROM slate_items si WHERE si.slate_id = s.id
                      AND NOT EXISTS (SELECT 1 FROM slate_decisions d
                                      WHERE d.slate_item_id = si.id AND d.is_current))
            FROM slates s
            WHERE s.organization_id = :org AND s.role_id = ANY(:roles) AND s.status = 'sent'
            ORDER BY s.due_at NULLS LAST, s.id
            """
        ),
        "interviews": await run(
            """
            SELECT i.role_id, i.id, i.ical_sequence, i.kind, i.start_at, c.name
            FROM interviews i
            JOIN applications a ON a.id = i.application_id
            JOIN candidates c ON c.id = a.candidate_id
            WHERE i.organization_id = :org AND i.role_id = ANY(:roles)
              AND i.status IN ('scheduled', 'proposed')
              AND i.start_at >= :now AND i.start_at < :now + interval '7 days'
            ORDER BY i.start_at, i.id
            """
        ),
        "overdue": await run(
            """
            SELECT i.role_id, i.id, p.member_id, m.name, c.name,
                   i.end_at + make_interval(hours => o.feedback_due_hours) AS due_at
            FROM interviews i
            JOIN interview_participants p ON p.interview_id = i.id
            JOIN members m ON m.id = p.member_id
            JOIN organizations o ON o.id = i.organization_id
            JOIN applications a ON a.id = i.application_id
            JOIN candidates c ON c.id = a.candidate_id
            WHERE i.organization_id = :org AND i.role_id = ANY(:roles)
              AND i.status IN ('scheduled', 'completed') AND i.end_at <= :now
              AND i.end_at + make_interval(hours => o.feedback_due_hours) <= :now
              AND NOT EXISTS (
                  SELECT 1 FROM scorecards s WHERE s.interview_id = i.id
                    AND s.interviewer_id = p.member_id AND s.status = 'submitted')
            ORDER BY due_at, i.id, p.member_id
            """
        ),
        "stages": await run(
            """
            SELECT role_id, stage, count(*) FROM applications
            WHERE organization_id = :org AND role_id = ANY(:roles) AND outcome = 'active'
            GROUP BY role_id, stage
            """
        ),
        "questions": await run(
            """
            SELECT s.role_id, si.id, si.question, c.name
            FROM slate_items si
            JOIN slates s ON s.id = si.slate_id
            JOIN applications a ON a.id = si.application_id
            JOIN candidates c ON c.id = a.candidate_id
            WHERE s.organization_id = :org AND s.role_id = ANY(:roles) AND s.status = 'sent'
              AND si.question IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM slate_decisions d
                              WHERE d.slate_item_id = si.id AND d.is_current)
            ORDER BY si.slate_id, si.position
            """
        ),
        # Follow-up answers the hiring manager has not decided on since (answered in the last
        # two weeks, so an answer on an application that never returns to a slate fades out).
        "answers": await run(
            """
            SELECT f.role_id, f.id, c.name, f.question, f.answer_text, f.answer_link,
                   f.answer_document_id IS NOT NULL, f.answered_at, f.application_id
            FROM follow_ups f
            JOIN candidates c ON c.id = f.candidate_id
            WHERE f.organization_id = :org AND f.role_id = ANY(:roles) AND f.state = 'answered'
              AND f.answered_at > CAST(:now AS timestamptz) - interval '14 days'
              AND NOT EXISTS (SELECT 1 FROM slate_decisions d
                              WHERE d.application_id = f.application_id AND d.is_current
                                AND d.created_at > f.answered_at)
            ORDER BY f.answered_at, f.id
            """
        ),
        "proposals": await run(
            """
            SELECT ir.role_id, ir.id, ir.number, ir.change_note
            FROM intake_revisions ir
            WHERE ir.organization_id = :org AND ir.role_id = ANY(:roles) AND ir.status = 'draft'
              AND ir.hiring_manager_signed_off_at IS NULL
            ORDER BY ir.role_id, ir.number
            """
        ),
    }
